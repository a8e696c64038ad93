"""The figures of a release, computed from its records: the manifest, the datasheet and the
Croissant metadata all quote these, so no number is ever typed by hand.

Every label, relation type and allowed value of the schema is listed, with zero where nothing
was annotated, so that an absence is visible rather than a missing row. Records are plain JSON
data here (as `to_builtins` gives them, or as read back from a release), so that building and
verifying count the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from crocus_claims.records import SPLITS
from crocus_claims.schema import Schema

NULL = "null"  # how an unset optional value is counted


def value_key(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def closed_values(schema: Schema, attribute_name: str) -> list[str]:
    """Every value a closed (enum or boolean) attribute can take, null last when it is optional."""
    attribute = schema.attributes_by_name[attribute_name]
    values = ["true", "false"] if attribute.type == "boolean" else list(schema.allowed_values(attribute) or ())
    return values if attribute.required else [*values, NULL]


def attribute_value_counts(schema: Schema, seen: Counter[tuple[str, str, str]]) -> dict[str, dict[str, dict[str, int]]]:
    """label -> attribute -> value -> count, for the closed attributes of each label, from the
    counts of (label, attribute, value) seen in the records."""
    return {
        label.name: {
            attribute.name: {value: seen[label.name, attribute.name, value]
                             for value in closed_values(schema, attribute.name)}
            for attribute in schema.label_attributes(label.name)
            if attribute.type in ("enum", "boolean")
        }
        for label in schema.labels
    }


def release_counts(schema: Schema, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The counts of a release, from its records alone, in one pass (`records` may be a generator
    over a release of any size: nothing but the counts is kept)."""
    documents = characters = 0
    labels: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    values: Counter[tuple[str, str, str]] = Counter()
    annotators = set()
    for record in records:
        documents += 1
        characters += len(record["text"])
        splits[record["split"]] += 1
        annotators.add(record["annotator"])
        for span in record["spans"]:
            labels[span["label"]] += 1
            for name, value in span["attributes"].items():
                values[span["label"], name, value_key(value)] += 1
        relations.update(relation["type"] for relation in record["relations"])
    return {
        "documents": documents,
        "documents_per_split": {split: splits[split] for split in SPLITS},
        "characters": characters,
        "spans": sum(labels.values()),
        "spans_per_label": {label.name: labels[label.name] for label in schema.labels},
        "relations": sum(relations.values()),
        "relations_per_type": {relation.name: relations[relation.name] for relation in schema.relations},
        "attribute_values": attribute_value_counts(schema, values),
        "annotators": sorted(annotators),
    }
