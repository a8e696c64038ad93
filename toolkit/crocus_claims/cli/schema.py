"""`crocus-claims schema`: check schema files and keep the derived JSON Schema in step."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from crocus_claims import resources
from crocus_claims.cli.common import FORMAT, STDIN, fail, finish, spooled_stdin
from crocus_claims.input_files import files_in
from crocus_claims.record_schema import json_schema_path, record_json_schema, render, write_json_schema
from crocus_claims.schema import (
    SEMVER,
    Schema,
    SchemaError,
    SchemaFolder,
    available_versions,
    default_folder,
    load_schema,
    load_schema_file,
    schema_path,
)
from crocus_claims.validation.findings import Finding


@click.group()
def schema() -> None:
    """Check schema files and generate what derives from them."""


@schema.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@FORMAT
def check(files: tuple[Path, ...], output_format: str) -> None:
    """Check schema and migration FILES (default: every shipped version and migration; - reads a
    schema file from standard input).

    Without FILES, also refuses a version with no migration from the version before it.
    Exit status: 0 valid, 1 problems (on stdout, one per line, or --format json), 2 unreadable file.
    """
    from crocus_claims.migration import FILE_NAME, load_migration, migrations_dir

    folder = default_folder()
    migration_files, unlisted = files_in(migrations_dir(folder), "*--*.yaml")
    targets = list(files) or [schema_path(v) for v in available_versions()] + migration_files
    unlisted = [] if files else unlisted  # only the default targets come from the folder
    findings = [Finding("unreadable-file", each.message, str(each.path)) for each in unlisted]
    checked: list[str] = []
    for target in targets:
        shown = str(target)
        path = spooled_stdin(".yaml") if shown == STDIN else Path(target)
        shown = "<stdin>" if shown == STDIN else shown
        try:
            if FILE_NAME.match(path.name):
                migration = load_migration(path)
                checked.append(f"{shown}: migration {migration.name} is valid ({len(migration.operations)} operations)")
                continue
            loaded = load_schema_file(path)
        except SchemaError as error:  # MigrationError too
            findings += schema_error_findings(error, shown)
            continue
        checked.append(f"{shown}: schema {loaded.version} is valid ({len(loaded.labels)} labels, "
                       f"{len(loaded.attributes)} attributes, {len(loaded.relations)} relations)")
    if not files and not findings:
        findings += version_sequence_problems(folder)
    summary = "\n".join(checked + [f"{len(findings)} problem(s) in {len(targets)} file(s)" if findings
                                   else f"{len(targets)} file(s) valid"])
    finish(findings, output_format, summary, {"files": len(targets)})


def schema_error_findings(error: SchemaError, shown: str) -> list[Finding]:
    """A finding per problem of a schema or migration file (`unreadable-file` when it cannot be read)."""
    return [Finding("unreadable-file" if where == "(file)" else error.code, message if where == "(file)"
                    else f"{where}: {message}", shown, line) for line, where, message in error.problems]


def version_sequence_problems(folder: SchemaFolder) -> list[Finding]:
    """A finding for each version with no migration file from the version before it, and for each
    version whose number is too small for its changes (schema/VERSIONING.md, via schema_diff)."""
    from crocus_claims.migration import MigrationError, migration_file
    from crocus_claims.migration.model import parse_migration
    from crocus_claims.schema_diff import diff_schemas

    versions = folder.versions()
    problems = []
    for older, newer in zip(versions, versions[1:]):
        path = migration_file(folder, older, newer)
        migration = None
        if not os.path.lexists(path):
            problems.append(Finding("missing-migration", f"schema {newer} has no migration from {older}: write "
                                    f"{path.name} (schema/migrations/README.md)", str(path)))
        else:
            try:
                migration, _ = parse_migration(path)
            except MigrationError:
                continue  # the file's own problems are reported with the files checked
        diff = diff_schemas(folder.load(older), folder.load(newer), migration)
        if not diff.ok:
            problems.append(Finding("version-bump-too-small", f"{diff.verdict()}; run `crocus-claims schema diff "
                                    f"{older} {newer}` for the changes", str(folder.path_of(newer)),
                                    _version_line(folder.path_of(newer))))
    return problems


def _version_line(path: Path) -> int | None:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next((number for number, line in enumerate(lines, 1) if line.startswith("version:")), None)


@schema.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="human: one line per change; json: one document for machines.")
def diff_command(old: str, new: str, output_format: str) -> None:
    """What changed from schema OLD to NEW (files, or versions in schema/), and the version bump
    that schema/VERSIONING.md requires. A migration OLD--NEW beside NEW names renames and changes
    of meaning. Exit status: 0 the number fits the changes, 1 too small, 2 unreadable input.
    """
    import json

    from crocus_claims.migration import MigrationError
    from crocus_claims.migration.model import migration_file, parse_migration
    from crocus_claims.schema_diff import diff_schemas

    (old_schema, _), (new_schema, new_path) = _schema_argument(old), _schema_argument(new)
    migration = None
    path = migration_file(SchemaFolder(new_path.parent), old_schema.version, new_schema.version)
    if os.path.lexists(path):  # a folder or a broken link there is refused, not taken for no migration
        try:
            migration, _ = parse_migration(path)
        except MigrationError as error:
            fail(error.code, str(error), 2)
    result = diff_schemas(old_schema, new_schema, migration)
    if output_format == "json":
        click.echo(json.dumps({**result.to_dict(), "migration": str(path) if migration else None}, indent=2))
    else:
        for change in result.changes:
            detail = f" ({change.detail})" if change.detail else ""
            click.echo(f"{change.bump:5}  {change.kind}: {change.what}{detail}")
        if not result.changes:
            click.echo("no changes")
        click.echo(f"{result.verdict()}" + (f" (renames from {path})" if migration else ""), err=not result.ok)
    sys.exit(0 if result.ok else 1)


def _schema_argument(value: str) -> tuple[Schema, Path]:
    """A schema file path, or a version of the project's schema folder; exit 2 when neither."""
    path = Path(value)
    if not path.is_file() and re.match(SEMVER, value):
        path = default_folder().path_of(value)
    if not path.is_file():
        fail("unreadable-file", f"{value}: no such schema file or version (known: {', '.join(available_versions())})", 2)
    try:
        return load_schema_file(path), path
    except SchemaError as error:
        fail(error.code, str(error), 2)
    raise AssertionError("unreachable")


@schema.command("jsonschema")
@click.option("--write", is_flag=True, help="Write schema/vX.Y.Z.record.schema.json for every version.")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if a committed file differs from what the schema generates.")
@FORMAT
def jsonschema_command(write: bool, check_only: bool, output_format: str) -> None:
    """Print, write or check (--check, a check like the others: a finding per stale file, the
    summary on stderr, exit 0/1/2) the record JSON Schema derived from each schema version."""
    if output_format == "json" and not check_only:
        raise click.UsageError("--format json is the format of --check's findings: the schemas printed or "
                               "written are JSON already")
    if write or check_only:
        resources.project_dir()  # files of a project, never the package's own copy
    stale = []
    for version in available_versions():
        loaded = load_schema(version)
        if write:
            click.echo(f"wrote {write_json_schema(loaded)}")
        elif check_only:
            path = json_schema_path(version)
            if not path.exists() or path.read_text(encoding="utf-8") != render(record_json_schema(loaded)):
                stale.append(path)
        else:
            click.echo(render(record_json_schema(loaded)), nl=False)
    if check_only:
        findings = [Finding("stale-json-schema", "differs from what the schema generates: run "
                            "`crocus-claims schema jsonschema --write`", str(path)) for path in stale]
        versions = ", ".join(available_versions())
        finish(findings, output_format, f"record JSON Schema stale for {len(stale)} version(s)" if stale
               else f"record JSON Schema up to date for {versions}", {"versions": available_versions()})
