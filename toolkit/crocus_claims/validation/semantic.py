"""Checks that need more than a record's shape: its text, its ids, its relations, its numbers.

They run on records that msgspec has already decoded into the schema's types (so labels,
attribute names, types and allowed values are known to be right), which keeps this the only
Python loop over spans. A record that failed decoding is checked here too, for the spans and
relations that are themselves well-formed (see structural.py).
"""

from __future__ import annotations

import functools
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from crocus_claims.corpus import CorpusDocument, text_sha256
from crocus_claims.records import RecordTypes, complete_record_types, record_types
from crocus_claims.validation.duplicate_keys import RecordShape
from crocus_claims.schema import BOUND_FROM_VALUE, Interval, Schema, available_versions, parse_version
from crocus_claims.validation.findings import Finding, json_text


@dataclass(frozen=True)
class RelationSpec:
    heads: frozenset[str]
    tails: frozenset[str]
    max_per_head: int | None


@dataclass
class Context:
    """Everything a check needs, built once per validation run."""

    schema: Schema
    corpus: Mapping[str, CorpusDocument]
    types: RecordTypes = field(init=False)
    complete: RecordTypes = field(init=False)  # the fast path's types: every field written
    shape: RecordShape = field(init=False)
    # (code, message) or None per version string: every record repeats the same few.
    version_verdicts: dict[str, tuple[str, str] | None] = field(init=False, default_factory=dict)
    relations: dict[str, RelationSpec] = field(init=False)
    intervals: dict[str, Interval] = field(init=False)

    def __post_init__(self) -> None:
        self.types = record_types(self.schema)
        self.complete = complete_record_types(self.schema)
        self.shape = RecordShape.of(self.schema)
        self.relations = {
            r.name: RelationSpec(frozenset(r.head), frozenset(r.tail), r.max_per_head) for r in self.schema.relations
        }
        self.intervals = {label.name: label.interval for label in self.schema.labels if label.interval}

    @functools.cached_property
    def known_versions(self) -> frozenset[str]:
        return frozenset(available_versions()) | {self.schema.version}


def version_finding(version: str, ctx: Context, doc_id: str | None) -> Finding | None:
    verdicts = ctx.version_verdicts
    if version not in verdicts:
        verdicts[version] = _version_verdict(version, ctx)
    verdict = verdicts[version]
    return None if verdict is None else Finding(verdict[0], verdict[1], doc_id=doc_id, path="schema_version")


def _version_verdict(version: str, ctx: Context) -> tuple[str, str] | None:
    """Minor versions only add: a record of schema 1.0.x reads under 1.3.0, not under 2.0 or 1.0."""
    if version not in ctx.known_versions:
        known = ", ".join(sorted(ctx.known_versions, key=parse_version))
        return "unknown-schema-version", f"schema version {version} does not exist (known: {known})"
    major, minor, _ = parse_version(version)
    own_major, own_minor, _ = ctx.schema.version_tuple
    if major != own_major or minor > own_minor:
        return "incompatible-schema-version", (f"a record of schema {version} cannot be checked against "
                                               f"schema {ctx.schema.version}: use --schema-version {version}")
    return None


class InlineText(NamedTuple):
    """A record's own text and the SHA-256 of its UTF-8 bytes (corpus.text_sha256)."""

    text: str
    sha256: str


def document_text(record: Any, ctx: Context) -> tuple[str | None, list[Finding]]:
    """The text the record's offsets point into, or None when it cannot be trusted."""
    inline = record.text if isinstance(record.text, str) else None
    return trusted_text(record.doc_id, record.text_sha256,
                        None if inline is None else InlineText(inline, text_sha256(inline)), ctx)


def trusted_text(doc_id: str, claimed: str, inline: InlineText | None,
                 ctx: Context) -> tuple[str | None, list[Finding]]:
    """The text of document `doc_id` whose hash a record claims is `claimed`: the record's own
    (`inline`) or the corpus text, and the findings when it cannot be trusted (the text is then None)."""
    corpus_doc = ctx.corpus.get(doc_id)
    if inline is not None:
        if inline.sha256 != claimed:
            return None, [Finding("text-hash-mismatch", f"text_sha256 is {claimed[:12]}… but the record's own "
                                  f"text hashes to {inline.sha256[:12]}…", doc_id=doc_id, path="text_sha256")]
        if corpus_doc is not None and corpus_doc.text_sha256 != claimed:
            return None, [Finding("text-hash-mismatch", "the record's text is not the corpus text of "
                                  f"{doc_id} (corpus {corpus_doc.text_sha256[:12]}…)", doc_id=doc_id,
                                  path="text")]
        return inline.text, []
    if corpus_doc is None:
        return None, [Finding("unknown-document", f"{doc_id} is not in the corpus and the record has no text",
                              doc_id=doc_id, path="doc_id")]
    if corpus_doc.text_sha256 != claimed:
        return None, [Finding("text-hash-mismatch", f"text_sha256 {claimed[:12]}… is not the corpus text's "
                              f"{corpus_doc.text_sha256[:12]}…: annotations of another version of the text",
                              doc_id=doc_id, path="text_sha256")]
    return corpus_doc.text, []


def check_spans(doc_id: str | None, spans: Sequence[Any], text: str | None,
                ctx: Context) -> tuple[list[Finding], dict[str, str]]:
    """Findings of the spans, and each span's label by id (for the relation checks).

    This loop runs for every span of every record: it allocates nothing unless it finds a problem.
    """
    findings: list[Finding] = []
    labels: dict[str, str] = {}
    keys: set[tuple[str, int, int]] = set()
    size = len(text) if text is not None else -1
    intervals = ctx.intervals
    for index, span in enumerate(spans):
        span_id, label, start, end = span.id, span.label, span.start, span.end
        if span_id in labels:
            findings.append(Finding("duplicate-span-id", f"span id {span_id} is used twice",
                                    doc_id=doc_id, span_id=span_id, path=f"spans[{index}].id"))
        labels[span_id] = label
        key = (label, start, end)
        if key in keys:
            findings.append(Finding("duplicate-span", f"a second {label} span at {start}-{end}",
                                    doc_id=doc_id, span_id=span_id, path=f"spans[{index}]"))
        keys.add(key)
        if start >= end:
            findings.append(Finding("invalid-span-range", f"start {start} is not before end {end}",
                                    doc_id=doc_id, span_id=span_id, path=f"spans[{index}].start"))
        elif text is not None:
            findings.extend(_text_findings(doc_id, index, span, text, size))
        if label in intervals:
            for message in interval_problems(span.attributes, intervals[label]):
                findings.append(Finding("interval-mismatch", message, doc_id=doc_id, span_id=span_id,
                                        path=f"spans[{index}].attributes"))
    return findings, labels


def _text_findings(doc_id: str | None, index: int, span: Any, text: str, size: int) -> tuple[Finding, ...]:
    start, end, quoted = span.start, span.end, span.text
    if end > size:
        return (Finding("offset-out-of-bounds", f"end {end} is past the end of the text ({size} characters)",
                        doc_id=doc_id, span_id=span.id, path=f"spans[{index}].end"),)
    if text[start:end] != quoted:
        return (Finding("span-text-mismatch", f"text {json_text(quoted)} differs from the text at {start}-{end}: "
                        f"{json_text(text[start:end])}", doc_id=doc_id, span_id=span.id, path=f"spans[{index}].text"),)
    if quoted[0].isspace() or quoted[-1].isspace():
        return (Finding("span-boundary-whitespace", f"span text {json_text(quoted)} starts or ends with white space",
                        doc_id=doc_id, span_id=span.id, path=f"spans[{index}]"),)
    return ()


def interval_problems(attributes: Any, interval: Interval) -> list[str]:
    """What is inconsistent among a figure's qualifier, value, minimum and maximum."""
    qualifier = getattr(attributes, interval.qualifier)
    value = getattr(attributes, interval.value)
    bounds = {"minimum": getattr(attributes, interval.minimum), "maximum": getattr(attributes, interval.maximum)}
    names = {"value": interval.value, "minimum": interval.minimum, "maximum": interval.maximum}
    rule = interval.rules[qualifier]
    problems = []
    if rule.value == "required" and value is None:
        problems.append(f"qualifier {qualifier} needs {names['value']}")
    elif rule.value == "null" and value is not None:
        problems.append(f"qualifier {qualifier} states no number: {names['value']} must be null, not {value}")
    for role, bound in bounds.items():
        expected = getattr(rule, role)
        if expected == "required" and bound is None:
            problems.append(f"qualifier {qualifier} needs {names[role]}")
        elif expected == "null" and bound is not None:
            problems.append(f"qualifier {qualifier} sets no {role}: {names[role]} must be null, not {bound}")
        elif expected in BOUND_FROM_VALUE and value is not None:
            wanted = value + BOUND_FROM_VALUE[expected]
            if bound != wanted:
                problems.append(f"qualifier {qualifier} with {names['value']} {value} means "
                                f"{names[role]} {wanted}, not {bound}")
    if problems:
        return problems
    low, high = bounds["minimum"], bounds["maximum"]
    if low is not None and high is not None and low > high:
        problems.append(f"{names['minimum']} {low} is greater than {names['maximum']} {high}")
    # A bound the qualifier derives from the value ('more than 551': minimum 552) may exclude the
    # stated value; a bound it leaves free (range, vague) must contain it.
    for role, bound in bounds.items():
        free = getattr(rule, role) in ("required", "any")
        outside = bound is not None and value is not None and (value < bound if role == "minimum" else value > bound)
        if free and outside:
            problems.append(f"{names['value']} {value} is outside its {role} {names[role]} {bound}")
    return problems


def check_relations(doc_id: str | None, relations: Sequence[Any], span_labels: Mapping[str, str],
                    span_ids: Container[str], ctx: Context) -> list[Finding]:
    """`span_labels`: well-formed spans by id; `span_ids`: every id a span declared, well-formed or not."""
    findings: list[Finding] = []
    ids: set[str] = set()
    seen: set[tuple[str, str, str]] = set()
    per_head: dict[tuple[str, str], int] = {}
    for index, relation in enumerate(relations):
        rel_id, kind, head, tail = relation.id, relation.type, relation.head, relation.tail
        if rel_id in ids:
            findings.append(Finding("duplicate-relation-id", f"relation id {rel_id} is used twice",
                                    path=f"relations[{index}].id", doc_id=doc_id, relation_id=rel_id))
        ids.add(rel_id)
        if head not in span_ids or tail not in span_ids:
            missing = [f"{end} {name}" for end, name in (("head", head), ("tail", tail)) if name not in span_ids]
            findings.append(Finding("dangling-relation", f"{kind}: no span with id " + " and ".join(missing),
                                    path=f"relations[{index}]", doc_id=doc_id, relation_id=rel_id))
            continue
        if head == tail:
            findings.append(Finding("self-relation", f"{kind} relates span {head} to itself",
                                    path=f"relations[{index}]", doc_id=doc_id, relation_id=rel_id))
        if (kind, head, tail) in seen:
            findings.append(Finding("duplicate-relation", f"{kind} from {head} to {tail} is given twice",
                                    path=f"relations[{index}]", doc_id=doc_id, relation_id=rel_id))
        seen.add((kind, head, tail))
        spec = ctx.relations[kind]
        head_label, tail_label = span_labels.get(head), span_labels.get(tail)
        if head_label is not None and head_label not in spec.heads:
            findings.append(Finding("relation-label-mismatch", f"{kind} cannot start at a {head_label} span "
                                    f"(allowed: {', '.join(sorted(spec.heads))})", path=f"relations[{index}].head",
                                    doc_id=doc_id, relation_id=rel_id))
        if tail_label is not None and tail_label not in spec.tails:
            findings.append(Finding("relation-label-mismatch", f"{kind} cannot end at a {tail_label} span "
                                    f"(allowed: {', '.join(sorted(spec.tails))})", path=f"relations[{index}].tail",
                                    doc_id=doc_id, relation_id=rel_id))
        count = per_head[(kind, head)] = per_head.get((kind, head), 0) + 1
        if spec.max_per_head is not None and count == spec.max_per_head + 1:
            findings.append(Finding("relation-cardinality", f"span {head} has more than {spec.max_per_head} "
                                    f"{kind} relation(s)", path=f"relations[{index}]", doc_id=doc_id, relation_id=rel_id))
    return findings


def check_record(record: Any, ctx: Context) -> list[Finding]:
    """Every semantic finding of a record that decoded cleanly."""
    problem = version_finding(record.schema_version, ctx, record.doc_id)
    if problem is not None:
        return [problem]
    text, findings = document_text(record, ctx)
    span_findings, labels = check_spans(record.doc_id, record.spans, text, ctx)
    findings += span_findings
    if record.relations:
        findings += check_relations(record.doc_id, record.relations, labels, labels, ctx)
    return findings
