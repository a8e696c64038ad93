"""Adding an article to the corpus: the file as received, its metadata, and the rebuilt records.

The source file is copied byte for byte into corpus/sources/ as `NNN_<16 hex of its SHA-256>.txt`;
its metadata is appended to corpus/sources.yaml (null where not given); corpus/documents.jsonl
is rebuilt from all sources. The corpus rules (`corpus.build_document`: Unix newlines, NFC, a
glued " date YYYY-MM-DD " prefix stripped and recorded) are applied by the same code as every
build, and what they changed is reported. The doc_id is `crocus-NNN-<words of the title, or of
the text>`: readable, and stable because NNN is the next free number and the words come from
the article itself. Codes: crocus_claims.validation.codes.LOOP_CODES (`corpus add`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from crocus_claims.atomic import atomic_write
from crocus_claims.corpus import (
    BYTE_ORDER_MARK,
    DOC_ID,
    DOCUMENTS_FILE,
    CorpusDocument,
    CorpusError,
    SourceEntry,
    build_corpus,
    build_document,
    normalize_text,
    write_documents,
)

PREFIX = "crocus"
SLUG_WORDS = 6


@dataclass(frozen=True)
class Addition:
    """What `corpus add` will write, and what the corpus rules changed in the text."""

    document: CorpusDocument
    entry: SourceEntry
    raw: bytes
    changes: list[str]
    documents: list[CorpusDocument]


def decode_article(raw: bytes, name: str) -> str:
    """The file's text; CorpusError (invalid-encoding, empty-article) when it has none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{name}: not UTF-8 text (byte {error.start}: {raw[error.start:error.start + 1]!r}); "
                          "convert it to UTF-8 first", "invalid-encoding") from None
    if not text.removeprefix(BYTE_ORDER_MARK).strip():
        raise CorpusError(f"{name}: the file is empty", "empty-article")
    return text


def slug(text: str, words: int = SLUG_WORDS) -> str:
    """`Reuters: Iran warned Russia…` -> `reuters-iran-warned-russia-of-major`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text)[:words])


def next_number(entries: list[SourceEntry]) -> int:
    numbers = [int(m.group(1)) for e in entries if (m := re.match(r"^(\d+)_", e.source_file))]
    return max(numbers, default=-1) + 1


def derive_doc_id(number: int, title: str | None, text: str) -> str:
    words = slug(title or text) or "article"
    doc_id = f"{PREFIX}-{number:03d}-{words}"[:64]
    return doc_id.rstrip("-")


def rule_changes(raw_text: str, document: CorpusDocument) -> list[str]:
    """What the corpus rules changed between the file's text and the document text, in words."""
    changes = []
    if raw_text.startswith(BYTE_ORDER_MARK):
        changes.append("byte order mark (U+FEFF) at the start removed")
        raw_text = raw_text.removeprefix(BYTE_ORDER_MARK)
    newlines = raw_text.count("\r\n"), raw_text.replace("\r\n", "").count("\r")
    if any(newlines):
        changes.append(f"newlines made Unix: {newlines[0]} CRLF and {newlines[1]} CR")
    unix = raw_text.replace("\r\n", "\n").replace("\r", "\n")
    if unicodedata.normalize("NFC", unix) != unix:
        changes.append(f"NFC: {len(unix) - len(unicodedata.normalize('NFC', unix))} code point(s) composed")
    if document.stripped_prefix:
        changes.append(f"glued metadata stripped and recorded: {document.stripped_prefix!r} "
                       f"(publication_date {document.publication_date})")
    return changes


def plan_addition(corpus_dir: Path, raw: bytes, name: str, *, title: str | None = None,
                  outlet: str | None = None, date: dt.date | None = None, byline: str | None = None,
                  wire_source: str | None = None, doc_id: str | None = None) -> Addition:
    """Check everything and build the new corpus in memory; CorpusError (with a code) refuses."""
    from crocus_claims.corpus import read_source_entries

    raw_text = decode_article(raw, name)
    entries = read_source_entries(corpus_dir)
    number = next_number(entries)
    source_file = f"{number:03d}_{hashlib.sha256(raw).hexdigest()[:16]}.txt"
    if doc_id is not None and not re.match(DOC_ID, doc_id):
        raise CorpusError(f"{name}: doc_id {doc_id!r} is not [A-Za-z0-9_-]{{1,64}}", "invalid-metadata")
    doc_id = doc_id or derive_doc_id(number, title, normalize_text(raw_text))
    if any(e.doc_id == doc_id for e in entries):
        raise CorpusError(f"{name}: doc_id {doc_id} is already in corpus/sources.yaml: give another with --doc-id",
                          "doc-id-collision")
    if (corpus_dir / "sources" / source_file).exists() or any(e.source_file == source_file for e in entries):
        raise CorpusError(f"{name}: its copy would be corpus/sources/{source_file}, which already exists",
                          "doc-id-collision")
    entry = SourceEntry(source_file=source_file, doc_id=doc_id, title=title, outlet=outlet, byline=byline,
                        wire_source=wire_source, publication_date=date)
    try:
        document = build_document(entry, raw_text)
    except CorpusError as error:
        raise CorpusError(str(error), "invalid-metadata") from None
    if not document.text.strip():
        raise CorpusError(f"{name}: no text once the glued metadata is stripped", "empty-article")
    existing = build_corpus(corpus_dir)
    same = next((d for d in existing if d.text_sha256 == document.text_sha256), None)
    if same is not None:
        raise CorpusError(f"{name}: its text is already in the corpus as {same.doc_id} "
                          f"(sha256 {document.text_sha256[:12]}…)", "duplicate-text")
    documents = sorted([*existing, document], key=lambda d: d.doc_id)
    return Addition(document, entry, raw, rule_changes(raw_text, document), documents)


def sources_yaml_entry(entry: SourceEntry) -> str:
    """The new block of corpus/sources.yaml, appended as text so the file's comments stay."""
    data = entry.model_dump(mode="json")
    if data["publication_date"] is None:
        del data["publication_date"]  # the date comes from the text, as for the other entries
    return yaml.safe_dump([data], allow_unicode=True, sort_keys=False, width=10**6)


def write_addition(corpus_dir: Path, addition: Addition) -> None:
    """The source file, sources.yaml and documents.jsonl: all three are written and synced to
    temporary files first, then renamed into place in that order, so that a failure while
    writing any of them changes none."""
    sources = corpus_dir / "sources.yaml"
    current = sources.read_text(encoding="utf-8")
    with contextlib.ExitStack() as renames:  # the last entered is renamed first
        documents = renames.enter_context(atomic_write(corpus_dir / DOCUMENTS_FILE))
        listing = renames.enter_context(atomic_write(sources))
        copy = renames.enter_context(atomic_write(corpus_dir / "sources" / addition.entry.source_file, "wb"))
        copy.write(addition.raw)
        listing.write(current if current.endswith("\n") else current + "\n")
        listing.write(sources_yaml_entry(addition.entry))
        write_documents(documents, addition.documents)
