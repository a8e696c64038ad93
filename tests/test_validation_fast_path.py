"""The validator's fast path, held to the reference checks (validation/fast_path.py).

The fast path never makes a finding: it only says "clean" (and the reference checks are skipped)
or "not sure" (and they run). So it is correct exactly when every line it calls clean is one the
reference checks find nothing in, which these properties test on records generated from the schema
and on every kind of corruption, at the level of the data and of the JSON bytes. The last
properties check that it is used: the records this toolkit writes take it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import records

from crocus_claims.corpus import CorpusDocument
from crocus_claims.records import SPLITS, record_types
from crocus_claims.schema import Schema, load_schema
from crocus_claims.validation import validate_lines
from crocus_claims.records import text_literal_record_types
from crocus_claims.validation import fast_path
from crocus_claims.validation.duplicate_keys import _count_colons_in_python, colons_outside, count_colons
from crocus_claims.validation.fast_path import TOO_MANY, FastPath, SpanChecks, clean_record, inline_text
from crocus_claims.validation.validator import VersionedContext, check_line, make_context, reference_check_line

SCHEMA = load_schema()
settings.register_profile("crocus", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile("crocus")
CTX = make_context(corpus={})
FIGURE = next(label.name for label in SCHEMA.labels if label.interval)
INTERVAL = next(label.interval for label in SCHEMA.labels if label.interval)


def complete_line(record: dict[str, Any]) -> bytes:
    """The record as this toolkit writes it: every field, null where unknown."""
    types = record_types(SCHEMA)
    return types.encode(types.decode(json.dumps(record, ensure_ascii=False)))


def assert_fast_path_agrees(line: bytes, ctx: VersionedContext = CTX) -> None:
    """Whenever the fast path calls a line clean, the reference checks find nothing in it; and the
    fast path with the compiled helper says what it says in Python alone, span check by span check."""
    record = clean_record(line, ctx.fast)
    python = FastPath(ctx, compiled=False)
    assert (clean_record(line, python) is None) == (record is None)
    assert_span_checks_agree(line, ctx.fast)
    if record is not None:
        findings, key = reference_check_line(line, ctx)
        assert findings == [], (line, findings)
        assert key == (record.doc_id, record.annotator)


def assert_span_checks_agree(line: bytes, fast: FastPath) -> None:
    """The compiled span checks return what the Python ones do, on any record that decodes: with
    the ids seen so far, and with none known yet (UNKNOWN_ID)."""
    try:
        record = fast.decoder.decode(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return
    text = inline_text(bytes(record.text), record, fast) if record.text is not msgspec.UNSET else None
    if text is None:
        text = fast.ctx.corpus[record.doc_id].text if record.doc_id in fast.ctx.corpus else "x" * 100
    unknown = SpanChecks(fast.ctx, set())
    pairs = [(fast.span_checks, fast.python_span_checks),
             (unknown.compiled(text_literal_record_types(fast.ctx.schema)), unknown)]
    for compiled, python in pairs:
        assert compiled is not None
        expected = python(text, record.spans, record.relations)
        if max(len(record.spans), len(record.relations)) > MAX_COMPARED:
            expected = TOO_MANY
        assert compiled(text, record.spans, record.relations) == expected


MAX_COMPARED = 128  # _fast_path.c's MAX_ITEMS: past it, the helper leaves the record to SpanChecks


def _spans(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["spans"]


# Targeted corruptions: each makes one fault the reference checks report, in a line that is
# otherwise as this toolkit writes it, or returns None when the record cannot carry that fault.
Corruption = Any  # (data, draw) -> bytes | None


def _line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _span(data: dict[str, Any], draw: st.DrawFn, label: str | None = None) -> dict[str, Any] | None:
    spans = [span for span in data["spans"] if label is None or span["label"] == label]
    return draw(st.sampled_from(spans)) if spans else None


def quote_elsewhere(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """Offsets moved, quote kept: a span-text-mismatch unless the text repeats itself there."""
    span = _span(data, draw)
    if span is None:
        return None
    span[draw(st.sampled_from(["start", "end"]))] += draw(st.sampled_from([-2, -1, 1, 2]))
    return _line(data)


def quote_with_white_space(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """A span moved to any range of the text, quoting it exactly: empty, or with white space at an end."""
    span, text = _span(data, draw), data["text"]
    if span is None:
        return None
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    span.update(start=start, end=end, text=text[start:end])
    return _line(data)


def past_the_end(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """An end past the text, the quote being what is left of the text there."""
    span, text = _span(data, draw), data["text"]
    if span is None or not text:  # an empty text has no character to start at
        return None
    start = draw(st.integers(0, len(text) - 1))
    span.update(start=start, end=len(text) + draw(st.integers(1, 3)), text=text[start:])
    return _line(data)


def same_span_again(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    span = _span(data, draw)
    if span is None:
        return None
    data["spans"].append(dict(copy.deepcopy(span), id=draw(st.sampled_from([span["id"], "s99"]))))
    return _line(data)


def reused_span_id(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    if len(data["spans"]) < 2:
        return None
    data["spans"][1]["id"] = data["spans"][0]["id"]
    return _line(data)


def invalid_id(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    bad = draw(st.sampled_from(["", "a b", "x\n", "é", "a" * 65, "a:b"]))
    where = draw(st.sampled_from(["doc_id", "span", "relation"]))
    if where == "doc_id":
        data["doc_id"] = bad
    elif where == "span" and data["spans"]:
        old = data["spans"][0]["id"]
        data["spans"][0]["id"] = bad
        for relation in data["relations"]:
            relation.update(head=bad if relation["head"] == old else relation["head"],
                            tail=bad if relation["tail"] == old else relation["tail"])
    elif where == "relation" and data["relations"]:
        data["relations"][0]["id"] = bad
    else:
        return None
    return _line(data)


def _relation(data: dict[str, Any], draw: st.DrawFn, kind: str, head: str, tail: str) -> bytes:
    data["relations"].append({"id": draw(st.sampled_from(["r99", *(r["id"] for r in data["relations"])])),
                              "type": kind, "head": head, "tail": tail})
    return _line(data)


def any_relation(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """A relation between any two spans (or a span and no span), of any type, with any id."""
    if not data["spans"]:
        return None
    ids = [span["id"] for span in data["spans"]]
    return _relation(data, draw, draw(st.sampled_from([r.name for r in SCHEMA.relations])),
                     draw(st.sampled_from(ids)), draw(st.sampled_from([*ids, "nowhere"])))


def self_relation(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """A span related to itself, by a type that allows its label at both ends."""
    options = [(r.name, span["id"]) for r in SCHEMA.relations for span in data["spans"]
               if span["label"] in r.head and span["label"] in r.tail]
    if not options:
        return None
    kind, span_id = draw(st.sampled_from(options))
    return _relation(data, draw, kind, span_id, span_id)


def repeated_relation(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """A relation given again, or a second one from its head to another span its type allows
    (too many when the type allows one per head)."""
    if not data["relations"]:
        return None
    relation = draw(st.sampled_from(data["relations"]))
    allowed = next(r for r in SCHEMA.relations if r.name == relation["type"]).tail
    tails = [span["id"] for span in data["spans"] if span["label"] in allowed and span["id"] != relation["head"]]
    if not tails:
        return None
    return _relation(data, draw, relation["type"], relation["head"], draw(st.sampled_from(tails)))


def inconsistent_figure(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    span = _span(data, draw, FIGURE)
    if span is None:
        return None
    interval = next(label.interval for label in SCHEMA.labels if label.interval)
    span["attributes"][interval.qualifier] = draw(st.sampled_from(sorted(interval.rules)))
    for name in (interval.value, interval.minimum, interval.maximum):
        span["attributes"][name] = draw(st.none() | st.integers(0, 12))
    return _line(data)


def other_text(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    data["text"] = draw(st.sampled_from([data["text"] + " ", data["text"][1:], data["text"] + "\u0085"]))
    return _line(data)


def repeated_key(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """One key written twice, in any object, with its colons made to balance when possible: a
    colon of a string spelled \\u003a, or a key written `"key" :`."""
    line = repeat_a_key(_line(data), draw)
    balance = draw(st.sampled_from(["none", "escape", "space"]))
    if balance == "escape" and b":" in data["annotator"].encode():
        line = line.replace(json.dumps(data["annotator"]).encode(),
                            json.dumps(data["annotator"]).encode().replace(b":", b"\\u003a"), 1)
    elif balance == "space":
        line = line.replace(b'":', b'" :', 1)
    return line


def repeat_a_key(line: bytes, draw: st.DrawFn) -> bytes:
    """Write one key twice, in any object: `"start":5` becomes `"start":5,"start":5`."""
    text = line.decode("utf-8")
    starts = [match.start() for match in re.finditer(r'"[a-z_0-9]+":', text)]
    start = draw(st.sampled_from(starts))
    key_end = text.index(":", start) + 1
    _, end = json.JSONDecoder().raw_decode(text, key_end)
    return (text[:end] + "," + text[start:end] + text[end:]).encode("utf-8")


def relations_past_the_limit(data: dict[str, Any], draw: st.DrawFn) -> bytes | None:
    """One relation more from one head than its type allows (max_per_head), each to another tail."""
    spans = data["spans"]
    options = [(relation, head, tails) for relation in SCHEMA.relations if relation.max_per_head is not None
               for head in spans if head["label"] in relation.head
               if len(tails := [tail for tail in spans if tail["label"] in relation.tail and tail is not head])
               > relation.max_per_head]
    if not options:
        return None
    relation, head, tails = draw(st.sampled_from(options))
    for index, tail in enumerate(tails[:relation.max_per_head + 1]):
        data["relations"].append({"id": f"limit{index}", "type": relation.name, "head": head["id"],
                                  "tail": tail["id"]})
    return _line(data)


CORRUPTIONS = [quote_elsewhere, quote_with_white_space, past_the_end, same_span_again, reused_span_id,
               invalid_id, any_relation, self_relation, repeated_relation, relations_past_the_limit,
               inconsistent_figure, other_text, repeated_key]


def written(record: dict[str, Any]) -> dict[str, Any]:
    """The record as data, as a complete line holds it (every attribute, null where unknown)."""
    data: dict[str, Any] = json.loads(complete_line(record))
    return data


@settings(max_examples=400)
@given(records(annotator=st.sampled_from(["alice", "a:b", "x::y"])), st.data())
def test_a_clean_verdict_is_the_reference_verdict_after_any_corruption(record: dict[str, Any],
                                                                        data: st.DataObject) -> None:
    corrupted = written(record)
    line: bytes | None = _line(corrupted)
    for corrupt in data.draw(st.lists(st.sampled_from(CORRUPTIONS), min_size=1, max_size=3)):
        line = corrupt(corrupted, data.draw) if corrupt is not repeated_key else repeated_key(corrupted, data.draw)
        if line is None:
            return
        if corrupt is repeated_key:
            break  # the line is no longer its data
    assert line is not None
    assert_fast_path_agrees(line)


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda corrupt: corrupt.__name__)
@settings(max_examples=60)
@given(records(annotator=st.sampled_from(["alice", "a:b"])), st.data())
def test_each_kind_of_fault_leaves_the_fast_path(corrupt: Corruption, record: dict[str, Any],
                                                 data: st.DataObject) -> None:
    line = corrupt(written(record), data.draw)
    assume(line is not None and reference_check_line(line, CTX)[0])  # the fault is there (a moved quote may still match)
    assert clean_record(line, CTX.fast) is None


@given(records(), st.data())
def test_bytes_that_are_not_a_record_leave_the_fast_path(record: dict[str, Any], data: st.DataObject) -> None:
    line = complete_line(record)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(line) - 1))
        line = line[:index] + bytes([data.draw(st.sampled_from(b'{}[]":, 0a\\\xff\xed'))]) + line[index + 1:]
    assert_fast_path_agrees(line)


@given(records())
def test_records_as_this_toolkit_writes_them_take_the_fast_path(record: dict[str, Any]) -> None:
    line = complete_line(record)
    assert clean_record(line, CTX.fast) is not None
    assert reference_check_line(line, CTX) == check_line(line, CTX) == ([], (record["doc_id"], record["annotator"]))


# Release lines: the text is followed by the split and the metadata (free text with colons), so
# the line does not end with the text's literal and its colons are counted whole.
METADATA_TEXT = st.one_of(st.none(), st.sampled_from(["Live: updates", "a:b:c", "12:30 GMT", "plain"]),
                          st.text(max_size=8))
METADATA_TEXTS = st.fixed_dictionaries({name: METADATA_TEXT
                                        for name in ("title", "outlet", "byline", "wire_source", "source_file")})


@settings(max_examples=150)
@given(records(annotator=st.sampled_from(["alice", "a:b"])), st.sampled_from(SPLITS), METADATA_TEXTS, st.data())
def test_release_lines_with_metadata_take_the_fast_path_and_leave_it_on_any_corruption(
        record: dict[str, Any], split: str, metadata: dict[str, Any], data: st.DataObject) -> None:
    released = dict(written(record), split=split, metadata=dict(metadata, publication_date=None))
    line = _line(released)
    assert not line.endswith(json.dumps(record["text"], ensure_ascii=False).encode() + b"}")
    assert clean_record(line, CTX.fast) is not None
    corrupt = data.draw(st.sampled_from(CORRUPTIONS))
    changed = corrupt(copy.deepcopy(released), data.draw)
    assume(changed is not None)
    assert_fast_path_agrees(changed)


@given(records(), st.booleans())
def test_the_colons_outside_the_text_literal_are_the_line_s_less_the_literal_s(record: dict[str, Any],
                                                                             text_last: bool) -> None:
    data = written(record) if text_last else dict(written(record), split="train")
    line = _line(data) + b"\n"
    literal = json.dumps(record["text"], ensure_ascii=False, separators=(",", ":")).encode()
    assert line.endswith(literal + b"}\n") == text_last
    assert colons_outside(line, literal) == line.count(b":") - literal.count(b":")


@pytest.mark.parametrize("text", ["null", "5", '["a"]', '{"a":1}', '"\\ud800"'])
def test_a_text_that_is_no_string_of_characters_leaves_the_fast_path(text: str) -> None:
    record = {"doc_id": "doc-1", "schema_version": SCHEMA.version, "text_sha256": "0" * 64,
              "annotator": "a", "spans": [], "relations": []}
    line = _line(record)[:-1] + b',"text":' + text.encode() + b"}"
    assert clean_record(line, CTX.fast) is None
    assert reference_check_line(line, CTX)[0] != []


# Texts full of colons: a record whose text is the corpus's writes none of them, and the count of
# its line's colons must not include them.
COLON_TEXTS = st.lists(st.sampled_from(["Officials", "said", ":", " ", "12:30", "\n", "a: b", "IS-K"]),
                       min_size=1, max_size=30).map("".join).filter(lambda text: text.strip() != "")


@settings(max_examples=150)
@given(records(text=COLON_TEXTS, doc_id=st.just("doc-1"), annotator=st.sampled_from(["alice", "a:b"])), st.data())
def test_records_of_corpus_texts_leave_the_fast_path_on_any_corruption(record: dict[str, Any],
                                                                      data: st.DataObject) -> None:
    ctx = make_context(corpus={"doc-1": corpus_document(record["text"])})
    without_text = {key: value for key, value in written(record).items() if key != "text"}
    assert clean_record(_line(without_text), ctx.fast) is not None
    corrupt = data.draw(st.sampled_from([c for c in CORRUPTIONS if c is not other_text]))
    if corrupt is repeated_key:
        line = repeated_key(without_text, data.draw)
    else:  # corruptions read the text: the record keeps it until the line is written
        changed = corrupt(written(record), data.draw)
        assume(changed is not None)
        line = _line({key: value for key, value in json.loads(changed).items() if key != "text"})
    assert_fast_path_agrees(line, ctx)


def corpus_document(text: str) -> CorpusDocument:
    return CorpusDocument(doc_id="doc-1", title=None, outlet=None, publication_date=None, byline=None,
                          wire_source=None, source_file="doc-1.txt", stripped_prefix="", text=text,
                          text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def test_a_record_of_the_corpus_takes_the_fast_path_only_with_the_corpus_text() -> None:
    document = corpus_document("Officials said 40 people were killed.")
    line = complete_line({"doc_id": "doc-1", "schema_version": SCHEMA.version, "text_sha256": document.text_sha256,
                          "annotator": "a", "spans": [], "relations": []})
    assert clean_record(line, make_context(corpus={"doc-1": document}).fast) is not None
    other = {"doc-1": corpus_document(document.text + ".")}
    assert clean_record(line, make_context(corpus=other).fast) is None
    assert [f.code for f in validate_lines([line], corpus=other)] == ["text-hash-mismatch"]


# The compiled helper (validation/_fast_path.c) and the Python fast path: the same verdicts. Every
# property above compares them on its lines (assert_fast_path_agrees); these cover what generated
# records never reach.

def test_the_compiled_helper_is_built_in_the_development_environment() -> None:
    """make's environment has a C compiler: the validator there runs the compiled helper (a user
    without one gets the Python fast path, which .ci/package-check installs and runs)."""
    assert fast_path._fast_path is not None
    assert CTX.fast.span_checks is not CTX.fast.python_span_checks
    assert isinstance(FastPath(CTX, compiled=False).span_checks, fast_path.SpanChecks)


@given(st.binary(max_size=600).map(lambda b: b.replace(b"\x00", b":")), st.integers(0, 700),
       st.integers(0, 700))
def test_the_compiled_colon_count_is_bytes_count(line: bytes, start: int, end: int) -> None:
    expected = line.count(b":", start, end)
    assert count_colons(line, start, end) == _count_colons_in_python(line, start, end) == expected


def _figure_record(values: dict[str, Any], spans: int = 1) -> tuple[str, list[Any]]:
    """A text and `spans` figure spans whose attributes are `values`, built without msgspec's checks
    (so that numbers past the schema's bounds reach the span checks)."""
    types = text_literal_record_types(SCHEMA)
    attributes = types.attributes[FIGURE]
    fields = {name: None for name in attributes.__struct_fields__}
    text = "".join(f"killed {index:04d}. " for index in range(spans))
    made = [types.spans[FIGURE](id=f"s{index}", start=index * 13, end=index * 13 + 11,
                                text=f"killed {index:04d}", attributes=attributes(**(fields | values)))
            for index in range(spans)]
    return text, made


@pytest.mark.parametrize("bound", [2**62, 2**63 - 1, 2**63, 2**70, -(2**63), -(2**70), True, False])
def test_figures_past_a_machine_integer_or_not_integers_get_the_python_verdict(bound: int) -> None:
    interval = INTERVAL
    fast = CTX.fast
    for qualifier in interval.rules:
        for values in ({interval.value: bound, interval.minimum: bound, interval.maximum: bound},
                       {interval.value: bound, interval.minimum: None, interval.maximum: None},
                       {interval.value: 5, interval.minimum: bound, interval.maximum: bound}):
            text, spans = _figure_record({interval.qualifier: qualifier} | values)
            fast.python_span_checks.valid_ids.add("s0")
            assert fast.span_checks(text, spans, []) == fast.python_span_checks(text, spans, [])


def _supports(spans: list[Any], count: int) -> list[Any]:
    """`count` distinct `supports` relations between figure spans (a type without a limit per head)."""
    relation = text_literal_record_types(SCHEMA).relation
    pairs = [(head, tail) for head in spans for tail in spans if head is not tail][:count]
    assert len(pairs) == count
    return [relation(id=f"r{index}", type="supports", head=head.id, tail=tail.id)
            for index, (head, tail) in enumerate(pairs)]


@pytest.mark.parametrize(("spans", "relations"), [(128, 0), (129, 0), (12, 128), (12, 129), (129, 129)])
def test_records_past_what_the_helper_compares_are_checked_in_python(spans: int, relations: int) -> None:
    interval = INTERVAL
    qualifier = next(name for name, rule in interval.rules.items()
                     if rule.value == "required" and rule.minimum == "null" and rule.maximum == "null")
    text, made = _figure_record({interval.qualifier: qualifier, interval.value: 5, interval.minimum: None,
                                 interval.maximum: None}, spans=spans)
    linked = _supports(made, relations)
    fast = CTX.fast
    fast.python_span_checks.valid_ids.update([*(span.id for span in made), *(r.id for r in linked)])
    expected = fast.python_span_checks(text, made, linked)
    assert expected >= 0
    compiled = fast.span_checks(text, made, linked)
    assert compiled == (TOO_MANY if max(spans, relations) > MAX_COMPARED else expected)


# Free-text attributes: their colons are strings' colons, which the key count must leave out. The
# schema has none, so a copy of it gains one (on its first label) for these tests.
def _with_a_free_text_attribute(schema: Schema) -> Schema:
    data = schema.model_dump()
    data["attributes"] = [*data["attributes"], {"name": "note", "type": "string", "description": "Free text.",
                                                "max_length": 40}]
    first = data["labels"][0]
    data["labels"] = [first | {"attributes": [*first["attributes"], "note"]}, *data["labels"][1:]]
    return Schema.model_validate(data)


FREE_TEXT_LABEL = SCHEMA.labels[0]
FREE_TEXT_SCHEMA = _with_a_free_text_attribute(SCHEMA)
FREE_TEXT_CTX = make_context(FREE_TEXT_SCHEMA, corpus={})
NOTES = st.sampled_from([None, "", "a:b", "::", "plain", "é:ü 12:30", ":"])


@settings(max_examples=150)
@given(records(schema=FREE_TEXT_SCHEMA, annotator=st.sampled_from(["alice", "a:b"])), st.data())
def test_free_text_attributes_count_their_colons_on_both_paths(record: dict[str, Any], data: st.DataObject) -> None:
    assert FREE_TEXT_CTX.shape.string_attributes == {FREE_TEXT_LABEL.name: ("note",)}
    for span in record["spans"]:
        if span["label"] == FREE_TEXT_LABEL.name:
            span["attributes"]["note"] = data.draw(NOTES)
    types = record_types(FREE_TEXT_SCHEMA)
    line = types.encode(types.decode(json.dumps(record, ensure_ascii=False)))
    assert clean_record(line, FREE_TEXT_CTX.fast) is not None
    assert_fast_path_agrees(line, FREE_TEXT_CTX)
    assert_fast_path_agrees(repeat_a_key(line, data.draw), FREE_TEXT_CTX)


def test_the_helper_refuses_to_run_uninitialised_or_with_keywords() -> None:
    helper = fast_path._fast_path
    assert helper is not None
    with pytest.raises(RuntimeError, match="not initialised"):
        helper.SpanChecker.__new__(helper.SpanChecker)("", [], [])
    with pytest.raises(TypeError, match="by position"):
        CTX.fast.span_checks("", [], [], ids_known=True)  # SpanChecks takes it; the helper is never given it


def test_a_helper_built_from_other_sources_is_left_unused() -> None:
    """A build older than its sources (an in-place build never rebuilt) says another ABI."""
    import subprocess
    import sys

    script = ("import sys, types\n"
              "stale = types.ModuleType('crocus_claims.validation._fast_path'); stale.ABI = 0\n"
              "sys.modules['crocus_claims.validation._fast_path'] = stale\n"
              "from crocus_claims.validation import fast_path\n"
              "assert fast_path._fast_path is None\n"
              "from crocus_claims.validation.validator import make_context\n"
              "fast = make_context(corpus={}).fast\n"
              "assert isinstance(fast.span_checks, fast_path.SpanChecks)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
