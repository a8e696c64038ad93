"""Hypothesis strategies that build schema-valid annotation records from the schema file itself.

Nothing here names a label, attribute or relation: they are all read from the schema, so the
strategies (and every property built on them) follow the schema as it changes.

`records()` draws plain JSON data (dicts), exactly what a line of a .jsonl file holds; the text
is carried inline, so records need no corpus. Texts mix the characters that break offset code:
emoji and ZWJ sequences (astral code points), combining marks, tabs, newlines, runs of spaces and
`&<>`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from hypothesis import strategies as st

from crocus_claims.schema import Attribute, Interval, Schema, load_schema

TRICKY_PIECES = (
    "😀", "👩‍👩‍👧", "🇷🇺", "e\u0301", "n\u0303", "\t", "\n", "  ", "&", "<", ">", "&amp;", "«", "—",
    "\u00a0", "x\u200dy", "Ʉ", "𝔘",
)
WORDS = ("Crocus", "City", "Hall", "attack", "145", "killed", "at", "least", "IS-K", "Moscow", "said", "Tehran")
INTEGER_CEILING = 10**6


def texts(min_pieces: int = 1, max_pieces: int = 40) -> st.SearchStrategy[str]:
    """Document texts with the characters that break offset code, joined by spaces."""
    piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(TRICKY_PIECES),
                      st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=4))
    return st.lists(piece, min_size=min_pieces, max_size=max_pieces).map(" ".join)


def attribute_values(schema: Schema, attribute: Attribute) -> st.SearchStrategy[Any]:
    """JSON values an attribute may take (null, for an optional one, included)."""
    values: st.SearchStrategy[Any]
    if attribute.type == "enum":
        values = st.sampled_from(schema.allowed_values(attribute) or ())
    elif attribute.type == "integer":
        low = attribute.minimum if attribute.minimum is not None else -INTEGER_CEILING
        high = attribute.maximum if attribute.maximum is not None else INTEGER_CEILING
        values = st.integers(low, high)
    elif attribute.type == "boolean":
        values = st.booleans()
    elif attribute.type == "date":
        values = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(dt.date.isoformat)
    else:
        values = st.text(max_size=attribute.max_length or 40)
    return values if attribute.required else st.one_of(st.none(), values)


@st.composite
def interval_values(draw: st.DrawFn, schema: Schema, interval: Interval) -> dict[str, Any]:
    """A qualifier with a value, minimum and maximum that obey its rule in the schema."""
    qualifier_attribute = schema.attributes_by_name[interval.qualifier]
    qualifier = draw(st.sampled_from(schema.allowed_values(qualifier_attribute) or ()))
    rule = interval.rules[qualifier]
    low = schema.attributes_by_name[interval.value].minimum or 0
    number = st.integers(low + 1, INTEGER_CEILING - 1)  # room for value-1 and value+1 within bounds
    maybe = {"required": number, "null": st.none(), "any": st.one_of(st.none(), number)}
    value = draw(maybe[rule.value])
    bounds = {}
    for role in ("minimum", "maximum"):
        kind = getattr(rule, role)
        offset = {"value": 0, "value+1": 1, "value-1": -1}.get(kind)
        bounds[role] = value + offset if offset is not None else draw(maybe[kind])
    low, high = bounds["minimum"], bounds["maximum"]
    free_low, free_high = rule.minimum in ("required", "any"), rule.maximum in ("required", "any")
    if value is not None:  # free bounds must contain the stated value
        low = min(low, value) if free_low and low is not None else low
        high = max(high, value) if free_high and high is not None else high
    if low is not None and high is not None and low > high:
        high, low = (low, low) if free_high else (high, high)
    return {interval.qualifier: qualifier, interval.value: value,
            interval.minimum: low, interval.maximum: high}


@st.composite
def attribute_sets(draw: st.DrawFn, schema: Schema, label: str) -> dict[str, Any]:
    """Attributes of a span of `label`: every required one, and each optional one or not."""
    interval = schema.labels_by_name[label].interval
    fixed = draw(interval_values(schema, interval)) if interval else {}
    values = {}
    for attribute in schema.label_attributes(label):
        if attribute.name in fixed:
            values[attribute.name] = fixed[attribute.name]
        elif attribute.required or draw(st.booleans()):
            values[attribute.name] = draw(attribute_values(schema, attribute))
    return values


def _span_bounds(text: str) -> list[tuple[int, int]]:
    """Candidate (start, end) pairs whose text neither starts nor ends with white space."""
    solid = [i for i, char in enumerate(text) if not char.isspace()]
    return [(a, b + 1) for a in solid[:60] for b in solid[:60] if b >= a]


@st.composite
def spans(draw: st.DrawFn, schema: Schema, text: str, max_spans: int = 8) -> list[dict[str, Any]]:
    bounds = _span_bounds(text)
    if not bounds:
        return []
    labels = [label.name for label in schema.labels]
    keys = draw(st.lists(st.tuples(st.sampled_from(labels), st.sampled_from(bounds)), max_size=max_spans,
                         unique=True))
    return [
        {"id": f"s{index}", "label": label, "start": start, "end": end, "text": text[start:end],
         "attributes": draw(attribute_sets(schema, label))}
        for index, (label, (start, end)) in enumerate(keys)
    ]


@st.composite
def relations(draw: st.DrawFn, schema: Schema, span_list: list[dict[str, Any]],
              max_relations: int = 6) -> list[dict[str, Any]]:
    """Relations between the spans that their types allow, within each type's cardinality."""
    candidates = [
        (relation.name, head["id"], tail["id"])
        for relation in schema.relations
        for head in span_list if head["label"] in relation.head
        for tail in span_list if tail["label"] in relation.tail and tail["id"] != head["id"]
    ]
    if not candidates:
        return []
    chosen = draw(st.lists(st.sampled_from(candidates), max_size=max_relations, unique=True))
    limits = {r.name: r.max_per_head for r in schema.relations}
    per_head: dict[tuple[str, str], int] = {}
    kept = []
    for kind, head, tail in chosen:
        count = per_head.get((kind, head), 0)
        if limits[kind] is None or count < limits[kind]:
            per_head[(kind, head)] = count + 1
            kept.append((kind, head, tail))
    return [{"id": f"r{index}", "type": kind, "head": head, "tail": tail}
            for index, (kind, head, tail) in enumerate(kept)]


@st.composite
def records(draw: st.DrawFn, schema: Schema | None = None, text: st.SearchStrategy[str] | None = None,
            doc_id: st.SearchStrategy[str] | None = None, annotator: st.SearchStrategy[str] | None = None,
            max_spans: int = 8) -> dict[str, Any]:
    """A schema-valid record as JSON data, with its text inline."""
    schema = schema or load_schema()
    body = draw(text if text is not None else texts())
    span_list = draw(spans(schema, body, max_spans))
    return {
        "doc_id": draw(doc_id if doc_id is not None else st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")),
        "schema_version": schema.version,
        "text_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "annotator": draw(annotator if annotator is not None else st.sampled_from(("alice", "bob", "gold"))),
        "spans": span_list,
        "relations": draw(relations(schema, span_list)),
        "text": body,
    }
