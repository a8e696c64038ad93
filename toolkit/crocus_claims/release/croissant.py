"""The Croissant metadata of a release (croissant.json), with its Responsible AI (RAI) fields.

Built with mlcroissant, the format's reference library (the `croissant` extra), imported only
when a release is built, so that loading a release never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crocus_claims.release.datasheet import NOT_MEASURED
from crocus_claims.release.documents import DOCUMENTS_FILE
from crocus_claims.release.errors import ReleaseError
from crocus_claims.release.facts import ANNOTATIONS_LICENCE_URL, DATASET_NAME, TEXTS_TERMS, ReleaseFacts
from crocus_claims.release.splits import describe_rule
from crocus_claims.tables import PARQUET_MEDIA_TYPE

# (field, key in a document line (dotted inside an object), Croissant data type name, description)
DOCUMENT_FIELDS = (
    ("doc_id", "doc_id", "TEXT", "Stable identifier of the article."),
    ("split", "split", "TEXT", "train, dev or test, fixed by the doc_id (see the datasheet)."),
    ("text", "text", "TEXT", "The article text; span offsets are Unicode code points into it."),
    ("text_sha256", "text_sha256", "TEXT", "SHA-256 of the UTF-8 text."),
    ("title", "metadata.title", "TEXT", "Title, when the article states it."),
    ("publication_date", "metadata.publication_date", "TEXT",
     "Publication date (YYYY-MM-DD): the date received glued to the source file, when it has one; else null."),
    ("wire_source", "metadata.wire_source", "TEXT",
     "The news organisation the article credits with the report it retells, as named; null when none."),
    ("source_file", "metadata.source_file", "TEXT", "The source file the text was taken from."),
)


def require_mlcroissant() -> Any:
    """The mlcroissant module; ReleaseError `missing-extra` naming the `croissant` extra without it."""
    try:
        import mlcroissant
    except ImportError:
        raise ReleaseError("missing-extra", "building Croissant metadata needs mlcroissant: "
                           "pip install 'crocus-claims[croissant]'") from None
    return mlcroissant


def agreement_summary(facts: ReleaseFacts) -> str:
    report = facts.agreement
    if report is None:
        return f"Inter-annotator agreement: {NOT_MEASURED}."
    scores = report.spans["exact"].all
    f1 = NOT_MEASURED if scores.f1 is None else f"{scores.f1:.3f}"
    return (f"Span agreement (exact match, all labels) between {', '.join(report.annotators_a)} and "
            f"{', '.join(report.annotators_b)} on {len(report.documents.shared)} documents: F1 {f1}. "
            "Details in the datasheet.")


def rai_fields(facts: ReleaseFacts) -> dict[str, Any]:
    counts = facts.counts
    return {
        "data_collection": (
            f"{counts['documents']} English news articles about the Crocus City Hall attack of 22 March 2024, "
            "received as plain-text files; text kept as published (Unix newlines and NFC only)."
        ),
        "data_collection_type": ["Secondary Data Analysis"],
        "data_preprocessing_protocol": [
            "A ' date YYYY-MM-DD ' prefix glued to some source files is removed and kept as the publication date.",
            describe_rule(),
        ],
        "data_annotation_protocol": (
            f"Typed spans with attributes and typed relations, schema {facts.schema.version} (labels: "
            f"{', '.join(label.name for label in facts.schema.labels)}). Commitment is recorded, never truth."
        ),
        "annotations_per_item": f"One gold record per document ({counts['spans']} spans in total).",
        # The same method and caveats as the datasheet (annotations/agreement/method.md).
        "data_annotation_analysis": [agreement_summary(facts),
                                     *([" ".join(facts.agreement_method.split())] if facts.agreement_method else [])],
        "data_biases": [
            "A handful of articles, all in English, on one attack: the reporting and framing of a few outlets."
        ],
        "data_use_cases": [
            "Studying attribution, hedging and denial in news reporting; testing extraction code.",
            "Not for deciding facts about the attack, and not for reporting model scores (too few documents).",
        ],
        "data_limitations": [
            f"{counts['documents']} documents; splits are for wiring code, not for measurement.",
        ],
        "data_social_impact": (
            "The articles concern a terrorist attack and accusations between states; the annotation "
            "records what sources claim, which must not be read as established fact."
        ),
        "personal_sensitive_information": [
            "Names of public officials and of people accused of the attack, as published by the outlets."
        ],
        "data_release_maintenance_plan": (
            "Corrections are published as new release versions; each release's manifest.json lists "
            "its files with SHA-256."
        ),
    }


def field_source(mlc: Any, path: str) -> Any:
    """Where a field is read from: a top-level key of a line, or a key inside one (`metadata.title`),
    which mlcroissant reads as the column followed by a JSON path transform."""
    column, _, inner = path.partition(".")
    transforms = [mlc.Transform(json_path=inner)] if inner else []
    return mlc.Source(file_object=DOCUMENTS_FILE, extract=mlc.Extract(column=column), transforms=transforms)


# polars column type (as the manifest lists it) -> Croissant data type name; anything else is TEXT
TABLE_DATA_TYPES = {"Int64": "INTEGER", "Boolean": "BOOL", "Date": "DATE"}


def table_distribution(mlc: Any, tables: Mapping[str, Mapping[str, Any]],
                       checksums: Mapping[str, str]) -> tuple[list[Any], list[Any]]:
    """A FileObject per Parquet table, and a RecordSet for the spans and relations tables (the
    documents RecordSet is read from documents.jsonl)."""
    files, record_sets = [], []
    for name, table in tables.items():
        files.append(mlc.FileObject(
            id=table["file"], name=table["file"], content_url=table["file"], encoding_formats=[PARQUET_MEDIA_TYPE],
            sha256=checksums[table["file"]], description=f"The {name} table: {table['rows']} rows, as in the manifest."))
        if name == "documents":
            continue
        fields = [mlc.Field(id=f"{name}/{column}", name=column,
                            data_types=[getattr(mlc.DataType, TABLE_DATA_TYPES.get(dtype, "TEXT"))],
                            source=mlc.Source(file_object=table["file"], extract=mlc.Extract(column=column)))
                  for column, dtype in table["columns"].items()]
        record_sets.append(mlc.RecordSet(id=name, name=name, fields=fields,
                                         description=f"One row per {name[:-1]} (Parquet table {table['file']})."))
    return files, record_sets


def croissant_metadata(facts: ReleaseFacts, checksums: Mapping[str, str],
                       tables: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The croissant.json document, checked by mlcroissant before it is returned. `checksums` maps
    each data file of the release to its SHA-256; `tables` is the manifest's description of them."""
    mlc = require_mlcroissant()
    table_files, table_record_sets = table_distribution(mlc, tables, checksums)
    fields = [
        mlc.Field(
            id=f"documents/{name}", name=name, description=description,
            data_types=[getattr(mlc.DataType, data_type)],
            source=field_source(mlc, path),
        )
        for name, path, data_type, description in DOCUMENT_FIELDS
    ]
    metadata = mlc.Metadata(
        name=DATASET_NAME,
        description=facts.schema.description,
        version=facts.release_version,
        license=[ANNOTATIONS_LICENCE_URL, TEXTS_TERMS],
        cite_as=f"Crocus Claims contributors. Crocus Claims, release {facts.release_version}.",
        date_published=facts.created,
        in_language=["en"],
        keywords=["news", "claims", "attribution", "span annotation", "Crocus City Hall attack"],
        distribution=[
            mlc.FileObject(
                id=DOCUMENTS_FILE, name=DOCUMENTS_FILE, content_url=DOCUMENTS_FILE,
                encoding_formats=["application/jsonlines"], sha256=checksums[DOCUMENTS_FILE],
                description="One document per line: text, metadata, split, spans and relations.",
            ),
            *table_files,
        ],
        record_sets=[mlc.RecordSet(id="documents", name="documents", key=["documents/doc_id"], fields=fields),
                     *table_record_sets],
        **rai_fields(facts),
    )
    errors = metadata.issues.errors
    if errors:
        raise ReleaseError("invalid-croissant", "mlcroissant refuses the metadata: " + "; ".join(sorted(errors)))
    return metadata.to_json()
