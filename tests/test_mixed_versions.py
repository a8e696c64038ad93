"""Commands that read annotation sets read each record under the schema version it names; where
they compare, count or merge records of different versions, the older ones are migrated in memory
to the newest version present, and a migration that needs a decision or loses data is a finding.

Most tests use the made-up schema folder of tests/schema_versions.py (1.0.0, 1.1.0 and a 2.0.0
that renames PERPETRATOR_CLAIM to ATTRIBUTION, names_time to names_date, ...); the last ones use
the project's own passes (the gold at 2.0.0, heldout and pass2 at 1.0.0).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from schema_versions import made_up_folder

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.migration import migrate_record, migration_path
from crocus_claims.schema import SchemaFolder

ROOT = Path(__file__).resolve().parents[1]
DOC_004 = "crocus-004-zakharova-disputes-isk-claim.jsonl"  # migrates to the made-up 2.0.0 by rule alone
DOC_001 = "crocus-001-fsb-implicates-isk.jsonl"  # its warnings' incident waits for a decision


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> SchemaFolder:
    return made_up_folder(tmp_path_factory.mktemp("schema"))


def pass_record(pass_name: str, file: str) -> dict[str, Any]:
    return json.loads((ROOT / "annotations" / pass_name / file).read_text(encoding="utf-8"))


def at_2(record: dict[str, Any], folder: SchemaFolder, annotator: str | None = None) -> dict[str, Any]:
    """`record` migrated to the made-up 2.0.0 (an open question keeps its value, which 2.0.0 allows)."""
    migrated, _ = migrate_record(record, migration_path("1.0.0", "2.0.0", folder))
    return {**migrated, "annotator": annotator or migrated["annotator"]}


def write(path: Path, *records: dict[str, Any]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def run(folder: SchemaFolder | None, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    if folder is not None:
        monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    return CliRunner().invoke(cli, list(args))


def test_agreement_of_a_1_0_pass_with_a_2_0_pass_is_the_agreement_after_migrating_it(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heldout = write(tmp_path / "heldout" / DOC_004, pass_record("heldout", DOC_004))
    pass2 = pass_record("pass2", DOC_004)
    both_old = run(folder, monkeypatch, "agreement", heldout, write(tmp_path / "pass2-1" / DOC_004, pass2),
                   "--format", "json")
    assert both_old.exit_code == 0, both_old.output
    old = json.loads(both_old.stdout)
    mixed = run(folder, monkeypatch, "agreement", heldout, write(tmp_path / "pass2-2" / DOC_004, at_2(pass2, folder)),
                "--format", "json")
    assert mixed.exit_code == 0, mixed.output
    new = json.loads(mixed.stdout)
    assert (old["schema_version"], new["schema_version"]) == ("1.0.0", "2.0.0")
    assert "note: migrated 1 record(s) of schema 1.0.0 to 2.0.0 in memory" in mixed.stderr
    assert "migrated" not in both_old.stderr
    for matching in ("exact", "overlap"):
        before, after = old["spans"][matching], new["spans"][matching]
        assert after["per_label"]["ATTRIBUTION"] == before["per_label"]["PERPETRATOR_CLAIM"]
        assert before["per_label"]["PERPETRATOR_CLAIM"]["count_a"] > 0
        assert "PERPETRATOR_CLAIM" not in after["per_label"]
        assert (after["core"], after["all"]) == (before["core"], before["all"])
        assert new["relations"][matching]["per_type"]["corroborates"] == old["relations"][matching]["per_type"]["supports"]


def test_agreement_needing_a_decision_names_the_document_and_span_and_exits_1(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    heldout = write(tmp_path / "heldout" / DOC_001, pass_record("heldout", DOC_001))
    newer = write(tmp_path / "pass2" / DOC_001, at_2(pass_record("pass2", DOC_001), folder))
    result = run(folder, monkeypatch, "agreement", heldout, newer, "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    asked = {(f["doc_id"], f["span_id"]) for f in findings if f["code"] == "migration-needs-decision"}
    assert ("crocus-001-fsb-implicates-isk", "wn-alerted") in asked
    assert {f["code"] for f in findings} <= {"migration-needs-decision", "migration-loses-data"}
    assert {f["file"] for f in findings} == {heldout}  # only the older set is migrated
    human = run(folder, monkeypatch, "agreement", heldout, newer)
    assert human.exit_code == 1 and "Traceback" not in human.output
    assert "doc crocus-001-fsb-implicates-isk span wn-alerted: error migration-needs-decision" in human.stdout


def test_stats_over_a_folder_mixing_versions_counts_at_the_newest(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = pass_record("heldout", DOC_004), at_2(pass_record("pass2", DOC_004), folder)
    mixed = tmp_path / "mixed"
    write(mixed / "old.jsonl", old)
    write(mixed / "new.jsonl", new)
    result = run(folder, monkeypatch, "stats", str(mixed), "--format", "json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["schema_version"] == "2.0.0"
    assert "note: migrated 1 record(s) of schema 1.0.0 to 2.0.0 in memory" in result.stderr
    labels = {row["label"]: row for row in stats["labels"]}
    claims = [span for record in (old, new) for span in record["spans"]
              if span["label"] in ("PERPETRATOR_CLAIM", "ATTRIBUTION")]
    assert labels["ATTRIBUTION"]["spans"] == len(claims) > 0 and "PERPETRATOR_CLAIM" not in labels
    figures = stats["figures"]["CASUALTY_FIGURE"]
    assert len(figures) == 2 and all(row["verified"] is False for row in figures)  # added by the migration
    assert all("as_of" not in row for row in figures)  # removed by it


def test_stats_of_one_old_version_reads_it_as_it_is(folder: SchemaFolder, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "old" / DOC_001, pass_record("heldout", DOC_001))
    result = run(folder, monkeypatch, "stats", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema_version"] == "1.0.0" and "migrated" not in result.stderr


def test_annotations_import_takes_records_of_an_older_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = write(tmp_path / "heldout.jsonl", pass_record("heldout", DOC_004))
    result = run(None, monkeypatch, "annotations", "import", records, "--pass", "again", "--root", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    authored = yaml.safe_load((tmp_path / "a" / "authored" / "again" / DOC_004.replace(".jsonl", ".yaml"))
                              .read_text(encoding="utf-8"))
    assert authored["schema_version"] == "1.0.0"


def test_the_readme_agreement_command_reads_two_1_0_passes_with_2_0_on_main(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run(None, monkeypatch, "agreement", "annotations/agreement/gold-before-adjudication",
                 "annotations/heldout")
    assert result.exit_code == 0, result.output
    assert "schema 1.0.0" in result.stdout.splitlines()[0] and "migrated" not in result.stderr


def test_the_2_0_gold_against_a_1_0_pass_waits_for_the_decisions_of_the_real_migration(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run(None, monkeypatch, "agreement", "annotations/gold", "annotations/heldout", "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings} == {"migration-needs-decision"}
    assert ("crocus-001-fsb-implicates-isk", "wn-alerted") in {(f["doc_id"], f["span_id"]) for f in findings}


def test_the_board_of_the_made_up_2_0_shows_what_its_schema_has(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = at_2(pass_record("pass2", DOC_001), folder)
    warnings = [span for span in record["spans"] if span["label"] == "WARNING"]
    assert warnings and all("names_date" in span["attributes"] for span in warnings)
    result = run(folder, monkeypatch, "board", write(tmp_path / "pass" / DOC_001, record), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    table = index[index.index('<table class="warnings">'):]
    table = table[:table.index("</table>")]
    assert '<th scope="col">channel</th>' in table and '<th scope="col">named</th>' in table
    for span in warnings:  # the "named" cell of each warning, in the made-up names
        flags = [("target", span["attributes"]["names_target"]), ("date", span["attributes"]["names_date"])]
        named = ", ".join(word for word, flag in flags if flag) or "neither"
        unstated = ", ".join(word for word, flag in flags if flag is None)
        assert f"<td>{named}" + (f' <span class="muted">(not stated: {unstated})</span>' if unstated else "") + "</td>" \
            in table
    assert "time" not in table
    # The made-up 2.0.0 renames PERPETRATOR_CLAIM: the claims section says why it is empty.
    claims = index[index.index('<section id="claims">'):]
    claims = claims[:claims.index("</section>")]
    assert "Schema 2.0.0 has no label PERPETRATOR_CLAIM" in claims
    assert index.count("missing-label") == 1


def test_a_column_whose_attribute_the_schema_lacks_is_left_out(
        folder: SchemaFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lean = made_up_folder(tmp_path / "lean")
    path = lean.path_of("2.0.0")
    schema = yaml.safe_load(path.read_text(encoding="utf-8"))
    dropped = {"channel", "names_target", "names_date"}
    warning = next(label for label in schema["labels"] if label["name"] == "WARNING")
    warning["attributes"] = [name for name in warning["attributes"] if name not in dropped]
    schema["attributes"] = [a for a in schema["attributes"] if a["name"] not in dropped]
    path.write_text(yaml.safe_dump(schema, sort_keys=False, allow_unicode=True), encoding="utf-8")
    record = at_2(pass_record("pass2", DOC_001), folder)
    for span in record["spans"]:
        for name in dropped:
            span["attributes"].pop(name, None)
    result = run(SchemaFolder(lean.path), monkeypatch, "board", write(tmp_path / "pass" / DOC_001, record),
                 "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    table = index[index.index('<table class="warnings">'):]
    table = table[:table.index("</table>")]
    assert '<th scope="col">type</th>' in table and "<tbody>\n<tr" in table
    assert '<th scope="col">channel</th>' not in table and '<th scope="col">named</th>' not in table


def test_adjudicate_migrates_the_older_pass_in_memory(folder: SchemaFolder, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "annotations"
    (root / "authored" / "heldout").mkdir(parents=True)
    authored = DOC_004.replace(".jsonl", ".yaml")
    shutil.copy(ROOT / "annotations" / "authored" / "heldout" / authored, root / "authored" / "heldout" / authored)
    newer = write(tmp_path / "newer.jsonl", at_2(pass_record("pass2", DOC_004), folder, "newer"))
    imported = run(folder, monkeypatch, "annotations", "import", newer, "--pass", "newer", "--root", str(root))
    assert imported.exit_code == 0, imported.output
    result = run(folder, monkeypatch, "adjudicate", "heldout", "newer", "--into", "merged", "--root", str(root),
                 "--format", "json")
    assert result.exit_code == 1, result.output
    assert {f["code"] for f in json.loads(result.stdout)["findings"]} == {"decisions-pending"}
    assert "note: migrated 1 record(s) of schema 1.0.0 to 2.0.0 in memory" in result.stderr
    decisions = (root / "agreement" / "adjudication" / "heldout+newer" / "decisions.yaml").read_text(encoding="utf-8")
    assert "ATTRIBUTION" in decisions and "PERPETRATOR_CLAIM" not in decisions
    assert not (root / "merged").exists()


def test_adjudicate_of_passes_whose_migration_needs_decisions_names_them(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "annotations"
    for name in ("heldout", "gold"):  # 1.0.0 and the real 2.0.0, whose migration asks about warnings
        shutil.copytree(ROOT / "annotations" / "authored" / name, root / "authored" / name)
    result = run(None, monkeypatch, "adjudicate", "heldout", "gold", "--into", "merged", "--root", str(root),
                 "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings} == {"migration-needs-decision"}
    assert {f["file"] for f in findings} == {str(root / "authored" / "heldout")}
    assert ("crocus-001-fsb-implicates-isk", "wn-alerted") in {(f["doc_id"], f["span_id"]) for f in findings}
    assert not (root / "agreement").exists() and not (root / "merged").exists()
