"""`crocus-claims corpus`: build the corpus records from the source articles, or check them."""

from __future__ import annotations

import click

from crocus_claims import resources
from crocus_claims.cli.common import coded_errors, fail
from crocus_claims.corpus import DOCUMENTS_FILE, CorpusError, build_corpus, read_corpus, write_corpus


@click.group()
def corpus() -> None:
    """The corpus: corpus/sources/ (as received) and corpus/sources.yaml -> corpus/documents.jsonl."""


@corpus.command("build")
@coded_errors(CorpusError)
def build() -> None:
    """Rebuild corpus/documents.jsonl from the sources (atomically)."""
    documents = build_corpus()
    path = resources.corpus_dir() / DOCUMENTS_FILE
    write_corpus(documents, path)
    click.echo(f"wrote {len(documents)} documents to {path}")


@corpus.command("check")
@coded_errors(CorpusError)
def check() -> None:
    """Exit 1 if corpus/documents.jsonl is not what the sources build."""
    built = {d.doc_id: d for d in build_corpus()}
    committed = read_corpus(resources.corpus_dir() / DOCUMENTS_FILE)
    if built != committed:
        changed = sorted(set(built) ^ set(committed) | {k for k in built.keys() & committed.keys() if built[k] != committed[k]})
        fail("stale-corpus", f"corpus/documents.jsonl differs from its sources for: {', '.join(changed)}; "
             "run `crocus-claims corpus build`")
    click.echo(f"corpus is up to date: {len(built)} documents")
