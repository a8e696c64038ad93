"""BIO tags and the alignment report, on hand-made cases and as a property over generated records."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from crocus_claims.loader import load
from crocus_claims.loader.bio import OUTSIDE, regex_tokenizer, tag_names, tag_spans, tokenize
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from test_release_build import build, gold_records

SCHEMA = load_schema()
FIRST, SECOND = SCHEMA.labels[0].name, SCHEMA.labels[1].name
TEXT = "Moscow said IS-K attacked Crocus City Hall."


def span(span_id: str, label: str, start: int, end: int) -> Any:
    return SimpleNamespace(id=span_id, label=label, start=start, end=end)


def at(word: str, label: str = FIRST, span_id: str = "s1") -> Any:
    start = TEXT.index(word)
    return span(span_id, label, start, start + len(word))


def tags_of(*spans: Any) -> tuple[list[str], list[Any]]:
    return tag_spans("doc", tokenize(TEXT, None), spans)


def test_the_default_tokenizer_gives_offsets_into_the_text() -> None:
    tokens = regex_tokenizer(TEXT)
    assert [t[0] for t in tokens] == ["Moscow", "said", "IS-K", "attacked", "Crocus", "City", "Hall", "."]
    assert all(TEXT[start:end] == token for token, start, end in tokens)


def test_an_aligned_span_is_tagged_and_not_reported() -> None:
    tags, report = tags_of(at("Crocus City Hall"))
    assert tags == [OUTSIDE] * 4 + [f"B-{FIRST}", f"I-{FIRST}", f"I-{FIRST}", OUTSIDE]
    assert report == []


def test_a_span_inside_a_token_is_reported_and_tagged_on_the_token() -> None:
    start = TEXT.index("IS-K")
    tags, report = tags_of(span("s1", FIRST, start, start + 2))  # "IS" of "IS-K"
    assert tags[2] == f"B-{FIRST}"
    assert [(i.span_id, i.kind) for i in report] == [("s1", "not-on-token-boundary")]
    assert "characters" in report[0].message


def test_a_span_on_white_space_only_is_reported_as_covering_no_token() -> None:
    gap = TEXT.index(" said")
    tags, report = tags_of(span("s1", FIRST, gap, gap + 1))
    assert tags == [OUTSIDE] * 8
    assert [(i.span_id, i.kind) for i in report] == [("s1", "no-token")]


def test_nested_and_overlapping_spans_are_reported_not_dropped() -> None:
    outer = at("IS-K attacked Crocus City Hall", FIRST, "outer")
    nested = at("Crocus", SECOND, "nested")
    overlapping = at("Hall.", SECOND, "overlapping")
    tags, report = tags_of(nested, overlapping, outer)
    assert tags[2:7] == [f"B-{FIRST}"] + [f"I-{FIRST}"] * 4  # the leftmost, longest span holds the tokens
    assert sorted((i.span_id, i.kind, i.other_span_id) for i in report) == [
        ("nested", "overlap", "outer"), ("overlapping", "overlap", "outer")]


def test_a_pluggable_tokenizer_is_used() -> None:
    def whitespace(text: str) -> list[tuple[str, int, int]]:
        import re

        return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]

    tokens = tokenize(TEXT, whitespace)
    assert tokens[-1] == ("Hall.", TEXT.index("Hall."), len(TEXT))
    tags, report = tag_spans("doc", tokens, [at("Hall")])
    assert tags[-1] == f"B-{FIRST}" and [i.kind for i in report] == ["not-on-token-boundary"]


def test_tag_names_come_from_the_schema() -> None:
    names = tag_names(SCHEMA)
    assert names[0] == OUTSIDE and len(names) == 1 + 2 * len(SCHEMA.labels)
    assert {name.split("-", 1)[1] for name in names[1:]} == {label.name for label in SCHEMA.labels}


def spans_from_tags(tokens: list[tuple[str, int, int]], tags: list[str]) -> set[tuple[str, int, int]]:
    """(label, start, end) of each B-I* run: what a model trained on the tags can recover."""
    found, current = set(), None
    for (_, start, end), tag in zip(tokens, tags, strict=True):
        if tag.startswith("B-") or tag == OUTSIDE:
            if current:
                found.add(current)
            current = (tag[2:], start, end) if tag != OUTSIDE else None
        elif current:
            current = (current[0], current[1], end)
    if current:
        found.add(current)
    return found


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gold=gold_records())
def test_every_span_is_recoverable_from_the_tags_or_reported(tmp_path: Path, gold: list[dict[str, Any]]) -> None:
    dataset = load(build(tmp_path, gold, name=f"dist-{len(list(tmp_path.iterdir()))}"))
    # the default tokenizer's fast path gives what the pattern, passed as a custom tokenizer, gives
    assert dataset.to_bio().documents == dataset.to_bio(regex_tokenizer).documents
    assert dataset.to_layered_bio().documents == dataset.to_layered_bio(regex_tokenizer).documents
    for result in (dataset.to_bio(), dataset.to_layered_bio()):
        reported = {(i.doc_id, i.span_id) for i in result.report}
        for document, record in zip(result.documents, dataset, strict=True):
            tokens = list(zip(document.tokens, document.starts, document.ends, strict=True))
            layers = document.tags.values() if isinstance(document.tags, dict) else [document.tags]
            recovered = set().union(*(spans_from_tags(tokens, tags) for tags in layers))
            for s in record.spans:
                assert (s.label, s.start, s.end) in recovered or (record.doc_id, s.id) in reported
    labels = {(r.doc_id, s.id): s.label for r in dataset for s in r.spans}
    for issue in dataset.to_layered_bio().report:  # layered tags lose spans only to their own label
        if issue.kind == "overlap":
            assert labels[issue.doc_id, issue.other_span_id] == issue.label


# ---------------------------------------------------------------------------------------------
# Streaming, and the bisection lookup against the plain scan it replaced

from hypothesis import strategies as st  # noqa: E402

from crocus_claims.loader.bio import (  # noqa: E402
    BioResult,
    TokenIndex,
    covered_tokens,
    regex_token_columns,
    tag_on,
)
from crocus_claims.loader import bio as bio_module  # noqa: E402


def COMPILED_COLUMNS(text: str) -> tuple[list[str], list[int], list[int]]:  # noqa: N802
    """The compiled helper's columns (make's environment builds it)."""
    assert bio_module._bio_tokens is not None
    return bio_module._bio_tokens.token_columns(text)


def reference_tags(tokens: list[tuple[str, int, int]], spans: list[Any]) -> tuple[list[str], list[tuple[str, str]]]:
    """The tagging rule written the slow, obvious way: scan every token for every span."""
    tags, owner, issues = [OUTSIDE] * len(tokens), [None] * len(tokens), []
    for s in sorted(spans, key=lambda s: (s.start, -s.end, s.label, s.id)):
        indices = covered_tokens(tokens, s.start, s.end)
        if not indices:
            issues.append((s.id, "no-token"))
            continue
        if any(owner[i] for i in indices):
            issues.append((s.id, "overlap"))
            continue
        if tokens[indices[0]][1] != s.start or tokens[indices[-1]][2] != s.end:
            issues.append((s.id, "not-on-token-boundary"))
        for position, i in enumerate(indices):
            tags[i], owner[i] = f"{'B' if position == 0 else 'I'}-{s.label}", s.id
    return tags, issues


@st.composite
def tokens_and_spans(draw: Any) -> tuple[list[tuple[str, int, int]], list[Any]]:
    text = draw(st.text(alphabet=st.sampled_from("ab ,.-\n😀"), min_size=1, max_size=60))
    tokens = regex_tokenizer(text)
    bounds = st.integers(0, len(text))
    spans = []
    for number in range(draw(st.integers(0, 6))):
        start, end = sorted(draw(st.tuples(bounds, bounds)))
        if start < end:
            spans.append(span(f"s{number}", draw(st.sampled_from([FIRST, SECOND])), start, end))
    return tokens, spans


@settings(max_examples=300, deadline=None)
@given(case=tokens_and_spans())
def test_bisection_tags_exactly_like_the_scan_of_every_token(case: Any) -> None:
    tokens, spans = case
    tags, issues = tag_on("doc", TokenIndex([t[1] for t in tokens], [t[2] for t in tokens]), spans)
    expected_tags, expected_issues = reference_tags(tokens, spans)
    assert tags == expected_tags
    assert sorted((i.span_id, i.kind) for i in issues) == sorted(expected_issues)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_the_fast_default_tokenizer_gives_the_regex_tokens(text: str) -> None:
    tokens, starts, ends = regex_token_columns(text)
    assert list(zip(tokens, starts, ends, strict=True)) == regex_tokenizer(text)


def test_overlapping_tokens_from_a_custom_tokenizer_fall_back_to_a_scan() -> None:
    def overlapping(text: str) -> list[tuple[str, int, int]]:
        return [(text[0:6], 0, 6), (text[0:11], 0, 11), (text[7:11], 7, 11)]

    tokens = tokenize(TEXT, overlapping)
    tags, issues = tag_spans("doc", tokens, [span("s1", FIRST, 7, 11)])
    assert tags == reference_tags(tokens, [span("s1", FIRST, 7, 11)])[0]


def test_tags_stream_and_the_report_counts_every_issue_beyond_those_it_keeps(tmp_path: Path) -> None:
    from test_release_build import corpus_gold, example_attributes, simple_labels

    gold = corpus_gold(SCHEMA, words_per_doc=3)
    for record in gold:  # a copy of every first span, another label: one overlap issue per document
        other = next(label for label in simple_labels(SCHEMA) if label != record["spans"][0]["label"])
        record["spans"].append(dict(record["spans"][0], id="copy", label=other,
                                    attributes=example_attributes(SCHEMA, other)))
    dataset = load(build(tmp_path, gold))
    result = dataset.to_bio()
    assert isinstance(result, BioResult)
    stream = iter(result)
    first = next(stream)  # one document computed, the rest not yet
    assert first.doc_id == min(r["doc_id"] for r in gold)
    documents = [first, *stream]
    per_document = [issue for document in documents for issue in document.issues]
    assert len(per_document) == len(gold) and {i.kind for i in per_document} == {"overlap"}
    assert list(result.report) == per_document and result.report.complete
    small = BioResult(dataset, None, layered=False, keep=2)
    assert small.report.total == len(gold) and len(small.report) == 2 and not small.report.complete
    assert small.report.counts == {"overlap": len(gold)}
    written = tmp_path / "bio.jsonl"
    report = dataset.to_layered_bio().write_jsonl(written)
    lines = written.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(gold) and report.total == 0  # layered: different labels do not collide
    assert set(__import__("json").loads(lines[0])["tags"]) == {label.name for label in SCHEMA.labels}


# ---------------------------------------------------------------------------------------------
# The default tokenizer's fast path (cut at spaces, plain words taken whole, tagging without a
# per-token owner list) against the plain reference: the pattern run over the whole text
# (regex_tokenizer) and the general tagger (tag_on), and the scan of every token above.

import re  # noqa: E402
import sys  # noqa: E402

from crocus_claims.loader.bio import (  # noqa: E402
    TOKEN,
    BioDocument,
    LayeredBioDocument,
    TagRecord,
    TagSpan,
    flat_document,
    layered_document,
)
from strategies import records, texts  # noqa: E402

LABELS = [label.name for label in SCHEMA.labels]
# What cuts the fast path into its cases: plain words, words with inner hyphens or separators,
# punctuation, emoji and ZWJ sequences, combining marks, underscores, every kind of white space.
PIECES = ("Crocus", "145", "IS-K", "1,000", "U.S.", "Hall.", "a_b", "_", "«Moscow»", "e\u0301", "😀",
          "👩\u200d👩\u200d👧", "🇷🇺", "𝔘", "Москва", "-", ",", "x\u200dy", " ", "  ", "\n", "\t", "\u00a0",
          "\u2028", "\x1c")


def fast_path_texts() -> st.SearchStrategy[str]:
    joined = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
    spaced = st.lists(st.sampled_from(PIECES), max_size=80).map(" ".join)
    return st.one_of(joined, spaced, texts(max_pieces=60), st.text(max_size=120))


@st.composite
def tag_records_of_every_shape(draw: Any) -> TagRecord:
    """A record drawn from the schema (labels, spans that start and end on characters that are
    not white space), plus spans on token boundaries (nested in and overlapping each other,
    copies under other labels), and spans at any offsets (in white space, empty)."""
    record = draw(records(text=fast_path_texts(), max_spans=6))
    text = record["text"]
    spans = [TagSpan(s["id"], s["label"], s["start"], s["end"]) for s in record["spans"]]
    tokens = regex_tokenizer(text)
    for number in range(draw(st.integers(0, 8)) if tokens else 0):
        first = draw(st.integers(0, len(tokens) - 1))
        last = draw(st.integers(first, min(len(tokens) - 1, first + 4)))
        spans.append(TagSpan(f"t{number}", draw(st.sampled_from(LABELS)), tokens[first][1], tokens[last][2]))
    for number in range(draw(st.integers(0, 3))):
        start, end = sorted(draw(st.tuples(st.integers(0, len(text)), st.integers(0, len(text)))))
        spans.append(TagSpan(f"x{number}", draw(st.sampled_from(LABELS)), start, end))
    return TagRecord(record["doc_id"], "train", text, draw(st.permutations(spans)))


def reference_flat(record: TagRecord) -> BioDocument:
    tokens = regex_tokenizer(record.text)
    starts, ends = [t[1] for t in tokens], [t[2] for t in tokens]
    tags, issues = tag_on(record.doc_id, TokenIndex(starts, ends), record.spans)
    return BioDocument(record.doc_id, record.split, [t[0] for t in tokens], starts, ends, tags, tuple(issues))


def reference_layered(record: TagRecord) -> LayeredBioDocument:
    tokens = regex_tokenizer(record.text)
    starts, ends = [t[1] for t in tokens], [t[2] for t in tokens]
    layers, issues = {}, []
    for label in LABELS:
        spans = [s for s in record.spans if s.label == label]
        layers[label], found = tag_on(record.doc_id, TokenIndex(starts, ends), spans)
        issues.extend(found)
    words = [t[0] for t in tokens]
    return LayeredBioDocument(record.doc_id, record.split, words, starts, ends, layers, tuple(issues))


@settings(max_examples=500, deadline=None)
@given(text=fast_path_texts())
def test_the_fast_tokenizer_gives_the_pattern_s_tokens_on_texts_of_every_shape(text: str) -> None:
    assert list(zip(*regex_token_columns(text), strict=True)) == regex_tokenizer(text)
    assert COMPILED_COLUMNS(text) == regex_token_columns(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_the_compiled_tokenizer_gives_the_pattern_s_tokens_on_any_text(text: str) -> None:
    assert list(zip(*COMPILED_COLUMNS(text), strict=True)) == regex_tokenizer(text)


def test_the_compiled_tokenizer_is_built_in_the_development_environment_and_used_by_default() -> None:
    """make's environment has a C compiler (a user without one gets regex_token_columns, which
    .ci/package-check installs and runs)."""
    from crocus_claims.loader import bio

    assert bio._bio_tokens is not None and bio.default_token_columns is bio._bio_tokens.token_columns
    long_text = "Crocus " * 20_000  # offsets past those the helper shares
    assert COMPILED_COLUMNS(long_text) == regex_token_columns(long_text)
    with pytest.raises(TypeError):
        bio._bio_tokens.token_columns(b"bytes")  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(record=tag_records_of_every_shape())
def test_the_fast_path_gives_the_reference_s_tokens_tags_and_every_issue(record: TagRecord) -> None:
    flat = flat_document(record, None, LABELS)
    assert flat == reference_flat(record)  # tokens, offsets, tags, and each issue with its message
    tokens = regex_tokenizer(record.text)
    expected_tags, expected_kinds = reference_tags(tokens, record.spans)
    assert flat.tags == expected_tags
    assert sorted((i.span_id, i.kind) for i in flat.issues) == sorted(expected_kinds)
    assert layered_document(record, None, LABELS) == reference_layered(record)


def test_isalnum_is_the_pattern_s_word_characters_less_the_underscore() -> None:
    """The fast path takes a run that str.isalnum accepts as one token of the pattern: checked
    for every code point (the rule is Python's: both use the same Unicode database)."""
    word = re.compile(r"\w")
    disagree = [code for code in range(sys.maxunicode + 1)
                if chr(code).isalnum() != (word.match(chr(code)) is not None and code != ord("_"))]
    assert disagree == []
    assert TOKEN.startswith(r"\w+")


def test_a_text_with_many_parts_to_replace_is_matched_whole_with_the_same_tokens(monkeypatch: Any) -> None:
    """Past MOST_PARTS_REPLACED parts to replace (or past half the parts to match), replacing in
    place would move the tokens after each one: one pass of the pattern instead, same columns."""
    from crocus_claims.loader import bio

    whole: list[str] = []
    paired = bio.paired_token_columns
    monkeypatch.setattr(bio, "paired_token_columns", lambda text: whole.append(text) or paired(text))
    few_but_many = " ".join(["Crocus", "Hall.", "City"] * (bio.MOST_PARTS_REPLACED + 1))  # a third to replace
    mostly = " ".join(["«Moscow»", "😀", "", "a\nb"] * 50)
    some = " ".join(["Crocus", "Hall.", "City"] * 10)
    for text in (few_but_many, mostly, some):
        assert list(zip(*regex_token_columns(text), strict=True)) == regex_tokenizer(text)
    assert whole == [few_but_many, mostly]


def test_a_tokenizer_helper_built_from_other_sources_is_left_unused() -> None:
    """A build older than its sources (an in-place build never rebuilt) says another ABI."""
    import subprocess
    import sys

    script = ("import sys, types\n"
              "stale = types.ModuleType('crocus_claims.loader._bio_tokens'); stale.ABI = 0\n"
              "sys.modules['crocus_claims.loader._bio_tokens'] = stale\n"
              "from crocus_claims.loader import bio\n"
              "assert bio._bio_tokens is None\n"
              "assert bio.default_token_columns is bio.regex_token_columns\n")
    subprocess.run([sys.executable, "-c", script], check=True)


# ---------------------------------------------------------------------------------------------
# The compiled tagging (_bio_tokens.tag_tiled, tag_layered) against tag_tiled and tag_layers in
# Python, issue for issue, and what it leaves to them.

from crocus_claims.loader.bio import AlignmentIssue, tag_layers, tag_tiled  # noqa: E402


def compiled() -> Any:
    assert bio_module._bio_tokens is not None  # make's environment builds it
    return bio_module._bio_tokens


@st.composite
def tokens_and_any_spans(draw: Any) -> tuple[str, list[int], list[int], list[TagSpan]]:
    """A text's token columns and spans at any offsets, also outside the text, with ids and
    (start, end, label) shared between spans, so that the order's every tie is drawn."""
    text = draw(fast_path_texts())
    _, starts, ends = regex_token_columns(text)
    bounds = st.integers(-3, len(text) + 3)
    spans = [TagSpan(draw(st.sampled_from(["s1", "s2", "s3", "t"])), draw(st.sampled_from(LABELS[:3])),
                     *sorted(draw(st.tuples(bounds, bounds))))
             for _ in range(draw(st.integers(0, 10)))]
    return text, starts, ends, spans


@settings(max_examples=500, deadline=None)
@given(case=tokens_and_any_spans())
def test_the_compiled_tagging_gives_tag_tiled_s_tags_and_every_issue(case: Any) -> None:
    _, starts, ends, spans = case
    expected = tag_tiled("doc", starts, ends, spans)
    assert compiled().tag_tiled("doc", starts, ends, spans, {}, AlignmentIssue) == expected
    assert compiled().tag_tiled("doc", starts, ends, spans, bio_module.LABEL_TAGS, AlignmentIssue) == expected
    layered = compiled().tag_layered("doc", starts, ends, spans, LABELS, {}, AlignmentIssue)
    assert layered == tag_layers("doc", spans, LABELS, lambda doc_id, of: tag_tiled(doc_id, starts, ends, of))


def outcome(call: Any) -> Any:
    """What `call()` gives, or the type and text of the exception it raises."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001  (compared, not handled)
        return type(error), str(error)


class Label(str):
    pass


class Odd:
    """A hand-made span: fields given by keyword, a missing field missing (AttributeError)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def test_the_compiled_tagging_is_used_by_default_and_leaves_what_it_cannot_read_to_python() -> None:
    """Input the helper does not read (offsets past 64 bits or not ints, token offsets that are
    not two lists of one length of ints, labels and ids that are not str, labels of a layer that
    are not a list of str, spans without a field or not iterable): it says None, and tag_tiled or
    tag_layers gives its own result or exception. Spans from a generator are read once."""
    assert bio_module.default_tag_tiled is bio_module.compiled_tag_tiled
    _, starts, ends = regex_token_columns(TEXT)
    crocus = at("Crocus", SECOND, "s2")
    odd_spans: list[list[Any]] = [
        [span("s1", FIRST, 2**70, 2**71), crocus], [span("s1", FIRST, True, 6), crocus],
        [span("s1", Label(FIRST), 0, 6), crocus], [Odd(id="s1", label=FIRST, start=0), crocus],
        [Odd(label=FIRST), crocus], [object()], [Odd(id="s1", label="NOT_A_LABEL", start=0), crocus],
    ]
    odd_offsets = [(tuple(starts), ends), (starts, ends[:-1]), ([float(s) for s in starts], ends),
                   ([s + 2**64 for s in starts], [e + 2**64 for e in ends])]
    cases = [(starts, ends, spans) for spans in odd_spans] + [(s, e, [crocus]) for s, e in odd_offsets]
    cases.append((starts, ends, 5))
    for case_starts, case_ends, spans in cases:
        assert compiled().tag_tiled("doc", case_starts, case_ends, spans, {}, AlignmentIssue) is None
    cases.append(([*starts[:-1], True], ends, [crocus]))  # an odd offset the bisection does not read
    for case_starts, case_ends, spans in cases:
        expected = outcome(lambda: tag_tiled("doc", case_starts, case_ends, spans))
        assert outcome(lambda: bio_module.default_tag_tiled("doc", case_starts, case_ends, spans)) == expected
    unknown = [Odd(id="s1", label="NOT_A_LABEL", start=0), Odd(label=FIRST)]  # tag_layers: a KeyError first
    for labels, spans in [(tuple(LABELS), [crocus]), ([*LABELS, Label("MORE")], [crocus]), (LABELS, unknown)]:
        assert compiled().tag_layered("doc", starts, ends, spans, labels, {}, AlignmentIssue) is None
        tagging = bio_module.tagger(None, starts, ends)
        expected = outcome(lambda: bio_module.tag_layers("doc", spans, labels, tagging))
        compiled_layers = outcome(lambda: bio_module.layers_on(None, starts, ends, "doc", iter(spans), labels))
        assert compiled_layers == expected
    assert outcome(lambda: bio_module.layers_on(None, starts, ends, "doc", unknown, LABELS)) == (
        KeyError, "'NOT_A_LABEL'")
    generated = (s for s in [span("s1", FIRST, 0, 6), span("s2", FIRST, 2**70, 2**71)])
    assert bio_module.compiled_tag_tiled("doc", starts, ends, generated) == tag_tiled(
        "doc", starts, ends, [span("s1", FIRST, 0, 6), span("s2", FIRST, 2**70, 2**71)])
    record = TagRecord("doc", "train", TEXT, [TagSpan("s1", "NOT_A_LABEL", 0, 6)])
    with pytest.raises(KeyError):
        layered_document(record, None, LABELS)


def test_the_compiled_tagging_refuses_bad_arguments_with_an_exception_never_a_crash() -> None:
    tagging = compiled()
    _, starts, ends = regex_token_columns(TEXT)
    spans = [at("Crocus"), at("City", SECOND, "s2")]
    bad_calls = [
        lambda: tagging.tag_tiled("doc", starts, ends, spans, [], AlignmentIssue),  # label_tags not a dict
        lambda: tagging.tag_tiled("doc", starts, ends, spans, {}),  # an argument missing
        lambda: tagging.tag_tiled("doc", starts, ends, spans, {FIRST: "B-"}, AlignmentIssue),
        lambda: tagging.tag_layered("doc", starts, ends, spans, LABELS, {}),
        lambda: tagging.tag_layered("doc", starts, ends, spans, LABELS, None, AlignmentIssue),
    ]
    for call in bad_calls:
        with pytest.raises(TypeError):
            call()

    def refused(*args: Any) -> Any:
        raise ValueError("no issue")

    with pytest.raises(ValueError, match="no issue"):
        tagging.tag_tiled("doc", starts, ends, [span("s1", FIRST, 1, 6)], {}, refused)

    def shrinking(*args: Any) -> Any:  # an issue maker that empties the token offsets
        starts.clear()
        return args

    off_boundary = [span("s1", FIRST, 1, 6), span("s2", FIRST, 7, 11)]
    with pytest.raises(RuntimeError, match="token offsets changed"):
        tagging.tag_tiled("doc", starts, ends, off_boundary, {}, shrinking)


def test_the_compiled_tokenizer_shares_recent_tokens_and_still_gives_the_pattern_s_columns() -> None:
    """Recent tokens are kept by a hash of their characters (4,096 slots, up to 16 characters):
    more distinct tokens than slots (so slots are taken over), one word in texts of every width
    (one, two and four bytes a character), and tokens of 16 and 17 characters."""
    words = [f"w{number}x" for number in range(10_000)]
    many = " ".join(words + words[::-1])
    assert COMPILED_COLUMNS(many) == regex_token_columns(many)
    for text in ("Crocus Moscow", "Crocus “Moscow”", "Crocus 😀 Moscow", "Crocus é Moscow",
                 "a" * 16 + " " + "a" * 17 + " " + "a" * 16):
        assert COMPILED_COLUMNS(text) == regex_token_columns(text) == COMPILED_COLUMNS(text)
    first, second = COMPILED_COLUMNS("Moscow said"), COMPILED_COLUMNS("“Moscow” said")
    assert first[0][0] is second[0][1]  # the same str, from a one-byte and a two-byte text
    for letter in ("é", "ā", "Ж", "𝔘"):  # slots taken over by tokens of one, two, four bytes a character
        words = [f"{letter}w{number:05d}" for number in range(10_000)]
        text = " ".join(words + words[::-1])
        assert COMPILED_COLUMNS(text) == regex_token_columns(text)


def test_the_compiled_tokenizer_gives_offsets_around_those_it_shares() -> None:
    """Offsets below 65,536 are shared int objects: the last shared, the first made, either side."""
    for length in (65_534, 65_535, 65_536, 65_537):
        for text in ("a" * length + " b", "a" * length, " " * length + "b c"):
            assert COMPILED_COLUMNS(text) == regex_token_columns(text)


def test_the_compiled_tagging_holds_when_reading_a_span_changes_the_labels() -> None:
    """A span whose fields are computed (hand-made) may change the caller's lists while they
    are read: the helper works on its own copy of the labels."""
    _, starts, ends = regex_token_columns(TEXT)
    labels = list(LABELS)

    class Shrinking:
        id, label, start = "s1", FIRST, 0

        @property
        def end(self) -> int:
            labels.clear()
            return 6

    tagged = compiled().tag_layered("doc", starts, ends, [Shrinking()], labels, {}, AlignmentIssue)
    assert tagged is not None and list(tagged[0]) == LABELS and tagged[0][FIRST][0] == f"B-{FIRST}"
