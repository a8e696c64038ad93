"""`crocus-claims adjudicate A B [C ...] --into NAME`: merge passes, every difference decided in a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from crocus_claims import adjudication, authoring, resources
from crocus_claims.atomic import atomic_write
from crocus_claims.cli.common import BAD_INPUT, FORMAT, at_one_version, dump_json, exit_with_findings, finish
from crocus_claims.validation.findings import Finding

def default_decisions_path(root: Path, passes: tuple[str, ...]) -> Path:
    """annotations/agreement/adjudication/<A>+<B>/decisions.yaml: the release ships this folder."""
    return root / authoring.ADJUDICATION_FOLDER / "+".join(passes) / "decisions.yaml"


def is_folder(path: Path) -> bool:
    """Whether `path` is a folder; False, not an exception, when its parent cannot be entered."""
    try:
        return path.is_dir()
    except OSError:
        return False


def build_pass(root: Path, name: str, corpus: Any) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """The records (JSON data by doc_id) pass `name`'s authored files build, or the problems that
    stop it; its built records are not read."""
    result = authoring.build(root, [name], corpus=corpus, with_built=False)
    if result.problems:
        return {}, [Finding("invalid-pass", f"pass {name} does not build: fix it first "
                            f"(`crocus-claims annotations build --pass {name}`)"), *result.problems]
    records = [json.loads(line) for line in result.outputs.values()]
    return {record["doc_id"]: record for record in records}, []


def passes_at_one_version(root: Path, records: dict[str, dict[str, dict[str, Any]]],
                          output_format: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The passes' records at the newest schema version any of them names (see at_one_version)."""
    names = list(records)
    sources = [authoring.display_path(root / authoring.AUTHORED_FOLDER / name) for name in names]
    sets, _ = at_one_version([list(records[name].values()) for name in names], sources, output_format)
    return {name: {record["doc_id"]: record for record in found} for name, found in zip(names, sets)}


def write_reports(passes: tuple[str, ...], records: dict[str, dict[str, dict[str, Any]]], folder: Path) -> list[Path]:
    """The agreement of every pass with the first, before adjudication, as `agreement` reports it."""
    from crocus_claims.agreement import compare
    from crocus_claims.schema import load_schema

    written = []
    for other in passes[1:]:
        schema = load_schema(next(iter(records[passes[0]].values()))["schema_version"])
        report = compare(records[passes[0]].values(), records[other].values(), schema)
        name = "report.json" if len(passes) == 2 else f"report-{passes[0]}-{other}.json"
        dump_json(report.model_dump(mode="json"), folder / name)
        written.append(folder / name)
    return written


def not_in_all_passes(root: Path, doc_id: str, holders: list[str], into: str) -> Finding:
    """The warning that names a document left out because only the passes `holders` have it."""
    where = authoring.display_path(root / authoring.AUTHORED_FOLDER / holders[0] / f"{doc_id}.yaml")
    return Finding("document-not-in-all-passes", f"only in {', '.join(holders)}: not adjudicated, not written "
                   f"to pass {into}", where, None, doc_id)


@click.command()
@click.argument("passes", nargs=-1, required=True, metavar="PASS_A PASS_B [PASS_C ...]")
@click.option("--into", "into", required=True, metavar="NAME", help="The adjudicated pass to write (e.g. gold).")
@click.option("--min-agree", type=click.IntRange(min=1), default=None, metavar="K",
              help="Accept what at least K passes agree on (default: all of them).")
@click.option("--decisions", "decisions_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The decisions file (default: annotations/agreement/adjudication/<A>+<B>/decisions.yaml).")
@click.option("--replace", is_flag=True, help="Replace the target pass's files for these documents if they differ.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The annotations folder (default: the project's annotations/).")
@FORMAT
def adjudicate(passes: tuple[str, ...], into: str, min_agree: int | None, decisions_path: Path | None,
               replace: bool, root: Path | None, output_format: str) -> None:
    """Merge annotation passes into the pass NAME: what they agree on is accepted, every difference
    is an item in a decisions file to fill in (decision, by, why); run again to write NAME.

    Agreement is decided as `crocus-claims agreement` decides it (same label, start and end).
    Only documents every pass has are adjudicated; each other one is named on stdout as a
    `document-not-in-all-passes` warning. Running again keeps every line of the decisions file
    as written and adds new items at its end.
    Exit status: 0 written, 1 items undecided or problems (listed), 2 usage error or a decisions
    file that cannot be read.
    """
    from crocus_claims.anchoring import anchor_records, write_anchored
    from crocus_claims.corpus import load_corpus
    from crocus_claims.validation import validate_records

    if len(passes) < 2 or len(set(passes)) != len(passes):
        raise click.UsageError("give at least two different passes")
    if into in passes:
        raise click.UsageError(f"--into {into} is one of the passes: passes are never modified")
    min_agree = min_agree or len(passes)
    if min_agree > len(passes) or min_agree < 2:
        raise click.UsageError(f"--min-agree must be between 2 and {len(passes)}")
    root = root if root is not None else resources.annotations_dir()
    corpus = load_corpus()
    known, unlisted = authoring.authored_passes(root)
    if unlisted:  # the folder of passes cannot be listed: look for each named pass itself
        known = [name for name in passes if is_folder(root / authoring.AUTHORED_FOLDER / name)]
    missing = [Finding("unknown-pass", f"no folder {authoring.display_path(root / authoring.AUTHORED_FOLDER / name)}")
               for name in passes if name not in known]
    if missing:
        exit_with_findings(unlisted + missing, output_format)
    records, problems = {}, []
    for name in passes:
        records[name], found = build_pass(root, name, corpus)
        problems += found
    if problems:
        exit_with_findings(problems, output_format, "nothing written")
    records = passes_at_one_version(root, records, output_format)
    decisions_path = decisions_path or default_decisions_path(root, passes)
    display = authoring.display_path(decisions_path)
    shared = sorted(set.intersection(*(set(records[name]) for name in passes)))
    notices = [not_in_all_passes(root, doc_id, [name for name in passes if doc_id in records[name]], into)
               for doc_id in sorted(set.union(*(set(records[name]) for name in passes)) - set(shared))]
    plans = [adjudication.plan_document(doc_id, corpus[doc_id].text, {name: records[name][doc_id] for name in passes},
                                        min_agree) for doc_id in shared]
    items = [item for plan in plans for item in plan.items]
    existed = decisions_path.is_file()
    read = adjudication.read_decisions(decisions_path, display) if existed else adjudication.DecisionsRead({}, {}, [])
    if read.problems:
        exit_with_findings(read.problems, output_format, f"{display} cannot be read as a decisions file",
                           status=BAD_INPUT)
    pending, problems = adjudication.apply_decisions(items, read, passes, display)
    new = [item for item in items if item.id not in read.decided]
    if not existed or (new and not read.decided):  # nothing a person wrote to keep
        with atomic_write(decisions_path) as handle:
            handle.write(adjudication.render_decisions(items, passes, into, min_agree))
        if not existed:
            write_reports(passes, records, decisions_path.parent)
    elif new:
        text = adjudication.append_items(decisions_path.read_text(encoding="utf-8"), new)
        if text is None:
            exit_with_findings([Finding("invalid-decisions-file", f"{len(new)} new item(s) to add, but `items` is not "
                                        "the block list that ends the file: move it last", display)],
                               output_format, "nothing changed", status=BAD_INPUT)
        with atomic_write(decisions_path) as handle:
            handle.write(text)
    if new:
        read = adjudication.read_decisions(decisions_path, display)
    if problems or pending:
        problems += [Finding("decisions-pending", f"{item.id} ({item.kind}: {item.context[:80]}) is undecided",
                             display, read.lines.get(item.id), item.doc_id) for item in pending]
        exit_with_findings(notices + problems, output_format, f"{len(pending)} of {len(items)} item(s) undecided in "
                           f"{display}; nothing written to pass {into}")
    adjudicated, notes = [], []
    for plan in plans:
        record, found, dropped = adjudication.adjudicated_record(plan, into, display)
        problems += found
        notes += dropped
        for finding in validate_records([record], corpus=corpus):
            problems.append(Finding("invalid-adjudication", f"{finding.code}: {finding.message}", display, None,
                                    plan.doc_id, finding.span_id, finding.relation_id))
        adjudicated.append(record)
    if problems:
        exit_with_findings(notices + problems, output_format, f"nothing written to pass {into}")
    comment = (f"Adjudicated from the passes {', '.join(passes)} by `crocus-claims adjudicate` "
               f"(decisions: {display}).")
    result = anchor_records(adjudicated, into, root=root, corpus=corpus, replace=replace, source=display,
                            comment=comment)
    if not result.ok:
        exit_with_findings(notices + result.problems, output_format, f"nothing written to pass {into}")
    try:
        written = write_anchored(result)
    except authoring.WriteError as error:
        finish([error.problem()], output_format, f"nothing written to pass {into}", status=BAD_INPUT)
    for notice in notices:
        click.echo(str(notice))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    agreed = sum(1 for plan in plans for group in plan.groups if group.item is None)
    click.echo(f"adjudicated {written} document(s) into pass {into}: {agreed} span(s) agreed, "
               f"{len(items)} item(s) decided (decisions: {display})")
