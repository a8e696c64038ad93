"""Pre-annotation: spans proposed by rules, for annotators to confirm instead of type.

`prelabel_text(text, doc_id, schema)` returns an annotation record (plain JSON data) by the
annotator `prelabel-<toolkit version>` holding:
- CASUALTY_FIGURE spans with incident, category, qualifier, value, value_min and value_max
  (prelabel/figures.py; number words by text2num, the `prelabel` extra);
- a mention span for every alias of a registry entry found in the text, for each label whose
  one attribute names a registry entry (ACTOR, MEDIA_OUTLET; prelabel/mentions.py). The
  guidelines annotate only the mentions a relation needs; the rest are for the annotator to
  delete, which is quicker than typing the ones kept.
No relations are proposed. Its `score` is the mean confidence of its spans (`Proposal.score`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crocus_claims import __version__
from crocus_claims.corpus import text_sha256
from crocus_claims.prelabel.figures import FALLBACK_INCIDENT, LABEL, Figure, find_figures
from crocus_claims.prelabel.mentions import Mention, find_mentions, mention_registries
from crocus_claims.prelabel.numbers import MissingExtra
from crocus_claims.prelabel.tokens import Token, tokenize
from crocus_claims.schema import Schema

INCIDENT_REGISTRY = "incident"
ID_PREFIX = {LABEL: "fig"}


def annotator_name() -> str:
    """`prelabel-<toolkit version>`: the annotator, and the Label Studio model_version."""
    return f"prelabel-{__version__}"


@dataclass(frozen=True)
class Proposal:
    """A pre-annotated document: its record (JSON data) and its score in [0, 1]."""

    record: dict[str, Any]
    score: float


def _incident_finder(tokens: Sequence[Token], mentions: list[Mention], schema: Schema) -> Any:
    """incident_at(token index): the incident named nearest in that token's sentence, else the
    last one named before the sentence, else UNCLEAR."""
    known = set(schema.registries_by_name[INCIDENT_REGISTRY].ids) if INCIDENT_REGISTRY in \
        schema.registries_by_name else set()
    sentence_of = {t.start: t.sentence for t in tokens}

    def sentence_at(offset: int) -> int:
        return next((t.sentence for t in tokens if t.end > offset), tokens[-1].sentence if tokens else 0)

    placed = [(m, sentence_of.get(m.start, sentence_at(m.start))) for m in mentions]

    def incident_at(index: int) -> str:
        token = tokens[index]
        same = [m for m, s in placed if s == token.sentence]
        if same:
            return min(same, key=lambda m: abs(m.start - token.start)).entry
        before = [m for m, s in placed if s < token.sentence]
        if before:
            return before[-1].entry
        return FALLBACK_INCIDENT if FALLBACK_INCIDENT in known else ""

    return incident_at


def _figure_span(figure: Figure, text: str) -> dict[str, Any]:
    return {"id": f"{ID_PREFIX[LABEL]}-{figure.start}", "label": LABEL, "start": figure.start,
            "end": figure.end, "text": text[figure.start:figure.end], "attributes": figure.attributes}


def _mention_span(label: str, attribute: str, mention: Mention, text: str) -> dict[str, Any]:
    return {"id": f"{label.lower().split('_')[0][:3]}-{mention.start}", "label": label, "start": mention.start,
            "end": mention.end, "text": text[mention.start:mention.end], "attributes": {attribute: mention.entry}}


def _figure_confidence(figure: Figure) -> float:
    """1 when the governing word is next to the figure, falling with the words between."""
    return 1 / (1 + max(figure.evidence_distance - 1, 0) / 4)


def prelabel_text(text: str, doc_id: str, schema: Schema, *, carry_text: bool = False) -> Proposal:
    """Pre-annotate one text (code-point offsets into exactly `text`).

    With `carry_text`, the record holds the text itself, so that `validate` checks it without
    the corpus. Raises MissingExtra when text2num is not installed.
    """
    tokens = tokenize(text)
    incidents = (find_mentions(text, schema.registries_by_name[INCIDENT_REGISTRY])
                 if INCIDENT_REGISTRY in schema.registries_by_name else [])
    figures = [f for f in find_figures(tokens, schema, _incident_finder(tokens, incidents, schema))
               if f.attributes["incident"]]
    spans = [_figure_span(figure, text) for figure in figures]
    confidences = [_figure_confidence(figure) for figure in figures]
    for label, registry in mention_registries(schema).items():
        attribute = schema.labels_by_name[label].attributes[0]
        for mention in find_mentions(text, schema.registries_by_name[registry]):
            spans.append(_mention_span(label, attribute, mention, text))
            confidences.append(1.0 if mention.exact_case else 0.9)
    spans.sort(key=lambda s: (s["start"], s["end"], s["label"]))
    record: dict[str, Any] = {"doc_id": doc_id, "schema_version": schema.version,
                              "text_sha256": text_sha256(text), "annotator": annotator_name(),
                              "spans": spans, "relations": []}
    if carry_text:
        record["text"] = text
    score = sum(confidences) / len(confidences) if confidences else 0.0
    return Proposal(record, round(score, 4))


__all__ = ["MissingExtra", "Proposal", "annotator_name", "prelabel_text"]
