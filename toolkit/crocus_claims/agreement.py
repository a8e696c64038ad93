"""Inter-annotator agreement between two annotation sets of the same documents.

Set A is the reference and set B is compared against it: precision is B's spans that A also has,
recall is A's spans that B also has. F1 is symmetric, so swapping A and B changes only P and R.

How spans are paired, per document and label, always one-to-one:
- exact: same label, start and end.
- overlap: same label and overlapping ranges. Candidate pairs are taken greedily, largest
  overlap (in code points) first; ties go to the pair with the smaller union (so an exact pair
  beats a looser one), then to the earlier A span and the earlier B span by (start, end, id).
  The result does not depend on the order of spans in the files.
Attribute agreement is measured on the overlap pairs. A relation of B matches a relation of A
when the types are equal and B's head and tail are the spans paired with A's head and tail; it
is scored under both pairings.

Every attribute is treated as nominal, null included as a category of its own. Cohen's kappa is
(p_o - p_e) / (1 - p_e), p_e from each side's own value frequencies. Degenerate cases:
- no pair carries the attribute: observed agreement and kappa are null;
- p_e = 1 (both sides gave every pair one and the same value): kappa is null, with a note,
  because chance alone explains the agreement; observed agreement is still 1.
Undefined ratios are null too: precision with no span in B, recall with none in A, F1 with none
on either side (F1 = 2 * matched / (|A| + |B|), which is 0 when only one side has spans).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from pydantic import BaseModel, ConfigDict

from crocus_claims.records import record_types, to_builtins
from crocus_claims.schema import Schema

Matching = Literal["exact", "overlap"]
MATCHINGS: tuple[Matching, ...] = ("exact", "overlap")
ONE_CATEGORY = "undefined: one value on every pair, both sides (chance agreement 1)"


class AgreementError(ValueError):
    """Two annotation sets that cannot be compared; `code` is stable, the message names the document."""

    def __init__(self, code: str, message: str, doc_id: str | None = None):
        self.code = code
        self.doc_id = doc_id
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# The report


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Score(_Model):
    """Counts and ratios of one comparison; a ratio is null where its denominator is zero."""

    count_a: int
    count_b: int
    matched: int
    precision: float | None
    recall: float | None
    f1: float | None


class SpanScores(_Model):
    per_label: dict[str, Score]
    core: Score
    all: Score


class RelationScores(_Model):
    per_type: dict[str, Score]
    all: Score


class AttributeAgreement(_Model):
    label: str
    attribute: str
    pairs: int
    agreed: int
    observed: float | None
    kappa: float | None
    note: str | None = None


class DocumentCoverage(_Model):
    shared: list[str]
    only_a: list[str]
    only_b: list[str]


class AgreementReport(_Model):
    schema_version: str
    annotators_a: list[str]
    annotators_b: list[str]
    documents: DocumentCoverage
    spans: dict[Matching, SpanScores]
    attributes: list[AttributeAgreement]
    relations: dict[Matching, RelationScores]


# ---------------------------------------------------------------------------------------------
# Scores


def score(count_a: int, count_b: int, matched: int) -> Score:
    return Score(
        count_a=count_a,
        count_b=count_b,
        matched=matched,
        precision=matched / count_b if count_b else None,
        recall=matched / count_a if count_a else None,
        f1=2 * matched / (count_a + count_b) if count_a + count_b else None,
    )


def sum_scores(scores: Iterable[Score]) -> Score:
    """The micro-average: counts summed first, ratios computed once."""
    scores = list(scores)
    return score(sum(s.count_a for s in scores), sum(s.count_b for s in scores),
                 sum(s.matched for s in scores))


def cohen_kappa(pairs: list[tuple[str, str]]) -> tuple[float | None, float | None, str | None]:
    """(observed agreement, kappa, note) of nominal value pairs; see the module docstring for nulls."""
    if not pairs:
        return None, None, None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    counts_a, counts_b = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(counts_a[value] * counts_b[value] for value in counts_a) / (n * n)
    if chance == 1:
        return observed, None, ONE_CATEGORY
    return observed, (observed - chance) / (1 - chance), None


# ---------------------------------------------------------------------------------------------
# Span pairing


@dataclass(frozen=True)
class ComparedSpan:
    id: str
    label: str
    start: int
    end: int
    attributes: Mapping[str, Any]

    @property
    def order(self) -> tuple[int, int, str]:
        return self.start, self.end, self.id

    @property
    def key(self) -> tuple[str, int, int]:
        """What exact matching compares: label, start and end (never the text)."""
        return self.label, self.start, self.end


def pair_exact(spans_a: list[ComparedSpan], spans_b: list[ComparedSpan]) -> dict[str, str]:
    """A span id -> B span id, for spans of the same label, start and end."""
    free: dict[tuple[str, int, int], list[ComparedSpan]] = {}
    for span in sorted(spans_b, key=lambda s: s.order, reverse=True):
        free.setdefault(span.key, []).append(span)
    pairs = {}
    for span in sorted(spans_a, key=lambda s: s.order):
        candidates = free.get(span.key)
        if candidates:
            pairs[span.id] = candidates.pop().id
    return pairs


def pair_overlapping(spans_a: list[ComparedSpan], spans_b: list[ComparedSpan]) -> dict[str, str]:
    """A span id -> B span id, one-to-one, greedy by largest overlap (ties as the module says)."""
    candidates = []
    for a in spans_a:
        for b in spans_b:
            overlap = min(a.end, b.end) - max(a.start, b.start)
            if a.label == b.label and overlap > 0:
                union = max(a.end, b.end) - min(a.start, b.start)
                candidates.append((-overlap, union, a.order, b.order, a.id, b.id))
    pairs: dict[str, str] = {}
    taken_b: set[str] = set()
    for *_, a_id, b_id in sorted(candidates):
        if a_id not in pairs and b_id not in taken_b:
            pairs[a_id] = b_id
            taken_b.add(b_id)
    return pairs


PAIRING = {"exact": pair_exact, "overlap": pair_overlapping}


# ---------------------------------------------------------------------------------------------
# Records


def _as_builtins(record: Any, schema: Schema) -> dict[str, Any]:
    """Plain data with every attribute present (defaults filled), whether given a struct or a dict."""
    if not isinstance(record, msgspec.Struct):
        try:
            record = record_types(schema).convert(record)
        except msgspec.ValidationError as error:
            doc_id = record.get("doc_id") if isinstance(record, dict) else None
            raise AgreementError("invalid-record", f"doc {doc_id}: {error}", doc_id) from None
    return to_builtins(record)


def _by_document(records: Iterable[Any], schema: Schema, side: str) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for record in records:
        data = _as_builtins(record, schema)
        doc_id = data["doc_id"]
        if doc_id in documents:
            raise AgreementError(
                "ambiguous-document",
                f"set {side} has more than one record for doc {doc_id} "
                f"(annotators {documents[doc_id]['annotator']!r} and {data['annotator']!r})",
                doc_id,
            )
        documents[doc_id] = data
    return documents


def compared_spans(record: dict[str, Any]) -> list[ComparedSpan]:
    return [ComparedSpan(s["id"], s["label"], s["start"], s["end"], s["attributes"]) for s in record["spans"]]


@dataclass
class _Tally:
    """Running counts over the shared documents, keyed by (matching, label or relation type)."""

    spans: Counter
    relations: Counter
    attribute_pairs: dict[tuple[str, str], list[tuple[str, str]]]


def _count_spans(tally: _Tally, matching: str, a: list[ComparedSpan], b: list[ComparedSpan], pairs: dict[str, str]) -> None:
    labels_a = {s.id: s.label for s in a}
    for span in a:
        tally.spans[matching, span.label, "a"] += 1
    for span in b:
        tally.spans[matching, span.label, "b"] += 1
    for a_id in pairs:
        tally.spans[matching, labels_a[a_id], "matched"] += 1


def _count_relations(tally: _Tally, matching: str, record_a: dict[str, Any], record_b: dict[str, Any],
                     pairs: dict[str, str]) -> None:
    free = Counter((r["type"], r["head"], r["tail"]) for r in record_b["relations"])
    for relation in record_a["relations"]:
        tally.relations[matching, relation["type"], "a"] += 1
        key = (relation["type"], pairs.get(relation["head"]), pairs.get(relation["tail"]))
        if free[key] > 0:
            free[key] -= 1
            tally.relations[matching, relation["type"], "matched"] += 1
    for relation in record_b["relations"]:
        tally.relations[matching, relation["type"], "b"] += 1


def attribute_text(value: Any) -> str:
    """One category per distinct JSON value, so that 1, "1", true and null stay apart."""
    return json.dumps(value, sort_keys=True)


def _count_attributes(tally: _Tally, a: list[ComparedSpan], b: list[ComparedSpan], pairs: dict[str, str]) -> None:
    by_id_b = {s.id: s for s in b}
    for span in a:
        if span.id not in pairs:
            continue
        other = by_id_b[pairs[span.id]]
        for name, value in span.attributes.items():
            tally.attribute_pairs.setdefault((span.label, name), []).append(
                (attribute_text(value), attribute_text(other.attributes.get(name)))
            )


def _tally(documents_a: dict, documents_b: dict, shared: list[str]) -> _Tally:
    tally = _Tally(Counter(), Counter(), {})
    for doc_id in shared:
        record_a, record_b = documents_a[doc_id], documents_b[doc_id]
        if record_a["text_sha256"] != record_b["text_sha256"]:
            raise AgreementError(
                "different-text",
                f"doc {doc_id}: the two sets annotate different texts (text_sha256 differs)",
                doc_id,
            )
        spans_a, spans_b = compared_spans(record_a), compared_spans(record_b)
        for matching in MATCHINGS:
            pairs = PAIRING[matching](spans_a, spans_b)
            _count_spans(tally, matching, spans_a, spans_b, pairs)
            _count_relations(tally, matching, record_a, record_b, pairs)
            if matching == "overlap":
                _count_attributes(tally, spans_a, spans_b, pairs)
    return tally


def _scores(counts: Counter, matching: str, names: Iterable[str]) -> dict[str, Score]:
    def count(name: str, side: str) -> int:
        return counts[matching, name, side]

    return {name: score(count(name, "a"), count(name, "b"), count(name, "matched")) for name in names}


def _attribute_agreements(tally: _Tally, schema: Schema) -> Iterator[AttributeAgreement]:
    for label in schema.labels:
        for attribute in label.attributes:
            pairs = tally.attribute_pairs.get((label.name, attribute), [])
            observed, kappa, note = cohen_kappa(pairs)
            yield AttributeAgreement(
                label=label.name, attribute=attribute, pairs=len(pairs),
                agreed=sum(a == b for a, b in pairs), observed=observed, kappa=kappa, note=note,
            )


def compare(records_a: Iterable[Any], records_b: Iterable[Any], schema: Schema) -> AgreementReport:
    """Agreement of set B with reference set A on the documents both annotate.

    Records are record structs (from `record_types(schema)`) or plain dicts; each set has at most
    one record per document. Raises AgreementError on input that cannot be compared.
    """
    documents_a = _by_document(records_a, schema, "A")
    documents_b = _by_document(records_b, schema, "B")
    shared = sorted(documents_a.keys() & documents_b.keys())
    tally = _tally(documents_a, documents_b, shared)
    labels = [label.name for label in schema.labels]
    relation_types = [relation.name for relation in schema.relations]
    spans, relations = {}, {}
    for matching in MATCHINGS:
        per_label = _scores(tally.spans, matching, labels)
        spans[matching] = SpanScores(
            per_label=per_label,
            core=sum_scores(per_label[name] for name in schema.core_labels),
            all=sum_scores(per_label.values()),
        )
        per_type = _scores(tally.relations, matching, relation_types)
        relations[matching] = RelationScores(per_type=per_type, all=sum_scores(per_type.values()))
    return AgreementReport(
        schema_version=schema.version,
        annotators_a=sorted({documents_a[d]["annotator"] for d in shared}),
        annotators_b=sorted({documents_b[d]["annotator"] for d in shared}),
        documents=DocumentCoverage(
            shared=shared,
            only_a=sorted(documents_a.keys() - documents_b.keys()),
            only_b=sorted(documents_b.keys() - documents_a.keys()),
        ),
        spans=spans,
        attributes=list(_attribute_agreements(tally, schema)),
        relations=relations,
    )
