"""The validator, specified as properties over records generated from the schema."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import records

from crocus_claims.record_schema import record_json_schema, strict_integer_validator
from crocus_claims.records import read_records, record_types, to_builtins, write_records
from crocus_claims.schema import load_schema
from crocus_claims.validation import validate_lines

SCHEMA = load_schema()
settings.register_profile("crocus", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("crocus")


def codes(record_or_line: Any) -> list[str]:
    line = record_or_line if isinstance(record_or_line, str) else json.dumps(record_or_line, ensure_ascii=False)
    return [finding.code for finding in validate_lines([line], corpus={})]


@given(records())
def test_every_generated_record_is_valid(record: dict[str, Any]) -> None:
    assert codes(record) == []


# --- corruptions: each kind yields exactly its code ------------------------------------------------

def with_spans(minimum: int = 1) -> st.SearchStrategy[dict[str, Any]]:
    return records().filter(lambda r: len(r["spans"]) >= minimum)


@given(with_spans())
def test_shifted_offsets_are_a_text_mismatch(record: dict[str, Any]) -> None:
    span = record["spans"][0]
    text = record["text"]
    assume(span["end"] + 1 <= len(text) and text[span["start"] + 1:span["end"] + 1] != span["text"])
    assume(all((s["label"], s["start"], s["end"]) != (span["label"], span["start"] + 1, span["end"] + 1)
               for s in record["spans"]))
    span["start"] += 1
    span["end"] += 1
    assert codes(record) == ["span-text-mismatch"]


@given(with_spans(), st.integers(1, 5))
def test_offsets_past_the_end_are_out_of_bounds(record: dict[str, Any], extra: int) -> None:
    record["spans"][0]["end"] = len(record["text"]) + extra
    assert codes(record) == ["offset-out-of-bounds"]


@given(with_spans())
def test_negative_offsets_are_out_of_bounds(record: dict[str, Any]) -> None:
    record["spans"][0]["start"] = -1
    assert codes(record) == ["offset-out-of-bounds"]


@given(with_spans(), st.sampled_from(["NOT_A_LABEL", "perpetrator_claim", ""]))
def test_unknown_labels(record: dict[str, Any], label: str) -> None:
    record["spans"][0]["label"] = label
    assert codes(record) == ["unknown-label"]


@given(with_spans(), st.data())
def test_values_outside_an_enum(record: dict[str, Any], data: st.DataObject) -> None:
    span = record["spans"][0]
    enums = [a for a in SCHEMA.label_attributes(span["label"]) if a.type == "enum"]
    attribute = data.draw(st.sampled_from(enums))
    span["attributes"][attribute.name] = "not-a-value"
    expected = "unknown-registry-entry" if attribute.registry else "invalid-attribute-value"
    assert codes(record) == [expected]


@given(with_spans(), st.data())
def test_missing_required_attributes(record: dict[str, Any], data: st.DataObject) -> None:
    span = record["spans"][0]
    required = [a.name for a in SCHEMA.label_attributes(span["label"]) if a.required]
    assume(required)
    del span["attributes"][data.draw(st.sampled_from(required))]
    assert codes(record) == ["missing-attribute"]


@given(with_spans())
def test_unknown_attributes(record: dict[str, Any]) -> None:
    record["spans"][0]["attributes"]["not_an_attribute"] = 1
    assert codes(record) == ["unknown-attribute"]


@given(records().filter(lambda r: r["relations"]), st.sampled_from(["head", "tail"]))
def test_dangling_relations(record: dict[str, Any], end: str) -> None:
    record["relations"][0][end] = "no-such-span"
    assert codes(record) == ["dangling-relation"]


@given(records(max_spans=10).filter(lambda r: r["relations"]), st.data())
def test_relations_between_labels_their_type_forbids(record: dict[str, Any], data: st.DataObject) -> None:
    relation = record["relations"][0]
    allowed_tails = SCHEMA.relations_by_name[relation["type"]].tail
    wrong = [s["id"] for s in record["spans"] if s["label"] not in allowed_tails and s["id"] != relation["head"]]
    assume(wrong)
    relation["tail"] = data.draw(st.sampled_from(wrong))
    assert codes(record) == ["relation-label-mismatch"]


@given(records().filter(lambda r: r["relations"]))
def test_unknown_relation_types(record: dict[str, Any]) -> None:
    record["relations"][0]["type"] = "caused"
    assert codes(record) == ["unknown-relation-type"]


@given(with_spans(2))
def test_duplicate_span_ids(record: dict[str, Any]) -> None:
    record["relations"] = []
    record["spans"][1]["id"] = record["spans"][0]["id"]
    assert codes(record) == ["duplicate-span-id"]


@given(records().filter(lambda r: r["relations"]))
def test_duplicate_relation_ids(record: dict[str, Any]) -> None:
    record["relations"].append(dict(record["relations"][0], type=record["relations"][0]["type"]))
    record["relations"][-1]["head"], record["relations"][-1]["tail"] = "x", "y"
    record["relations"][-1]["id"] = record["relations"][0]["id"]
    assert codes(record) == ["duplicate-relation-id", "dangling-relation"]


@given(with_spans())
def test_span_text_mismatch(record: dict[str, Any]) -> None:
    record["spans"][0]["text"] += "x"
    assert codes(record) == ["span-text-mismatch"]


@given(records())
def test_hash_mismatch(record: dict[str, Any]) -> None:
    record["text_sha256"] = hashlib.sha256(b"another text").hexdigest()
    assert codes(record) == ["text-hash-mismatch"]


@given(with_spans(), st.sampled_from(["start", "end"]), st.sampled_from([float, lambda v: True]))
def test_offsets_that_are_not_integers(record: dict[str, Any], field: str, convert: Any) -> None:
    record["spans"][0][field] = convert(record["spans"][0][field])
    assert codes(record) == ["invalid-type"]


@given(records(), st.data())
def test_truncated_lines(record: dict[str, Any], data: st.DataObject) -> None:
    line = json.dumps(record)
    cut = data.draw(st.integers(1, len(line) - 1))
    assert codes(line[:cut]) == ["invalid-json"]


@given(with_spans())
def test_duplicate_spans(record: dict[str, Any]) -> None:
    record["relations"] = []
    record["spans"].append(dict(copy.deepcopy(record["spans"][0]), id="copy"))
    assert codes(record) == ["duplicate-span"]


def test_nan_is_not_json() -> None:
    assert codes('{"doc_id": NaN}') == ["invalid-json"]


# --- the JSON Schema and the validator agree on structure ------------------------------------------

JSON_SCHEMA = strict_integer_validator(record_json_schema(SCHEMA))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5) | st.sampled_from(["2024-03-22", "2024-02-30", "CROCUS_2024", "exact", "source"]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found += paths_in(child, (*prefix, key))
    return found


@given(records(), st.data())
def test_json_schema_and_validator_agree_on_structure(record: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(paths_in(record)))
    target = record
    for key in path[:-1]:
        target = target[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(target, dict):
        del target[path[-1]]
    elif action == "add" and isinstance(target, dict):
        target[data.draw(st.text(max_size=6))] = data.draw(JSON_VALUES)
    else:
        target[path[-1]] = data.draw(JSON_VALUES)
    try:
        record_types(SCHEMA).convert(record)
        decodes = True
    except msgspec.ValidationError:
        decodes = False
    assert JSON_SCHEMA.is_valid(record) == decodes


# --- write then read ---------------------------------------------------------------------------------

@given(st.lists(records(), max_size=5))
def test_write_then_read_is_identity(tmp_path_factory: pytest.TempPathFactory, batch: list[dict[str, Any]]) -> None:
    types = record_types(SCHEMA)
    structs = [types.convert(record) for record in batch]
    path = Path(tmp_path_factory.mktemp("records")) / "records.jsonl"
    assert write_records(structs, path) == len(structs)
    assert list(read_records(path)) == structs
    assert [types.convert(to_builtins(s)) for s in structs] == structs


def with_interval_span() -> st.SearchStrategy[dict[str, Any]]:
    return records().filter(lambda r: any(SCHEMA.labels_by_name[s["label"]].interval for s in r["spans"]))


@given(with_interval_span())
def test_figures_inconsistent_with_their_qualifier(record: dict[str, Any]) -> None:
    """A minimum above the maximum, or off what the qualifier derives from the value, is caught."""
    span = next(s for s in record["spans"] if SCHEMA.labels_by_name[s["label"]].interval)
    interval = SCHEMA.labels_by_name[span["label"]].interval
    attributes = span["attributes"]
    value, high = attributes.get(interval.value), attributes.get(interval.maximum)
    assume(high is not None or value is not None)
    # Above any maximum; and never what a rule derives from the value (value or value+1).
    attributes[interval.minimum] = high + 1 if high is not None else value + 2
    assert set(codes(record)) == {"interval-mismatch"}
