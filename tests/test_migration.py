"""Migrations as data: the file format is checked like a schema file, and every operation does
exactly what schema/migrations/README.md says to a record, reporting each change as an Impact.

Uses the made-up folder of tests/schema_versions.py (v1.0.0, v1.1.0, v2.0.0 and their migrations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from schema_versions import MIGRATION_1_1_TO_2, made_up_folder

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import text_sha256
from crocus_claims.migration import (
    Decision,
    Decisions,
    MigrationError,
    load_migration,
    migrate_record,
    migration_path,
)
from crocus_claims.schema import SchemaFolder
from crocus_claims.validation import validate_records


@pytest.fixture()
def folder(tmp_path: Path) -> SchemaFolder:
    return made_up_folder(tmp_path / "schema")


def synthetic(version: str, spans: list[tuple[str, str, dict[str, Any]]],
              relations: list[tuple[str, str, str]] = (), annotator: str = "alice") -> dict[str, Any]:
    """A record carrying its own text: one sentence per span, (id, label, attributes) each."""
    text, built = "", []
    for span_id, label, attributes in spans:
        words = f"words of {span_id}"
        built.append({"id": span_id, "label": label, "start": len(text), "end": len(text) + len(words),
                      "text": words, "attributes": attributes})
        text += words + ". "
    return {"doc_id": "synthetic", "schema_version": version, "text_sha256": text_sha256(text),
            "annotator": annotator, "text": text, "spans": built,
            "relations": [{"id": f"{kind}-{head}-{tail}", "type": kind, "head": head, "tail": tail}
                          for kind, head, tail in relations]}


FIGURE = {"incident": "CROCUS_2024", "category": "killed", "qualifier": "at_least", "value": 140, "value_min": 140}
WARNING = {"incident": "CROCUS_2024", "warning_type": "threat", "names_time": True}
CLAIM = {"incident": "CROCUS_2024", "claim_type": "accusation", "role": "carried_out"}
DENIAL = {"incident": "CROCUS_2024", "denial_type": "deny_involvement"}


def rich_record() -> dict[str, Any]:
    """A 1.1.0 record touched by every operation of the made-up 1.1.0 -> 2.0.0 migration."""
    return synthetic("1.1.0", [
        ("c1", "PERPETRATOR_CLAIM", {**CLAIM, "role": "assisted"}),
        ("f1", "CASUALTY_FIGURE", {**FIGURE, "as_of": "2024-03-23"}),
        ("w1", "WARNING", {**WARNING, "incident": "FUTURE_OR_HYPOTHETICAL"}),
        ("d1", "DENIAL", DENIAL),
        ("d2", "DENIAL", {**DENIAL, "denial_type": "reject_accusation"}),
        ("a1", "ACTOR", {"actor": "OTHER_ACTOR"}),
        ("o1", "MEDIA_OUTLET", {"outlet": "REUTERS"}),
    ], [("source", "c1", "a1"), ("reported_by", "f1", "o1"), ("supports", "f1", "c1"), ("denies", "d1", "c1"),
        ("denies", "d2", "d1")])


def test_the_made_up_migrations_load_and_chain(folder: SchemaFolder) -> None:
    chain = migration_path("1.0.0", "2.0.0", folder)
    assert [m.name for m in chain] == ["1.0.0--1.1.0", "1.1.0--2.0.0"]
    assert migration_path("1.1.0", "1.1.0", folder) == []
    assert len(chain[1].operations) == 13 and chain[1].decisions[0].id == "warning-incident"
    with pytest.raises(MigrationError, match="only go forward"):
        migration_path("2.0.0", "1.0.0", folder)
    (folder.path / "migrations" / "1.0.0--1.1.0.yaml").unlink()
    with pytest.raises(MigrationError, match="no migration from 1.0.0 to 1.1.0"):
        migration_path("1.0.0", "2.0.0", folder)


def broken(folder: SchemaFolder, old: str, new: str) -> tuple[Path, list[tuple[int | None, str, str]]]:
    """The problems of the made-up 1.1.0 -> 2.0.0 migration with one line changed."""
    assert old in MIGRATION_1_1_TO_2
    path = folder.path / "migrations" / "1.1.0--2.0.0.yaml"
    path.write_text(MIGRATION_1_1_TO_2.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MigrationError) as caught:
        load_migration(path, folder)
    assert caught.value.code == "invalid-migration"
    return path, caught.value.problems


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("op: rename_label,", "op: relabel,", "op: relabel", "rename_label"),  # unknown op: the allowed ones
    ("from: PERPETRATOR_CLAIM", "from: PERPETRATOR", "from: PERPETRATOR,", "no label 'PERPETRATOR'"),
    ("to: threat_of_action}", "to: intel_sharing}", "to: intel_sharing", "already exists"),
    ("attribute: verified, labels: [CASUALTY_FIGURE], value: false",
     "attribute: verified, labels: [CASUALTY_FIGURE], value: maybe", "value: maybe", "is not a boolean"),
    ("answers: [CROCUS_2024,", "answers: [MOSCOW_2024,", "answers: [MOSCOW", "'MOSCOW_2024' is not one of"),
    ("  - {op: rename_relation, from: supports, to: corroborates}\n", "", "- {op: rename_label",
     "relation 'supports' is not in 2.0.0"),
    ("  - {op: remove_label, label: MEDIA_OUTLET, drop: true}\n", "", "- {op: rename_label", "label 'MEDIA_OUTLET'"),
    ("  - {op: change_relation_ends, relation: denies, tail: [ATTRIBUTION, WARNING], drop: true}\n", "",
     "- {op: rename_label", "may no longer have a DENIAL tail"),
    ("op: rename_attribute, from: names_time, to: names_date}", "op: rename_attribute, from: names_time}",
     "from: names_time}", "Field required"),
    ("from: 1.1.0", "from: 1.0.0", "from: 1.0.0", "named for 1.1.0--2.0.0"),
])
def test_a_broken_migration_is_refused_at_its_line(folder: SchemaFolder, old: str, new: str, needle: str,
                                                   message: str) -> None:
    path, problems = broken(folder, old, new)
    assert any(message in text and line == line_of(path, needle) for line, _, text in problems), problems


def run(folder: SchemaFolder, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    return CliRunner().invoke(cli, ["schema", *args])


def test_schema_check_checks_migrations_and_wants_one_per_version(folder: SchemaFolder,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 0, result.output
    assert "migration 1.1.0--2.0.0 is valid (13 operations)" in result.output
    (folder.path / "migrations" / "1.0.0--1.1.0.yaml").unlink()
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 1
    assert "error missing-migration: schema 1.1.0 has no migration from 1.0.0" in result.output
    broken(folder, "from: PERPETRATOR_CLAIM", "from: PERPETRATOR")
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 1 and "invalid-migration: " in result.output and "Traceback" not in result.output


def kinds(impacts: list[Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [(i.kind, i.op, i.span_id, i.relation_id) for i in impacts]


def test_every_operation_changes_the_record_as_documented(folder: SchemaFolder) -> None:
    chain = migration_path("1.1.0", "2.0.0", folder)
    decisions = Decisions([Decision("synthetic", "w1", "CROCUS_2024", by="tester", why="the text names the venue")])
    migrated, impacts = migrate_record(rich_record(), chain, decisions)
    spans = {span["id"]: span for span in migrated["spans"]}
    assert migrated["schema_version"] == "2.0.0"
    assert spans["c1"]["label"] == "ATTRIBUTION" and spans["c1"]["attributes"]["role"] is None
    assert list(spans["w1"]["attributes"]) == ["incident", "warning_type", "names_date", "sources_named"]
    assert spans["w1"]["attributes"] == {"incident": "CROCUS_2024", "warning_type": "threat_of_action",
                                         "names_date": True, "sources_named": None}
    assert spans["d1"]["attributes"]["denial_type"] == spans["d2"]["attributes"]["denial_type"] == \
        "reject_responsibility"
    assert spans["a1"]["attributes"]["actor"] == "UNLISTED_ACTOR"
    assert spans["f1"]["attributes"]["verified"] is False and "as_of" not in spans["f1"]["attributes"]
    assert "o1" not in spans
    assert [(r["id"], r["type"]) for r in migrated["relations"]] == [
        ("source-c1-a1", "source"), ("corroborates-f1-c1", "corroborates"), ("denies-d1-c1", "denies")]
    lost = [(i.op, i.span_id or i.relation_id) for i in impacts if i.kind == "lost"]
    assert lost == [("remove_attribute", "f1"), ("remove_value", "c1"), ("remove_label", "reported_by-f1-o1"),
                    ("remove_label", "o1"), ("change_relation_ends", "denies-d2-d1")]
    decided = [i for i in impacts if i.kind == "decided"]
    assert [(i.span_id, i.old, i.new, i.by) for i in decided] == [("w1", "FUTURE_OR_HYPOTHETICAL", "CROCUS_2024",
                                                                   "tester")]
    assert decided[0].text == "words of w1" and decided[0].question.startswith("Which attack")
    assert not [i for i in impacts if i.kind in ("needs-decision", "refused")]
    assert validate_records([migrated], corpus={}, schemas=folder) == []


def test_an_open_question_keeps_the_value_and_blocks(folder: SchemaFolder) -> None:
    chain = migration_path("1.1.0", "2.0.0", folder)
    migrated, impacts = migrate_record(rich_record(), chain)
    assert {i.kind for i in impacts if i.blocking} == {"needs-decision", "lost"}
    waiting = [i for i in impacts if i.kind == "needs-decision"]
    assert [(i.kind, i.span_id, i.decision_id, i.answers[0]) for i in waiting] == [
        ("needs-decision", "w1", "warning-incident", "CROCUS_2024")]
    finding = waiting[0].finding("x.jsonl", 1)
    assert finding.code == "migration-needs-decision" and "words of w1" in finding.message
    assert migrated["spans"][2]["attributes"]["incident"] == "FUTURE_OR_HYPOTHETICAL"
    wrong = Decisions([Decision("synthetic", "w1", "MOSCOW", by="t", why="w")])
    _, impacts = migrate_record(rich_record(), chain, wrong)
    assert [i.message for i in impacts if i.kind == "needs-decision"][0].endswith("is not one of the allowed answers "
                                                                   "['CROCUS_2024', 'KERMAN_2024', 'OTHER', "
                                                                   "'FUTURE_OR_HYPOTHETICAL']")


def test_data_removed_without_drop_is_refused_and_kept(folder: SchemaFolder) -> None:
    path = folder.path / "migrations" / "1.1.0--2.0.0.yaml"
    path.write_text(MIGRATION_1_1_TO_2.replace("{op: remove_label, label: MEDIA_OUTLET, drop: true}",
                                               "{op: remove_label, label: MEDIA_OUTLET}"), encoding="utf-8")
    migrated, impacts = migrate_record(rich_record(), migration_path("1.1.0", "2.0.0", folder))
    refused = [(i.op, i.span_id or i.relation_id) for i in impacts if i.kind == "refused"]
    assert refused == [("remove_label", "reported_by-f1-o1"), ("remove_label", "o1")]
    assert "o1" in {span["id"] for span in migrated["spans"]}
    assert refused and impacts[[i.kind for i in impacts].index("refused")].finding().code == "migration-refuses-loss"


def test_a_record_already_at_the_target_is_unchanged_and_others_refused(folder: SchemaFolder) -> None:
    chain = migration_path("1.0.0", "2.0.0", folder)
    record = synthetic("2.0.0", [("f1", "CASUALTY_FIGURE", {**FIGURE, "verified": True})])
    assert migrate_record(record, chain) == (record, [])
    with pytest.raises(ValueError, match="cannot go through 1.0.0--1.1.0"):
        migrate_record(synthetic("1.1.0", []), chain)


def test_a_chain_composes_and_the_copy_leaves_the_input_alone(folder: SchemaFolder) -> None:
    record = rich_record()
    record["schema_version"] = "1.0.0"
    before = json.dumps(record)
    decisions = Decisions([Decision("synthetic", "w1", "OTHER", by="t", why="w")])
    migrated, impacts = migrate_record(record, migration_path("1.0.0", "2.0.0", folder), decisions)
    assert json.dumps(record) == before
    assert migrated["schema_version"] == "2.0.0" and {i.migration for i in impacts} == {"1.1.0--2.0.0"}
    assert validate_records([migrated], corpus={}, schemas=folder) == []
