"""`crocus-claims corpus`: build the corpus records from the source articles, or check them."""

from __future__ import annotations

from pathlib import Path

import click

from crocus_claims import resources
from crocus_claims.cli.common import FORMAT, coded_errors, fail, finish
from crocus_claims.validation.findings import Finding
from crocus_claims.corpus import DOCUMENTS_FILE, CorpusError, build_corpus, read_corpus, write_corpus


@click.group()
def corpus() -> None:
    """The corpus: corpus/sources/ (as received) and corpus/sources.yaml -> corpus/documents.jsonl."""


@corpus.command("build")
@coded_errors(CorpusError)
def build() -> None:
    """Rebuild corpus/documents.jsonl from the sources (atomically)."""
    folder = resources.project_dir() / "corpus"
    documents = build_corpus(folder)
    path = folder / DOCUMENTS_FILE
    write_corpus(documents, path)
    click.echo(f"wrote {len(documents)} documents to {path}")


@corpus.command("check")
@FORMAT
def check(output_format: str) -> None:
    """Check that corpus/documents.jsonl is what the sources build: exit 1 (a `stale-corpus` finding
    per document that differs) when it is not."""
    folder = resources.project_dir() / "corpus"
    try:
        built = {d.doc_id: d for d in build_corpus(folder)}
        committed = read_corpus(folder / DOCUMENTS_FILE)
    except CorpusError as error:
        finish([Finding(error.code, str(error))], output_format, "the corpus cannot be checked",
               status=error.exit_code)
    changed = sorted(set(built) ^ set(committed) | {k for k in built.keys() & committed.keys() if built[k] != committed[k]})
    findings = [Finding("stale-corpus", f"{DOCUMENTS_FILE} differs from what the sources build for this "
                        "document: run `crocus-claims corpus build`", f"corpus/{DOCUMENTS_FILE}", doc_id=doc_id)
                for doc_id in changed]
    finish(findings, output_format, f"{DOCUMENTS_FILE} is stale for {len(findings)} document(s)" if findings
           else f"corpus is up to date: {len(built)} documents", {"documents": len(built)})


@corpus.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="The headline, as it appears in the text (default: null).")
@click.option("--outlet", default=None, help="The publishing outlet, as named in the text (default: null).")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", help="Publication date (default: null, "
              "or the date glued to the text).")
@click.option("--byline", default=None, help="The author, as named in the text (default: null).")
@click.option("--wire-source", default=None, help="The outlet the article credits with its story (default: null).")
@click.option("--doc-id", default=None, help="The doc_id (default: crocus-NNN-<words of the title or text>).")
def add(file: Path, title: str | None, outlet: str | None, date: str | None, byline: str | None,
        wire_source: str | None, doc_id: str | None) -> None:
    """Add an article: copy FILE as received into corpus/sources/, record its metadata in
    corpus/sources.yaml, and rebuild corpus/documents.jsonl (each write atomic).

    Exit status: 0 added, 1 refused (duplicate text, doc_id taken, metadata not in the text),
    2 unreadable, empty or non-UTF-8 file, or a corpus that cannot be written (then nothing changed).
    """
    import datetime as dt

    from crocus_claims.corpus_add import plan_addition, write_addition

    try:
        published = dt.date.fromisoformat(date) if date is not None else None
    except ValueError:
        fail("invalid-metadata", f"--date {date!r} is not YYYY-MM-DD")
    corpus_dir = resources.project_dir() / "corpus"  # written to: a project's, never the package's copy
    try:
        raw = file.read_bytes()
        addition = plan_addition(corpus_dir, raw, str(file), title=title, outlet=outlet, date=published,
                                 byline=byline, wire_source=wire_source, doc_id=doc_id)
    except OSError as error:
        fail("unreadable-file", f"{file}: {error.strerror or error}", 2)
    except CorpusError as error:
        fail(error.code, str(error), 2 if error.code == "empty-article" else error.exit_code)
    try:
        write_addition(corpus_dir, addition)
    except OSError as error:  # nothing was changed: the three files are renamed only once all are written
        fail("unwritable-file", f"{corpus_dir}: cannot write the corpus: {error.strerror or error}", 2)
    document = addition.document
    click.echo(f"added {document.doc_id}: corpus/sources/{addition.entry.source_file}, "
               f"{len(document.text)} characters")
    for change in addition.changes or ["the text is the file as received (no corpus rule changed it)"]:
        click.echo(f"  {change}")
    unknown = [name for name in ("title", "outlet", "publication_date", "byline", "wire_source")
               if getattr(document, name) is None]
    if unknown:
        click.echo(f"  null (not given): {', '.join(unknown)}")
