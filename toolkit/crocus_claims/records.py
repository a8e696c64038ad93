"""Annotation records: their typed form, derived from the schema, and JSONL reading and writing.

One record is one annotated document by one annotator (one JSON object per line). Its types are
built from the schema at run time, so that a new label or attribute in schema/ needs no code:
- `record_types(schema)`: msgspec structs. Each label's span is a tagged struct, so decoding a
  line checks labels, attribute names, types, allowed values and required attributes in C. This
  is what makes the validator fast.
- `record_models(schema)`: the same shapes as pydantic models, for users and the loader,
  subclasses of the static `Record`, `Document`, `Span` and `Relation` that a type checker reads.
Both are built by `attribute_annotation`, the one place where an attribute becomes a type.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, Union, get_args

import annotated_types
import msgspec
import pydantic

from crocus_claims.atomic import atomic_write
from crocus_claims.schema import INT64_MAX, SEMVER, Attribute, Schema, SchemaFolder, default_folder, load_schema

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = get_args(Split)
_STRICT = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)  # like the validator: 5.0 is no integer


class DocumentMetadata(pydantic.BaseModel):
    """What the article states about itself; null where it does not. The one definition of a
    document's metadata fields: the validator's msgspec `Metadata` and METADATA_FIELDS are built
    from it (the JSON Schema, the Parquet tables and the Hugging Face features take its names)."""

    model_config = _STRICT

    title: str | None = None
    outlet: str | None = None
    publication_date: dt.date | None = None
    byline: str | None = None
    wire_source: str | None = None
    source_file: str | None = None


METADATA_FIELDS: tuple[str, ...] = tuple(DocumentMetadata.model_fields)
METADATA_DATES: frozenset[str] = frozenset(
    name for name, field in DocumentMetadata.model_fields.items() if field.annotation == dt.date | None)
METADATA_STRINGS: tuple[str, ...] = tuple(
    name for name, field in DocumentMetadata.model_fields.items() if field.annotation == str | None)


def derived_relation_id(kind: str, head: str, tail: str) -> str:
    """The id a relation gets from its type, head and tail when none is given: readable when it
    fits in an id (64 characters), else a hash of it. Rebuilding never renames a relation. The one
    rule of every producer of records (authored files, Label Studio imports, adjudication)."""
    readable = f"{kind}-{head}-{tail}"
    if len(readable) <= 64:
        return readable
    return "r-" + hashlib.sha256(readable.encode()).hexdigest()[:16]


def attribute_annotation(schema: Schema, attribute: Attribute, bounds: Callable[..., Any]) -> Any:
    """The Python type of an attribute value; `bounds(ge=, le=, max_length=)` makes the constraint."""
    base: Any
    if attribute.type == "enum":
        base = Literal[schema.allowed_values(attribute)]
    elif attribute.type == "integer":
        low, high = attribute.integer_range
        base = Annotated[int, bounds(ge=low, le=high)]
    elif attribute.type == "boolean":
        base = bool
    elif attribute.type == "date":
        base = dt.date
    else:
        base = Annotated[str, bounds(max_length=attribute.max_length)] if attribute.max_length else str
    # Unknown is null: an optional attribute may be null; a required one must have a value.
    return base if attribute.required else Union[base, None]  # noqa: UP007


# ---------------------------------------------------------------------------------------------
# msgspec: the validator's fast types


def _metadata_struct() -> type[msgspec.Struct]:
    """DocumentMetadata as a msgspec struct: the same fields, types and null defaults. Only those
    are copied, so a field with another default or a constraint is refused here."""
    fields = DocumentMetadata.model_fields
    copied = [name for name, field in fields.items() if field.default is not None or field.metadata]
    if copied:
        raise TypeError(f"Metadata copies types and null defaults only; not {copied}")
    return msgspec.defstruct(
        "Metadata", [(name, field.annotation, None) for name, field in fields.items()],
        forbid_unknown_fields=True, frozen=True,
        namespace={"__doc__": "Document metadata carried by release records; null where the article "
                              "does not state it."},
    )


Metadata = _metadata_struct()


class _IdentifierCheck:
    """Checks every id of a record against ID_PATTERN, remembering the ids already seen valid.

    msgspec can check a `pattern` itself, but calls the regex engine for every string, which
    halves its decoding speed; ids repeat across records ("s1", "r0"), so a bounded set of
    known-good ids makes the check nearly free.
    """

    MAX_REMEMBERED = 10_000

    def __init__(self) -> None:
        # One cache per pattern: a string valid as a version ("1.0.0") is not a valid id.
        self.valid_ids: set[str] = set()
        self.valid_versions: set[str] = set()
        self.id, self.sha, self.version = (re.compile(p) for p in (ID_PATTERN, SHA256_PATTERN, SEMVER))

    @staticmethod
    def _refuse(pattern: re.Pattern[str], path: str) -> NoReturn:
        raise msgspec.ValidationError(f"Expected `str` matching regex {pattern.pattern!r} - at `$.{path}`")

    def _check(self, value: str, pattern: re.Pattern[str], valid: set[str], path: str) -> None:
        if value not in valid:
            if not pattern.fullmatch(value):
                self._refuse(pattern, path)
            if len(valid) >= self.MAX_REMEMBERED:
                valid.clear()
            valid.add(value)

    def __call__(self, record: Any) -> Any:
        # fullmatch: with `match`, "$" would also accept a trailing newline
        if not self.id.fullmatch(record.doc_id):  # unique per record: checked, never remembered
            self._refuse(self.id, "doc_id")
        if not self.sha.fullmatch(record.text_sha256):
            self._refuse(self.sha, "text_sha256")
        self._check(record.schema_version, self.version, self.valid_versions, "schema_version")
        valid, check, pattern = self.valid_ids, self._check, self.id
        for index, span in enumerate(record.spans):
            if span.id not in valid:
                check(span.id, pattern, valid, f"spans[{index}].id")
        for index, relation in enumerate(record.relations):
            for field in (relation.id, relation.head, relation.tail):
                if field not in valid:
                    check(field, pattern, valid, f"relations[{index}]")
        return record


@dataclass(frozen=True)
class RecordTypes:
    """The msgspec types of one schema version, with their decoder and encoder."""

    schema: Schema
    record: type[msgspec.Struct]
    spans: dict[str, type[msgspec.Struct]]
    span: Any  # the tagged union of every label's span struct
    relation: type[msgspec.Struct]
    attributes: dict[str, type[msgspec.Struct]]
    decoder: msgspec.json.Decoder[Any]
    encoder: msgspec.json.Encoder
    identifiers: _IdentifierCheck  # ids, hash and version against their patterns, after decoding

    def decode(self, line: bytes | str) -> Any:
        """A record from one JSON line; raises msgspec.ValidationError or DecodeError if malformed."""
        return self.identifiers(self.decoder.decode(line))

    def encode(self, record: Any) -> bytes:
        return self.encoder.encode(record)

    def convert(self, data: Any) -> Any:
        """Build a record from already-parsed JSON data, with the same checks as `decode`."""
        return self.identifiers(msgspec.convert(data, self.record, strict=True))


def _msgspec_bounds(**limits: Any) -> msgspec.Meta:
    return msgspec.Meta(**limits)


def _attribute_struct(schema: Schema, label: str, complete: bool = False) -> type[msgspec.Struct]:
    fields: list[tuple[Any, ...]] = []
    for attribute in schema.label_attributes(label):
        annotation = attribute_annotation(schema, attribute, _msgspec_bounds)
        if attribute.required or complete:
            fields.append((attribute.name, annotation))
        else:
            fields.append((attribute.name, annotation, schema.default_of(attribute)))
    fields.sort(key=lambda field: len(field) == 3)  # msgspec wants required fields first
    return msgspec.defstruct(
        f"{label.title().replace('_', '')}Attributes", fields, forbid_unknown_fields=True, frozen=True, gc=False
    )


# Metadata with every field written (null where unknown), as releases write it: the same fields,
# none of them with a default.
CompleteMetadata = msgspec.defstruct(
    "CompleteMetadata", [(field.name, field.type) for field in msgspec.structs.fields(Metadata)],
    forbid_unknown_fields=True, frozen=True,
)


def record_types(schema: Schema | None = None) -> RecordTypes:
    """msgspec types for records of `schema` (the latest when None), built once per schema."""
    return _build_record_types(schema or load_schema())


def complete_record_types(schema: Schema | None = None) -> RecordTypes:
    """The same types, where every object must write every field it may have (null where unknown),
    as everything this toolkit writes does: a line that decodes into them has a known number of
    keys, which is how the validator finds a duplicate key without parsing the line twice
    (validation/duplicate_keys.py). Only `text`, `metadata` and `split` may be absent."""
    return _build_record_types(schema or load_schema(), complete=True)


def text_literal_record_types(schema: Schema | None = None) -> RecordTypes:
    """The complete types with the record's text left as its JSON literal (msgspec.Raw, any JSON
    value: the reader checks that it is a string): the validator's fast path hashes the literal's
    bytes and counts its keys around it (validation/fast_path.py)."""
    return _build_record_types(schema or load_schema(), complete=True, text_literal=True)


@functools.lru_cache(maxsize=None)
def _build_record_types(schema: Schema, complete: bool = False, text_literal: bool = False) -> RecordTypes:
    offset = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    identifier = str  # checked by _IdentifierCheck, not by msgspec
    attributes, spans = {}, {}
    for label in schema.labels:
        attributes[label.name] = _attribute_struct(schema, label.name, complete)
        spans[label.name] = msgspec.defstruct(
            f"{label.name.title().replace('_', '')}Span",
            [("id", identifier), ("start", offset), ("end", offset), ("text", str),
             ("attributes", attributes[label.name])],
            tag_field="label", tag=label.name, forbid_unknown_fields=True, frozen=True, gc=False,
            namespace={"label": label.name},  # the tag, readable as span.label
        )
    span: Any = Union[tuple(spans.values())]  # noqa: UP007
    relation_names = tuple(r.name for r in schema.relations)
    relation: Any = msgspec.defstruct(
        "Relation",
        [("id", identifier), ("type", Literal[relation_names]), ("head", identifier), ("tail", identifier)],
        forbid_unknown_fields=True, frozen=True, gc=False,
    )
    record = msgspec.defstruct(
        "Record",
        [
            ("doc_id", identifier),
            ("schema_version", str),
            ("text_sha256", str),
            ("annotator", Annotated[str, msgspec.Meta(min_length=1, max_length=256)]),
            ("spans", list[span]),
            ("relations", list[relation]) if complete else
            ("relations", list[relation], msgspec.field(default_factory=list)),
            ("text", msgspec.Raw if text_literal else Union[str, msgspec.UnsetType], msgspec.UNSET),  # noqa: UP007
            ("metadata", Union[CompleteMetadata if complete else Metadata, msgspec.UnsetType],  # noqa: UP007
             msgspec.UNSET),
            ("split", Union[Literal[SPLITS], msgspec.UnsetType], msgspec.UNSET),  # noqa: UP007
        ],
        forbid_unknown_fields=True, frozen=True, gc=False,
    )
    return RecordTypes(
        schema=schema,
        record=record,
        spans=spans,
        span=span,
        relation=relation,
        attributes=attributes,
        decoder=msgspec.json.Decoder(record),
        encoder=msgspec.json.Encoder(),
        identifiers=_IdentifierCheck(),
    )


# ---------------------------------------------------------------------------------------------
# pydantic: the same records as models, for users and the loader
#
# The classes below are what a type checker sees (`doc.spans[0].start` is an int); the models
# built from a schema subclass them, narrowing each span's `label` and `attributes` and each
# relation's `type` to what that schema allows, so that every document is still checked in full.

AttributeValue = Union[str, int, bool, dt.date, None]  # noqa: UP007 - a runtime alias
_Identifier = Annotated[str, pydantic.StringConstraints(pattern=ID_PATTERN)]
_Offset = Annotated[int, pydantic.Field(ge=0, le=INT64_MAX)]


class SpanAttributes(pydantic.BaseModel):
    """The attributes of a span; each label's subclass, built from the schema, declares its own.

    Read one as `span.attributes.category` (typed `AttributeValue` for a type checker) or all
    as `span.attributes.model_dump()`. Unknown is null.
    """

    model_config = _STRICT

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> AttributeValue: ...


class Span(pydantic.BaseModel):
    """A labelled stretch of text: `start` and `end` are code points, end-exclusive."""

    model_config = _STRICT

    id: _Identifier
    label: str
    start: _Offset
    end: _Offset
    text: str
    attributes: SpanAttributes


class Relation(pydantic.BaseModel):
    """A typed link from the span `head` to the span `tail` (span ids of the same record)."""

    model_config = _STRICT

    id: _Identifier
    type: str
    head: _Identifier
    tail: _Identifier


class Record(pydantic.BaseModel):
    """One annotated document by one annotator; `text`, `metadata` and `split` only in releases."""

    model_config = _STRICT

    doc_id: _Identifier
    schema_version: Annotated[str, pydantic.StringConstraints(pattern=SEMVER)]
    text_sha256: Annotated[str, pydantic.StringConstraints(pattern=SHA256_PATTERN)]
    annotator: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=256)]
    spans: list[Span]
    relations: list[Relation] = []
    text: str | None = None
    metadata: DocumentMetadata | None = None
    split: Split | None = None


class Document(Record):
    """A released document: a record that always carries its text, metadata and split."""

    text: str
    metadata: DocumentMetadata
    split: Split


def _pydantic_bounds(**limits: Any) -> Any:
    return annotated_types.Interval(ge=limits.get("ge"), le=limits.get("le")) if "max_length" not in limits \
        else annotated_types.MaxLen(limits["max_length"])


@dataclass(frozen=True)
class RecordModels:
    """The models of one schema version: `record` for annotation records, `document` for the
    documents of a release, and each label's span model."""

    schema: Schema
    record: type[Record]
    document: type[Document]
    spans: dict[str, type[Span]]


def record_models(schema: Schema | None = None) -> RecordModels:
    """pydantic models for records of `schema`, strict like the validator (5.0 is no integer)."""
    return _build_record_models(schema or load_schema())


def _model_name(label: str, kind: str) -> str:
    return f"{label.title().replace('_', '')}{kind}"


@functools.lru_cache(maxsize=None)
def _build_record_models(schema: Schema) -> RecordModels:
    spans: dict[str, type[Span]] = {}
    for label in schema.labels:
        attribute_fields: dict[str, Any] = {}
        for attribute in schema.label_attributes(label.name):
            annotation = attribute_annotation(schema, attribute, _pydantic_bounds)
            default = ... if attribute.required else schema.default_of(attribute)
            attribute_fields[attribute.name] = (annotation, default)
        attributes_model = pydantic.create_model(
            _model_name(label.name, "Attributes"), __base__=SpanAttributes, **attribute_fields
        )
        label_type: Any = Literal[label.name]
        spans[label.name] = pydantic.create_model(
            _model_name(label.name, "Span"), __base__=Span, label=(label_type, ...), attributes=(attributes_model, ...),
        )
    relation_type: Any = Literal[tuple(r.name for r in schema.relations)]
    relation_model: Any = pydantic.create_model("Relation", __base__=Relation, type=(relation_type, ...))
    span_union: Any = Annotated[Union[tuple(spans.values())], pydantic.Field(discriminator="label")]  # noqa: UP007
    narrowed: dict[str, Any] = {"spans": (list[span_union], ...), "relations": (list[relation_model], [])}
    return RecordModels(
        schema=schema,
        record=pydantic.create_model("Record", __base__=Record, **narrowed),
        document=pydantic.create_model("Document", __base__=Document, **narrowed),
        spans=spans,
    )


# ---------------------------------------------------------------------------------------------
# JSONL


def read_records(path: Path, schema: Schema | None = None) -> Iterator[Any]:
    """Decode the records of a JSONL file. Raises on the first bad line: validate first."""
    types = record_types(schema)
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield types.decode(line)


class _SchemaVersionOnly(msgspec.Struct):
    schema_version: Any = None


_decode_version = msgspec.json.Decoder(_SchemaVersionOnly).decode


def named_schema_version(line: bytes) -> Any:
    """The `schema_version` a JSON record line names (None if absent), without decoding the rest.
    Raises msgspec.DecodeError (not JSON) or msgspec.ValidationError (not an object)."""
    return _decode_version(line).schema_version


def read_records_as_named(path: Path, folder: SchemaFolder | None = None) -> Iterator[Any]:
    """Decode each record of a JSONL file with the types of the schema version it names (in
    `folder`, default schema/), so records of every shipped version keep their own labels and
    attributes. Raises on the first bad line or unknown version: validate first."""
    folder = folder or default_folder()
    types: dict[Any, RecordTypes] = {}
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                version = named_schema_version(line)
                if version not in types:
                    types[version] = record_types(folder.load(version))
                yield types[version].decode(line)


def write_records(records: Iterable[Any], path: Path) -> int:
    """Write records as JSONL, atomically; returns how many were written."""
    encoder = msgspec.json.Encoder()
    count = 0
    with atomic_write(Path(path), "wb") as handle:
        for record in records:
            handle.write(encoder.encode(record) + b"\n")
            count += 1
    return count


def to_builtins(record: Any) -> dict[str, Any]:
    """A record as plain JSON data (dicts, lists, strings, numbers), label tag included."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    return data
