"""`crocus-claims annotations`: build annotation records from their authored YAML files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crocus_claims import authoring, resources


@click.group()
def annotations() -> None:
    """Author annotations by quoting the text; build and check the records they make."""


@annotations.command()
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; fail if the committed records differ from what the authored files build.",
)
@click.option(
    "--pass",
    "passes",
    multiple=True,
    metavar="NAME",
    help="Build only this pass (repeatable; default: every folder under annotations/authored/).",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The annotations folder (default: the project's annotations/).",
)
def build(check: bool, passes: tuple[str, ...], root: Path | None) -> None:
    """Resolve annotations/authored/<pass>/<doc_id>.yaml to annotations/<pass>/<doc_id>.jsonl.

    Every quote must select exactly one stretch of the text and every record must validate;
    otherwise nothing is written. Exit status: 0 done (or up to date), 1 problems found.
    """
    root = root if root is not None else resources.annotations_dir()
    known = authoring.authored_passes(root)
    unknown = [name for name in passes if name not in known]
    if unknown:
        _report(
            [
                authoring.Problem("unknown-pass", f"no folder {root / authoring.AUTHORED_FOLDER / name}")
                for name in unknown
            ]
        )
    result = authoring.build(root, passes or None)
    problems = result.problems + authoring.orphan_problems(result)
    if check:
        problems += authoring.staleness(result)
    if problems:
        _report(problems)
    if check:
        click.echo(f"up to date: {len(result.outputs)} record(s)")
        return
    try:
        written = authoring.write(result)
    except authoring.WriteError as error:
        _report([authoring.Problem(error.code, str(error), authoring.display_path(error.path))])
    click.echo(f"built {written} record(s) in {len({p.parent for p in result.outputs})} pass folder(s)")


def _report(problems: list[authoring.Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s); nothing written", err=True)
    sys.exit(1)
