"""How a document's text is laid out on its board page: sentences, segments and span slots.

The text is cut at every span boundary and every sentence boundary into segments, so that
overlapping and nested spans need no nested markup: each segment lists the spans covering it,
and each span keeps one slot (a row of underline, as in displaCy's span view) from its first
segment to its last, the lowest slot free over its whole extent. Offsets are code points into
the text, end-exclusive, as in the records.

Sentences are found by a plain rule (a full stop, question or exclamation mark, optionally
closed by a quote or bracket, then white space and an upper-case letter, digit or opening
quote; or a blank line). It is only a reading aid: a sentence is where a board link lands.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SENTENCE_END = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n""")


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    text: str
    spans: tuple[str, ...]  # ids of the spans covering it, by slot
    opens: tuple[str, ...]  # ids of the spans that start here


@dataclass
class Sentence:
    number: int
    start: int
    end: int
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    sentences: list[Sentence]
    slots: dict[str, int]  # span id -> slot (0 nearest the text)
    depth: int  # slots used: how many rows of underline the deepest place needs


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; together they cover the whole text."""
    bounds, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.end() > start:
            bounds.append((start, match.end()))
            start = match.end()
    if start < len(text) or not bounds:
        bounds.append((start, len(text)))
    return bounds


def assign_slots(spans: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Span id -> the lowest slot not taken by an overlapping span placed before it. Longer spans
    are placed first at each start, so a nested span sits above the span that contains it."""
    slots: dict[str, int] = {}
    placed: list[tuple[int, int, int]] = []  # (start, end, slot)
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"], s["label"], s["id"])):
        taken = {slot for start, end, slot in placed if start < span["end"] and span["start"] < end}
        slot = next(n for n in range(len(taken) + 1) if n not in taken)
        slots[span["id"]] = slot
        placed.append((span["start"], span["end"], slot))
    return slots


def layout(text: str, spans: Sequence[dict[str, Any]]) -> Layout:
    """Sentences of `text`, each cut into segments at every span boundary."""
    slots = assign_slots(spans)
    cuts = {0, len(text)} | {s["start"] for s in spans} | {s["end"] for s in spans}
    bounds = sentence_bounds(text)
    cuts |= {start for start, _ in bounds}
    points = sorted(cut for cut in cuts if 0 <= cut <= len(text))
    sentences = [Sentence(number, start, end) for number, (start, end) in enumerate(bounds, start=1)]
    starts = [sentence.start for sentence in sentences]
    for start, end in zip(points, points[1:], strict=False):
        covering = sorted((s for s in spans if s["start"] <= start and end <= s["end"]), key=lambda s: slots[s["id"]])
        segment = Segment(start, end, text[start:end], tuple(s["id"] for s in covering),
                          tuple(s["id"] for s in covering if s["start"] == start))
        sentences[bisect_right(starts, start) - 1].segments.append(segment)
    return Layout(sentences, slots, max(slots.values(), default=-1) + 1)
