"""Options and error handling shared by the commands."""

from __future__ import annotations

import functools
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import click

from crocus_claims.atomic import atomic_write, check_writable
from crocus_claims.schema import Schema, SchemaFolder, available_versions, load_schema


def _load(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """The schema --schema-version names (a SchemaError is the command line's, exit 2)."""
    if value is None and param.name == "pinned_schema":
        return None  # each record's own version
    if value is not None and not value.strip():
        raise click.BadParameter(f"an empty version: give one of {', '.join(available_versions())}")
    try:
        return load_schema(value)
    except FileNotFoundError:
        raise click.BadParameter(f"no schema {value} (known: {', '.join(available_versions())})") from None


def schema_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--schema-version: which shipped schema to use (the latest by default); passes `schema`."""
    return click.option(
        "--schema-version", "schema", default=None, callback=_load, metavar="X.Y.Z",
        help="Schema version to check against (default: the latest).",
    )(command)


def pinned_schema_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--schema-version for checking commands: None (each record's own version) unless given."""
    return click.option(
        "--schema-version", "pinned_schema", default=None, callback=_load, metavar="X.Y.Z",
        help="Check every record against this schema version, under the rule of schema/VERSIONING.md "
             "(default: each record against the version it names).",
    )(command)


def fail(code: str, message: str, exit_code: int = 1) -> None:
    """A coded, one-line error and a non-zero exit, never a traceback."""
    error = click.ClickException(f"{code}: {message}")
    error.exit_code = exit_code  # type: ignore[misc]  # click's documented way to set it
    raise error


def coded_errors(*errors: type[Exception]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn the given exception types (each with a `code`, and an `exit_code` when not 1) into coded
    one-line errors."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return command(*args, **kwargs)
            except errors as error:
                fail(getattr(error, "code", "error"), str(error), getattr(error, "exit_code", 1))
        return wrapper
    return decorate


BAD_INPUT = 2  # exit status of unreadable or invalid input, as for `validate`


class InputError(Exception):
    """Input a command refuses; each of `lines` is one problem: `where: severity code: message`."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def read_annotation_set(paths: Sequence[Path], schema: Schema | None = None, *,
                        schemas: SchemaFolder | None = None) -> list[Any]:
    """Every record in the files and folders named, validated first; InputError lists the errors.

    Without `schema`, each record is checked against, and decoded with, the schema version it
    names (validation's VersionedContext), so a set of any shipped version, or of several, is
    read as it is. With `schema` (a command's `--schema-version`), every record is checked
    against it under the rule of schema/VERSIONING.md and decoded with its types. `schemas` is
    the folder of schema files (default: schema/).
    """
    from crocus_claims.records import read_records, read_records_as_named
    from crocus_claims.validation import validate_paths
    from crocus_claims.validation.validator import expand_paths

    report = validate_paths(paths, schema=schema, schemas=schemas)
    if report.errors:
        raise InputError([str(finding) for finding in report.errors])
    files, _ = expand_paths(paths)
    if schema is not None:
        return [record for file in files for record in read_records(file, schema)]
    return [record for file in files for record in read_records_as_named(file, schemas)]


def at_one_version(sets: Sequence[Sequence[Any]], sources: Sequence[str], output_format: str = "human",
                   schemas: SchemaFolder | None = None) -> tuple[list[list[Any]], Schema]:
    """Sets of records to compare or merge, at the newest schema version any of them names, and
    that version's schema: older records are migrated in memory (schema/migrations/, said on
    stderr), never written. A migration that needs a person's decision, would lose data or is
    missing exits 1 with every such finding (migration-needs-decision, migration-loses-data, ...),
    each naming its set (`sources`), document and span.
    """
    from crocus_claims.migration import to_newest_version
    from crocus_claims.schema import default_folder

    result = to_newest_version(sets, schemas, sources)
    if result.findings:
        exit_with_findings(result.findings, output_format,
                           f"records of older schema versions cannot be read as {result.version} without these "
                           f"answers: migrate them first (`crocus-claims annotations migrate --to {result.version}`)")
    note = result.note()
    if note:
        click.echo(f"note: {note}", err=True)
    return result.sets, (schemas or default_folder()).load(result.version)


def refuse(error: InputError) -> NoReturn:
    for line in error.lines:
        click.echo(line, err=True)
    raise SystemExit(BAD_INPUT)


def exit_with_findings(findings: Sequence[Any], output_format: str = "human", note: str = "",
                       status: int | None = None) -> NoReturn:
    """Print Findings by the CLI contract (see `finish`) and exit 1 (or `status`: BAD_INPUT for input
    that cannot be read): for refusals that are all errors."""
    finish(list(findings), output_format, f"{len(findings)} problem(s){'; ' + note if note else ''}", status=status)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table (readable in a terminal and pasteable in a report); null shows as "-"."""
    import polars as pl

    if not rows:
        return "(none)"
    frame = pl.DataFrame(rows, infer_schema_length=None)
    frame = frame.select(pl.all().cast(pl.String).fill_null("-"))
    with pl.Config(
        tbl_rows=-1, tbl_cols=-1, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True,
        tbl_formatting="ASCII_MARKDOWN", fmt_str_lengths=10_000, tbl_width_chars=10_000,
    ):
        return str(frame)


def writable_or_none(ctx: click.Context, param: click.Parameter, path: Path | None) -> Path | None:
    """A click callback for an output option written at the end of a long run: its folder is
    checked when the arguments are read (atomic.check_writable), so a typo costs no run."""
    if path is not None:
        check_writable(path)
    return path


def dump_json(data: Any, output: Path | None = None) -> str:
    """The JSON text of `data`; written atomically to `output` too when given."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is not None:
        with atomic_write(output) as handle:
            handle.write(text)
    return text


# ---------------------------------------------------------------------------------------------
# The contract of every checking command (schema check, corpus check, annotations build --check,
# validate, release verify, ls import): results on stdout, summaries on stderr, one finding shape.

STDIN = "-"  # read standard input where a file is read

FORMAT = click.option(
    "--format", "output_format", type=click.Choice(["human", "json"]), default="human", show_default=True,
    help="human: one line per finding, the summary on stderr; json: one document (valid, summary, "
    "findings) on stdout.")


def finish(findings: list[Any], output_format: str, summary_text: str, summary: dict[str, Any] | None = None,
           human_lines: Sequence[str] | None = None, status: int | None = None) -> NoReturn:
    """Print the findings of a check and exit: 0 valid (warnings allowed), 1 findings, 2 unreadable input
    (or `status`, for input the findings' codes do not tell is unreadable).

    human: one line per finding on stdout (`human_lines`, else str(finding)), then `summary_text`
    on stderr; json: `findings_document` on stdout, nothing else.
    """
    from crocus_claims.validation.report import exit_code, findings_document

    if output_format == "json":
        click.echo(findings_document(findings, summary))
    else:
        for line in human_lines if human_lines is not None else [str(f) for f in findings]:
            click.echo(line)
        click.echo(summary_text, err=True)
    sys.exit(exit_code(findings) if status is None else status)


def stdin_bytes() -> BinaryIO:
    """Standard input as a binary stream (click.get_binary_stream is deprecated since click 8.5,
    and is removed in click 9). Exits 2 (unreadable-file) when standard input is closed."""
    stream: Any = sys.stdin  # None when the process was started with standard input closed
    if stream is None:
        fail("unreadable-file", "standard input is closed: nothing to read", BAD_INPUT)
    binary: BinaryIO = getattr(stream, "buffer", stream)  # a binary stream put in its place has no .buffer
    return binary


def spooled_stdin(suffix: str) -> Path:
    """Standard input copied to a temporary file (removed at exit), for readers that need a path."""
    import atexit

    source = stdin_bytes()  # exits first when standard input is closed: no file made for nothing
    handle = tempfile.NamedTemporaryFile(prefix="crocus-claims-stdin-", suffix=suffix, delete=False)
    path = Path(handle.name)
    atexit.register(path.unlink, missing_ok=True)  # before the copy, which an interrupt may stop
    with handle:
        shutil.copyfileobj(source, handle)
    return path
