"""Records of every schema version stay readable: each is checked against the version it names,
or, with --schema-version, against that version under the rule of schema/VERSIONING.md.

The schema folder is a made-up one (tests/schema_versions.py: v1.0.0, v1.1.0, v2.0.0), so these
tests hold whatever the project's own next version turns out to be.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from schema_versions import made_up_folder

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.schema import SchemaFolder
from crocus_claims.validation import validate_lines, validate_paths
from crocus_claims.validation import validator as validator_module

DOC = load_corpus()["crocus-004-zakharova-disputes-isk-claim"]


def record(version: str, annotator: str = "alice", **attributes: Any) -> dict[str, Any]:
    """A record of one figure ('at least 140' killed) under `version`, with extra attributes."""
    start = DOC.text.index("at least 140")
    span = {"id": "f1", "label": "CASUALTY_FIGURE", "start": start, "end": start + 12, "text": "at least 140",
            "attributes": {"incident": "CROCUS_2024", "category": "killed", "qualifier": "at_least",
                           "value": 140, "value_min": 140, **attributes}}
    return {"doc_id": DOC.doc_id, "schema_version": version, "text_sha256": DOC.text_sha256,
            "annotator": annotator, "spans": [span], "relations": []}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> SchemaFolder:
    return made_up_folder(tmp_path_factory.mktemp("schema"))


def codes(items: list[dict[str, Any]], folder: SchemaFolder, pinned: str | None = None) -> list[list[str]]:
    """The codes found per line."""
    schema = folder.load(pinned) if pinned else None
    lines = [json.dumps(item) for item in items]
    found: list[list[str]] = [[] for _ in items]
    for finding in validate_lines(lines, schema=schema, corpus={DOC.doc_id: DOC}, schemas=folder):
        found[finding.line - 1].append(finding.code)
    return found


def test_each_record_is_checked_against_the_version_it_names(folder: SchemaFolder) -> None:
    old = record("1.0.0", as_of="2024-03-23")  # as_of is gone in 2.0.0
    minor = record("1.1.0", "bob")
    new = record("2.0.0", "carol", verified=True)  # verified is new in 2.0.0
    assert codes([old, minor, new], folder) == [[], [], []]


def test_an_attribute_of_a_later_version_is_unknown_in_an_earlier_one(folder: SchemaFolder) -> None:
    assert codes([record("1.0.0", verified=True), record("2.0.0", "bob", as_of="2024-03-23")], folder) == [
        ["unknown-attribute"], ["unknown-attribute"]]


def test_a_line_that_fails_decoding_is_checked_with_its_own_versions_types(folder: SchemaFolder) -> None:
    broken = record("1.0.0", as_of="2024-03-23")
    broken["spans"][0]["attributes"]["value"] = "140"
    assert codes([broken], folder) == [["invalid-attribute-value"]]  # as_of is not reported: 1.0.0 has it


def test_a_version_that_does_not_exist_is_unknown(folder: SchemaFolder) -> None:
    findings = list(validate_lines([json.dumps(record("9.0.0"))], corpus={DOC.doc_id: DOC}, schemas=folder))
    assert [f.code for f in findings] == ["unknown-schema-version"]
    assert "1.0.0, 1.1.0, 2.0.0" in findings[0].message and findings[0].path == "schema_version"
    assert codes([record("1.0.0")], folder, pinned="1.1.0") == [[]]
    assert codes([record("1.2.0")], folder, pinned="1.1.0") == [["unknown-schema-version"]]


@pytest.mark.parametrize(("pinned", "version", "expected"), [
    ("1.1.0", "1.0.0", []),  # an older minor version reads under a newer one
    ("1.1.0", "1.1.0", []),
    ("1.0.0", "1.1.0", ["incompatible-schema-version"]),  # a newer minor may use what 1.0.0 lacks
    ("2.0.0", "1.0.0", ["incompatible-schema-version"]),  # another major version
    ("1.1.0", "2.0.0", ["incompatible-schema-version"]),
])
def test_a_pinned_version_reads_records_by_the_versioning_rule(folder: SchemaFolder, pinned: str, version: str,
                                                               expected: list[str]) -> None:
    assert codes([record(version)], folder, pinned=pinned) == [expected]


def test_parallel_chunks_dispatch_versions_as_one_process_does(folder: SchemaFolder, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    items = []
    for i in range(300):
        version = ("1.0.0", "1.1.0", "2.0.0")[i % 3]
        extra = {"as_of": "2024-03-23"} if i % 5 == 0 else {}  # wrong under 2.0.0 only
        items.append(record(version, f"a{i}", **extra))
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    monkeypatch.setattr(validator_module, "CHUNK_BYTES", 4096)
    serial = validate_paths([path], jobs=1, corpus={DOC.doc_id: DOC}, schemas=folder)
    parallel = validate_paths([path], jobs=2, corpus={DOC.doc_id: DOC}, schemas=folder)
    expected = [(i + 1, "unknown-attribute") for i in range(300) if i % 3 == 2 and i % 5 == 0]
    assert [(f.line, f.code) for f in serial.findings] == expected
    assert [str(f) for f in parallel.findings] == [str(f) for f in serial.findings]


def run(folder: SchemaFolder, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    return CliRunner().invoke(cli, ["validate", *args])


def test_cli_checks_each_record_against_its_version_unless_told(folder: SchemaFolder, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(record("1.0.0")) + "\n" + json.dumps(record("2.0.0", "bob")) + "\n",
                    encoding="utf-8")
    result = run(folder, monkeypatch, str(path))
    assert result.exit_code == 0, result.output
    pinned = run(folder, monkeypatch, "--schema-version", "2.0.0", "--format", "json", str(path))
    assert pinned.exit_code == 1
    findings = json.loads(pinned.output)["findings"]
    assert [(f["line"], f["code"]) for f in findings] == [(1, "incompatible-schema-version")]
    assert "--schema-version 1.0.0" in findings[0]["message"]
    missing = run(folder, monkeypatch, "--schema-version", "3.0.0", str(path))
    assert missing.exit_code == 2 and "no schema 3.0.0" in missing.output
    assert "Traceback" not in missing.output


def test_migrate_checks_older_records_as_they_would_be_after_migration(folder: SchemaFolder) -> None:
    schema = folder.load("2.0.0")
    old = record("1.0.0", as_of="2024-03-23")  # dropped by the made-up migration: a loss to report
    clean = record("1.1.0", "bob")
    newer = record("2.0.0", "carol")
    lines = [json.dumps(item) for item in (old, clean, newer)]
    plain = list(validate_lines(lines, schema=schema, corpus={DOC.doc_id: DOC}, schemas=folder))
    assert [(f.line, f.code) for f in plain] == [(1, "incompatible-schema-version"), (2, "incompatible-schema-version")]
    migrated = list(validate_lines(lines, schema=schema, corpus={DOC.doc_id: DOC}, schemas=folder, migrate=True))
    assert [(f.line, f.code, f.span_id) for f in migrated] == [(1, "migration-loses-data", "f1")]
    assert "as_of" in migrated[0].message and "at least 140" in migrated[0].message


def test_migrate_without_a_migration_file_says_which_is_missing(folder: SchemaFolder, tmp_path: Path) -> None:
    bare = made_up_folder(tmp_path / "bare", migrations=False)
    findings = list(validate_lines([json.dumps(record("1.0.0"))], schema=bare.load("2.0.0"),
                                   corpus={DOC.doc_id: DOC}, schemas=bare, migrate=True))
    assert [f.code for f in findings] == ["missing-migration"]
    assert "no migration from 1.0.0 to 1.1.0" in findings[0].message


def test_migrate_with_a_broken_migration_file_names_its_line(folder: SchemaFolder, tmp_path: Path) -> None:
    broken = made_up_folder(tmp_path / "broken")
    path = broken.path / "migrations" / "1.0.0--1.1.0.yaml"
    path.write_text(path.read_text().replace("operations: []", "operations: [{op: rename_label}]"), encoding="utf-8")
    findings = list(validate_lines([json.dumps(record("1.0.0"))], schema=broken.load("2.0.0"),
                                   corpus={DOC.doc_id: DOC}, schemas=broken, migrate=True))
    assert [f.code for f in findings] == ["invalid-migration"]
    assert f"{path}:5: operations[0].from: Field required" in findings[0].message


def test_cli_migrate_needs_a_version_to_migrate_to(folder: SchemaFolder, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(record("1.0.0")) + "\n", encoding="utf-8")
    assert run(folder, monkeypatch, "--migrate", str(path)).exit_code == 2
    result = run(folder, monkeypatch, "--schema-version", "2.0.0", "--migrate", str(path))
    assert result.exit_code == 0, result.output


AUTHORED = """\
doc_id: crocus-002-iran-warned-russia-bereziuk
annotator: alice
schema_version: {version}
spans:
  - id: w1
    label: WARNING
    quote: Iran warned Russia about the possibility of a major
    attributes: {{incident: CROCUS_2024, warning_type: intel_sharing, channel: in_person}}
"""


def test_annotations_build_checks_each_authored_file_against_the_version_it_names(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crocus_claims import authoring

    monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    corpus = load_corpus()
    path = tmp_path / "crocus-002-iran-warned-russia-bereziuk.yaml"
    path.write_text(AUTHORED.format(version="1.1.0"), encoding="utf-8")  # in_person is new in 1.1.0
    line, problems = authoring.build_file(path, corpus)
    assert problems == [] and json.loads(line)["schema_version"] == "1.1.0"
    path.write_text(AUTHORED.format(version="1.0.0"), encoding="utf-8")
    line, problems = authoring.build_file(path, corpus)
    assert line is None and [(p.code, p.span_id) for p in problems] == [("invalid-attribute-value", "w1")]


def test_a_file_of_one_older_version_costs_one_decode_a_record(folder: SchemaFolder, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    decodes = []
    real = validator_module._decode_without_duplicate_keys

    def counted(line: bytes, ctx: Any) -> Any:
        decodes.append(ctx.schema.version)
        return real(line, ctx)

    monkeypatch.setattr(validator_module, "_decode_without_duplicate_keys", counted)
    items = [record("1.0.0", f"a{i}", as_of="2024-03-23") for i in range(20)]
    items += [record("2.0.0", f"b{i}", verified=True) for i in range(20)]
    path = tmp_path / "two-versions.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    report = validate_paths([path], jobs=1, corpus={DOC.doc_id: DOC}, schemas=folder)
    assert report.findings == [] and report.records == 40
    # the first record of each run of one version is decoded twice (latest types first, then its own)
    assert len(decodes) == 42
    assert decodes[:3] == ["2.0.0", "1.0.0", "1.0.0"] and decodes[21:24] == ["1.0.0", "2.0.0", "2.0.0"]
