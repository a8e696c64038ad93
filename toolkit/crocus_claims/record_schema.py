"""The JSON Schema (draft 2020-12) of annotation records, generated from the annotation schema.

It is committed beside its schema version (schema/vX.Y.Z.record.schema.json) for consumers in any
language. It describes structure only: offsets against the text, hashes, ids and relation
endpoints are checked by the validator. One difference is deliberate: JSON Schema counts 5.0 as
an integer, the validator does not (see `strict_integer_validator`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

from crocus_claims import resources
from crocus_claims.atomic import atomic_write
from crocus_claims.records import ID_PATTERN, METADATA_DATES, METADATA_FIELDS, SHA256_PATTERN, SPLITS
from crocus_claims.schema import INT64_MAX, SEMVER, Attribute, Schema

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema_path(version: str) -> Path:
    return resources.schema_dir() / f"v{version}.record.schema.json"


def _attribute_schema(schema: Schema, attribute: Attribute) -> dict[str, Any]:
    nullable = not attribute.required
    node: dict[str, Any] = {"description": attribute.description}
    if attribute.type == "enum":
        values: list[Any] = list(schema.allowed_values(attribute) or ())
        node["enum"] = values + [None] if nullable else values
    else:
        json_type = {"integer": "integer", "boolean": "boolean", "date": "string", "string": "string"}[attribute.type]
        node["type"] = [json_type, "null"] if nullable else json_type
        if attribute.type == "date":
            node["format"] = "date"
        if attribute.type == "integer":  # always stated: within int64 when the schema states no bound
            node["minimum"], node["maximum"] = attribute.integer_range
        if attribute.max_length is not None:
            node["maxLength"] = attribute.max_length
    if not attribute.required:
        node["default"] = attribute.default
    return node


def _attributes_def(schema: Schema, label: str) -> dict[str, Any]:
    attributes = schema.label_attributes(label)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [a.name for a in attributes if a.required],
        "properties": {a.name: _attribute_schema(schema, a) for a in attributes},
    }


def record_json_schema(schema: Schema) -> dict[str, Any]:
    """The JSON Schema of a record of `schema`, as a JSON-ready dict (stable key order)."""
    labels = [label.name for label in schema.labels]
    defs: dict[str, Any] = {
        "id": {"type": "string", "pattern": ID_PATTERN},
        "offset": {"type": "integer", "minimum": 0, "maximum": INT64_MAX,
                   "description": "Unicode code points, end-exclusive."},
        "span": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "label", "start", "end", "text", "attributes"],
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "label": {"enum": labels},
                "start": {"$ref": "#/$defs/offset"},
                "end": {"$ref": "#/$defs/offset"},
                "text": {"type": "string", "description": "The document text from start to end."},
                "attributes": {"type": "object"},
            },
            "allOf": [
                {
                    "if": {"required": ["label"], "properties": {"label": {"const": label}}},
                    "then": {"properties": {"attributes": {"$ref": f"#/$defs/attributes_{label}"}}},
                }
                for label in labels
            ],
        },
        "relation": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "type", "head", "tail"],
            "properties": {
                "id": {"$ref": "#/$defs/id"},
                "type": {"enum": [r.name for r in schema.relations]},
                "head": {"$ref": "#/$defs/id"},
                "tail": {"$ref": "#/$defs/id"},
            },
        },
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {"type": "string", "format": "date"} | {"type": ["string", "null"]}
                if name in METADATA_DATES else {"type": ["string", "null"]}
                for name in METADATA_FIELDS
            },
        },
    }
    for label in labels:
        defs[f"attributes_{label}"] = _attributes_def(schema, label)
    return {
        "$schema": DIALECT,
        "$id": f"urn:crocus-claims:record:{schema.version}",
        "title": f"Crocus Claims annotation record (schema {schema.version})",
        "description": "One annotated document by one annotator. Generated from "
        f"schema/v{schema.version}.yaml by `crocus-claims schema jsonschema --write`; do not edit.",
        "type": "object",
        "additionalProperties": False,
        "required": ["doc_id", "schema_version", "text_sha256", "annotator", "spans"],
        "properties": {
            "doc_id": {"$ref": "#/$defs/id"},
            "schema_version": {"type": "string", "pattern": SEMVER},
            "text_sha256": {"type": "string", "pattern": SHA256_PATTERN},
            "annotator": {"type": "string", "minLength": 1, "maxLength": 256},
            "spans": {"type": "array", "items": {"$ref": "#/$defs/span"}},
            "relations": {"type": "array", "items": {"$ref": "#/$defs/relation"}, "default": []},
            "text": {"type": "string", "description": "The document text; checked against text_sha256."},
            "metadata": {"$ref": "#/$defs/metadata"},
            "split": {"enum": list(SPLITS)},
        },
        "$defs": defs,
    }


def render(json_schema: dict[str, Any]) -> str:
    return json.dumps(json_schema, indent=2, ensure_ascii=False) + "\n"


def write_json_schema(schema: Schema) -> Path:
    path = json_schema_path(schema.version)
    with atomic_write(path) as handle:
        handle.write(render(record_json_schema(schema)))
    return path


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    r"""`pattern` as ECMA-262 reads it: `$` ends the string. Python's `$` also matches before a final
    newline, so "crocus-001\n" would pass `^[a-z0-9-]+$`; `\Z` is Python's end of string."""
    if isinstance(instance, str) and not re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), instance):
        yield jsonschema.ValidationError(f"{json.dumps(instance, ensure_ascii=False)} does not match {pattern!r}")


def strict_integer_validator(json_schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A validator for the record JSON Schema that, like our validator, refuses 5.0 and true as
    integers and matches patterns as ECMA-262 does (the whole string, no trailing newline)."""
    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = jsonschema.validators.extend(base, type_checker=checker, validators={"pattern": _ecma_pattern})
    return strict(json_schema, format_checker=base.FORMAT_CHECKER)
