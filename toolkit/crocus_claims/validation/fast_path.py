"""The validator's fast path: one pass that proves a record clean, or leaves it to the reference checks.

Nearly every record of a real file is valid. The reference checks (semantic.py, structural.py,
duplicate_keys.py) are written to find and word every problem, one concern at a time; run on a
valid record they spend most of their time confirming that nothing is wrong. `clean_record` asks
only that question, in one pass, with set and slice operations that run in C where it can. At the
first doubt it returns None, and the caller runs the reference checks from the start, which find
and word every finding. No finding is ever made here, so the fast path can only be wrong by
accepting a record that the reference checks would refuse: tests/test_validation_fast_path.py
holds it to the reference on generated and corrupted records.

The span and relation checks (SpanChecks) also exist compiled, in _fast_path.c, which reads the
decoded structs' fields in place; the build compiles it where it finds a C compiler and leaves it
out where it does not (toolkit/hatch_build.py). Both give the same verdict on every record (the
same tests compare them), so a missing compiler costs speed only: a third of a clean record's time.

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
from crocus_claims.records import ID_PATTERN, SHA256_PATTERN, RecordTypes, text_literal_record_types
from crocus_claims.schema import BOUND_FROM_VALUE, Interval
from crocus_claims.validation.duplicate_keys import RELATION_KEYS, RecordShape, keys_agree, spans_keys_and_colons
from crocus_claims.validation.semantic import Context, InlineText, document_text, trusted_text

_ID = re.compile(ID_PATTERN)
_SHA256 = re.compile(SHA256_PATTERN)
_DECODE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError, RecursionError)  # the last: nested too deeply
_UNSET = msgspec.UNSET
_decode_string = msgspec.json.Decoder(str).decode

HELPER_ABI = 1  # _fast_path.c's ABI: a helper built from other sources (a stale build) is not used
try:
    from crocus_claims.validation import _fast_path  # the compiled helper, built where a compiler was
except ImportError:  # no compiler at install time: SpanChecks alone, with the same verdicts
    _fast_path = None  # type: ignore[assignment]  # (mypy's idiom for an optional module)
if getattr(_fast_path, "ABI", None) != HELPER_ABI:
    _fast_path = None  # type: ignore[assignment]


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


NOT_CLEAN, UNKNOWN_ID, TOO_MANY = -1, -2, -3  # what a span check returns when the record is not known clean


class SpanChecks:
    """The checks of a clean record's spans and relations, in Python. `_fast_path.SpanChecker`, the
    compiled helper, computes the same function; it is used where it was built, and this class
    everywhere else and for what the helper leaves to it (TOO_MANY: more spans or relations than it
    compares pairwise).

    Called with (text, spans, relations) (a str and the decoded lists), it returns the keys that the
    spans and relations write plus the colons of their strings (duplicate_keys.spans_keys_and_colons), a
    number >= 0, when they are clean; NOT_CLEAN when the reference checks must run; UNKNOWN_ID when
    every other check passed but an id is not yet known valid (the caller checks the ids, then asks
    again with `ids_known`). Raises only what a label's interval check raises. The two agree on
    every struct the decoder makes (offsets >= 0: the helper leaves a negative one to the reference).
    """

    def __init__(self, ctx: Context, valid_ids: set[str]):
        self.interval_specs = ctx.intervals
        self.intervals = {label: interval_check(interval) for label, interval in ctx.intervals.items()}
        self.shape = ctx.shape
        self.allowed = {(name, head, tail) for name, spec in ctx.relations.items()
                        for head in spec.heads for tail in spec.tails}
        self.max_per_head = {name: spec.max_per_head for name, spec in ctx.relations.items()
                             if spec.max_per_head is not None}
        self.valid_ids = valid_ids

    def __call__(self, text: str, spans: list[Any], relations: list[Any], ids_known: bool = False) -> int:
        size, intervals = len(text), self.intervals
        labels: dict[str, str] = {}
        places = set()
        for span in spans:
            quoted, start, end, label = span.text, span.start, span.end, span.label
            # A non-empty quote equal to the slice, with end within the text, implies start < end.
            if end > size or not quoted or text[start:end] != quoted or quoted.strip() != quoted:
                return NOT_CLEAN
            if label in intervals and not intervals[label](span.attributes):
                return NOT_CLEAN
            labels[span.id] = label
            places.add((label, start, end))
        if len(labels) != len(spans) or len(places) != len(spans):
            return NOT_CLEAN
        if relations and not self._relations_clean(relations, labels):
            return NOT_CLEAN
        valid = self.valid_ids
        if not (ids_known or (valid.issuperset(labels) and valid.issuperset([r.id for r in relations]))):
            return UNKNOWN_ID
        return spans_keys_and_colons(spans, relations, self.shape)

    def _relations_clean(self, relations: list[Any], labels: dict[str, str]) -> bool:
        allowed, limits = self.allowed, self.max_per_head
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

    def compiled(self, types: RecordTypes) -> Callable[[str, list[Any], list[Any]], int] | None:
        """The same checks as `_fast_path.SpanChecker` over `types`' structs; None where the
        helper was not built (no compiler at install time)."""
        if _fast_path is None:
            return None
        labels = tuple(types.spans)
        kinds = tuple(sorted({kind for kind, _, _ in self.allowed} | set(self.max_per_head)))
        allowed = bytes((kind, head, tail) in self.allowed
                        for kind in kinds for head in labels for tail in labels)
        return _fast_path.SpanChecker(
            tuple(types.spans.values()), tuple(self.shape.span_keys[label] for label in labels),
            tuple(self.shape.string_attributes.get(label, ()) for label in labels),
            tuple(self.intervals.get(label) for label in labels),
            tuple(_interval_rules(self.interval_specs[label], types.attributes[label])
                  if label in self.interval_specs else None for label in labels),
            types.relation, RELATION_KEYS, kinds, allowed,
            tuple(self.max_per_head.get(kind, -1) for kind in kinds), self.valid_ids)


_RULE_CODES = {"required": 1, "null": 2}  # _fast_path.c's RULE_*: a bound from the value is 3, any other 0


def _interval_rules(interval: Interval, attributes: type) -> tuple[Any, ...]:
    """`interval` as _fast_path.c's IntervalRules reads it: the attributes' struct, the four
    attribute names, the qualifiers, three rule codes and two shifts per qualifier."""
    qualifiers = tuple(interval.rules)
    codes, shifts = bytearray(), []
    for qualifier in qualifiers:
        rule = interval.rules[qualifier]
        codes.append(_RULE_CODES.get(rule.value, 0))
        for bound in (rule.minimum, rule.maximum):
            codes.append(3 if bound in BOUND_FROM_VALUE else _RULE_CODES.get(bound, 0))
            shifts.append(BOUND_FROM_VALUE.get(bound, 0))
    names = (interval.qualifier, interval.value, interval.minimum, interval.maximum)
    return attributes, names, qualifiers, bytes(codes), tuple(shifts)


class FastPath:
    """What `clean_record` needs of a validation context, gathered once per run. `compiled`: use
    the compiled helper where it was built (False: SpanChecks alone, as the tests compare them)."""

    def __init__(self, ctx: Context, compiled: bool = True):
        self.ctx = ctx
        self.version: str = ctx.schema.version
        types = text_literal_record_types(ctx.schema)
        self.decoder = types.decoder
        self.identifiers = ctx.complete.identifiers
        self.shape: RecordShape = ctx.shape
        self.python_span_checks = SpanChecks(ctx, ctx.complete.identifiers.valid_ids)
        self.span_checks = (compiled and self.python_span_checks.compiled(types)) or self.python_span_checks


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
    counted = fast.span_checks(text, record.spans, record.relations)
    if counted < 0:
        counted = _undecided(counted, text, record, fast)
        if counted < 0:
            return None
    if not keys_agree(line, record, fast.shape, literal, counted):
        return None
    return record


def _undecided(counted: int, text: str, record: Any, fast: FastPath) -> int:
    """What the span checks say once what they left open is settled: the compiled helper's
    TOO_MANY goes to the Python checks; UNKNOWN_ID to the check that remembers valid ids, and
    then, the ids known valid, to the Python checks without the ids (the set of remembered ids is
    bounded, so it may have dropped some of this record's by then)."""
    if counted == TOO_MANY:
        counted = fast.python_span_checks(text, record.spans, record.relations)
    if counted == UNKNOWN_ID:
        try:
            fast.identifiers(record)
        except msgspec.ValidationError:
            return NOT_CLEAN
        counted = fast.python_span_checks(text, record.spans, record.relations, ids_known=True)
    return counted


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
