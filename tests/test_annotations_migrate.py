"""`crocus-claims annotations migrate`: the gold (records and authored YAML) taken through the made-up
1.0.0 -> 1.1.0 -> 2.0.0 migrations of tests/schema_versions.py, which touch it in every way:
renames, merges, additions, losses and a question per hypothetical warning.
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

from crocus_claims import atomic, authoring, resources
from crocus_claims.cli import cli
from crocus_claims.migration import files as migration_files
from crocus_claims.schema import SchemaFolder
from crocus_claims.validation import validate_paths

# The gold as it was at schema 1.0.0 (the dataset's gold has since been migrated to 2.0.0).
FROZEN = Path(__file__).parent / "data" / "gold-1.0.0"
GOLD = FROZEN / "gold"
AUTHORED = FROZEN / "authored" / "gold"


@pytest.fixture()
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An annotations folder holding a copy of the gold, with the made-up schema folder in force."""
    folder = made_up_folder(tmp_path / "schema")
    monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    shutil.copytree(GOLD, tmp_path / "annotations" / "gold")
    shutil.copytree(AUTHORED, tmp_path / "annotations" / "authored" / "gold")
    return tmp_path / "annotations"


def migrate(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["annotations", "migrate", "--to", "2.0.0", *args,
                                    str(root / "gold"), str(root / "authored" / "gold")])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def decisions_for(report: dict[str, Any], answer: str = "CROCUS_2024") -> dict[str, Any]:
    """A decisions file answering every open question of a report (once per document and span)."""
    decided: dict[str, Any] = {}
    for item in report["summary"]["changes"]:
        if item["kind"] == "needs-decision":
            decided.setdefault(item["doc_id"], {})[item["span_id"]] = {
                "decision": answer, "by": "test adjudicator", "why": f"the text ties {item['text']!r} to the attack"}
    return decided


def test_refuses_to_write_while_questions_are_open_or_data_would_be_lost(root: Path) -> None:
    before = snapshot(root)
    result = migrate(root)
    assert result.exit_code == 1
    assert snapshot(root) == before
    errors = [line for line in result.output.splitlines() if " error " in line]
    waiting = [line for line in errors if "migration-needs-decision" in line]
    # each hypothetical warning of three documents, once in the record and once in the authored file
    in_records = [line for line in waiting if ".jsonl:" in line]
    assert len({line.split(" doc ")[1].split()[0] for line in in_records}) == 3
    assert len(waiting) == 2 * len(in_records)
    assert all(" doc crocus-00" in line and " span " in line and "(text: '" in line for line in waiting)
    assert any("migration-loses-data" in line and "MEDIA_OUTLET" in line for line in errors)
    assert "refused: nothing written" in result.output
    # as every check: the findings on stdout, one line each; the summary on stderr
    assert [line for line in result.stdout.splitlines() if " error " in line] == errors
    assert "refused: nothing written" in result.stderr and "refused" not in result.stdout


def test_the_json_report_lists_every_change_question_and_loss(root: Path) -> None:
    result = migrate(root, "--format", "json")
    report = json.loads(result.output)
    kinds = report["summary"]["impacts"]
    assert set(kinds) == {"changed", "added", "lost", "needs-decision"}
    assert report["summary"]["refused"] is True and report["summary"]["written"] == []
    assert report["valid"] is False and set(report) == {"valid", "summary", "findings"}  # every check's shape
    question = next(i for i in report["summary"]["changes"] if i["kind"] == "needs-decision")
    assert question["question"].startswith("Which attack") and question["old"] == "FUTURE_OR_HYPOTHETICAL"
    assert question["answers"] == ["CROCUS_2024", "KERMAN_2024", "OTHER", "FUTURE_OR_HYPOTHETICAL"]
    assert question["text"] and question["line"] is not None
    lost = {(i["op"], i["old"]) for i in report["summary"]["changes"]
            if i["kind"] == "lost" and i["op"] == "remove_attribute"}
    assert lost == {("remove_attribute", "2024-03-28")}  # the one figure with a stated date, in both files
    renamed = [i for i in report["summary"]["changes"] if i["op"] == "rename_label"]
    assert renamed and all(i["old"] == "PERPETRATOR_CLAIM" and i["new"] == "ATTRIBUTION" for i in renamed)


def test_with_decisions_and_accepted_losses_everything_migrates_and_stays_consistent(root: Path,
                                                                                    tmp_path: Path) -> None:
    report = json.loads(migrate(root, "--format", "json").output)
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(yaml.safe_dump(decisions_for(report)), encoding="utf-8")
    result = migrate(root, "--decisions", str(decisions), "--allow-loss", "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    assert "10 file(s) written" in result.output
    assert " decided needs_decision: warning-incident: incident set to 'CROCUS_2024'" in result.output
    assert "(by test adjudicator: the text ties" in result.output
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["summary"]["refused"] is False and len(written["summary"]["written"]) == 10
    assert written["valid"] is True
    folder = SchemaFolder(resources.schema_dir())
    assert validate_paths([root / "gold"], schemas=folder).findings == []
    assert all(json.loads(line)["schema_version"] == "2.0.0" for p in (root / "gold").glob("*.jsonl")
               for line in p.read_text().splitlines())
    # the migrated authored files build exactly the migrated records
    built = authoring.build(root, ["gold"])
    assert built.problems == [] and authoring.staleness(built) == []
    # a second run changes nothing
    before = snapshot(root)
    again = migrate(root, "--decisions", str(decisions), "--allow-loss")
    assert again.exit_code == 0 and snapshot(root) == before
    assert "migrated 0 of 10 record(s)" in again.output and "0 file(s) written" in again.output


CHANGED_NAMES = ("schema_version", "PERPETRATOR_CLAIM", "reject_accusation", "deny_involvement", "supports",
                 "OTHER_ACTOR", "names_time", "threat", "as_of", "assisted", "category:")  # category: figures get `verified`


def test_authored_yaml_keeps_comments_order_and_quoting(root: Path) -> None:
    """Only the lines holding what the migration changes differ; comments and quotes stay."""
    path = root / "authored" / "gold" / "crocus-004-zakharova-disputes-isk-claim.yaml"  # no open question
    original = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["annotations", "migrate", "--to", "2.0.0", str(path)])
    assert result.exit_code == 0, result.output
    migrated = path.read_text(encoding="utf-8")
    before, after = original.splitlines(), migrated.splitlines()
    assert len(before) == len(after)  # nothing dropped, nothing reflowed
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed and all(any(name in old for name in CHANGED_NAMES) for old, _ in changed), changed
    assert ("schema_version: 1.0.0", "schema_version: 2.0.0") in changed
    assert any("label: ATTRIBUTION" in new for _, new in changed)
    assert any("'" in line for line in after if line.strip().startswith("quote:"))  # quoting kept
    assert [line for line in before if line.lstrip().startswith("#")] == [
        line for line in after if line.lstrip().startswith("#")]


def test_a_bad_decisions_file_is_reported_with_its_line(root: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text("crocus-002-iran-warned-russia-bereziuk:\n"
                         "  no-such-span: {decision: CROCUS_2024, by: me, why: because}\n"
                         "  another-span: {decision: CROCUS_2024, by: me}\n", encoding="utf-8")
    result = migrate(root, "--decisions", str(decisions), "--allow-loss")
    assert result.exit_code == 1
    assert f"{decisions}:3 doc crocus-002-iran-warned-russia-bereziuk span another-span: error invalid-decision: " \
           "missing why" in result.output
    assert f"{decisions} doc crocus-002-iran-warned-russia-bereziuk span no-such-span: warning unused-decision" \
        in result.output


def test_an_unknown_target_or_path_is_a_usage_error(root: Path) -> None:
    result = CliRunner().invoke(cli, ["annotations", "migrate", "--to", "3.0.0", str(root / "gold")])
    assert result.exit_code == 2 and "no schema 3.0.0" in result.output
    result = CliRunner().invoke(cli, ["annotations", "migrate", "--to", "2.0.0", str(root / "missing")])
    assert result.exit_code == 2 and "unreadable-file" in result.output


def test_a_failed_write_changes_no_file_and_a_rerun_finishes(root: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills at the third file: no file is migrated (each is written beside itself first,
    and renamed only when all are), exit 2 naming the file; running again finishes the job."""
    real = atomic._staged
    calls = []

    def failing(path: Path, content: bytes, made: list[Path]) -> str:
        calls.append(path)
        if len(calls) == 3:
            raise atomic.UnwritableOutput(path, OSError(28, "No space left on device"))
        return real(path, content, made)

    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(yaml.safe_dump(decisions_for(json.loads(migrate(root, "--format", "json").output))),
                         encoding="utf-8")
    before = snapshot(root)
    monkeypatch.setattr(atomic, "_staged", failing)
    result = migrate(root, "--allow-loss", "--decisions", str(decisions))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{calls[2]}: error unwritable-file: cannot write: No space left on device" in result.output
    assert snapshot(root) == before  # not a file changed, no temporary file left
    monkeypatch.setattr(atomic, "_staged", real)
    assert migrate(root, "--allow-loss", "--decisions", str(decisions)).exit_code == 0
    assert authoring.staleness(authoring.build(root, ["gold"])) == []


def test_a_whole_annotations_folder_takes_records_and_authored_files_only(root: Path, tmp_path: Path) -> None:
    (root / "RELEASE.yaml").write_text("release: 0.1.0\n", encoding="utf-8")
    (root / "migrations").mkdir()
    (root / "migrations" / "notes.yaml").write_text("not: an authored file\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["annotations", "migrate", "--to", "2.0.0", "--dry-run", "--format", "json",
                                      str(root)])
    per_file = json.loads(result.output)["summary"]["per_file"]
    files = {Path(f["path"]).relative_to(root).parts[0] for f in per_file}
    assert files == {"gold", "authored"}
    assert len(json.loads(result.output)["summary"]["per_file"]) == 10


def test_a_file_named_twice_is_migrated_once(root: Path) -> None:
    """Named twice (or inside a folder also named), a file is planned, counted and written once."""
    gold = root / "gold"
    first = sorted(gold.glob("*.jsonl"))[0]
    files, problems = migration_files.expand([first, gold, gold / ".." / "gold" / first.name])
    assert problems == [] and files.count(first) == 1 and len(files) == len(set(files))
    assert len(files) == len(list(gold.glob("*.jsonl")))
