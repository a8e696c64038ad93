"""The corpus: the articles as received, as stable, hashed document records.

The text of a document is its source file with Unix newlines and NFC, minus metadata that was
glued to the start of it (" date YYYY-MM-DD "). Nothing else is changed, so that every offset
of every annotation points into exactly what the outlet published.

Metadata (corpus/sources.yaml) is set only where the article states it:
- `publication_date`: the date of the glued " date YYYY-MM-DD " prefix, the only source of a
  date (two of the five files carry one); null otherwise. It is the date received with the file,
  not checked against the outlet.
- `wire_source`: the news organisation that the article itself credits with the report it
  retells, as named in that credit, which must be one of CREDIT_CUES ("Reuters reports", "reports
  The Economic Times", "according to Reuters", "reported to Reuters", "quoted by the RIA Novosti
  news agency", or "Reuters:" opening the text). Null when the article credits none. The name is
  kept from release 0.1.0, whose records carry it: it does not mean that the article is agency
  copy, nor that the organisation credited is a wire agency.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import msgspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crocus_claims import resources
from crocus_claims.atomic import atomic_write

DOC_ID = r"^[A-Za-z0-9_-]{1,64}$"
GLUED_DATE = re.compile(r"^ date (\d{4}-\d{2}-\d{2}) ")
# How an article credits another outlet with its story; {outlet} is the wire_source as written.
CREDIT_CUES = (
    r"{outlet} reports",
    r"reports {outlet}",
    r"according to {outlet}",
    r"reported to {outlet}",
    r"quoted by (?:the )?{outlet}",
    r"^{outlet}:",
)
DOCUMENTS_FILE = "documents.jsonl"


class CorpusDocument(BaseModel):
    """One article. Metadata fields are null unless the article states them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(pattern=DOC_ID)
    title: str | None
    outlet: str | None
    publication_date: dt.date | None
    byline: str | None
    wire_source: str | None = Field(
        description="The news organisation the article credits with the report it retells, as named; null if none."
    )
    source_file: str
    stripped_prefix: str = Field(description="Metadata removed from the start of the source text.")
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    text: str


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_file: str
    doc_id: str = Field(pattern=DOC_ID)
    title: str | None
    outlet: str | None
    byline: str | None
    wire_source: str | None
    # Given by whoever added the article (`corpus add --date`); a glued date must agree with it.
    publication_date: dt.date | None = None


def text_document(doc_id: str, text: str) -> CorpusDocument:
    """A document that is only its text, every metadata field null: for records that carry their
    own text (tests, `--text-file` inputs) where no corpus entry exists."""
    return CorpusDocument(doc_id=doc_id, title=None, outlet=None, publication_date=None, byline=None,
                          wire_source=None, source_file=f"{doc_id}.txt", stripped_prefix="",
                          text_sha256=text_sha256(text), text=text)


class CorpusError(Exception):
    code = "invalid-corpus"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def exit_code(self) -> int:
        """The CLI contract's: 2 for a file that cannot be read as text, 1 for what it says."""
        return 2 if self.code in ("unreadable-file", "invalid-encoding") else 1


def text_sha256(text: str) -> str:
    """The SHA-256 of the text's UTF-8 bytes, as 64 lowercase hex digits (a record's text_sha256)."""
    return utf8_sha256(text.encode("utf-8"))


def utf8_sha256(data: bytes | memoryview) -> str:
    """`text_sha256` of a text given as its UTF-8 bytes."""
    return hashlib.sha256(data).hexdigest()


BYTE_ORDER_MARK = "\ufeff"


def normalize_text(raw: str) -> str:
    """A leading byte order mark (U+FEFF) removed, Unix newlines and NFC: the only changes made to
    an article's characters. The mark is an encoding signature, not text (Unicode ch. 23.8)."""
    unix = raw.removeprefix(BYTE_ORDER_MARK).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", unix)


def split_glued_metadata(text: str) -> tuple[str, dt.date | None, str]:
    """Split " date 2024-03-27 On a chilling Friday..." into (prefix, date, article text)."""
    match = GLUED_DATE.match(text)
    if not match:
        return "", None, text
    return match.group(0), dt.date.fromisoformat(match.group(1)), text[match.end():]


def credits_outlet(text: str, outlet: str) -> bool:
    """Whether the text credits `outlet` with its story by one of CREDIT_CUES."""
    name = re.escape(outlet)
    return any(re.search(cue.format(outlet=name), text, flags=re.MULTILINE) for cue in CREDIT_CUES)


def build_document(entry: SourceEntry, raw: str) -> CorpusDocument:
    """Raises CorpusError when a metadata value is not in the text, or wire_source is not credited."""
    prefix, published, text = split_glued_metadata(normalize_text(raw))
    if published and entry.publication_date and published != entry.publication_date:
        raise CorpusError(f"{entry.source_file}: publication_date {entry.publication_date} differs from the date "
                          f"glued to the text ({published})")
    published = published or entry.publication_date
    for field in ("title", "byline", "wire_source", "outlet"):
        value = getattr(entry, field)
        if value is not None and value not in text:
            raise CorpusError(f"{entry.source_file}: {field} {value!r} does not appear in the text")
    if entry.wire_source is not None and not credits_outlet(text, entry.wire_source):
        raise CorpusError(
            f"{entry.source_file}: wire_source {entry.wire_source!r} is in the text but not credited with the story"
            f" ('{entry.wire_source} reports', 'according to {entry.wire_source}', ...: CREDIT_CUES in corpus.py)"
        )
    return CorpusDocument(
        doc_id=entry.doc_id,
        title=entry.title,
        outlet=entry.outlet,
        publication_date=published,
        byline=entry.byline,
        wire_source=entry.wire_source,
        source_file=entry.source_file,
        stripped_prefix=prefix,
        text_sha256=text_sha256(text),
        text=text,
    )


def _unreadable(path: Path, error: OSError) -> CorpusError:
    return CorpusError(f"{path}: cannot read: {error.strerror or error}", "unreadable-file")


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a corpus file. Raises CorpusError: `unreadable-file` (missing, a folder,
    no permission), `invalid-encoding` (not UTF-8)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise _unreadable(path, error) from None
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 (byte {error.start})", "invalid-encoding") from None


def read_source_entries(corpus_dir: Path) -> list[SourceEntry]:
    """The entries of corpus/sources.yaml. Raises CorpusError (read_text_file's codes, and
    `invalid-corpus` for YAML that is not a list of entries)."""
    path = corpus_dir / "sources.yaml"
    try:
        entries = yaml.safe_load(read_text_file(path))
        if not isinstance(entries, list):
            raise CorpusError(f"{path}: a list of entries, one per source file")
        return [SourceEntry.model_validate(entry) for entry in entries]
    except (yaml.YAMLError, RecursionError, ValueError) as error:  # pydantic's ValidationError too
        raise CorpusError(f"{path}: {_first_line(error)}") from None


def _first_line(error: BaseException) -> str:
    """What is wrong, in one line: a pydantic error's first problem, with where it is."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return (str(error) or type(error).__name__).replace("\n", " ")


def build_corpus(corpus_dir: Path | None = None) -> list[CorpusDocument]:
    """Documents from corpus/sources/ and the hand-checked metadata in corpus/sources.yaml.
    Raises CorpusError naming the file that cannot be read or used."""
    corpus_dir = corpus_dir or resources.corpus_dir()
    documents = []
    for entry in read_source_entries(corpus_dir):
        raw = read_text_file(corpus_dir / "sources" / entry.source_file)
        documents.append(build_document(entry, raw))
    ids = [d.doc_id for d in documents]
    if len(set(ids)) != len(ids):
        raise CorpusError("corpus/sources.yaml: doc_id values are not unique")
    return sorted(documents, key=lambda d: d.doc_id)


def write_corpus(documents: list[CorpusDocument], path: Path) -> None:
    with atomic_write(path) as handle:
        write_documents(handle, documents)


def write_documents(handle: IO[str], documents: Iterable[CorpusDocument]) -> None:
    """The documents as corpus/documents.jsonl holds them, one JSON object a line."""
    for document in documents:
        handle.write(document.model_dump_json() + "\n")


def read_corpus(path: Path) -> dict[str, CorpusDocument]:
    """corpus/documents.jsonl by doc_id (the last line of a doc_id wins). Raises CorpusError
    naming the file and line: `unreadable-file`, `invalid-encoding`, `invalid-corpus`."""
    try:
        with open(path, "rb") as handle:  # lines end at \n only: U+2028 is text in a line
            documents = [_document_at(path, number, line)
                         for number, line in enumerate(handle, 1) if line.strip()]
    except OSError as error:
        raise _unreadable(path, error) from None
    return {document.doc_id: document for document in documents}


def _document_at(path: Path, number: int, line: bytes) -> CorpusDocument:
    try:
        text = line.decode("utf-8")  # decoded once, here, to say where it is not UTF-8
    except UnicodeDecodeError as error:
        message = f"{path}:{number}: not UTF-8 (byte {error.start} of the line)"
        raise CorpusError(message, "invalid-encoding") from None
    try:
        return CorpusDocument.model_validate_json(text)
    except ValueError as error:  # pydantic's ValidationError, for JSON and fields alike
        raise CorpusError(f"{path}:{number}: not a corpus document: {_first_line(error)}") from None


class _DocId(msgspec.Struct):
    doc_id: str


class CorpusFile(Mapping[str, "CorpusDocument"]):
    """A corpus file read on demand: only where each document's line is (about 100 bytes per
    document) stays in memory, and a document is decoded when asked for; the last one is kept,
    since a converter asks for the same document several times in a row. Reads like the dict
    of `read_corpus` (the last line of a doc_id wins)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._where: dict[str, tuple[int, int, int]] = {}  # doc_id -> byte offset, length, line
        self._last: CorpusDocument | None = None
        decode = msgspec.json.Decoder(_DocId).decode
        offset = 0
        try:
            with open(self.path, "rb") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        self._where[_doc_id_at(self.path, number, line, decode)] = (offset, len(line), number)
                    offset += len(line)
        except OSError as error:
            raise _unreadable(self.path, error) from None

    def __getitem__(self, doc_id: str) -> CorpusDocument:
        if self._last is not None and self._last.doc_id == doc_id:
            return self._last
        offset, length, number = self._where[doc_id]
        try:
            with open(self.path, "rb") as handle:
                handle.seek(offset)
                line = handle.read(length)
        except OSError as error:
            raise _unreadable(self.path, error) from None
        self._last = _document_at(self.path, number, line)
        return self._last

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._where


def _doc_id_at(path: Path, number: int, line: bytes, decode: Any) -> str:
    try:
        doc_id: str = decode(line).doc_id
    except (msgspec.DecodeError, RecursionError) as error:
        raise CorpusError(f"{path}:{number}: not a corpus document: {error}") from None
    return doc_id


def load_corpus(path: Path | None = None) -> dict[str, CorpusDocument]:
    """The committed corpus (corpus/documents.jsonl, or `path`) by doc_id; read again once the
    file changes (`corpus add` rewrites it). Raises CorpusError (see read_corpus)."""
    path = Path(os.path.realpath(path or resources.corpus_dir() / DOCUMENTS_FILE))
    try:
        stat = path.stat()
    except OSError as error:
        raise _unreadable(path, error) from None
    return _cached_corpus(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _cached_corpus(path: Path, mtime_ns: int, size: int) -> dict[str, CorpusDocument]:
    return read_corpus(path)


def open_corpus(path: Path | None = None) -> CorpusFile:
    """The committed corpus read on demand (CorpusFile): for imports whose corpus may be large."""
    return CorpusFile(path or resources.corpus_dir() / DOCUMENTS_FILE)
