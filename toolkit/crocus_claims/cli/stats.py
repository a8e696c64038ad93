"""`crocus-claims stats`: what an annotation set contains, as tables or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from crocus_claims import resources
from crocus_claims.cli.common import (
    InputError,
    at_one_version,
    dump_json,
    format_table,
    read_annotation_set,
    refuse,
)

if TYPE_CHECKING:
    from crocus_claims.stats import Stats


def render_stats(stats: Stats) -> str:
    """Documents, labels, attribute values, then one table per kind of figure."""
    sections = [
        ("Spans per document", stats.documents),
        ("Spans per label", stats.labels),
        ("Attribute values per label", stats.attributes),
        *((f"Figures ({label})", frame) for label, frame in stats.figures.items()),
    ]
    return "\n\n".join(f"{title}\n{format_table(frame.to_dicts())}" for title, frame in sections)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="Tables for people, or JSON.")
def stats(paths: tuple[Path, ...], output_format: str) -> None:
    """Counts per document and label, attribute values, and the figures side by side.

    PATHS are .jsonl files or folders of them (default: annotations/gold). Exit status 2 on
    unreadable or invalid input. Each record is read under the schema version it names; a set
    mixing versions is counted at the newest, the older records migrated to it in memory (said
    on stderr; exit status 1 when that needs a decision or loses data).
    """
    from crocus_claims.corpus import load_corpus
    from crocus_claims.stats import compute_stats

    paths = tuple(paths) or (resources.annotations_dir() / "gold",)
    try:
        records = read_annotation_set(list(paths))
    except InputError as error:
        refuse(error)
    (records,), schema = at_one_version([records], [", ".join(map(str, paths))], output_format)
    result = compute_stats(records, schema, load_corpus())
    if output_format == "json":
        click.echo(dump_json(result.to_json()).rstrip("\n"))
    else:
        click.echo(render_stats(result))
