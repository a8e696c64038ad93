"""`crocus-claims agreement A B`: how far two annotation sets of the same documents agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crocus_claims.agreement import MATCHINGS, AgreementError, AgreementReport, Score, compare
from crocus_claims.cli.common import (
    InputError,
    at_one_version,
    dump_json,
    format_table,
    read_annotation_set,
    refuse,
)

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
    exact_spans, overlap_spans = (
        {**spans[m].per_label, "micro (core)": spans[m].core, "micro (all)": spans[m].all} for m in MATCHINGS
    )
    span_rows = _score_rows(exact_spans, overlap_spans, "label")
    exact_relations, overlap_relations = ({**relations[m].per_type, "micro (all)": relations[m].all} for m in MATCHINGS)
    relation_rows = _score_rows(exact_relations, overlap_relations, "relation")
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
    Cohen's kappa on matched spans, and relation F1. Each record is read under the schema version
    it names; records of an older version than the newest present are migrated to it in memory
    first (said on stderr). Exit status 1 when such a migration needs a decision or loses data
    (migration-needs-decision, migration-loses-data), 2 on unreadable or invalid input.
    """
    try:
        sets = [read_annotation_set([set_a]), read_annotation_set([set_b])]
    except InputError as error:
        refuse(error)
    (records_a, records_b), schema = at_one_version(sets, [str(set_a), str(set_b)], output_format)
    try:
        report = compare(records_a, records_b, schema)
    except AgreementError as error:
        refuse(InputError([f"{set_a} vs {set_b}: error {error.code}: {error}"]))
    text = dump_json(report.model_dump(mode="json"), output)  # an unwritable output: exit 2, unwritable-file
    click.echo(text.rstrip("\n") if output_format == "json" else render_report(report))
