"""What an annotation set contains: counts per document and label, attribute value distributions,
and every figure (each span of a label with an `interval` in the schema) side by side.

Columns come from the schema: one count column per label, one row per attribute value actually
used, and the figure tables carry their label's attributes in schema order, with the interval's
minimum and maximum shown as `min` and `max`. Attribute values are shown as in JSON (null for
unknown), as text, so that one column holds values of every type.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import polars as pl

from crocus_claims.corpus import CorpusDocument
from crocus_claims.records import record_types, to_builtins
from crocus_claims.schema import Label, Schema


@dataclass(frozen=True)
class Stats:
    schema_version: str
    documents: pl.DataFrame
    labels: pl.DataFrame
    attributes: pl.DataFrame
    figures: dict[str, pl.DataFrame]  # label name -> one row per span of that label

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: one list of row objects per table."""
        return {
            "schema_version": self.schema_version,
            "documents": self.documents.to_dicts(),
            "labels": self.labels.to_dicts(),
            "attributes": self.attributes.to_dicts(),
            "figures": {label: frame.to_dicts() for label, frame in self.figures.items()},
        }


def value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def outlet_of(record: dict[str, Any], corpus: Mapping[str, CorpusDocument]) -> str | None:
    """The outlet in the record's own metadata, else in the corpus; null when neither states one."""
    metadata = record.get("metadata") or {}
    if metadata.get("outlet") is not None:
        return metadata["outlet"]
    document = corpus.get(record["doc_id"])
    return document.outlet if document else None


def document_counts(records: list[dict[str, Any]], schema: Schema,
                    corpus: Mapping[str, CorpusDocument]) -> pl.DataFrame:
    labels = [label.name for label in schema.labels]
    rows = []
    for record in records:
        counts = Counter(span["label"] for span in record["spans"])
        rows.append({"document": record["doc_id"], "annotator": record["annotator"],
                     "outlet": outlet_of(record, corpus), **{label: counts[label] for label in labels},
                     "spans": len(record["spans"]), "relations": len(record["relations"])})
    columns = ["document", "annotator", "outlet", *labels, "spans", "relations"]
    return pl.DataFrame(rows, schema=columns, infer_schema_length=None).sort("document", "annotator")


def label_counts(documents: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """Spans per label over the whole set, and how many documents have at least one."""
    return pl.DataFrame(
        [{"label": label.name, "kind": label.kind, "spans": int(documents[label.name].sum()),
          "documents": documents.filter(pl.col(label.name) > 0)["document"].n_unique()}
         for label in schema.labels],
        schema=["label", "kind", "spans", "documents"],
    )


def attribute_distribution(records: list[dict[str, Any]], schema: Schema) -> pl.DataFrame:
    """How often each value of each attribute occurs, per label, most frequent first."""
    order = {(label.name, name): (i, j) for i, label in enumerate(schema.labels)
             for j, name in enumerate(label.attributes)}
    rows = [
        {"label": span["label"], "attribute": name, "value": value_text(value),
         "label_order": order[span["label"], name][0], "attribute_order": order[span["label"], name][1]}
        for record in records for span in record["spans"] for name, value in span["attributes"].items()
    ]
    frame = pl.DataFrame(rows, schema=["label", "attribute", "value", "label_order", "attribute_order"])
    return (
        frame.group_by("label_order", "attribute_order", "label", "attribute", "value")
        .agg(pl.len().alias("count"))
        .with_columns(share=(pl.col("count") / pl.col("count").sum().over("label", "attribute")).round(3))
        .sort("label_order", "attribute_order", "count", "value", descending=[False, False, True, False])
        .drop("label_order", "attribute_order")
    )


def figure_table(records: list[dict[str, Any]], label: Label,
                 corpus: Mapping[str, CorpusDocument]) -> pl.DataFrame:
    """Every span of `label` as one row: where it is, its attributes, its text."""
    assert label.interval is not None
    shown = {label.interval.minimum: "min", label.interval.maximum: "max"}
    columns = ["document", "annotator", "outlet", *(shown.get(a, a) for a in label.attributes), "text"]
    rows = [
        {"document": record["doc_id"], "annotator": record["annotator"], "outlet": outlet_of(record, corpus),
         **{shown.get(name, name): span["attributes"].get(name) for name in label.attributes},
         "text": span["text"], "start": span["start"]}
        for record in records for span in record["spans"] if span["label"] == label.name
    ]
    frame = pl.DataFrame(rows, schema=[*columns, "start"], infer_schema_length=None)
    return frame.sort("document", "annotator", "start").drop("start")


def compute_stats(records: Iterable[Any], schema: Schema, corpus: Mapping[str, CorpusDocument]) -> Stats:
    """Statistics of records (structs, or plain dicts, which are checked and get their defaults)."""
    types = record_types(schema)
    data = [to_builtins(r if isinstance(r, msgspec.Struct) else types.convert(r)) for r in records]
    documents = document_counts(data, schema, corpus)
    return Stats(
        schema_version=schema.version,
        documents=documents,
        labels=label_counts(documents, schema),
        attributes=attribute_distribution(data, schema),
        figures={label.name: figure_table(data, label, corpus) for label in schema.labels if label.interval},
    )
