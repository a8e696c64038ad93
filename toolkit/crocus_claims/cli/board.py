"""`crocus-claims board`: the claims board of a release or of an annotation pass, as a static site."""

from __future__ import annotations

from pathlib import Path

import click

from crocus_claims.cli.common import BAD_INPUT, fail
from crocus_claims.board_extra import MissingBoardExtra, require_board_extra


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path), metavar="[RELEASE_OR_PATHS]...")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the site into (replaced whole when the board is complete).")
def board(sources: tuple[Path, ...], output: Path) -> None:
    """Write the claims board of a release folder (default: the bundled release) or of annotation
    records (files or folders of .jsonl, one pass at a time) into OUTPUT: index.html, one page per
    document, readable offline and without JavaScript.

    Exit status: 0 written; 2 unreadable or invalid input (nothing written).
    """
    try:
        require_board_extra()
    except MissingBoardExtra as error:
        fail(error.code, f"the board {error}", BAD_INPUT)
    from crocus_claims import resources
    from crocus_claims.board import BoardError, build_board

    paths = list(sources) or [resources.bundled_release_dir()]
    try:
        index = build_board(paths, output)
    except BoardError as error:
        fail(error.code, str(error), BAD_INPUT)
    click.echo(f"wrote {index}")
