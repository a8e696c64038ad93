"""`crocus-claims agreement A B`: how far two annotation sets of the same documents agree.

Also home, for now, of what the `agreement` and `stats` commands share: reading annotation
sets with coded one-line errors, and printing tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from crocus_claims.agreement import MATCHINGS, AgreementError, AgreementReport, Score, compare
from crocus_claims.atomic import atomic_write
from crocus_claims.schema import Schema, load_schema

BAD_INPUT = 2  # exit status of unreadable or invalid input, as for `validate`


class InputError(Exception):
    """Input a command refuses; each of `lines` is one problem: `where: severity code: message`."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def read_annotation_set(paths: Sequence[Path], schema: Schema) -> list[Any]:
    """Every record in the files and folders named, validated first; InputError lists the errors."""
    from crocus_claims.records import read_records
    from crocus_claims.validation import validate_paths
    from crocus_claims.validation.report import human_line
    from crocus_claims.validation.validator import expand_paths

    report = validate_paths(paths, schema=schema)
    if report.errors:
        raise InputError([human_line(finding) for finding in report.errors])
    files, _ = expand_paths(paths)
    return [record for file in files for record in read_records(file, schema)]


def refuse(error: InputError) -> NoReturn:
    for line in error.lines:
        click.echo(line, err=True)
    raise SystemExit(BAD_INPUT)


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


def dump_json(data: Any, output: Path | None = None) -> str:
    """The JSON text of `data`; written atomically to `output` too when given."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is not None:
        with atomic_write(output) as handle:
            handle.write(text)
    return text


# ---------------------------------------------------------------------------------------------
# Human output


def _ratio(value: float | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def _names(names: list[str]) -> str:
    return ", ".join(names) or "-"


def _score_columns(score: Score, prefix: str) -> dict[str, Any]:
    return {f"{prefix} matched": score.matched, f"{prefix} P": _ratio(score.precision),
            f"{prefix} R": _ratio(score.recall), f"{prefix} F1": _ratio(score.f1)}


def _score_rows(exact: dict[str, Score], overlap: dict[str, Score],
                first_column: str) -> list[dict[str, Any]]:
    return [
        {first_column: name, "A": exact[name].count_a, "B": exact[name].count_b,
         **_score_columns(exact[name], "exact"), **_score_columns(overlap[name], "overlap")}
        for name in exact
    ]


def render_report(report: AgreementReport) -> str:
    """The report as a person reads it: coverage, then spans, attributes and relations tables."""
    spans, relations = report.spans, report.relations
    span_rows = _score_rows(*(
        {**spans[m].per_label, "micro (core)": spans[m].core, "micro (all)": spans[m].all} for m in MATCHINGS
    ), "label")
    relation_rows = _score_rows(*(
        {**relations[m].per_type, "micro (all)": relations[m].all} for m in MATCHINGS
    ), "relation")
    attribute_rows = [
        {"label": a.label, "attribute": a.attribute, "pairs": a.pairs, "agreed": a.agreed,
         "observed": _ratio(a.observed), "kappa": _ratio(a.kappa), "note": a.note}
        for a in report.attributes if a.pairs
    ]
    documents = report.documents
    lines = [
        f"A (reference): {_names(report.annotators_a)}; B: {_names(report.annotators_b)}; "
        f"schema {report.schema_version}",
        f"Documents compared: {len(documents.shared)}",
        f"Only in A: {_names(documents.only_a)}",
        f"Only in B: {_names(documents.only_b)}",
        "",
        "Spans (P: share of B's spans A also has; R: share of A's spans B also has)",
        format_table(span_rows),
        "",
        "Attributes on overlap-matched spans (observed agreement, Cohen's kappa)",
        format_table(attribute_rows),
        "",
        "Relations (head and tail must be matched spans)",
        format_table(relation_rows),
    ]
    return "\n".join(lines)


@click.command()
@click.argument("set_a", metavar="A", type=click.Path(path_type=Path))
@click.argument("set_b", metavar="B", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="Tables for people, or the report as JSON.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the JSON report to this file (atomically).")
def agreement(set_a: Path, set_b: Path, output_format: str, output: Path | None) -> None:
    """Compare annotation set B with reference set A (files or folders of .jsonl records).

    Span precision, recall and F1 per label (exact and overlapping), attribute agreement and
    Cohen's kappa on matched spans, and relation F1. Exit status 2 on unreadable or invalid input.
    """
    schema = load_schema()
    try:
        records_a = read_annotation_set([set_a], schema)
        records_b = read_annotation_set([set_b], schema)
        report = compare(records_a, records_b, schema)
    except InputError as error:
        refuse(error)
    except AgreementError as error:
        refuse(InputError([f"{set_a} vs {set_b}: error {error.code}: {error}"]))
    try:
        text = dump_json(report.model_dump(mode="json"), output)
    except OSError as error:
        refuse(InputError([f"{output}: error unwritable-output: {error.strerror or error}"]))
    click.echo(text.rstrip("\n") if output_format == "json" else render_report(report))
