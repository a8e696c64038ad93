"""`crocus-claims schema`: check schema files and keep the derived JSON Schema in step."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crocus_claims.cli.common import fail
from crocus_claims.record_schema import json_schema_path, record_json_schema, render, write_json_schema
from crocus_claims.schema import (
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
def check(files: tuple[Path, ...]) -> None:
    """Check schema and migration FILES (default: every shipped version and migration).

    Without FILES, also refuses a version with no migration from the version before it.
    Exit 1 on any problem.
    """
    from crocus_claims.migration import FILE_NAME, MigrationError, load_migration, migrations_dir

    folder = default_folder()
    migration_files = sorted(migrations_dir(folder).glob("*--*.yaml"))
    targets = list(files) or [schema_path(v) for v in available_versions()] + migration_files
    failed = False
    for path in targets:
        try:
            if FILE_NAME.match(Path(path).name):
                migration = load_migration(path)
                click.echo(f"{path}: migration {migration.name} is valid ({len(migration.operations)} operations)")
                continue
            loaded = load_schema_file(path)
        except SchemaError as error:  # MigrationError too
            failed = True
            click.echo(f"{error.code}: {error}", err=True)
            continue
        click.echo(f"{path}: schema {loaded.version} is valid ({len(loaded.labels)} labels, "
                   f"{len(loaded.attributes)} attributes, {len(loaded.relations)} relations)")
    if not files:
        for problem in version_sequence_problems(folder):
            failed = True
            click.echo(str(problem), err=True)
    sys.exit(1 if failed else 0)


def version_sequence_problems(folder: SchemaFolder) -> list[Finding]:
    """A finding for each version with no migration file from the version before it."""
    from crocus_claims.migration import migration_file

    versions = folder.versions()
    problems = []
    for older, newer in zip(versions, versions[1:]):
        path = migration_file(folder, older, newer)
        if not path.is_file():
            problems.append(Finding("missing-migration", f"schema {newer} has no migration from {older}: write "
                                    f"{path.name} (schema/migrations/README.md)", str(path)))
    return problems


@schema.command("jsonschema")
@click.option("--write", is_flag=True, help="Write schema/vX.Y.Z.record.schema.json for every version.")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if a committed file differs from what the schema generates.")
def jsonschema_command(write: bool, check_only: bool) -> None:
    """Print, write or check the record JSON Schema derived from each schema version."""
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
    if stale:
        fail("stale-json-schema", f"{', '.join(map(str, stale))} differs from the schema: run "
             "`crocus-claims schema jsonschema --write`")
    if check_only:
        click.echo(f"record JSON Schema up to date for {', '.join(available_versions())}")
