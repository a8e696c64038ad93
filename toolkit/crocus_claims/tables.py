"""The tables of a release (documents, spans, relations): their columns, typed from the annotation
schema, and how each is computed from documents.jsonl.

The release build writes them as Parquet beside documents.jsonl; the loader reads those files, or
computes the same frames from documents.jsonl for a release that has none. Spark, Dask, Ray and
DuckDB read the Parquet files directly. Columns:
- documents: doc_id, split, annotator, schema_version, text_sha256, text, then the metadata fields;
- spans: doc_id, split, span_id, label, start, end, text, then one column per attribute of the
  schema (null where the span's label does not carry it); offsets in code points, end-exclusive;
- relations: doc_id, split, relation_id, type, head, tail (span ids).
Rows are in documents.jsonl order (by doc_id), spans and relations in their record's order.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from crocus_claims.records import METADATA_DATES, METADATA_FIELDS, SPLITS
from crocus_claims.schema import Attribute, Schema

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

TABLES = ("documents", "spans", "relations")
PARQUET_COMPRESSION: Literal["zstd"] = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
ROW_GROUP_ROWS = 65_536  # a fixed row-group size keeps the bytes independent of threads and batches
PARQUET_MEDIA_TYPE = "application/x-parquet"


def table_file(name: str) -> str:
    """The path of a table inside a release folder."""
    return f"{name}.parquet"


def attribute_dtype(schema: Schema, attribute: Attribute) -> PolarsDataType:
    if attribute.type == "enum":
        return pl.Enum(list(schema.allowed_values(attribute) or ()))
    return {"integer": pl.Int64, "boolean": pl.Boolean, "date": pl.Date}.get(attribute.type, pl.String)()


def documents_file_schema(schema: Schema) -> dict[str, PolarsDataType]:
    """The polars schema of documents.jsonl, every attribute of every label as a nullable field."""
    attributes = pl.Struct({a.name: attribute_dtype(schema, a) for a in schema.attributes})
    span = pl.Struct({"id": pl.String, "label": pl.Enum([label.name for label in schema.labels]),
                      "start": pl.Int64, "end": pl.Int64, "text": pl.String, "attributes": attributes})
    relation = pl.Struct({"id": pl.String, "type": pl.Enum([r.name for r in schema.relations]),
                          "head": pl.String, "tail": pl.String})
    metadata = pl.Struct({name: pl.Date if name in METADATA_DATES else pl.String for name in METADATA_FIELDS})
    return {
        "doc_id": pl.String, "schema_version": pl.String, "text_sha256": pl.String, "annotator": pl.String,
        "split": pl.Enum(list(SPLITS)), "text": pl.String, "metadata": metadata,
        "spans": pl.List(span), "relations": pl.List(relation),
    }


def scan_documents_file(path: Path, schema: Schema) -> pl.LazyFrame:
    return pl.scan_ndjson(path, schema=documents_file_schema(schema))


def documents_table(documents: pl.LazyFrame) -> pl.LazyFrame:
    """One row per document (`documents` is documents.jsonl as scanned above)."""
    return documents.select(
        "doc_id", "split", "annotator", "schema_version", "text_sha256", "text", pl.col("metadata").struct.unnest()
    )


def spans_table(documents: pl.LazyFrame) -> pl.LazyFrame:
    """One row per span, one column per attribute."""
    return (
        documents.select("doc_id", "split", "spans").explode("spans").drop_nulls("spans")
        .unnest("spans").rename({"id": "span_id"}).unnest("attributes")
    )


def relations_table(documents: pl.LazyFrame) -> pl.LazyFrame:
    """One row per relation."""
    return (
        documents.select("doc_id", "split", "relations").explode("relations").drop_nulls("relations")
        .unnest("relations").rename({"id": "relation_id"})
    )


TABLE_QUERIES: dict[str, Callable[[pl.LazyFrame], pl.LazyFrame]] = {
    "documents": documents_table, "spans": spans_table, "relations": relations_table,
}


def column_types(frame: pl.DataFrame | pl.LazyFrame) -> dict[str, str]:
    """Column name -> polars type, as written in the manifest."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    return {name: str(dtype) for name, dtype in schema.items()}


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write `frame` to `path` with the release's Parquet settings. Raises OSError when the file
    system refuses the write. The file is encoded in memory first (it is smaller than the frame):
    polars reports a refused write as a ComputeError that does not always keep the OSError."""
    encoded = io.BytesIO()
    frame.write_parquet(encoded, compression=PARQUET_COMPRESSION, compression_level=PARQUET_COMPRESSION_LEVEL,
                        statistics=True, row_group_size=ROW_GROUP_ROWS)
    path.write_bytes(encoded.getbuffer())


def write_tables(folder: Path, schema: Schema, documents_file: Path) -> dict[str, dict[str, Any]]:
    """Write every table of the release in `folder` from `documents_file`; returns, per table, its
    file, row count and column types (for the manifest). The same documents give the same bytes:
    one thread-independent row-group size, no timestamps in the files."""
    documents = scan_documents_file(documents_file, schema)
    described = {}
    for name in TABLES:
        frame = TABLE_QUERIES[name](documents).collect()
        write_parquet(frame, folder / table_file(name))
        described[name] = {"file": table_file(name), "rows": frame.height, "columns": column_types(frame)}
        del frame
    return described
