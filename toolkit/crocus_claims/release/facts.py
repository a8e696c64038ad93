"""What the datasheet and the Croissant metadata say about a release, gathered in one place.

Everything here is computed from the inputs and the released records, so the two documents
cannot disagree with the data or with each other.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crocus_claims.agreement import AgreementReport
from crocus_claims.release.errors import ReleaseError
from crocus_claims.schema import Schema

DATASET_NAME = "crocus-claims"

# The terms of each part, as NOTICE.md gives them: the datasheet and croissant.json quote these,
# and pyproject.toml's licence expression is LICENCE_EXPRESSION (tests/test_licences.py).
CODE_LICENCE = "MIT"
ANNOTATIONS_LICENCE = "CC-BY-4.0"
ANNOTATIONS_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
TEXTS_LICENCE = "LicenseRef-Publisher-Article-Texts"
LICENCE_EXPRESSION = f"{CODE_LICENCE} AND {ANNOTATIONS_LICENCE} AND {TEXTS_LICENCE}"
ANNOTATIONS_TERMS = (
    "The annotations (spans, relations, their attributes, the document metadata), the schema and the "
    f"guidelines are licensed under Creative Commons Attribution 4.0 International (CC BY 4.0, "
    f"{ANNOTATIONS_LICENCE_URL})."
)
TEXTS_TERMS = (
    "The article texts are third-party news reports: they remain the property of their publishers and are "
    "included only so that the annotations can be read and checked against them, for research; no licence "
    "over them is granted."
)


@dataclass(frozen=True)
class DocumentFacts:
    doc_id: str
    split: str
    characters: int
    spans: int
    relations: int
    title: str | None
    outlet: str | None
    publication_date: str | None
    wire_source: str | None
    source_file: str | None
    source_sha256: str | None


@dataclass(frozen=True)
class ReleaseFacts:
    release_version: str
    schema: Schema
    toolkit_version: str
    created: dt.datetime | None
    counts: dict[str, Any]
    documents: tuple[DocumentFacts, ...]
    inputs: dict[str, str]
    agreement: AgreementReport | None
    agreement_method: str | None
    not_released: tuple[str, ...]
    # Every schema version the records passed through since the previous release, oldest first,
    # and the migrations between them (release/history.py); the changes since that release.
    schema_versions: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    changes: Any = None  # release.diff.ReleaseDiff, or None for a first release
    # Adjudication decisions and the reports before them: release path -> source file.
    agreement_material: Mapping[str, Path] = field(default_factory=dict)

    @property
    def folder_name(self) -> str:
        return f"{DATASET_NAME}-{self.release_version}"


def build_time() -> dt.datetime | None:
    """The build's timestamp, from SOURCE_DATE_EPOCH only: without it a release carries no time,
    so that two builds of the same inputs are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    except (ValueError, OverflowError):
        raise ReleaseError("invalid-source-date-epoch", f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from None


def document_facts(record: dict[str, Any], inputs: dict[str, str]) -> DocumentFacts:
    metadata = record.get("metadata") or {}
    source_file = metadata.get("source_file")
    return DocumentFacts(
        doc_id=record["doc_id"],
        split=record["split"],
        characters=len(record["text"]),
        spans=len(record["spans"]),
        relations=len(record["relations"]),
        title=metadata.get("title"),
        outlet=metadata.get("outlet"),
        publication_date=metadata.get("publication_date"),
        wire_source=metadata.get("wire_source"),
        source_file=source_file,
        source_sha256=inputs.get(f"corpus/sources/{source_file}") if source_file else None,
    )
