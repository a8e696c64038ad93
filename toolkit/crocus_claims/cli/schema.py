"""`crocus-claims schema`: check schema files and keep the derived JSON Schema in step."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crocus_claims.cli.common import fail
from crocus_claims.record_schema import json_schema_path, record_json_schema, render, write_json_schema
from crocus_claims.schema import SchemaError, available_versions, load_schema, load_schema_file, schema_path


@click.group()
def schema() -> None:
    """Check schema files and generate what derives from them."""


@schema.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Check schema FILES (default: every shipped version). Exit 1 on any problem."""
    targets = list(files) or [schema_path(v) for v in available_versions()]
    failed = False
    for path in targets:
        try:
            loaded = load_schema_file(path)
        except SchemaError as error:
            failed = True
            click.echo(f"{error.code}: {error}", err=True)
            continue
        click.echo(f"{path}: schema {loaded.version} is valid ({len(loaded.labels)} labels, "
                   f"{len(loaded.attributes)} attributes, {len(loaded.relations)} relations)")
    sys.exit(1 if failed else 0)


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
