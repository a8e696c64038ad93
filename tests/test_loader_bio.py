"""BIO tags and the alignment report, on hand-made cases and as a property over generated records."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
