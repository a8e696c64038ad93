"""`crocus-claims annotations`: build annotation records from their authored YAML files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crocus_claims import authoring, resources
from crocus_claims.cli.common import FORMAT, InputError, exit_with_findings, read_annotation_set, refuse

ROOT = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                    help="The annotations folder (default: the project's annotations/).")


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
@ROOT
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


@annotations.command("import")
@click.argument("records_file", metavar="RECORDS.jsonl", type=click.Path(path_type=Path))
@click.option("--pass", "pass_name", required=True, metavar="NAME", help="The pass to write (a folder name).")
@click.option("--replace", is_flag=True, help="Replace the pass's files for these documents if they differ.")
@ROOT
@FORMAT
def import_command(records_file: Path, pass_name: str, replace: bool, root: Path | None, output_format: str) -> None:
    """Write records (what `ls pull` writes, or any valid records) as the authored pass NAME.

    One quote-anchored YAML file per document in annotations/authored/NAME/, each quote with the
    shortest prefix/suffix that makes it unique, and its built record in annotations/NAME/: it
    builds back into the same bytes. Exit status: 0 written, 1 problems (nothing written),
    2 unreadable or invalid records.
    """
    from crocus_claims.schema import load_schema

    try:
        records = read_annotation_set([records_file], load_schema())
    except InputError as error:
        refuse(error)
    written = import_pass(records, pass_name, root, replace, str(records_file), output_format)
    click.echo(f"wrote {written} authored file(s) to {authoring.display_path(written_folder(root, pass_name))}")


def written_folder(root: Path | None, pass_name: str) -> Path:
    return (root if root is not None else resources.annotations_dir()) / authoring.AUTHORED_FOLDER / pass_name


def import_pass(records: list, pass_name: str, root: Path | None, replace: bool, source: str,
                output_format: str = "human") -> int:
    """Anchor and write one pass (exit 1 with every problem, writing nothing); returns the file count."""
    return import_passes(records, None, root, replace, source, None, output_format, pass_name)[pass_name]


def import_passes(records: list, prefix: str | None, root: Path | None, replace: bool, source: str,
                  comment: str | None = None, output_format: str = "human",
                  pass_name: str | None = None) -> dict[str, int]:
    """Anchor every pass first (one per annotator under `prefix`, or all as `pass_name`), then write
    them all; exit 1 with every problem, writing nothing. Returns pass -> files written."""
    from crocus_claims import anchoring
    from crocus_claims.corpus import load_corpus
    from crocus_claims.records import to_builtins

    root = root if root is not None else resources.annotations_dir()
    groups: dict[str, list] = {}
    for record in records:
        annotator = to_builtins(record)["annotator"] if not isinstance(record, dict) else record["annotator"]
        name = pass_name if pass_name is not None else anchoring.pass_of_annotator(prefix or "", annotator)
        groups.setdefault(name, []).append(record)
    if pass_name is not None:
        groups.setdefault(pass_name, [])
    results = {name: anchoring.anchor_records(group, name, root=root, corpus=load_corpus(), replace=replace,
                                              source=source, comment=comment)
               for name, group in sorted(groups.items())}
    problems = [problem for result in results.values() for problem in result.problems]
    if problems:
        exit_with_findings(problems, output_format, "nothing written")
    try:
        return {name: anchoring.write_anchored(result) for name, result in results.items()}
    except authoring.WriteError as error:
        exit_with_findings([authoring.Problem(error.code, str(error), authoring.display_path(error.path))],
                           output_format)
