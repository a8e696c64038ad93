"""The released documents: each gold record with its text, metadata and split, in one canonical form.

Canonical so that the same inputs give the same bytes: documents sorted by doc_id, spans by
position, relations by id, object keys sorted. The text comes from the corpus (the record may
carry its own text only for a document outside the corpus, which the validator has hash-checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from crocus_claims.corpus import CorpusDocument
from crocus_claims.records import METADATA_FIELDS, Metadata
from crocus_claims.release.splits import assign_split

DOCUMENTS_FILE = "documents.jsonl"
ENCODER = msgspec.json.Encoder(order="sorted")


def span_order(span: Any) -> tuple[int, int, str, str]:
    return span.start, span.end, span.label, span.id


def corpus_metadata(document: CorpusDocument) -> msgspec.Struct:
    return Metadata(**{name: getattr(document, name) for name in METADATA_FIELDS})


def release_record(record: Any, corpus: Mapping[str, CorpusDocument]) -> Any:
    """The gold record completed for release. Unknown metadata stays null, never guessed."""
    document = corpus.get(record.doc_id)
    if document is not None:
        text, metadata = document.text, corpus_metadata(document)
    else:
        text = record.text
        metadata = record.metadata if record.metadata is not msgspec.UNSET else Metadata()
    return msgspec.structs.replace(
        record,
        spans=sorted(record.spans, key=span_order),
        relations=sorted(record.relations, key=lambda relation: relation.id),
        text=text,
        metadata=metadata,
        split=assign_split(record.doc_id),
    )


def release_records(records: Iterable[Any], corpus: Mapping[str, CorpusDocument]) -> list[Any]:
    return sorted((release_record(r, corpus) for r in records), key=lambda r: r.doc_id)


def encode_jsonl(records: Iterable[Any]) -> bytes:
    return b"".join(ENCODER.encode(record) + b"\n" for record in records)


def json_schema_problems(validator: Any, documents: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(where, message) for each way a release document breaks the record JSON Schema."""
    for number, document in enumerate(documents, start=1):
        doc_id = document.get("doc_id") if isinstance(document, dict) else None
        for error in validator.iter_errors(document):
            path = "/".join(str(part) for part in error.absolute_path) or "(record)"
            yield f"{DOCUMENTS_FILE}:{number}", f"doc {doc_id} at {path}: {error.message}"
