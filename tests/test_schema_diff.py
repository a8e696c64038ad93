"""`crocus-claims schema diff` and the version-number check of `schema check`: every kind of change
has the bump schema/VERSIONING.md gives it (schema_diff.BUMPS), and a number too small is refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from schema_versions import _v1, made_up_folder, minor_version, write_schema

from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.schema import load_schema_file
from crocus_claims.schema_diff import BUMPS, diff_schemas, next_version, version_bump


def run(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr(resources, "schema_dir", lambda: folder)
    return CliRunner().invoke(cli, ["schema", *args])


def test_the_bump_table_is_the_one_of_versioning_md() -> None:
    text = (resources.REPO_ROOT / "schema" / "VERSIONING.md").read_text(encoding="utf-8")
    assert "| something removed or renamed, or its meaning changed | **major** |" in text
    assert "| something optional added | **minor** |" in text and "| nothing a record can see | **patch** |" in text
    assert {kind for kind, bump in BUMPS.items() if bump == "patch"} == {
        "registry-added", "registry-entry-added", "wording-changed"}
    assert all(bump == "major" for kind, bump in BUMPS.items() if kind.endswith(("-removed", "-renamed")))
    assert (version_bump("1.2.3", "2.0.0"), version_bump("1.2.3", "1.3.0"), version_bump("1.2.3", "1.2.4"),
            version_bump("1.2.3", "1.2.3")) == ("major", "minor", "patch", None)
    assert next_version("1.2.3", "minor") == "1.3.0"


def test_diff_names_renames_from_the_migration_and_needs_a_major_bump(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = made_up_folder(tmp_path / "schema")
    result = run(folder.path, monkeypatch, "diff", "1.1.0", "2.0.0", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["required_bump"], report["actual_bump"], report["ok"]) == ("major", "major", True)
    kinds = {change["kind"] for change in report["changes"]}
    assert {"label-renamed", "attribute-renamed", "value-renamed", "values-merged", "relation-renamed",
            "registry-entry-renamed", "attribute-added", "attribute-removed", "value-removed", "label-removed",
            "relation-ends-narrowed", "meaning-changed", "label-attribute-added"} <= kinds
    human = run(folder.path, monkeypatch, "diff", "1.0.0", "1.1.0")
    assert human.exit_code == 0
    assert "minor  value-added: attribute channel value in_person" in human.output
    assert "1.0.0 -> 1.1.0 is a minor bump; the changes need minor: ok" in human.output


def test_diff_of_two_files_without_a_migration_sees_removals_and_additions(tmp_path: Path) -> None:
    folder = made_up_folder(tmp_path / "schema", migrations=False)
    result = CliRunner().invoke(cli, ["schema", "diff", str(folder.path_of("1.1.0")), str(folder.path_of("2.0.0"))])
    assert result.exit_code == 0
    assert "major  label-removed: label PERPETRATOR_CLAIM" in result.output
    assert "minor  label-added: label ATTRIBUTION" in result.output


def edited(tmp_path: Path, version: str, edit: Any, migration: str | None = None) -> Path:
    """A folder with the real v1.0.0 and `version` made from it by `edit`, with its migration."""
    folder = tmp_path / "schema"
    folder.mkdir()
    v1 = _v1()
    write_schema(folder, v1)
    schema = copy.deepcopy(v1)
    schema["version"] = version
    edit(schema)
    write_schema(folder, schema)
    (folder / "migrations").mkdir()
    (folder / "migrations" / f"1.0.0--{version}.yaml").write_text(
        migration or f"from: 1.0.0\nto: {version}\ndescription: test\noperations: []\n", encoding="utf-8")
    return folder


def named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in items if item.get("name") == name)


def drop_not_stated(schema: dict[str, Any]) -> None:
    channel = named(schema["attributes"], "channel")
    channel["values"] = [v for v in channel["values"] if v["value"] != "not_stated"]
    channel.pop("default")


def test_schema_check_refuses_a_minor_version_that_removes_a_value(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = edited(tmp_path, "1.1.0", drop_not_stated, "from: 1.0.0\nto: 1.1.0\ndescription: t\noperations:\n"
                    "  - {op: remove_value, attribute: channel, value: not_stated, drop: true}\n")
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 1
    line = next(i for i, text in enumerate((folder / "v1.1.0.yaml").read_text().splitlines(), 1)
                if text.startswith("version:"))
    assert (f"{folder / 'v1.1.0.yaml'}:{line}: error version-bump-too-small: 1.0.0 -> 1.1.0 is a minor bump, but "
            "the changes need a major bump (schema/VERSIONING.md): the next major version is 2.0.0") in result.output
    diff = run(folder, monkeypatch, "diff", "1.0.0", "1.1.0")
    assert diff.exit_code == 1 and "major  value-removed: attribute channel value not_stated" in diff.output


def test_a_change_of_meaning_needs_a_major_version_even_with_the_same_names(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def reword(schema: dict[str, Any]) -> None:
        incident = named(schema["registries"], "incident")
        entry = next(e for e in incident["entries"] if e["id"] == "FUTURE_OR_HYPOTHETICAL")
        entry["description"] = "A plot the text ties to no attack that happened."

    question = ("from: 1.0.0\nto: {v}\ndescription: t\noperations:\n  - op: needs_decision\n    id: warning-incident\n"
                "    select: {{labels: [WARNING], attributes: {{incident: FUTURE_OR_HYPOTHETICAL}}}}\n"
                "    attribute: incident\n    question: Which attack?\n")
    folder = edited(tmp_path, "1.0.1", reword, question.format(v="1.0.1"))
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 1 and "version-bump-too-small" in result.output
    diff = diff_schemas(load_schema_file(folder / "v1.0.0.yaml"), load_schema_file(folder / "v1.0.1.yaml"))
    assert diff.required == "patch"  # without the migration, a reworded entry looks like wording only


def test_a_new_registry_entry_is_a_patch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = edited(tmp_path, "1.0.1", lambda s: named(s["registries"], "outlet")["entries"].append(
        {"id": "TASS", "name": "TASS"}))
    result = run(folder, monkeypatch, "check")
    assert result.exit_code == 0, result.output
    assert "patch  registry-entry-added: registry outlet id TASS" in run(folder, monkeypatch, "diff", "1.0.0",
                                                                           "1.0.1").output


def test_an_unknown_version_or_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = made_up_folder(tmp_path / "schema")
    result = run(folder.path, monkeypatch, "diff", "1.0.0", "7.0.0")
    assert result.exit_code == 2 and "unreadable-file: 7.0.0: no such schema file or version" in result.output
    assert yaml.safe_load((folder.path / "v1.1.0.yaml").read_text())["version"] == minor_version(_v1())["version"]


def test_entry_wording_changes_name_what_changed_and_aliases_alone_are_one_row_per_registry() -> None:
    old, new = (load_schema_file(resources.REPO_ROOT / "schema" / f"v{v}.yaml") for v in ("1.0.0", "2.0.0"))
    rows = [(change.what, change.detail) for change in diff_schemas(old, new).changes
            if change.what.startswith("registry actor")]
    before = {entry.id: entry for entry in old.registries_by_name["actor"].entries}
    aliases_only = [entry.id for entry in new.registries_by_name["actor"].entries
                    if entry.id in before and {field for field in ("name", "description", "parent", "aliases")
                                               if getattr(before[entry.id], field) != getattr(entry, field)}
                    == {"aliases"}]
    assert len(aliases_only) > 10  # 2.0.0 gave most actors aliases
    assert ("registry actor", f"aliases of {len(aliases_only)} entries: {', '.join(aliases_only)}") in rows
    assert ("registry actor id RUSSIA_COURTS", "description, aliases") in rows
    assert all(entry not in what for what, _ in rows for entry in aliases_only)  # no row of their own
