"""`crocus-claims validate`: check annotation files against the schema, the corpus and their text."""

from __future__ import annotations

import sys

import click

from crocus_claims.cli.common import pinned_schema_option
from crocus_claims.schema import Schema
from crocus_claims.validation import CODES, Report, iter_findings
from crocus_claims.validation.report import json_document, summary_line


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="human: one line per finding; json: one document for machines.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for large files (default: the cores this process may use).")
@click.option("--list-codes", is_flag=True, help="Print the table of finding codes and exit.")
@pinned_schema_option
@click.option("--migrate", is_flag=True,
              help="With --schema-version: check records of older versions as they are after migrating them "
                   "(schema/migrations/), in memory.")
def validate(paths: tuple[str, ...], output_format: str, jobs: int | None, list_codes: bool,
             pinned_schema: Schema | None, migrate: bool) -> None:
    """Validate annotation records in PATHS (.jsonl files, or folders searched for them).

    Each record is checked against the schema version it names; with --schema-version, against
    that version, where VERSIONING.md's rule allows (same major version, minor not newer).

    Exit status: 0 valid (warnings allowed), 1 findings, 2 usage error or unreadable input.
    """
    if list_codes:
        for code in CODES.values():
            click.echo(f"{code.code:28} {code.severity:8} {code.summary}")
        return
    if not paths:
        raise click.UsageError("give at least one file or folder of .jsonl records")
    if migrate and pinned_schema is None:
        raise click.UsageError("--migrate needs --schema-version: the version to migrate to")
    report = Report()
    findings = iter_findings(paths, report, schema=pinned_schema, jobs=jobs, migrate=migrate)
    if output_format == "json":
        report.findings.extend(findings)
        click.echo(json_document(report))
    else:
        for finding in findings:
            report.findings.append(finding)
            click.echo(str(finding))
        click.echo(summary_line(report), err=report.exit_code != 0)
    sys.exit(report.exit_code)
