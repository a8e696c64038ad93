"""`crocus-claims annotations`: build annotation records from their authored YAML files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from crocus_claims import authoring, resources
from crocus_claims.cli.common import (
    BAD_INPUT,
    FORMAT,
    InputError,
    exit_with_findings,
    finish,
    read_annotation_set,
    refuse,
)

if TYPE_CHECKING:
    from crocus_claims.migration import Decisions
    from crocus_claims.validation import Finding

ROOT = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                    help="The annotations folder (default: the project's annotations/).")


@click.group("annotations")
def annotations_group() -> None:  # not `annotations`, the name `from __future__ import annotations` binds
    """Author annotations by quoting the text; build and check the records they make."""


@annotations_group.command()
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
@FORMAT
def build(check: bool, passes: tuple[str, ...], root: Path | None, output_format: str) -> None:
    """Resolve annotations/authored/<pass>/<doc_id>.yaml to annotations/<pass>/<doc_id>.jsonl.

    Every quote must select exactly one stretch of the text and every record must validate;
    otherwise nothing is written. Problems go to stdout, one per line (or --format json), the
    summary to stderr. Records are written all or none. Exit status: 0 done (or up to date),
    1 problems found, 2 a folder or file that cannot be read or written.
    """
    root = root if root is not None else resources.annotations_dir()
    known, unlisted = authoring.authored_passes(root)
    unknown = [name for name in passes if name not in known]
    if unknown:  # with what could not be listed, which may be why
        folders = [root / authoring.AUTHORED_FOLDER / name for name in unknown]
        _report(unlisted + [authoring.Problem("unknown-pass", f"no folder {folder}") for folder in folders],
                output_format)
    result = authoring.build(root, passes or None)
    problems = result.problems + authoring.orphan_problems(result)
    if check:
        problems += authoring.staleness(result)
    if problems:
        _report(problems, output_format)
    if check:
        finish([], output_format, f"up to date: {len(result.outputs)} record(s)", {"records": len(result.outputs)})
    try:
        written = authoring.write(result)
    except authoring.WriteError as error:
        _report([error.problem()], output_format, status=BAD_INPUT)
    click.echo(f"built {written} record(s) in {len({p.parent for p in result.outputs})} pass folder(s)")


def _report(problems: list[authoring.Problem], output_format: str = "human",
            status: int | None = None) -> NoReturn:
    finish(problems, output_format, f"{len(problems)} problem(s); nothing written", status=status)


@annotations_group.command("import")
@click.argument("records_file", metavar="RECORDS.jsonl", type=click.Path(path_type=Path))
@click.option("--pass", "pass_name", required=True, metavar="NAME", help="The pass to write (a folder name).")
@click.option("--replace", is_flag=True, help="Replace the pass's files for these documents if they differ.")
@ROOT
@FORMAT
def import_command(records_file: Path, pass_name: str, replace: bool, root: Path | None, output_format: str) -> None:
    """Write records (what `ls pull` writes, or any valid records) as the authored pass NAME.

    One quote-anchored YAML file per document in annotations/authored/NAME/, each quote with the
    shortest prefix/suffix that makes it unique, and its built record in annotations/NAME/: it
    builds back into the same bytes, all files or none. Exit status: 0 written, 1 problems
    (nothing written), 2 unreadable or invalid records, or a file that cannot be written.
    """
    try:
        records = read_annotation_set([records_file])  # each record under the version it names
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
    anchored = anchor_passes(records, prefix, root, replace, source, comment, output_format, pass_name)
    return write_passes(anchored, output_format)


def anchor_passes(records: list, prefix: str | None, root: Path | None, replace: bool, source: str,
                  comment: str | None = None, output_format: str = "human",
                  pass_name: str | None = None) -> dict[str, Any]:
    """Every pass anchored (as `import_passes` groups them), nothing written: pass -> anchoring
    result, for `write_passes`. Exits 1 with every problem ("nothing written")."""
    from crocus_claims import anchoring
    from crocus_claims.corpus import load_corpus
    from crocus_claims.records import to_builtins
    from crocus_claims.validation.findings import Finding

    root = root if root is not None else resources.annotations_dir()
    groups: dict[str, list] = {}
    annotators: dict[str, set[str]] = {}  # pass -> the annotators whose records it gets
    for record in records:
        annotator = to_builtins(record)["annotator"] if not isinstance(record, dict) else record["annotator"]
        name = pass_name if pass_name is not None else anchoring.pass_of_annotator(prefix or "", annotator)
        groups.setdefault(name, []).append(record)
        annotators.setdefault(name, set()).add(annotator)
    if pass_name is not None:
        groups.setdefault(pass_name, [])
    # Only pass names made from annotators can collide: a pass named with --pass is the user's choice.
    earlier: dict[str, set[str]] = {}
    unlisted: list[Finding] = []  # a pass folder that cannot be listed: its annotators are not known
    if pass_name is None:
        for name, names in annotators.items():
            held, unlisted_here = anchoring.annotators_in_pass(root, name)
            earlier[name] = held - names
            unlisted += unlisted_here
    collided = {name for name, holders in earlier.items() if len(annotators[name]) > 1 or holders}
    collisions = unlisted + [
        Finding("pass-name-collision", pass_name_collision(name, annotators[name], earlier[name]), source)
        for name in sorted(collided)]
    results = {name: anchoring.anchor_records(group, name, root=root, corpus=load_corpus(), replace=replace,
                                              source=source, comment=comment)
               for name, group in sorted(groups.items()) if name not in collided}
    problems = collisions + [problem for result in results.values() for problem in result.problems]
    if problems:
        exit_with_findings(problems, output_format, "nothing written")
    return results


def pass_name_collision(name: str, annotators: set[str], earlier: set[str]) -> str:
    """Why the annotators of this import, and those whose records pass `name` already holds
    (`earlier`), cannot share that pass."""
    from crocus_claims.validation.findings import json_text

    names = ", ".join(map(json_text, sorted(annotators)))
    clash = f"annotators {names} all make" if len(annotators) > 1 else f"annotator {names} makes"
    clash += f" the pass name {json_text(name)}"
    if earlier:
        holders = ", ".join(map(json_text, sorted(earlier)))
        clash += f", which already holds records of {holders}"
    return (f"{clash}: their records would be mixed in one pass; import each annotator's records with "
            "`crocus-claims annotations import --pass NAME`")


def write_passes(results: dict[str, Any], output_format: str = "human") -> dict[str, int]:
    """Write passes `anchor_passes` anchored, all files or none: pass -> documents written; exit 2
    (unwritable-file) when one cannot be written."""
    from crocus_claims import anchoring

    try:
        return anchoring.write_anchored_passes(results)
    except authoring.WriteError as error:
        finish([error.problem()], output_format, "nothing written", status=BAD_INPUT)


@annotations_group.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "target", required=True, metavar="X.Y.Z", help="The schema version to migrate to.")
@click.option("--decisions", "decisions_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="YAML answers to the migration's questions, by doc_id and span id (who and why).")
@click.option("--allow-loss", is_flag=True, help="Write even though the migration drops data (reported).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--format", "output_format", type=click.Choice(["human", "json"]), default="human",
              show_default=True, help="human: one line per change and per finding on stdout, the summary on "
              "stderr; json: one document for machines.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON impact report to this file.")
def migrate(paths: tuple[Path, ...], target: str, decisions_path: Path | None, allow_loss: bool, dry_run: bool,
            output_format: str, report_path: Path | None) -> None:
    """Upgrade JSONL records and authored YAML files in PATHS to schema version --to.

    PATHS are files, or folders searched for .jsonl records and for the .yaml files under an
    `authored` folder (`annotations/` takes every pass, records and authored files alike).

    Every span, attribute and relation changed, every span awaiting a decision (with its text)
    and every loss is reported. Nothing is written while a question is open or data would be lost,
    unless --decisions answers and --allow-loss accepts; files already at the version are left as
    they are; files are written all or none. Exit status: 0 done, 1 refused (findings), 2 usage
    error, unreadable input or a file that cannot be written.
    """
    from crocus_claims.cli.common import dump_json
    from crocus_claims.migration import files as migration_files
    from crocus_claims.schema import available_versions

    if target not in available_versions():
        raise click.BadParameter(f"no schema {target} (known: {', '.join(available_versions())})",
                                 param_hint="--to")
    decisions: Decisions | None = None
    decision_findings: list[Finding] = []
    if decisions_path is not None:
        decisions, decision_findings = migration_files.read_decisions(decisions_path)
    plan = migration_files.plan_migration(list(paths), target, decisions=decisions,
                                          decisions_source=str(decisions_path) if decisions_path else None)
    plan.findings = decision_findings + plan.findings
    blocking = plan.blocking(allow_loss)
    try:
        written = [] if blocking or dry_run else migration_files.write_plan(plan)
    except authoring.WriteError as error:
        click.echo(str(authoring.Problem(error.code, f"{error}; nothing written", str(error.path))), err=True)
        sys.exit(BAD_INPUT)
    document = migration_files.report_json(plan, written=written, allow_loss=allow_loss)
    if report_path is not None:
        dump_json(document, report_path)
    if output_format == "json":
        click.echo(dump_json(document).rstrip("\n"))
    else:
        for file_plan, line, impact in plan.impacts():
            if not impact.blocking:
                click.echo(migration_files.impact_line(file_plan, line, impact))
        for finding in plan.all_findings():  # on stdout, one line each, as every check prints them
            click.echo(str(finding))
        click.echo(_migrate_summary(document, dry_run), err=True)
    unreadable = any(f.code == "unreadable-file" for f in plan.all_findings())
    sys.exit(2 if unreadable else 1 if blocking else 0)


def _migrate_summary(document: dict, dry_run: bool) -> str:
    summary = document["summary"]
    counts = ", ".join(f"{n} {kind}" for kind, n in summary["impacts"].items()) or "no changes"
    scope = (f"{summary['migrated']} of {summary['records']} record(s) in {summary['files']} file(s) "
             f"to {summary['target']}")
    if summary["refused"]:
        return f"refused: nothing written ({counts}; {len(document['findings'])} finding(s)); {scope}"
    if dry_run:
        return f"dry run: would migrate {scope} ({counts}); nothing written"
    return f"migrated {scope} ({counts}); {len(summary['written'])} file(s) written"
