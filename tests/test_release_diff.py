"""`crocus-claims release diff` and what a release carries of its history: the schema versions its
records passed through and the migrations, named by the manifest, and a datasheet section saying
what changed since the previous release (kept under annotations/releases/)."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from schema_versions import made_up_folder

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.migration import Decision, Decisions, migrate_record, migration_path
from crocus_claims.record_schema import write_json_schema
from crocus_claims.release import build as release_build
from crocus_claims.release import build_release
from crocus_claims.release.diff import ReleaseData, diff_releases, read_release_data, render_markdown

KEPT = resources.annotations_dir() / "releases"
OLD = read_release_data(KEPT / "0.1.0")


def test_every_kept_release_is_the_one_its_manifest_describes() -> None:
    kept = [folder for folder in KEPT.iterdir() if folder.is_dir()]
    assert kept
    for folder in kept:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        documents = gzip.decompress((folder / "documents.jsonl.gz").read_bytes())
        assert hashlib.sha256(documents).hexdigest() == manifest["files"]["documents.jsonl"]["sha256"]
        assert manifest["release_version"] == folder.name


def edited(data: ReleaseData) -> ReleaseData:
    """A later release: one document gone, one new, a span removed, an attribute changed, a relation added."""
    documents = copy.deepcopy(data.documents)
    del documents["crocus-000-pakistan-extradition"]
    new = copy.deepcopy(documents["crocus-004-zakharova-disputes-isk-claim"])
    new["doc_id"] = "crocus-005-new"
    documents["crocus-005-new"] = new
    doc = documents["crocus-001-fsb-implicates-isk"]
    gone = next(s for s in doc["spans"] if s["label"] == "CASUALTY_FIGURE")
    doc["spans"].remove(gone)
    doc["relations"] = [r for r in doc["relations"] if gone["id"] not in (r["head"], r["tail"])]
    claim = next(s for s in doc["spans"] if s["label"] == "PERPETRATOR_CLAIM")
    claim["attributes"]["factuality"] = "possible" if claim["attributes"]["factuality"] != "possible" else "certain"
    doc["relations"].append({"id": "supports-new", "type": "supports", "head": claim["id"], "tail": claim["id"]})
    return ReleaseData("0.2.0", data.schema_version, documents, "edited")


def test_diff_counts_documents_spans_and_relations_per_document_and_label() -> None:
    old_fsb = OLD.documents["crocus-001-fsb-implicates-isk"]
    gone = next(s for s in old_fsb["spans"] if s["label"] == "CASUALTY_FIGURE")
    touching = sum(1 for r in old_fsb["relations"] if gone["id"] in (r["head"], r["tail"]))
    result = diff_releases(OLD, edited(OLD))
    assert result.added == ["crocus-005-new"] and result.removed == ["crocus-000-pakistan-extradition"]
    (fsb,) = [d for d in result.documents if not d.empty]
    assert fsb.doc_id == "crocus-001-fsb-implicates-isk"
    assert fsb.spans["CASUALTY_FIGURE"].removed == 1 and fsb.spans["PERPETRATOR_CLAIM"].changed == 1
    assert fsb.relations["supports"].added == 1
    assert sum(c.removed for c in fsb.relations.values()) == touching
    changed = next(item for item in fsb.items if item["kind"] == "changed")
    assert list(changed["fields"]["attributes"]) == ["factuality"] and changed["text"]
    text = render_markdown(result)
    assert "| crocus-001-fsb-implicates-isk | spans | CASUALTY_FIGURE | 0 | 1 | 0 |" in text
    assert "Documents added: crocus-005-new; removed: crocus-000-pakistan-extradition." in text


def test_release_diff_command_reads_release_folders(tmp_path: Path) -> None:
    new = tmp_path / "new"
    new.mkdir()
    data = edited(OLD)
    (new / "manifest.json").write_text(json.dumps({"release_version": "0.2.0", "schema_version": "1.0.0"}))
    (new / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in data.documents.values()))
    result = CliRunner().invoke(cli, ["release", "diff", str(KEPT / "0.1.0"), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["documents_added"] == ["crocus-005-new"] and report["schema_version_changed"] is False
    assert report["spans"]["CASUALTY_FIGURE"]["removed"] == 1
    missing = CliRunner().invoke(cli, ["release", "diff", str(KEPT / "0.1.0"), str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "unreadable-release" in missing.output


@pytest.fixture()
def made_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    folder = made_up_folder(tmp_path / "schema")
    monkeypatch.setattr(resources, "schema_dir", lambda: folder.path)
    for version in folder.versions():
        write_json_schema(folder.load(version))
    return folder


def decided(documents: dict[str, dict[str, Any]], chain: list[Any]) -> dict[str, dict[str, Any]]:
    """The documents migrated with every open question answered CROCUS_2024."""
    answers = Decisions([Decision(i.doc_id, i.span_id, "CROCUS_2024", by="t", why="t")
                         for d in documents.values() for i in migrate_record(d, chain)[1]
                         if i.kind == "needs-decision"])
    return {doc_id: migrate_record(d, chain, answers)[0] for doc_id, d in documents.items()}


def test_across_a_schema_change_the_older_release_is_migrated_first(made_up: Any) -> None:
    chain = migration_path("1.0.0", "2.0.0", made_up)
    new = ReleaseData("0.2.0", "2.0.0", decided(OLD.documents, chain), "migrated")
    result = diff_releases(OLD, new, made_up)
    assert result.migrated_through == ["1.0.0--1.1.0", "1.1.0--2.0.0"]
    decisions = sum(1 for d in OLD.documents.values() for i in migrate_record(d, chain)[1]
                    if i.kind == "needs-decision")
    assert {k: v.to_dict() for k, v in result.totals("spans").items()} == {
        "WARNING": {"added": 0, "removed": 0, "changed": decisions}}  # renames and drops are not changes
    assert result.totals("relations") == {}
    assert "Schema version 1.0.0 -> 2.0.0, the older documents migrated through 1.0.0--1.1.0, 1.1.0--2.0.0" \
        in render_markdown(result)


def test_a_release_carries_the_schema_versions_and_migrations_since_the_previous_one(
        made_up: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The claims board names attributes of the real schema (names_time), which the made-up 2.0.0
    # renames: it is not what this test is about.
    monkeypatch.setattr(release_build, "write_board", lambda folder, header, schema: None)
    annotations = tmp_path / "annotations"
    (annotations / "gold").mkdir(parents=True)
    shutil.copytree(KEPT, annotations / "releases")
    (annotations / "RELEASE.yaml").write_text("release: 0.2.0\n", encoding="utf-8")
    chain = migration_path("1.0.0", "2.0.0", made_up)
    # the gold of release 0.1.0 (schema 1.0.0), as records, taken through the made-up migrations
    fields = ("doc_id", "schema_version", "text_sha256", "annotator", "spans", "relations")
    gold = {doc_id: {f: document[f] for f in fields} for doc_id, document in OLD.documents.items()}
    for doc_id, migrated in decided(gold, chain).items():
        (annotations / "gold" / f"{doc_id}.jsonl").write_text(json.dumps(migrated) + "\n", encoding="utf-8")
    folder = build_release(tmp_path / "dist", annotations_dir=annotations)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_versions"] == ["1.0.0", "1.1.0", "2.0.0"]
    assert manifest["migrations"] == ["schema/migrations/1.0.0--1.1.0.yaml", "schema/migrations/1.1.0--2.0.0.yaml"]
    assert manifest["previous_release"]["release_version"] == "0.1.0"
    for name in ("schema/v1.0.0.yaml", "schema/v1.1.0.record.schema.json", "schema/migrations/1.1.0--2.0.0.yaml"):
        assert name in manifest["files"]
    assert "annotations/releases/0.1.0/documents.jsonl.gz" in manifest["inputs"]
    datasheet = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Changes since release 0.1.0" in datasheet
    assert "`schema/migrations/1.1.0--2.0.0.yaml`" in datasheet
    assert "| WARNING |" in datasheet
    verify = CliRunner().invoke(cli, ["release", "verify", str(folder)])
    assert verify.exit_code == 0, verify.output


def test_kept_releases_that_cannot_be_read_are_unreadable_file(tmp_path: Path, locked_folders: set[str],
                                                                unenterable_folders: set[str]) -> None:
    from crocus_claims.release.diff import PAST_RELEASES, past_releases
    from crocus_claims.release.errors import ReleaseError

    kept = tmp_path / PAST_RELEASES / "0.1.0"
    kept.mkdir(parents=True)
    (kept / "manifest.json").write_text("{}", encoding="utf-8")
    assert past_releases(tmp_path) == {"0.1.0": kept}
    locked_folders.add("releases")
    with pytest.raises(ReleaseError) as refused:
        past_releases(tmp_path)
    assert (refused.value.code, refused.value.message) == (
        "unreadable-file", f"{tmp_path / PAST_RELEASES}: cannot list this folder: Permission denied")
    locked_folders.discard("releases")
    unenterable_folders.add("releases")
    with pytest.raises(ReleaseError) as refused:
        past_releases(tmp_path)
    assert (refused.value.code, refused.value.message) == (
        "unreadable-file", f"{kept}: cannot read: Permission denied")


def test_a_document_whose_text_holds_a_line_separator_is_read_whole(tmp_path: Path) -> None:
    """JSON writers leave U+2028 and U+2029 unescaped inside strings; str.splitlines() cut the
    line there, and the release could not be read."""
    release = tmp_path / "release"
    shutil.copytree(resources.REPO_ROOT / "dist" / "release", release)
    line = (release / "documents.jsonl").read_bytes().split(b"\n")[0]
    document = json.loads(line)
    document["text"] = "two\u2028lines\u2029here"
    (release / "documents.jsonl").write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
    data = read_release_data(release)
    assert data.documents[document["doc_id"]]["text"] == "two\u2028lines\u2029here"


def test_a_release_nested_too_deeply_is_unreadable_release(tmp_path: Path) -> None:
    release = tmp_path / "release"
    shutil.copytree(resources.REPO_ROOT / "dist" / "release", release)
    (release / "documents.jsonl").write_text("[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["release", "diff", str(release), str(release)])
    assert result.exit_code != 0 and "unreadable-release" in result.output and "RecursionError" in result.output
    verified = CliRunner().invoke(cli, ["release", "verify", str(release)])
    assert verified.exit_code == 1 and "invalid-record" in verified.output
