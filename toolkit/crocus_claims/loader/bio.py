"""Token-level BIO tags for sequence labelling, and the report of what the tags cannot hold.

Spans are annotated on characters; tags live on tokens. Two things get lost in between, and both
are reported, span by span, never dropped in silence:
- a span whose start or end falls inside a token (it is tagged on the tokens it touches, or not
  at all when it touches none);
- a span that overlaps or nests in an earlier one: flat BIO holds one tag per token, so it keeps
  the earlier span (leftmost, then longest) and reports the other. `to_layered_bio` keeps one tag
  sequence per label, where only spans of the same label can still collide.
The tokenizer is any callable returning (token, start, end) triples in code points; the default
is a regular expression, so no model is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from crocus_claims.schema import Schema

if TYPE_CHECKING:
    from crocus_claims.loader.dataset import Dataset

Token = tuple[str, int, int]
Tokenizer = Callable[[str], Iterable[Token]]
IssueKind = Literal["not-on-token-boundary", "no-token", "overlap"]
OUTSIDE = "O"

# Words with inner hyphens or separators ("IS-K", "1,000", "U.S"), or any single other
# non-space character ("Russia's" is three tokens, as most tokenizers cut it).
TOKEN_PATTERN = re.compile(r"\w+(?:[-.,]\w+)*|[^\w\s]")


def regex_tokenizer(text: str) -> list[Token]:
    return [(match.group(), match.start(), match.end()) for match in TOKEN_PATTERN.finditer(text)]


def tag_names(schema: Schema) -> list[str]:
    """O, then B- and I- of every label in schema order: the class names of a tag."""
    return [OUTSIDE, *(f"{prefix}-{label.name}" for label in schema.labels for prefix in ("B", "I"))]


@dataclass(frozen=True)
class AlignmentIssue:
    doc_id: str
    span_id: str
    label: str
    start: int
    end: int
    kind: IssueKind
    message: str
    other_span_id: str | None = None

    def __str__(self) -> str:
        return f"doc {self.doc_id} span {self.span_id} ({self.label} {self.start}-{self.end}): {self.kind}: {self.message}"


@dataclass(frozen=True)
class BioDocument:
    doc_id: str
    split: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: list[str]


@dataclass(frozen=True)
class LayeredBioDocument:
    doc_id: str
    split: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: dict[str, list[str]]  # label -> one tag per token


@dataclass(frozen=True)
class BioResult:
    documents: list[Any]  # BioDocument or LayeredBioDocument
    report: list[AlignmentIssue]
    tag_names: list[str]


def span_order(span: Any) -> tuple[int, int, str, str]:
    """Leftmost first, then longest: the span flat BIO keeps when two collide."""
    return span.start, -span.end, span.label, span.id


def covered_tokens(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    return [index for index, (_, token_start, token_end) in enumerate(tokens) if token_start < end and token_end > start]


def tag_spans(doc_id: str, tokens: Sequence[Token], spans: Iterable[Any]) -> tuple[list[str], list[AlignmentIssue]]:
    """One BIO tag per token for `spans`, and an issue for every span not tagged exactly."""
    tags = [OUTSIDE] * len(tokens)
    owner: list[str | None] = [None] * len(tokens)
    issues = []

    def issue(span: Any, kind: IssueKind, message: str, other: str | None = None) -> None:
        issues.append(AlignmentIssue(doc_id, span.id, span.label, span.start, span.end, kind, message, other))

    for span in sorted(spans, key=span_order):
        indices = covered_tokens(tokens, span.start, span.end)
        if not indices:
            issue(span, "no-token", "covers no token: not tagged")
            continue
        taken = next((owner[i] for i in indices if owner[i] is not None), None)
        if taken is not None:
            issue(span, "overlap", f"overlaps span {taken}, which holds its tokens: not tagged", taken)
            continue
        first, last = indices[0], indices[-1]
        if tokens[first][1] != span.start or tokens[last][2] != span.end:
            issue(span, "not-on-token-boundary", f"tagged as tokens {first}-{last}, "
                  f"characters {tokens[first][1]}-{tokens[last][2]}")
        for position, index in enumerate(indices):
            tags[index] = f"{'B' if position == 0 else 'I'}-{span.label}"
            owner[index] = span.id
    return tags, issues


def tokenize(text: str, tokenizer: Tokenizer | None) -> list[Token]:
    tokens = [(str(token), int(start), int(end)) for token, start, end in (tokenizer or regex_tokenizer)(text)]
    return sorted(tokens, key=lambda token: (token[1], token[2]))


def to_bio(dataset: Dataset, tokenizer: Tokenizer | None = None) -> BioResult:
    """Flat BIO tags of every document of `dataset` (its filters apply)."""
    documents, report = [], []
    for record in dataset:
        tokens = tokenize(record.text, tokenizer)
        tags, issues = tag_spans(record.doc_id, tokens, record.spans)
        documents.append(BioDocument(record.doc_id, record.split, [t[0] for t in tokens],
                                     [t[1] for t in tokens], [t[2] for t in tokens], tags))
        report.extend(issues)
    return BioResult(documents, report, tag_names(dataset.schema))


def to_layered_bio(dataset: Dataset, tokenizer: Tokenizer | None = None) -> BioResult:
    """One tag sequence per label of the schema, so that spans of different labels may overlap."""
    documents, report = [], []
    labels = [label.name for label in dataset.schema.labels]
    for record in dataset:
        tokens = tokenize(record.text, tokenizer)
        layers = {}
        for label in labels:
            layers[label], issues = tag_spans(record.doc_id, tokens, (s for s in record.spans if s.label == label))
            report.extend(issues)
        documents.append(LayeredBioDocument(record.doc_id, record.split, [t[0] for t in tokens],
                                            [t[1] for t in tokens], [t[2] for t in tokens], layers))
    return BioResult(documents, report, tag_names(dataset.schema))
