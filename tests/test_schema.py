"""The schema loader refuses malformed files with located errors; derived files stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from crocus_claims.cli import cli
from crocus_claims.record_schema import json_schema_path, record_json_schema, render
from crocus_claims.schema import SchemaError, available_versions, load_schema, load_schema_file, schema_path

SOURCE = schema_path(available_versions()[-1]).read_text(encoding="utf-8")


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SOURCE, f"the test's anchor {old!r} is no longer in the schema file"
    path = tmp_path / "variant.yaml"
    path.write_text(SOURCE.replace(old, new, 1), encoding="utf-8")
    return path


def problem_of(path: Path) -> tuple[int | None, str, str]:
    with pytest.raises(SchemaError) as caught:
        load_schema_file(path)
    assert len(caught.value.problems) >= 1
    return caught.value.problems[0]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_every_shipped_schema_loads() -> None:
    for version in available_versions():
        schema = load_schema(version)
        assert schema.version == version
        assert {"PERPETRATOR_CLAIM", "CASUALTY_FIGURE", "WARNING", "DENIAL", "ACTOR", "MEDIA_OUTLET"} <= set(
            schema.labels_by_name)
        figure = schema.labels_by_name["CASUALTY_FIGURE"]
        assert {"category", "qualifier", "value", "value_min", "value_max", "incident"} <= set(figure.attributes)
        assert all("incident" in schema.labels_by_name[name].attributes for name in schema.core_labels)


def test_unknown_attribute_type_is_located(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "  - name: value\n    type: integer", "  - name: value\n    type: float")
    line, where, message = problem_of(path)
    assert line == line_of(path, "type: float")
    assert "attributes[" in where and "(value)" in where and "type" in where
    assert "enum" in message and "integer" in message


def test_relation_naming_an_unknown_label_is_located(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    head: [WARNING]\n    tail: [ACTOR]\n    max_per_head: 1",
                         "    head: [WARNING]\n    tail: [ACTORS]\n    max_per_head: 1")
    line, where, message = problem_of(path)
    assert line == line_of(path, "tail: [ACTORS]")
    assert "(agent).tail[0]" in where and "unknown label 'ACTORS'" in message


def test_duplicate_label_names(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "  - name: MEDIA_OUTLET", "  - name: ACTOR")
    _, where, message = problem_of(path)
    assert "labels[" in where and "duplicate name 'ACTOR'" in message


def test_duplicate_yaml_keys(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    default: unspecified", "    default: unspecified\n    default: assisted")
    line, _, message = problem_of(path)
    assert line == line_of(path, "default: assisted") and "duplicate key 'default'" in message


def test_default_outside_allowed_values(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    default: unspecified", "    default: everything")
    line, where, message = problem_of(path)
    assert line == line_of(path, "default: everything")
    assert "(role).default" in where and "'everything' is not one of" in message


def test_unknown_attribute_on_a_label(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "attributes: [actor]", "attributes: [actor, colour]")
    _, where, message = problem_of(path)
    assert "(ACTOR).attributes[1]" in where and "unknown attribute 'colour'" in message


def test_interval_rules_must_cover_every_qualifier(tmp_path: Path) -> None:
    path = write_variant(tmp_path, '        vague: {value: "null", minimum: any, maximum: any}\n', "")
    _, where, message = problem_of(path)
    assert "interval.rules" in where and "no rule for qualifier 'vague'" in message


def test_syntax_errors_and_version_mismatch(tmp_path: Path) -> None:
    broken = write_variant(tmp_path, "name: crocus-claims", "name: [crocus-claims")
    line, where, _ = problem_of(broken)
    assert where == "(syntax)" and line is not None
    renamed = tmp_path / "v9.9.9.yaml"
    renamed.write_text(SOURCE, encoding="utf-8")
    _, where, message = problem_of(renamed)
    assert where == "version" and "9.9.9" in message


def test_schema_check_command_exits_non_zero_on_a_bad_file(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "    default: unspecified", "    default: everything")
    result = CliRunner().invoke(cli, ["schema", "check", str(path)])
    assert result.exit_code == 1
    assert re.search(r"variant.yaml:\d+: error invalid-schema: ", result.output)  # the one finding line
    assert "Traceback" not in result.output


def test_committed_json_schema_is_what_the_schema_generates() -> None:
    for version in available_versions():
        committed = json_schema_path(version).read_text(encoding="utf-8")
        assert committed == render(record_json_schema(load_schema(version))), (
            f"{json_schema_path(version)} is stale: run `crocus-claims schema jsonschema --write`")
    result = CliRunner().invoke(cli, ["schema", "jsonschema", "--check"])
    assert result.exit_code == 0, result.output


def test_format_json_without_check_is_a_usage_error_not_ignored() -> None:
    """The option applies to --check's findings; printing the schemas, it did nothing without a word."""
    result = CliRunner().invoke(cli, ["schema", "jsonschema", "--format", "json"])
    assert result.exit_code == 2 and "--format json is the format of --check's findings" in result.stderr
    assert result.stdout == ""


def test_json_schema_is_valid_draft_2020_12() -> None:
    import jsonschema

    for version in available_versions():
        jsonschema.Draft202012Validator.check_schema(record_json_schema(load_schema(version)))


def test_every_label_has_a_definition_and_distinct_colour() -> None:
    schema = load_schema()
    assert all(label.definition.strip() for label in schema.labels)
    assert len({label.color.lower() for label in schema.labels}) == len(schema.labels)


def test_changelog_has_every_version() -> None:
    changelog = (schema_path("0.0.0").parent / "CHANGELOG.md").read_text(encoding="utf-8")
    for version in available_versions():
        assert f"## {version}" in changelog
    assert yaml.safe_load(SOURCE)["version"] == available_versions()[-1]


def test_schema_check_reports_a_migrations_folder_it_cannot_list(locked_folders: set[str]) -> None:
    """Not "missing-migration" for every version: the folder could not be read."""
    import json

    locked_folders.add("migrations")
    result = CliRunner().invoke(cli, ["schema", "check", "--format", "json"])
    assert result.exit_code == 2, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["message"]) for f in findings] == [
        ("unreadable-file", "cannot list this folder: Permission denied")]
    assert findings[0]["file"].endswith("migrations")


def test_a_schema_folder_that_cannot_be_listed_is_one_coded_line(locked_folders: set[str]) -> None:
    """Not "valid" with no version checked, and not a traceback."""
    from crocus_claims.input_files import UnreadableFolder
    from crocus_claims.schema import default_folder

    locked_folders.add(default_folder().path.name)
    with pytest.raises(UnreadableFolder):
        default_folder().versions()
    result = CliRunner().invoke(cli, ["schema", "check", "--format", "json"])
    assert result.exit_code == 2, result.output
    assert f"unreadable-file: {default_folder().path}: cannot list this folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
