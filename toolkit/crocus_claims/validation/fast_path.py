"""The validator's fast path: one pass that proves a record clean, or leaves it to the reference checks.

Nearly every record of a real file is valid. The reference checks (semantic.py, structural.py,
duplicate_keys.py) are written to find and word every problem, one concern at a time; run on a
valid record they spend most of their time confirming that nothing is wrong. `clean_record` asks
only that question, in one pass, with set and slice operations that run in C where it can. At the
first doubt it returns None, and the caller runs the reference checks from the start, which find
and word every finding. No finding is ever made here, so the fast path can only be wrong by
accepting a record that the reference checks would refuse: tests/test_validation_fast_path.py
holds it to the reference on generated and corrupted records.

What a clean record must satisfy, and where the reference checks it:
- it decodes into the complete types of the context's own schema version, ids matching their
  pattern (records.py: complete_record_types, _IdentifierCheck);
- it repeats no key: its colons are its keys plus its strings' colons (duplicate_keys.keys_agree);
- its text hashes to its text_sha256, and is the corpus text when the corpus has the document
  (semantic.document_text);
- every span lies within the text, quotes it exactly and does not start or end with white space;
  span ids and (label, start, end) are unique; figures agree with their qualifier
  (semantic.check_spans, interval_problems);
- relation ids and (type, head, tail) are unique; heads and tails are spans of labels the relation
  allows, never the same span; no head has more relations of a type than allowed
  (semantic.check_relations).
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any

import msgspec

from crocus_claims.records import ID_PATTERN, SHA256_PATTERN
from crocus_claims.schema import BOUND_FROM_VALUE, Interval
from crocus_claims.validation.duplicate_keys import METADATA_KEYS, METADATA_STRINGS, RECORD_KEYS, RELATION_KEYS

_ID = re.compile(ID_PATTERN)
_SHA256 = re.compile(SHA256_PATTERN)
_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)


def interval_check(interval: Interval) -> Callable[[Any], bool]:
    """Whether a span's attributes satisfy `interval` (True exactly when semantic.interval_problems
    finds nothing), as one function per label, built once per run."""
    read = operator.attrgetter(interval.qualifier, interval.value, interval.minimum, interval.maximum)
    rules = {qualifier: (rule.value, rule.minimum, rule.maximum) for qualifier, rule in interval.rules.items()}

    def bound_ok(rule: str, bound: Any, value: Any, is_minimum: bool) -> bool:
        if rule == "required":
            return bound is not None and (value is None or (value >= bound if is_minimum else value <= bound))
        if rule == "null":
            return bound is None
        if rule in BOUND_FROM_VALUE:
            return value is None or bound == value + BOUND_FROM_VALUE[rule]
        # "any": free, so it must contain the value
        return bound is None or value is None or (value >= bound if is_minimum else value <= bound)

    def check(attributes: Any) -> bool:
        qualifier, value, low, high = read(attributes)
        value_rule, low_rule, high_rule = rules[qualifier]
        if (value_rule == "required" and value is None) or (value_rule == "null" and value is not None):
            return False
        if low is not None and high is not None and low > high:
            return False
        return bound_ok(low_rule, low, value, True) and bound_ok(high_rule, high, value, False)

    return check


class FastPath:
    """What `clean_record` needs of a validation context, gathered once per run."""

    def __init__(self, ctx: Any):
        self.version: str = ctx.schema.version
        self.decoder = ctx.complete.decoder
        self.identifiers = ctx.complete.identifiers
        self.valid_ids: set[str] = ctx.complete.identifiers.valid_ids
        self.corpus = ctx.corpus
        self.span_keys: dict[str, int] = ctx.shape.span_keys
        self.text_attributes = {label: operator.attrgetter(*names)
                                for label, names in ctx.shape.string_attributes.items()}
        self.intervals = {label: interval_check(interval) for label, interval in ctx.intervals.items()}
        self.allowed_relations = {(name, head, tail) for name, spec in ctx.relations.items()
                                  for head in spec.heads for tail in spec.tails}
        self.max_per_head = {name: spec.max_per_head for name, spec in ctx.relations.items()
                             if spec.max_per_head is not None}


def clean_record(line: bytes, fast: FastPath) -> Any | None:
    """The record of `line` when the reference checks would find nothing in it; None when they
    might (they then run, and say what is wrong). Raises nothing."""
    try:
        record = fast.decoder.decode(line)
    except _DECODE_ERRORS:
        return None
    if record.schema_version != fast.version or not _ID.fullmatch(record.doc_id):
        return None
    text = _trusted_text(record, fast)
    if text is None:
        return None
    spans, relations = record.spans, record.relations
    size, span_keys, intervals = len(text), fast.span_keys, fast.intervals
    labels: dict[str, str] = {}
    places = set()
    keys = RECORD_KEYS + RELATION_KEYS * len(relations)
    colons = text.count(":") + record.annotator.count(":")
    for span in spans:
        quoted, start, end, label = span.text, span.start, span.end, span.label
        # A non-empty quote equal to the slice, with end within the text, implies start < end.
        if end > size or not quoted or text[start:end] != quoted or quoted.strip() != quoted:
            return None
        if label in intervals and not intervals[label](span.attributes):
            return None
        labels[span.id] = label
        places.add((label, start, end))
        keys += span_keys[label]
        colons += quoted.count(":")
    if len(labels) != len(spans) or len(places) != len(spans) or not _ids_valid(labels, relations, record, fast):
        return None
    if relations and not _relations_clean(relations, labels, fast):
        return None
    if line.count(b":") != keys + colons + _other_keys_and_colons(record, fast) or b"\\u003" in line:
        return None  # (a colon spelled \u003a is not a colon the count sees)
    return record


def _trusted_text(record: Any, fast: FastPath) -> str | None:
    corpus_doc = fast.corpus.get(record.doc_id)
    text = record.text
    if text.__class__ is str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()  # a valid SHA256_PATTERN by construction
        if digest != record.text_sha256 or (corpus_doc is not None and corpus_doc.text_sha256 != digest):
            return None
        return text
    if corpus_doc is None or corpus_doc.text_sha256 != record.text_sha256 or not _SHA256.fullmatch(record.text_sha256):
        return None
    return corpus_doc.text


def _ids_valid(span_ids: dict[str, str], relations: list[Any], record: Any, fast: FastPath) -> bool:
    """Span and relation ids match ID_PATTERN (relation heads and tails must be span ids)."""
    valid = fast.valid_ids
    if valid.issuperset(span_ids) and valid.issuperset([relation.id for relation in relations]):
        return True
    try:  # the check that remembers valid ids
        fast.identifiers(record)
    except msgspec.ValidationError:
        return False
    return True


def _relations_clean(relations: list[Any], labels: dict[str, str], fast: FastPath) -> bool:
    allowed, limits = fast.allowed_relations, fast.max_per_head
    ids, triples = set(), set()
    per_head: dict[tuple[str, str], int] = {}
    for relation in relations:
        kind, head, tail = relation.type, relation.head, relation.tail
        if head == tail or (kind, labels.get(head), labels.get(tail)) not in allowed:
            return False  # (a head or tail that is no span has no label, which no relation allows)
        if kind in limits:
            count = per_head[kind, head] = per_head.get((kind, head), 0) + 1
            if count > limits[kind]:
                return False
        ids.add(relation.id)
        triples.add((kind, head, tail))
    return len(ids) == len(relations) and len(triples) == len(relations)


def _other_keys_and_colons(record: Any, fast: FastPath) -> int:
    """Keys and colons of the optional fields and of free-text attributes (keys_agree's rule)."""
    count = 0
    if record.text is not msgspec.UNSET:
        count += 1
    if record.split is not msgspec.UNSET:
        count += 1
    metadata = record.metadata
    if metadata is not msgspec.UNSET:
        count += METADATA_KEYS + sum(value.count(":") for name in METADATA_STRINGS if (value := getattr(metadata, name)))
    if fast.text_attributes:
        for span in record.spans:
            if span.label in fast.text_attributes:
                values = fast.text_attributes[span.label](span.attributes)
                for value in values if isinstance(values, tuple) else (values,):
                    count += value.count(":") if value else 0
    return count
