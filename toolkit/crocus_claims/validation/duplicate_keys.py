"""Duplicate keys in a JSON line: found exactly, and ruled out cheaply on the validator's fast path.

JSON lets an object repeat a key (RFC 8259 §4: names "SHOULD be unique"); msgspec, like most
parsers, keeps the last value without a word, so `{"start": 88, "start": 5}` would be checked as
if it said 5. Every repeated key is a `duplicate-key` finding, at any depth.

- `duplicate_keys(line)`: the exact answer, from the standard library's parser, which hands every
  (key, value) pair of every object to a hook. It parses the line a second time, so it runs only
  on the lines that need it.
- `keys_agree(line, record, shape)`: the fast path's test, without a second parse. A record that
  decoded into the complete types (records.complete_record_types: every field written) has a known
  number of keys; every key is followed by one colon, and the only other colons are inside
  strings, whose decoded text the record holds. So the line repeats no key exactly when its
  colons are the record's keys plus the colons of its strings. Lines that are not complete, or
  that spell a colon as an escape (\\u003a), get the exact check instead.
  A record whose text is at hand as its JSON literal (the fast path decodes it as msgspec.Raw)
  leaves the text's colons out of both sides (`colons_outside`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from crocus_claims.records import METADATA_FIELDS, METADATA_STRINGS
from crocus_claims.schema import Schema

RECORD_KEYS = 6  # doc_id, schema_version, text_sha256, annotator, spans, relations
METADATA_KEYS = 1 + len(METADATA_FIELDS)  # the key itself and each field (records.CompleteMetadata)
SPAN_KEYS = 6  # id, label, start, end, text, attributes
RELATION_KEYS = 4  # id, type, head, tail

_UNSET = msgspec.UNSET


def _count_colons_in_python(line: bytes, start: int, end: int) -> int:
    return line.count(b":", start, end)


try:  # the compiled helper (_fast_path.c, built where a compiler was): ten times faster on a record
    from crocus_claims.validation._fast_path import count_colons
except ImportError:
    count_colons = _count_colons_in_python


@dataclass(frozen=True)
class RecordShape:
    """How many keys each label's span writes, and which of its attributes hold free text."""

    span_keys: dict[str, int]
    string_attributes: dict[str, tuple[str, ...]]  # only labels that have any

    @classmethod
    def of(cls, schema: Schema) -> RecordShape:
        return cls(
            span_keys={label.name: SPAN_KEYS + len(label.attributes) for label in schema.labels},
            string_attributes={
                label.name: names for label in schema.labels
                if (names := tuple(a.name for a in schema.label_attributes(label.name) if a.type == "string"))
            },
        )


def keys_agree(line: bytes, record: Any, shape: RecordShape, literal: bytes | None = None,
               spans_counted: int | None = None) -> bool:
    """Whether `line`, which decoded into the complete types as `record`, repeats no key (see module).
    `literal`: the record's text as its JSON literal, for a record decoded with the text left as
    that (records.text_literal_record_types, the fast path's); the text's colons are then left out
    of both sides (`colons_outside`). `spans_counted`: the keys of the spans and relations plus the
    colons of their strings, when the caller has counted them (`spans_keys_and_colons`).

    False means "not known": the caller runs `duplicate_keys`.
    """
    if b"\\" in line and b"\\u003" in line:  # a colon may be spelled \u003a in a string: count exactly
        return False
    if spans_counted is None:
        spans_counted = spans_keys_and_colons(record.spans, record.relations, shape)
    expected = RECORD_KEYS + record.annotator.count(":") + spans_counted
    if literal is not None:
        expected += 1
        line_colons = colons_outside(line, literal)
    else:
        line_colons = line.count(b":")
        if record.text is not _UNSET:
            expected += 1 + record.text.count(":")
    if record.split is not _UNSET:
        expected += 1
    metadata = record.metadata
    if metadata is not _UNSET:
        expected += METADATA_KEYS + sum(value.count(":") for name in METADATA_STRINGS
                                        if (value := getattr(metadata, name)))
    return line_colons == expected


def spans_keys_and_colons(spans: list[Any], relations: list[Any], shape: RecordShape) -> int:
    """The keys that a record's spans and relations write, plus the colons of their strings (the
    spans' quotes and free-text attributes)."""
    span_keys, strings = shape.span_keys, shape.string_attributes
    counted = RELATION_KEYS * len(relations)
    for span in spans:
        counted += span_keys[span.label] + span.text.count(":")
        for name in strings.get(span.label, ()):
            value = getattr(span.attributes, name)
            counted += value.count(":") if value else 0
    return counted


def colons_outside(line: bytes, literal: bytes) -> int:
    """The colons of `line` less those of `literal`, a string literal of the line (the record's
    text as JSON). Both ways of counting give that number: when the line's last bytes before its
    final character (and newline) are the literal, as in records whose text is their last member,
    counting stops where those bytes start and the text's colons are never counted; otherwise the
    literal's colons are taken from the line's."""
    end = len(line) - (2 if line.endswith(b"}\n") else 1)
    if line.endswith(literal, 0, end):
        return count_colons(line, 0, end - len(literal))
    return count_colons(line, 0, len(line)) - literal.count(b":")


class _Object(dict):  # type: ignore[type-arg,unused-ignore]  # generic only for strict modules
    """A parsed JSON object that remembers the keys it was given more than once."""

    repeated: dict[str, int]


def _remember_repeats(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) != len(pairs):
        found.repeated = {key: n for key, n in Counter(key for key, _ in pairs).items() if n > 1}
    return found


def duplicate_keys(line: bytes | str) -> list[tuple[str, str, int]]:
    """(path of the object, key, times) for every key an object gives more than once, in document
    order: `("spans[0]", "start", 2)`. [] for a line without any, or one that is not JSON."""
    try:
        data = json.loads(line, object_pairs_hook=_remember_repeats)
    except ValueError:
        return []
    return list(_repeats(data, ""))


def _repeats(data: Any, path: str) -> Iterator[tuple[str, str, int]]:
    if isinstance(data, _Object):
        for key, times in getattr(data, "repeated", {}).items():
            yield path, key, times
        for key, value in data.items():
            yield from _repeats(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _repeats(item, f"{path}[{index}]")
