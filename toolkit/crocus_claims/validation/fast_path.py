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
  pattern (records.py: complete_record_types, _IdentifierCheck); the text is decoded here from
  its JSON literal (records.text_literal_record_types), whose bytes are hashed as they are when
  the literal has no escape;
- it repeats no key: its colons are its keys plus its strings' colons, the text's left out of
  both sides (duplicate_keys.keys_agree, the function the reference checks call);
- its text hashes to its text_sha256, and is the corpus text when the corpus has the document
  (semantic.trusted_text, called here too);
- every span lies within the text, quotes it exactly and does not start or end with white space;
  span ids and (label, start, end) are unique; figures agree with their qualifier
  (semantic.check_spans, interval_problems);
- relation ids and (type, head, tail) are unique; heads and tails are spans of labels the relation
  allows, never the same span; no head has more relations of a type than allowed
  (semantic.check_relations).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import msgspec

from crocus_claims.corpus import text_sha256, utf8_sha256
from crocus_claims.records import ID_PATTERN, SHA256_PATTERN, text_literal_record_types
from crocus_claims.schema import BOUND_FROM_VALUE, Interval
from crocus_claims.validation.duplicate_keys import RecordShape, keys_agree
from crocus_claims.validation.semantic import Context, InlineText, document_text, trusted_text

_ID = re.compile(ID_PATTERN)
_SHA256 = re.compile(SHA256_PATTERN)
_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)
_UNSET = msgspec.UNSET
_decode_string = msgspec.json.Decoder(str).decode


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

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.version: str = ctx.schema.version
        self.decoder = text_literal_record_types(ctx.schema).decoder
        self.identifiers = ctx.complete.identifiers
        self.valid_ids: set[str] = ctx.complete.identifiers.valid_ids
        self.shape: RecordShape = ctx.shape
        self.intervals = {label: interval_check(interval) for label, interval in ctx.intervals.items()}
        self.allowed_relations = {(name, head, tail) for name, spec in ctx.relations.items()
                                  for head in spec.heads for tail in spec.tails}
        self.max_per_head = {name: spec.max_per_head for name, spec in ctx.relations.items()
                             if spec.max_per_head is not None}


def clean_record(line: bytes, fast: FastPath) -> Any | None:
    """The record of `line` (a struct of records.text_literal_record_types, its text the JSON
    literal) when the reference checks would find nothing in it; None when they might (they then
    run, and say what is wrong). Raises nothing."""
    try:
        record = fast.decoder.decode(line)
    except _DECODE_ERRORS:
        return None
    if record.schema_version != fast.version or not _ID.fullmatch(record.doc_id):
        return None
    literal: bytes | None = None
    if record.text is _UNSET:
        text = document_text(record, fast.ctx)[0]  # the corpus text, or None when it cannot be trusted
        if text is None or not _SHA256.fullmatch(record.text_sha256):
            return None
    else:
        literal = bytes(record.text)
        text = inline_text(literal, record, fast)
        if text is None:
            return None
    spans, relations = record.spans, record.relations
    size, intervals = len(text), fast.intervals
    labels: dict[str, str] = {}
    places = set()
    for span in spans:
        quoted, start, end, label = span.text, span.start, span.end, span.label
        # A non-empty quote equal to the slice, with end within the text, implies start < end.
        if end > size or not quoted or text[start:end] != quoted or quoted.strip() != quoted:
            return None
        if label in intervals and not intervals[label](span.attributes):
            return None
        labels[span.id] = label
        places.add((label, start, end))
    if len(labels) != len(spans) or len(places) != len(spans) or not _ids_valid(labels, relations, record, fast):
        return None
    if relations and not _relations_clean(relations, labels, fast):
        return None
    if not keys_agree(line, record, fast.shape, literal):
        return None
    return record


def inline_text(literal: bytes, record: Any, fast: FastPath) -> str | None:
    """The text of a record's JSON string `literal` when it hashes to the record's text_sha256 and
    agrees with the corpus (semantic.trusted_text); None otherwise: when the literal is no string,
    is not UTF-8, or has a bad escape or a lone surrogate. A literal without escapes is the text's
    UTF-8 bytes, hashed as they are. Raises nothing."""
    if literal[:1] != b'"':
        return None
    try:
        if b"\\" in literal:
            text = _decode_string(literal)
            digest = text_sha256(text)
        else:
            body = memoryview(literal)[1:-1]
            text = str(body, "utf-8")
            digest = utf8_sha256(body)
    except (*_DECODE_ERRORS, UnicodeError):
        return None
    return trusted_text(record.doc_id, record.text_sha256, InlineText(text, digest), fast.ctx)[0]


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
