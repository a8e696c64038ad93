"""`crocus-claims prelabel`: proposed spans (figures, actor and outlet mentions) as annotation records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from crocus_claims.cli.common import InputError, refuse, schema_option
from crocus_claims.schema import Schema
from crocus_claims.validation.findings import Finding

DOC_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")


def _refuse(*findings: Finding) -> Any:
    refuse(InputError([str(finding) for finding in findings]))


def read_text_file(path: Path) -> str:
    """The file's text as the corpus rules give it (no leading BOM, Unix newlines, NFC); refused with a coded
    finding when it cannot be read, is not UTF-8, or holds no text."""
    from crocus_claims.corpus import BYTE_ORDER_MARK, normalize_text

    try:
        raw = path.read_bytes()
    except OSError as error:
        _refuse(Finding("unreadable-file", f"cannot read: {error.strerror or error}", file=str(path)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        _refuse(Finding("invalid-utf8", f"not UTF-8: byte 0x{raw[error.start]:02x} at byte offset {error.start}",
                        file=str(path), line=line))
    if not text.removeprefix(BYTE_ORDER_MARK).strip():
        _refuse(Finding("empty-text", "the file holds no text to pre-annotate", file=str(path)))
    return normalize_text(text)


def doc_id_for(path: Path, given: str | None) -> str:
    """--doc-id, else the file name without its extension, with other characters turned to '-'."""
    from crocus_claims.corpus import DOC_ID

    doc_id = given if given is not None else DOC_ID_CHARACTERS.sub("-", path.stem).strip("-")[:64]
    if not re.fullmatch(DOC_ID[1:-1], doc_id):
        _refuse(Finding("invalid-doc-id", f"doc_id {doc_id!r} does not match {DOC_ID} (give --doc-id)",
                        file=str(path)))
    return doc_id


def corpus_texts(doc_ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """(doc_id, text) of the documents named, or of the whole corpus; unknown ids are refused."""
    from crocus_claims.corpus import load_corpus

    corpus = load_corpus()
    unknown = [doc_id for doc_id in doc_ids if doc_id not in corpus]
    if unknown:
        _refuse(*(Finding("unknown-document", f"not in the corpus (known: {', '.join(sorted(corpus))})",
                          doc_id=doc_id) for doc_id in unknown))
    return [(doc_id, corpus[doc_id].text) for doc_id in (doc_ids or tuple(sorted(corpus)))]


def proposals(texts: list[tuple[str, str]], schema: Schema, carry_text: bool) -> list[dict[str, Any]]:
    from crocus_claims.prelabel import MissingExtra, prelabel_text

    try:
        return [prelabel_text(text, doc_id, schema, carry_text=carry_text).record for doc_id, text in texts]
    except MissingExtra as error:
        _refuse(Finding(error.code, str(error)))
    raise AssertionError("unreachable")


def write_output(records: list[dict[str, Any]], output: str) -> None:
    import msgspec

    from crocus_claims.records import write_records

    if output == "-":
        encoder = msgspec.json.Encoder()
        for record in records:
            click.echo(encoder.encode(record).decode("utf-8"))
        return
    try:
        write_records(records, Path(output))
    except OSError as error:
        _refuse(Finding("unwritable-file", f"cannot write: {error.strerror or error}", file=output))


@click.command()
@click.argument("doc_ids", nargs=-1, metavar="[DOC_ID]...")
@click.option("--text-file", type=click.Path(path_type=Path),
              help="Pre-annotate this UTF-8 text instead of corpus documents; the record carries the text.")
@click.option("--doc-id", help="doc_id of the --text-file record (default: from the file name).")
@click.option("-o", "--output", default="-", show_default=True,
              help="Annotation records (JSONL) to write, atomically; - for stdout.")
@schema_option
def prelabel(doc_ids: tuple[str, ...], text_file: Path | None, doc_id: str | None, output: str,
             schema: Schema) -> None:
    """Propose spans for annotators to confirm: casualty figures with their normalisation, and
    mentions of the schema's registry entries (actors, outlets), as annotation records by
    `prelabel-<version>`. Without DOC_ID, every document of the corpus.

    Exit status 2 on unknown documents or an unreadable, non-UTF-8 or empty text file.
    """
    from crocus_claims.validation import validate_records

    if text_file is not None and doc_ids:
        _refuse(Finding("conflicting-arguments", "give DOC_IDs or --text-file, not both"))
    if doc_id is not None and text_file is None:
        _refuse(Finding("conflicting-arguments", "--doc-id names the record of --text-file; give --text-file"))
    if text_file is not None:
        texts = [(doc_id_for(text_file, doc_id), read_text_file(text_file))]
    else:
        texts = corpus_texts(doc_ids)
    records = proposals(texts, schema, carry_text=text_file is not None)
    findings = [f for f in validate_records(records, schema=schema) if f.severity == "error"]
    if findings:  # a bug in the rules: say so rather than write what would not validate
        for finding in findings:
            click.echo(str(finding), err=True)
        raise SystemExit(1)
    write_output(records, output)
    for record in records:
        counts: dict[str, int] = {}
        for span in record["spans"]:
            counts[span["label"]] = counts.get(span["label"], 0) + 1
        summary = ", ".join(f"{count} {label}" for label, count in sorted(counts.items())) or "no spans"
        click.echo(f"{record['doc_id']}: {summary}", err=True)

