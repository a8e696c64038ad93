"""`crocus-claims validate`: check annotation files against the schema, the corpus and their text."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from crocus_claims.cli.common import FORMAT, STDIN, pinned_schema_option, stdin_bytes
from crocus_claims.schema import Schema
from crocus_claims.validation import CODES, Finding, Report, iter_findings
from crocus_claims.validation.report import json_document, summary_line
from crocus_claims.validation.validator import Progress, expand_paths, iter_stream_findings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@FORMAT
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for large files (default: the cores this process may use).")
@click.option("--list-codes", is_flag=True, help="Print the table of finding codes and exit.")
@pinned_schema_option
@click.option("--migrate", is_flag=True,
              help="With --schema-version: check records of older versions as they are after migrating them "
                   "(schema/migrations/), in memory.")
def validate(paths: tuple[str, ...], output_format: str, jobs: int | None, list_codes: bool,
             pinned_schema: Schema | None, migrate: bool) -> None:
    """Validate annotation records in PATHS (.jsonl files, folders searched for them, or - for
    standard input; a file named twice is checked once). Findings go to stdout, the summary (and,
    on a terminal, a progress bar for a large input) to stderr.

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
    if STDIN in paths:
        if len(paths) > 1:
            raise click.UsageError("read either standard input (-) or files, not both")
        findings = iter_stream_findings(stdin_bytes(), report, schema=pinned_schema,
                                        migrate=migrate)
        finish_validation(report, findings, output_format)
    with progress_bar(paths, output_format) as progress:
        findings = iter_findings(paths, report, schema=pinned_schema, jobs=jobs, migrate=migrate, progress=progress)
        finish_validation(report, findings, output_format, progress)


def finish_validation(report: Report, findings: Iterator[Finding], output_format: str,
                      progress: Progress | None = None) -> NoReturn:
    """Findings on stdout as they come (or one JSON document), the summary on stderr; exit 0/1/2."""
    if output_format == "json":
        report.findings.extend(findings)
        click.echo(json_document(report))
    else:
        bar = getattr(progress, "bar", None)
        for finding in findings:
            report.findings.append(finding)
            if bar is not None:
                bar.clear()
            click.echo(str(finding))
        if bar is not None:
            bar.close()
        click.echo(summary_line(report), err=True)
    sys.exit(report.exit_code)


PROGRESS_MIN_BYTES = 32 * 1024 * 1024  # a file smaller than this is checked before a bar would help


class _Bar:
    """A progress callback that moves a tqdm bar on standard error."""

    def __init__(self, bar: Any):
        self.bar = bar

    def __call__(self, checked: int) -> None:
        self.bar.update(checked)


@contextlib.contextmanager
def progress_bar(paths: tuple[str, ...], output_format: str, stream: Any = None) -> Iterator[_Bar | None]:
    """A progress bar of the bytes checked, only for people: on a terminal, in the human format,
    for input of at least PROGRESS_MIN_BYTES; None (no bar) in pipes, files or --format json."""
    stream = stream if stream is not None else sys.stderr
    if output_format != "human" or not stream.isatty():
        yield None
        return
    files, _ = expand_paths(paths)
    total = sum(path.stat().st_size for path in files if path.is_file())
    if total < PROGRESS_MIN_BYTES:
        yield None
        return
    from tqdm import tqdm

    width = shutil.get_terminal_size().columns  # 80 where the terminal does not say (tqdm would draw nothing)
    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc="validating", file=stream,
               leave=False, ncols=width)
    try:
        yield _Bar(bar)
    finally:
        bar.close()
