"""What a document page shows, computed before rendering: each span's chip (label, colour,
attributes and relations as text) and each segment's underlines (one CSS background layer per
covering span, at its slot's height). The template only places these, so a page renders in about
a millisecond and its size grows with its document alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crocus_claims.board.layout import Layout, layout
from crocus_claims.board.names import Names
from crocus_claims.schema import Attribute, Schema

BAR_PITCH = 5  # px between two rows of underline
NOT_STATED = "not stated"


@dataclass(frozen=True)
class SpanView:
    id: str
    label: str
    abbreviation: str
    color: str
    start: int
    end: int
    text: str
    attributes: tuple[tuple[str, str], ...]  # (attribute, value as shown)
    relations: tuple[str, ...]  # "type → other span's text", "type ← other span's text"


@dataclass(frozen=True)
class SegmentView:
    text: str
    span_ids: str  # covering spans, space-separated ("" when none)
    style: str  # the underlines, as CSS background layers
    chips: tuple[SpanView, ...]  # spans that start here


@dataclass(frozen=True)
class SentenceView:
    number: int
    segments: tuple[SegmentView, ...]


@dataclass(frozen=True)
class DocumentView:
    record: dict[str, Any]
    metadata: dict[str, Any]
    layout: Layout
    spans: dict[str, SpanView]
    sentences: tuple[SentenceView, ...]
    relations: tuple[tuple[str, str, SpanView | None, SpanView | None, str, str], ...]  # id, type, head, tail, ids


def shown_value(names: Names, attribute: Attribute, value: Any) -> str:
    if value is None:
        return NOT_STATED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if attribute.registry:
        return f"{names.registry(attribute.registry, value)} ({value})"
    return str(value)


def abbreviations(schema: Schema) -> dict[str, str]:
    """The short name of each label on its chips: the initials of its words (CASUALTY_FIGURE: CF),
    or the full name where two labels share initials."""
    initials = {label.name: "".join(word[0] for word in label.name.split("_")) for label in schema.labels}
    shared = {short for short in initials.values() if list(initials.values()).count(short) > 1}
    return {name: name if short in shared else short for name, short in initials.items()}


class DocumentViews:
    """Turns release records into DocumentViews, with the schema's names and colours."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.names = Names(schema)
        self.short = abbreviations(schema)
        self.colors = {label.name: label.color for label in schema.labels}
        self.attributes = {label.name: schema.label_attributes(label.name) for label in schema.labels}

    def span_view(self, span: Mapping[str, Any], texts: Mapping[str, str], outgoing: list[Any],
                  incoming: list[Any]) -> SpanView:
        values = span.get("attributes") or {}
        return SpanView(
            id=span["id"], label=span["label"], abbreviation=self.short.get(span["label"], span["label"]),
            color=self.colors.get(span["label"], "#777777"), start=span["start"], end=span["end"], text=span["text"],
            attributes=tuple((a.name, shown_value(self.names, a, values.get(a.name)))
                             for a in self.attributes.get(span["label"], ())),
            relations=tuple([f"{r['type']} → {texts.get(r['tail'], r['tail'])}" for r in outgoing]
                            + [f"{r['type']} ← {texts.get(r['head'], r['head'])}" for r in incoming]),
        )

    def view(self, record: dict[str, Any]) -> DocumentView:
        placed = layout(record["text"], record["spans"])
        texts = {span["id"]: span["text"] for span in record["spans"]}
        outgoing, incoming = defaultdict(list), defaultdict(list)
        for relation in record["relations"]:
            outgoing[relation["head"]].append(relation)
            incoming[relation["tail"]].append(relation)
        spans = {s["id"]: self.span_view(s, texts, outgoing[s["id"]], incoming[s["id"]]) for s in record["spans"]}
        offsets = {sid: (placed.depth - 1 - slot) * BAR_PITCH for sid, slot in placed.slots.items()}
        sentences = tuple(
            SentenceView(sentence.number, tuple(
                SegmentView(segment.text, " ".join(segment.spans), underlines(segment.spans, spans, offsets),
                            tuple(spans[sid] for sid in segment.opens))
                for segment in sentence.segments))
            for sentence in placed.sentences
        )
        relations = tuple((r["id"], r["type"], spans.get(r["head"]), spans.get(r["tail"]), r["head"], r["tail"])
                          for r in record["relations"])
        return DocumentView(record, record.get("metadata") or {}, placed, spans, sentences, relations)


def underlines(span_ids: tuple[str, ...], spans: Mapping[str, SpanView], offsets: Mapping[str, int]) -> str:
    """CSS background layers: a 3 px line in each covering span's colour at its slot's height."""
    if not span_ids:
        return ""
    images = ",".join(f"linear-gradient({spans[sid].color},{spans[sid].color})" for sid in span_ids)
    positions = ",".join(f"left 0 bottom {offsets[sid]}px" for sid in span_ids)
    return f"background-image:{images};background-position:{positions}"
