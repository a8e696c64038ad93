"""`crocus-claims validate`: exit codes, located findings, JSON output, streaming and parallel runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import records

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.validation import CODES, validate_lines, validate_paths
from crocus_claims.validation import validator as validator_module

DOC = load_corpus()["crocus-004-zakharova-disputes-isk-claim"]


def figure_record(annotator: str = "alice", **changes: Any) -> dict[str, Any]:
    """A valid record of a corpus document: 'at least 140' killed."""
    start = DOC.text.index("at least 140")
    span = {"id": "f1", "label": "CASUALTY_FIGURE", "start": start, "end": start + 12, "text": "at least 140",
            "attributes": {"incident": "CROCUS_2024", "category": "killed", "qualifier": "at_least",
                           "value": 140, "value_min": 140}}
    span.update(changes)
    return {"doc_id": DOC.doc_id, "schema_version": "1.0.0", "text_sha256": DOC.text_sha256,
            "annotator": annotator, "spans": [span], "relations": []}


def write_jsonl(path: Path, items: list[Any]) -> Path:
    path.write_text("".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["validate", *args])


def test_a_valid_file_exits_zero(tmp_path: Path) -> None:
    result = run(str(write_jsonl(tmp_path / "ok.jsonl", [figure_record(), figure_record("bob")])))
    assert result.exit_code == 0, result.output
    assert "valid: 2 record(s) in 1 file(s)" in result.output


def test_findings_name_file_line_document_span_and_code(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [figure_record(), figure_record("bob", text="at least 14"), "{oops"])
    result = run(str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{path}:2 doc {DOC.doc_id} span f1: error span-text-mismatch: " in lines[0]
    assert lines[1].startswith(f"{path}:3: error invalid-json: ")
    assert "invalid: 2 error(s)" in result.output
    assert "Traceback" not in result.output


def test_json_output_for_machines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [figure_record(start=-3)])
    result = run("--format", "json", str(path))
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["valid"] is False and document["summary"]["errors"] == 1
    finding = document["findings"][0]
    assert finding | {"message": None} == {
        "code": "offset-out-of-bounds", "severity": "error", "message": None, "file": str(path), "line": 1,
        "doc_id": DOC.doc_id, "span_id": "f1", "relation_id": None, "path": "spans[0].start"}


def test_unreadable_input_and_usage_errors_exit_two(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nothing.jsonl"))
    assert missing.exit_code == 2 and "unreadable-file" in missing.output
    empty_folder = run(str(tmp_path))
    assert empty_folder.exit_code == 2 and "no .jsonl files" in empty_folder.output
    assert run().exit_code == 2
    assert CliRunner().invoke(cli, ["validate", "--jobs", "0", "x"]).exit_code == 2


def test_folders_are_searched_and_duplicates_across_files_found(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [figure_record()])
    (tmp_path / "sub").mkdir()
    write_jsonl(tmp_path / "sub" / "b.jsonl", [figure_record()])
    report = validate_paths([tmp_path])
    assert report.files == 2 and report.records == 2
    assert [f.code for f in report.findings] == ["duplicate-record"]
    assert report.findings[0].file.endswith("b.jsonl") and "a.jsonl:1" in report.findings[0].message


def test_a_record_of_an_unknown_document_without_text(tmp_path: Path) -> None:
    record = figure_record()
    record["doc_id"] = "not-in-the-corpus"
    assert [f.code for f in validate_lines([json.dumps(record)])] == ["unknown-document"]


def test_schema_versions_are_checked() -> None:
    newer_major = figure_record()
    newer_major["schema_version"] = "9.0.0"
    assert [f.code for f in validate_lines([json.dumps(newer_major)])] == ["unknown-schema-version"]


def test_every_line_is_reported_one_bad_line_hides_nothing(tmp_path: Path) -> None:
    items = [figure_record(f"a{i}", text="wrong") if i % 3 == 0 else figure_record(f"a{i}") for i in range(30)]
    items[7] = "not json"
    report = validate_paths([write_jsonl(tmp_path / "many.jsonl", items)])
    assert [(f.line, f.code) for f in report.findings] == sorted(
        [(i + 1, "span-text-mismatch") for i in range(0, 30, 3)] + [(8, "invalid-json")])


def test_parallel_chunks_report_exactly_what_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items: list[Any] = []
    for i in range(400):
        items.append(figure_record(f"a{i}", text="wrong") if i % 37 == 0 else figure_record(f"a{i % 350}"))
        if i % 101 == 0:
            items.append("")
    path = write_jsonl(tmp_path / "big.jsonl", items)
    serial = validate_paths([path], jobs=1)
    monkeypatch.setattr(validator_module, "CHUNK_BYTES", 4096)  # many chunks, several workers
    parallel = validate_paths([path], jobs=2)
    assert serial.findings == parallel.findings
    assert serial.records == parallel.records == 400
    assert {f.code for f in serial.findings} == {"span-text-mismatch", "blank-line", "duplicate-record"}


@settings(max_examples=200)
@given(st.lists(st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode),
                          records().map(lambda r: json.dumps(r)[: len(json.dumps(r)) // 2].encode())), max_size=4))
def test_no_input_raises(lines: list[bytes]) -> None:
    for finding in validate_lines(lines):
        assert finding.code in CODES and finding.line is not None


def test_readme_documents_every_code_in_one_table() -> None:
    readme = (resources.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", readme, flags=re.MULTILINE))
    assert rows == {code.code: code.severity for code in CODES.values()}


def test_list_codes_prints_the_table() -> None:
    result = run("--list-codes")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == list(CODES)


def test_a_version_string_is_never_taken_for_a_valid_id() -> None:
    """Ids are checked against their pattern even after that string was seen as a schema version."""
    record = figure_record("bob")
    record["spans"][0]["id"] = record["schema_version"]  # "1.0.0": a dot is not allowed in an id
    findings = list(validate_lines([json.dumps(figure_record()), json.dumps(record)]))
    assert [(f.line, f.code, f.path) for f in findings] == [(2, "invalid-value", "spans[0].id")]


def test_each_missing_field_and_attribute_is_one_finding_naming_it(tmp_path: Path) -> None:
    """jsonschema reports a `required` error once per missing name; each is one finding naming
    only its own name, not the whole list repeated."""
    record = figure_record(attributes={"qualifier": "at_least", "value": 140, "value_min": 140})
    del record["annotator"], record["relations"]
    path = write_jsonl(tmp_path / "missing.jsonl", [{"a": 1}, record])
    found = [(f.line, f.code, f.message) for f in validate_paths([path]).findings
             if f.code in ("missing-field", "missing-attribute")]
    assert found == [
        (1, "missing-field", "doc_id is required"), (1, "missing-field", "schema_version is required"),
        (1, "missing-field", "text_sha256 is required"), (1, "missing-field", "annotator is required"),
        (1, "missing-field", "spans is required"),
        (2, "missing-field", "annotator is required"),
        (2, "missing-attribute", "incident is required"), (2, "missing-attribute", "category is required")]


def test_validating_a_closed_standard_input_is_a_coded_refusal() -> None:
    """`crocus-claims validate - 0<&-`: no stream to read, so exit 2 with a code, not internal-error."""
    command = [sys.executable, "-c", "from crocus_claims.cli import main; main()", "validate", "-"]
    result = subprocess.run(command, preexec_fn=lambda: os.close(0), capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "Error: unreadable-file: standard input is closed: nothing to read"


@pytest.mark.parametrize("args", [["ls", "import", "-", "-o", "records.jsonl"], ["schema", "check", "-"]],
                         ids=lambda args: " ".join(args[:2]))
def test_a_closed_standard_input_leaves_no_spooled_file(args: list[str], tmp_path: Path) -> None:
    """Commands that need a path copy standard input to a temporary file: with it closed, that
    file was made, then left behind when the command refused."""
    command = [sys.executable, "-c", "from crocus_claims.cli import main; main()", *args]
    result = subprocess.run(command, preexec_fn=lambda: os.close(0), capture_output=True, text=True, check=False,
                            cwd=tmp_path, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 2 and "standard input is closed" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []
