"""Bad input rebuilt from public bug reports of annotation tools (tests/data/cases/, copied from the
shared cases with their README): each case is one instance of a kind of fault, and each test asserts
the right behaviour for the kind, not only for the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.importer import convert_export
from crocus_claims.schema import INT64_MAX, load_schema

CASES = Path(__file__).parent / "data" / "cases"
SCHEMA = load_schema()
CORPUS = load_corpus()
DOC = CORPUS["crocus-004-zakharova-disputes-isk-claim"]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def export_of(name: str) -> list[dict[str, Any]]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def records_in(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------------------------------
# Label Studio import


def test_a_lone_surrogate_in_the_task_text_is_a_located_problem(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    result = invoke("ls", "import", str(CASES / "ls-lone-surrogate-in-task-text.json"), "-o", str(output),
                    "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 1, result.output
    assert "Error: lone-surrogate: task 1 (doc crocus-004-zakharova-disputes-isk-claim): data.text holds a " \
        "lone surrogate (\\ud83d) at character 2054" in result.stderr
    assert "internal-error" not in result.output and not output.exists()


@pytest.mark.parametrize("where", ["annotator", "string-attribute", "region-text", "key"])
def test_a_lone_surrogate_anywhere_in_an_annotation_loses_only_that_item(where: str, tmp_path: Path) -> None:
    export = export_of("ls-identical-overlapping-regions.json")
    annotation = export[0]["annotations"][0]
    result = annotation["result"]
    if where == "annotator":
        annotation["completed_by"] = {"id": 3, "email": "a\udc00@example.org"}
    elif where == "string-attribute":
        result[6]["value"]["choices"] = ["MARIA\udc00"]
    elif where == "region-text":
        result[0]["value"]["text"] = "at least 14\ud800"
    else:
        result[7]["value"]["x\udfff"] = 1
    records, report = convert_export(export, schema=SCHEMA, corpus=CORPUS)
    problems = [p for p in report.problems if p.code == "lone-surrogate"]
    assert len(problems) == 1 and "lone surrogate" in problems[0].message
    if where == "annotator":
        assert records == [] and "annotator" in problems[0].message
    else:
        index = {"string-attribute": 6, "region-text": 0, "key": 7}[where]
        assert problems[0].message.startswith(f"result[{index}]")
        assert problems[0].region_id == result[index]["id"]
    for problem in report.problems:  # every message can be printed and written
        str(problem.message).encode("utf-8")
    # What is left is written, never a lone surrogate
    output = tmp_path / "out.jsonl"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    cli_result = invoke("ls", "import", str(path), "-o", str(output), "--allow-loss", "--report",
                        str(tmp_path / "report.json"))
    assert cli_result.exit_code == 0, cli_result.output
    output.read_text(encoding="utf-8")
    assert "lone-surrogate" in json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["counts"]


@pytest.mark.parametrize("number", [1e300, -1e300, 2.0**63, float(INT64_MAX) * 4, 2**63, -1])
def test_numbers_outside_the_schema_range_are_refused_at_import(number: float, tmp_path: Path) -> None:
    export = export_of("ls-number-1e300.json")
    for item in export[0]["annotations"][0]["result"]:
        if item["type"] == "number":
            item["value"]["number"] = number
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    result = invoke("ls", "import", str(path), "-o", str(output))
    assert result.exit_code == 1 and not output.exists()
    assert "region f1: invalid-attribute-value: value: " in result.stderr
    assert "is outside the range the schema allows (0 to 9223372036854775807)" in result.stderr
    assert "Error: conversion-loss:" in result.stderr


def test_the_1e300_case_is_refused_with_its_region(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    result = invoke("ls", "import", str(CASES / "ls-number-1e300.json"), "-o", str(output))
    assert result.exit_code == 1 and not output.exists()
    assert "region f1: invalid-attribute-value: value: 1e+300 is outside the range" in result.stderr
    assert "region f1: invalid-attribute-value: value_min: 1e+300 is outside the range" in result.stderr


def test_the_largest_int64_is_accepted_at_import() -> None:
    export = export_of("ls-number-1e300.json")
    for item in export[0]["annotations"][0]["result"]:
        if item["type"] == "number":
            item["value"]["number"] = INT64_MAX
    (record,), report = convert_export(export, schema=SCHEMA, corpus=CORPUS)
    assert report.problems == []
    assert record["spans"][0]["attributes"]["value"] == INT64_MAX


def test_allow_loss_writes_everything_that_converts_and_names_what_it_leaves_out(tmp_path: Path) -> None:
    output, report_path = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = invoke("ls", "import", str(CASES / "ls-identical-overlapping-regions.json"), "-o", str(output),
                    "--allow-loss", "--report", str(report_path))
    assert result.exit_code == 0, result.output
    (record,) = records_in(output)
    assert sorted((s["id"], s["label"], s["start"], s["end"]) for s in record["spans"]) == [
        ("a1", "ACTOR", 203, 218), ("f1", "CASUALTY_FIGURE", 88, 100)]
    (problem,) = json.loads(report_path.read_text(encoding="utf-8"))["problems"]
    assert problem["region_id"] == "a2" and "duplicate-span" in problem["message"]
    assert "span a2 is not written" in problem["message"]
    assert "wrote 1 records" in result.stderr
    # without --allow-loss: refused, nothing written
    refused = invoke("ls", "import", str(CASES / "ls-identical-overlapping-regions.json"), "-o",
                     str(tmp_path / "none.jsonl"))
    assert refused.exit_code == 1 and not (tmp_path / "none.jsonl").exists()


def test_a_record_level_finding_drops_the_record_and_says_so() -> None:
    export = export_of("ls-identical-overlapping-regions.json")
    export[0]["annotations"][0]["completed_by"] = {"id": 3, "email": "x" * 300}  # annotator too long
    records, report = convert_export(export, schema=SCHEMA, corpus=CORPUS)
    assert records == []
    assert any("the record is not written" in p.message for p in report.problems)


def test_crlf_task_text_is_refused_saying_only_line_endings_differ(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    result = invoke("ls", "import", str(CASES / "ls-crlf-task-text.json"), "-o", str(output))
    assert result.exit_code == 1 and not output.exists()
    message = result.stderr
    assert "Error: corpus-version-mismatch:" in message
    assert "differs from the corpus text only in line endings" in message
    first = DOC.text.index("\n")
    assert f"the task has CRLF (\\r\\n) where the corpus has LF (\\n), first at line 1, character {first}" in message
    assert "another corpus version" not in message


def test_other_text_differences_say_where_the_texts_first_differ() -> None:
    export = export_of("ls-crlf-task-text.json")
    changed = DOC.text[:500] + "X" + DOC.text[501:]
    export[0]["data"]["text"] = changed
    with pytest.raises(LabelStudioError) as caught:
        convert_export(export, schema=SCHEMA, corpus=CORPUS)
    assert caught.value.code == "corpus-version-mismatch"
    line = DOC.text.count("\n", 0, 500) + 1
    assert f"first differ at line {line}, character 500" in str(caught.value)
    assert "line endings" not in str(caught.value)


# ---------------------------------------------------------------------------------------------
# validate


def figure_record(annotator: str = "alice", **attributes: Any) -> dict[str, Any]:
    """A valid record of a corpus document: 'at least 140' killed."""
    start = DOC.text.index("at least 140")
    values = {"incident": "CROCUS_2024", "category": "killed", "qualifier": "at_least", "value": 140,
              "value_min": 140} | attributes
    span = {"id": "f1", "label": "CASUALTY_FIGURE", "start": start, "end": start + 12, "text": "at least 140",
            "attributes": values}
    return {"doc_id": DOC.doc_id, "schema_version": SCHEMA.version, "text_sha256": DOC.text_sha256,
            "annotator": annotator, "spans": [span], "relations": []}


def findings_of(*lines: str | bytes) -> list[tuple[int | None, str, str | None]]:
    from crocus_claims.validation import validate_lines

    return [(f.line, f.code, f.path) for f in validate_lines(list(lines))]


def test_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    result = invoke("validate", str(CASES / "validate-bom-first-line.jsonl"))
    assert result.exit_code == 1
    assert ":1: error invalid-json: the line starts with a UTF-8 byte order mark (EF BB BF)" in result.output
    assert "invalid character (byte 0)" not in result.output


def test_a_null_required_attribute_is_missing_and_messages_speak_json() -> None:
    result = invoke("validate", "--format", "json", str(CASES / "validate-null-required-attributes.jsonl"))
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["line"], f["code"], f["path"]) for f in findings] == [
        (1, "missing-attribute", "spans[0].attributes.category"),
        (2, "missing-attribute", "spans[0].attributes.incident")]
    assert all("null" in f["message"] and "None" not in f["message"] for f in findings)


@pytest.mark.parametrize("change", [
    {"qualifier": None}, {"value": True}, {"value": 5.0}, {"value": "140"}, {"category": "Killed"},
    {"incident": "crocus"}, {"as_of": "20240322"}, {"as_of": 20240322},
])
def test_messages_speak_json_never_python(change: dict[str, Any]) -> None:
    from crocus_claims.validation import validate_lines

    findings = list(validate_lines([json.dumps(figure_record(**change))]))
    assert findings
    for finding in findings:
        assert not any(word in finding.message for word in ("None", "True", "False", "'")), finding.message


@pytest.mark.parametrize(("value", "valid"), [
    (INT64_MAX, True), (INT64_MAX + 1, False), (10**300, False), (-(2**63) - 1, False), (-1, False)])
def test_integers_outside_the_schema_range_are_refused_by_validate(value: int, valid: bool) -> None:
    line = json.dumps(figure_record(value=value, value_min=value))
    expected = [] if valid else [(1, "invalid-attribute-value", "spans[0].attributes.value"),
                                 (1, "invalid-attribute-value", "spans[0].attributes.value_min")]
    assert findings_of(line) == expected


def test_offsets_beyond_int64_are_refused() -> None:
    record = figure_record()
    record["text"] = DOC.text
    record["spans"][0]["end"] = 2**64
    assert findings_of(json.dumps(record)) == [(1, "offset-out-of-bounds", "spans[0].end")]


def test_the_schema_states_its_integer_ranges_and_the_json_schema_carries_them() -> None:
    from crocus_claims.record_schema import record_json_schema

    generated = record_json_schema(SCHEMA)
    for label in SCHEMA.labels:
        for attribute in SCHEMA.label_attributes(label.name):
            if attribute.type == "integer":
                node = generated["$defs"][f"attributes_{label.name}"]["properties"][attribute.name]
                low, high = attribute.integer_range
                assert (node["minimum"], node["maximum"]) == (low, high)
                assert -(2**63) <= low <= high <= INT64_MAX
    assert generated["$defs"]["offset"]["maximum"] == INT64_MAX


def test_a_schema_bound_outside_int64_is_refused(tmp_path: Path) -> None:
    from crocus_claims.schema import SchemaError, load_schema_file, schema_path

    source = schema_path(SCHEMA.version).read_text(encoding="utf-8")
    marker = "    type: integer\n    minimum: 0\n"
    assert marker in source
    path = tmp_path / f"v{SCHEMA.version}.yaml"
    path.write_text(source.replace(marker, marker + "    maximum: 9223372036854775808\n", 1), encoding="utf-8")
    with pytest.raises(SchemaError) as refused:
        load_schema_file(path)
    assert "outside the signed 64-bit range" in str(refused.value)


@pytest.mark.parametrize(("field", "value"), [
    ("doc_id", DOC.doc_id + "\n"), ("text_sha256", DOC.text_sha256 + "\n"), ("schema_version", "1.0.0\n"),
    ("schema_version", "1.0.\u0660"), ("doc_id", "\u0660abc")])
def test_ids_versions_and_hashes_match_whole(field: str, value: str) -> None:
    record = figure_record()
    record[field] = value
    codes = {code for _, code, _ in findings_of(json.dumps(record))}
    assert codes and codes <= {"invalid-value", "unknown-document"}, codes


def test_span_and_relation_ids_match_whole() -> None:
    record = figure_record()
    record["spans"][0]["id"] = "f1\n"
    assert findings_of(json.dumps(record)) == [(1, "invalid-value", "spans[0].id")]


@pytest.mark.parametrize("date", ["20240322", "2024-W12-5", "2024-03-22\n", "2024-03-22T00:00"])
def test_dates_match_whole(date: str) -> None:
    assert findings_of(json.dumps(figure_record(as_of=date))) == [
        (1, "invalid-attribute-value", "spans[0].attributes.as_of")]


def test_a_lone_surrogate_in_a_record_is_invalid_json_with_its_place() -> None:
    line = json.dumps(figure_record(), ensure_ascii=True).replace('"alice"', '"al\\udc00ice"')
    ((number, code, _),) = findings_of(line)
    assert (number, code) == (1, "invalid-json")
    from crocus_claims.validation import validate_lines

    (finding,) = validate_lines([line])
    assert "lone surrogate" in finding.message and "byte" in finding.message


# ---------------------------------------------------------------------------------------------
# authored YAML, releases and exports


def test_a_lone_surrogate_in_authored_yaml_names_its_line(tmp_path: Path) -> None:
    from crocus_claims import authoring

    path = tmp_path / f"{DOC.doc_id}.yaml"
    path.write_text(f"doc_id: {DOC.doc_id}\nannotator: gold\nschema_version: {SCHEMA.version}\n"
                    "spans:\n  - id: s1\n    label: ACTOR\n    quote: \"Maria\\udc00\"\n", encoding="utf-8")
    authored, problems = authoring.read_authored(path)
    assert authored is None
    (problem,) = problems
    assert problem.line == 7 and "lone surrogate (\\udc00)" in problem.message


def release_of(tmp_path: Path, value: int) -> Path:
    from test_release_build import build

    return build(tmp_path, [figure_record("gold", value=value, value_min=value)])


def test_release_build_refuses_numbers_outside_the_schema_range(tmp_path: Path) -> None:
    from crocus_claims.release import ReleaseError

    with pytest.raises(ReleaseError) as refused:
        release_of(tmp_path, INT64_MAX + 1)
    assert "invalid-attribute-value" in str(refused.value)


def test_a_release_that_verifies_loads_and_exports_at_the_int64_limit(tmp_path: Path) -> None:
    from crocus_claims.loader import load
    from crocus_claims.release import verify_release

    folder = release_of(tmp_path, INT64_MAX)
    assert verify_release(folder) == []
    dataset = load(folder)
    assert dataset.spans()["value"].to_list() == [INT64_MAX]
    assert dataset.to_docbin().report == []
    (split,) = dataset.to_hf().values()
    assert [span["value"] for span in split[0]["spans"]] == [INT64_MAX]


@pytest.mark.parametrize(("old", "new", "code"), [
    ('"value":140', '"value":9223372036854775808', "invalid-attribute-value"),
    ('"annotator":"gold"', '"annotator":"go\\udc00ld"', "invalid-record"),
])
def test_release_verify_refuses_what_a_consumer_cannot_read(tmp_path: Path, old: str, new: str, code: str) -> None:
    from crocus_claims.release import verify_release

    folder = release_of(tmp_path, 140)
    documents = folder / "documents.jsonl"
    text = documents.read_text(encoding="utf-8")
    assert old in text
    documents.write_text(text.replace(old, new), encoding="utf-8")
    differences = verify_release(folder)
    assert any(d.code == code and d.file.startswith("documents.jsonl:1") for d in differences), differences


def test_the_spacy_export_keeps_exact_offsets_and_reports_cut_tokens() -> None:
    import spacy

    from crocus_claims.loader import load
    from crocus_claims.loader.spacy_docbin import SPANS_KEY

    dataset = load(CASES / "release-span-off-token-boundary")
    docbin = dataset.to_docbin()
    (issue,) = docbin.report
    assert (issue.doc_id, issue.span_id, issue.start, issue.end, issue.kind) == (
        DOC.doc_id, "cf-at-least-140", 88, 99, "token-split")
    assert "cut at 99" in issue.message
    bio_kinds = {type(i) for i in dataset.to_bio().report}
    assert bio_kinds == {type(issue)}  # one report type for every export
    records = {record.doc_id: record for record in dataset}
    for doc in docbin.get_docs(spacy.blank("en").vocab):
        record = records[doc.user_data["doc_id"]]
        assert doc.text == record.text
        assert sorted((s.id_, s.start_char, s.end_char) for s in doc.spans[SPANS_KEY]) == \
            sorted((s.id, s.start, s.end) for s in record.spans)


@pytest.mark.parametrize(("text", "inside"), [
    ("a \U0001F1F7\U0001F1FA b", [3]),  # a flag is two regional indicators
    ("x \u1100\u1161\u11a8 y", [3, 4]),  # a Hangul syllable spelled in jamo
    ("one\r\ntwo", [4]),  # CRLF is one cluster
    ("e\u0301t\u00e9", [1]),  # a letter and its combining accent
    ("\U0001F469\u200d\U0001F469\u200d\U0001F467!", [1, 2, 3, 4]),  # a ZWJ family
    ("\U0001F44D\U0001F3FD ok", [1]),  # a skin-tone modifier
])
def test_grapheme_cluster_checks_follow_unicodes_rules(text: str, inside: list[int]) -> None:
    from crocus_claims.authoring import splits_character
    from crocus_claims.unicode_text import cuts_grapheme

    assert [offset for offset in range(len(text) + 1) if cuts_grapheme(text, offset)] == inside
    for offset in inside:
        assert splits_character(text, 0, offset) and splits_character(text, offset, len(text))


def test_duplicate_keys_are_named_with_their_place_and_hide_nothing_misleading() -> None:
    result = invoke("validate", "--format", "json", str(CASES / "validate-duplicate-keys.jsonl"))
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["line"], f["code"], f["path"], f["span_id"]) for f in findings] == [
        (1, "duplicate-key", "spans[0].start", "f1"), (2, "duplicate-key", "annotator", None)]
    assert all(f["doc_id"] == DOC.doc_id for f in findings)
    assert '"start"' in findings[0]["message"] and "2 times" in findings[0]["message"]


def test_release_verify_finds_duplicate_keys(tmp_path: Path) -> None:
    from crocus_claims.release import verify_release

    folder = release_of(tmp_path, 140)
    documents = folder / "documents.jsonl"
    text = documents.read_text(encoding="utf-8")
    documents.write_text(text.replace('"value":140', '"value":140,"value":141', 1), encoding="utf-8")
    assert any(d.code == "duplicate-key" for d in verify_release(folder))
