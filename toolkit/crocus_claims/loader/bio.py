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

Tags are computed document by document as they are iterated (`BioResult`), so memory does not
grow with the number of documents; each document carries its own issues, and the report counts
every issue and keeps the first `keep` of them. A span's tokens are found by bisection on the
token offsets, not by a scan of every token. The default tokenizer has a fast path
(`regex_token_columns`, `tag_tiled`) whose output is `regex_tokenizer` + `tag_on`'s to the
character (tests/test_loader_bio.py proves it on generated texts and spans); a custom
tokenizer takes the general path. `regex_token_columns`, `tag_tiled` and `tag_layers` with it also
exist compiled (_bio_tokens.c, built where the install found a C compiler), with the same output
(tags, and every issue with its message), held by the same tests; the helper takes about two
thirds of to_bio()'s time away (README, "Speed at scale").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import msgspec

from crocus_claims.schema import Schema

if TYPE_CHECKING:
    from crocus_claims.loader.dataset import Dataset

Token = tuple[str, int, int]
Tokenizer = Callable[[str], Iterable[Token]]
IssueKind = Literal["not-on-token-boundary", "no-token", "overlap", "token-split"]
OUTSIDE = "O"
KEEP_ISSUES = 10_000  # issues kept in a report; every one is counted, and each document has its own

# Words with inner hyphens or separators ("IS-K", "1,000", "U.S"), or any single other
# non-space character ("Russia's" is three tokens, as most tokenizers cut it).
TOKEN = r"\w+(?:[-.,]\w+)*|[^\w\s]"
TOKEN_PATTERN = re.compile(TOKEN)
HELPER_ABI = 2  # _bio_tokens.c's ABI: a helper built from other sources (a stale build) is not used
try:
    from crocus_claims.loader import _bio_tokens  # the compiled helper, built where a compiler was
except ImportError:  # no compiler at install time: regex_token_columns, with the same output
    _bio_tokens = None  # type: ignore[assignment]  # (mypy's idiom for an optional module)
if getattr(_bio_tokens, "ABI", None) != HELPER_ABI:
    _bio_tokens = None  # type: ignore[assignment]


def regex_tokenizer(text: str) -> list[Token]:
    return [(match.group(), match.start(), match.end()) for match in TOKEN_PATTERN.finditer(text)]


def regex_token_columns(text: str) -> tuple[list[str], list[int], list[int]]:
    """The default tokenizer's tokens, start and end offsets (code points), as three lists:
    exactly `regex_tokenizer`'s, found without running the pattern on plain words.

    The pattern never matches white space and matches every other character, so a text is its
    tokens with white space between them. The text is cut at single spaces (str.split(" ")); a
    part's offset is the lengths of the parts before it plus one per space, summed in bulk. A part
    that is all letters and digits (str.isalnum: the pattern's \\w less the underscore) is one
    token; any other part (punctuation, emoji, an underscore, other white space such as a new
    line, or empty between two spaces) is matched with the pattern, at its offset. A text where
    such parts are most of the parts is matched whole, in one pass (`paired_token_columns`)."""
    parts = text.split(" ")
    if all_plain_words(text, parts):
        return parts, *part_offsets(parts)
    plain = list(map(str.isalnum, parts))
    if plain.count(False) * 2 > len(parts):  # mostly parts to match (a run of spaces, of emoji)
        return paired_token_columns(text)
    return matched_parts(text, parts, plain)


default_token_columns: Callable[[str], tuple[list[str], list[int], list[int]]] = (
    regex_token_columns if _bio_tokens is None else _bio_tokens.token_columns)
"""The default tokenizer's columns: the compiled helper's where it was built, else regex_token_columns."""


def part_offsets(parts: list[str]) -> tuple[list[int], list[int]]:
    """Start and end offsets (code points) of the parts of a text cut at single spaces."""
    bounds = [1] * (2 * len(parts) - 1)  # a part's length, then the space after it
    bounds[0::2] = map(len, parts)
    offsets = list(accumulate(bounds, initial=0))
    return offsets[0::2], offsets[1::2]


ASCII_LETTERS_DIGITS_SPACE = bytes(range(48, 58)) + bytes(range(65, 91)) + bytes(range(97, 123)) + b" "
MOST_PARTS_REPLACED = 64  # in place; past that, one pass of the pattern over the whole text
TOKEN_AND_SPACE = re.compile(f"({TOKEN})(\\s*)")
LEADING_SPACE = re.compile(r"\s*")


def all_plain_words(text: str, parts: list[str]) -> bool:
    """True when `text` is ASCII and every part of it cut at single spaces is a non-empty run of
    letters and digits, checked as bytes at once. False says nothing: the parts are then looked
    at one by one."""
    return ("" not in parts and text.isascii()
            and not text.encode("ascii").translate(None, ASCII_LETTERS_DIGITS_SPACE))


def matched_parts(text: str, parts: list[str], plain: list[bool]) -> tuple[list[str], list[int], list[int]]:
    """The token columns of `text` cut at single spaces into `parts`: a part that is not all
    letters and digits (`plain` False) is replaced by the pattern's tokens in it, unless it is
    one token (an emoji, "IS-K"). Replacing moves the tokens after it, so a text with many parts
    to replace is matched whole instead (`paired_token_columns`): the time stays linear. `parts`
    is changed in place: it becomes the tokens."""
    changed: list[tuple[int, list[str]]] = []
    index = -1
    while True:
        try:
            index = plain.index(False, index + 1)
        except ValueError:
            break
        found = TOKEN_PATTERN.findall(parts[index])
        if len(found) != 1 or found[0] != parts[index]:
            changed.append((index, found))
    if len(changed) > MOST_PARTS_REPLACED:
        return paired_token_columns(text)
    starts, ends = part_offsets(parts)
    for index, found in reversed(changed):  # from the end, so that the indices before stay valid
        part, offset = parts[index], starts[index]
        if sum(map(len, found)) == len(part):  # no white space in the part: its tokens are adjacent
            bounds = list(accumulate(map(len, found), initial=offset))
            starts[index:index + 1], ends[index:index + 1] = bounds[:-1], bounds[1:]
        else:
            matches = list(TOKEN_PATTERN.finditer(part))
            starts[index:index + 1] = [offset + match.start() for match in matches]
            ends[index:index + 1] = [offset + match.end() for match in matches]
        parts[index:index + 1] = found
    return parts, starts, ends


def paired_token_columns(text: str) -> tuple[list[str], list[int], list[int]]:
    """The token columns of `text` from one pass of the pattern, each token with the white space
    after it: the offsets are the lengths summed in bulk, from the white space before the first."""
    pieces = list(chain.from_iterable(TOKEN_AND_SPACE.findall(text)))  # token, space, token, ...
    leading = LEADING_SPACE.match(text)
    offsets = list(accumulate(map(len, pieces), initial=leading.end() if leading else 0))
    return pieces[0::2], offsets[0:-1:2], offsets[1::2]


def tag_names(schema: Schema) -> list[str]:
    """O, then B- and I- of every label in schema order: the class names of a tag."""
    return [OUTSIDE, *(f"{prefix}-{label.name}" for label in schema.labels for prefix in ("B", "I"))]


class AlignmentIssue(msgspec.Struct, frozen=True):
    """A span that the tags do not hold exactly (offsets in code points): `kind` says how, `message`
    says where its tags went; `other_span_id` is the span holding its tokens, for an overlap.
    (A msgspec struct: a document may have many, and one costs a tenth of a dataclass's time.)"""

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


class BioDocument(msgspec.Struct, frozen=True):
    """One document's tokens, their offsets (code points), one flat BIO tag per token, and the
    alignment issues of its spans."""

    doc_id: str
    split: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: list[str]
    issues: tuple[AlignmentIssue, ...] = ()


class LayeredBioDocument(msgspec.Struct, frozen=True):
    """As BioDocument, with one tag sequence per label of the schema."""

    doc_id: str
    split: str
    tokens: list[str]
    starts: list[int]
    ends: list[int]
    tags: dict[str, list[str]]  # label -> one tag per token
    issues: tuple[AlignmentIssue, ...] = ()


ISSUE_KIND = attrgetter("kind")


@dataclass
class AlignmentReport(Sequence[AlignmentIssue]):
    """Every alignment issue of a pass over the documents, counted by kind; the first `keep` are
    kept in order and are what indexing and iteration give. `total` counts them all."""

    keep: int = KEEP_ISSUES
    counts: Counter[str] = field(default_factory=Counter)
    kept: list[AlignmentIssue] = field(default_factory=list)

    def add(self, issues: Iterable[AlignmentIssue]) -> None:
        issues = tuple(issues)
        self.counts.update(map(ISSUE_KIND, issues))
        room = self.keep - len(self.kept)
        if room > 0:
            self.kept.extend(issues[:room])

    def merge(self, other: AlignmentReport) -> None:
        """Add the counts and kept issues of another report (of other documents)."""
        self.counts.update(other.counts)
        self.kept.extend(other.kept[: max(0, self.keep - len(self.kept))])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def complete(self) -> bool:
        """True when every issue is kept (none was only counted)."""
        return self.total == len(self.kept)

    def __len__(self) -> int:
        return len(self.kept)

    def __getitem__(self, index: Any) -> Any:
        return self.kept[index]

    def __iter__(self) -> Iterator[AlignmentIssue]:
        return iter(self.kept)


class TagSpan(msgspec.Struct):
    """What tagging reads of a span; the attributes are decoded only when a filter needs them."""

    id: str
    label: str
    start: int
    end: int
    attributes: msgspec.Raw = msgspec.Raw(b"{}")


class TagRecord(msgspec.Struct):
    doc_id: str
    split: str
    text: str
    spans: list[TagSpan]


TAG_RECORD_DECODER = msgspec.json.Decoder(TagRecord)


def tag_records(dataset: Dataset) -> Iterator[TagRecord]:
    """The documents of `dataset` (its filters applied), decoded only as far as tagging needs:
    the release was checked when it was loaded."""
    selection = dataset.selection
    splits, filters_spans = selection.splits, selection.filters_spans
    with open(dataset.documents_path, "rb") as handle:
        for line in handle:
            record = TAG_RECORD_DECODER.decode(line)
            if splits is not None and record.split not in splits:
                continue
            if filters_spans:
                record.spans = [s for s in record.spans
                                if selection.keeps_span(s.label, msgspec.json.decode(s.attributes))]
            yield record


def span_order(span: Any) -> tuple[int, int, str, str]:
    """Leftmost first, then longest: the span flat BIO keeps when two collide."""
    return span.start, -span.end, span.label, span.id


def covered_tokens(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    """Indices of the tokens that overlap [start, end), by a scan (for tokens that overlap each other)."""
    return [index for index, (_, token_start, token_end) in enumerate(tokens) if token_start < end and token_end > start]


class TokenIndex:
    """Token offsets of one document, and the tokens a character range touches, by bisection
    when the tokens do not overlap each other (then ends are sorted too), else by a scan."""

    def __init__(self, starts: list[int], ends: list[int]):
        self.starts, self.ends = starts, ends
        self.sorted = ends == sorted(ends)

    def covered(self, start: int, end: int) -> range | list[int]:
        if not self.sorted:
            return [i for i, (s, e) in enumerate(zip(self.starts, self.ends, strict=True)) if s < end and e > start]
        return range(bisect_right(self.ends, start), bisect_left(self.starts, end))


def no_token(doc_id: str, span: Any) -> AlignmentIssue:
    return AlignmentIssue(doc_id, span.id, span.label, span.start, span.end, "no-token", "covers no token: not tagged")


def overlap(doc_id: str, span: Any, holder: str) -> AlignmentIssue:
    return AlignmentIssue(doc_id, span.id, span.label, span.start, span.end, "overlap",
                          f"overlaps span {holder}, which holds its tokens: not tagged", holder)


def off_boundary(doc_id: str, span: Any, first: int, last: int, start: int, end: int) -> AlignmentIssue:
    """A span tagged on tokens `first`-`last`, which cover characters `start`-`end`, not its own."""
    return AlignmentIssue(doc_id, span.id, span.label, span.start, span.end, "not-on-token-boundary",
                          f"tagged as tokens {first}-{last}, characters {start}-{end}")


def tag_on(doc_id: str, index: TokenIndex, spans: Iterable[Any]) -> tuple[list[str], list[AlignmentIssue]]:
    """One BIO tag per token for `spans`, and an issue for every span not tagged exactly."""
    tags = [OUTSIDE] * len(index.starts)
    owner: list[str | None] = [None] * len(index.starts)
    issues = []
    for span in sorted(spans, key=span_order):
        indices = index.covered(span.start, span.end)
        if not indices:
            issues.append(no_token(doc_id, span))
            continue
        taken = next((owner[i] for i in indices if owner[i] is not None), None)
        if taken is not None:
            issues.append(overlap(doc_id, span, taken))
            continue
        first, last = indices[0], indices[-1]
        if index.starts[first] != span.start or index.ends[last] != span.end:
            issues.append(off_boundary(doc_id, span, first, last, index.starts[first], index.ends[last]))
        inside = f"I-{span.label}"
        for i in indices:
            tags[i] = inside
            owner[i] = span.id
        tags[first] = f"B-{span.label}"
    return tags, issues


def tag_tiled(doc_id: str, starts: list[int], ends: list[int],
              spans: Iterable[Any]) -> tuple[list[str], list[AlignmentIssue]]:
    """`tag_on` for tokens that do not overlap each other (the default tokenizer's), with the same
    tags and issues, without a per-token owner list: spans come leftmost first, so the tokens a
    span covers are taken exactly when its first token is, by the last span tagged before it
    (the tagged spans' token ranges are disjoint and in order)."""
    tags = [OUTSIDE] * len(starts)
    issues = []
    held_stop, held_by = 0, ""  # the token range's end and the span id of the last span tagged
    for span in sorted(spans, key=span_order):
        start, end = span.start, span.end
        first, stop = bisect_right(ends, start), bisect_left(starts, end)
        if first >= stop:
            issues.append(no_token(doc_id, span))
            continue
        if first < held_stop:
            issues.append(overlap(doc_id, span, held_by))
            continue
        last = stop - 1
        if starts[first] != start or ends[last] != end:
            issues.append(off_boundary(doc_id, span, first, last, starts[first], ends[last]))
        tags[first] = f"B-{span.label}"
        if last > first:
            tags[first + 1:stop] = [f"I-{span.label}"] * (last - first)
        held_stop, held_by = stop, span.id
    return tags, issues


def tag_spans(doc_id: str, tokens: Sequence[Token], spans: Iterable[Any]) -> tuple[list[str], list[AlignmentIssue]]:
    """One BIO tag per token (token, start, end triples) for `spans`, and the issues."""
    return tag_on(doc_id, TokenIndex([t[1] for t in tokens], [t[2] for t in tokens]), spans)


def tokenize(text: str, tokenizer: Tokenizer | None) -> list[Token]:
    tokens = [(str(token), int(start), int(end)) for token, start, end in (tokenizer or regex_tokenizer)(text)]
    return sorted(tokens, key=lambda token: (token[1], token[2]))


def token_columns(text: str, tokenizer: Tokenizer | None) -> tuple[list[str], list[int], list[int]]:
    if tokenizer is None:
        return default_token_columns(text)
    tokens = tokenize(text, tokenizer)
    return [t[0] for t in tokens], [t[1] for t in tokens], [t[2] for t in tokens]


Tags = tuple[list[str], list[AlignmentIssue]]  # one tag per token, and the issues
Layers = tuple[dict[str, list[str]], list[AlignmentIssue]]  # label -> one tag per token, and the issues
Tagging = Callable[[str, Iterable[Any]], Tags]  # (doc_id, spans) -> tags on one document's tokens
LABEL_TAGS: dict[str, tuple[str, str]] = {}  # label -> its (B-, I-) tags, kept by the compiled tagging


def compiled_tag_tiled(doc_id: str, starts: list[int], ends: list[int], spans: Iterable[Any]) -> Tags:
    """`tag_tiled`, by the compiled helper: the same tags and issues (tests/test_loader_bio.py
    compares them). Where the helper leaves the rule to Python (offsets that are not ints of 64
    bits, labels or ids that are not str, a span it cannot read), `tag_tiled` itself, with its
    result or its exception."""
    assert _bio_tokens is not None
    spans = spans if isinstance(spans, list) else list(spans)  # read twice when left to Python
    tagged = _bio_tokens.tag_tiled(doc_id, starts, ends, spans, LABEL_TAGS, AlignmentIssue)
    return tag_tiled(doc_id, starts, ends, spans) if tagged is None else tagged


default_tag_tiled: Callable[[str, list[int], list[int], Iterable[Any]], Tags] = (
    tag_tiled if _bio_tokens is None else compiled_tag_tiled)
"""Tagging on the default tokenizer's tokens: compiled where the helper was built, else tag_tiled."""


def tagger(tokenizer: Tokenizer | None, starts: list[int], ends: list[int]) -> Tagging:
    """Tagging on these tokens: `default_tag_tiled` for the default tokenizer, whose tokens never
    overlap; `tag_on` for any other."""
    if tokenizer is None:
        return lambda doc_id, spans: default_tag_tiled(doc_id, starts, ends, spans)
    index = TokenIndex(starts, ends)
    return lambda doc_id, spans: tag_on(doc_id, index, spans)


def tag_layers(doc_id: str, spans: Iterable[Any], labels: list[str], tag: Tagging) -> Layers:
    """One tag list per label (in the order of `labels`, each from `tag` on that label's spans),
    and the issues, label by label. KeyError for a span whose label is not in `labels`."""
    by_label: dict[str, list[Any]] = {label: [] for label in labels}
    for span in spans:
        by_label[span.label].append(span)
    layers, issues = {}, []
    for label in labels:
        layers[label], found = tag(doc_id, by_label[label])
        issues.extend(found)
    return layers, issues


def layers_on(tokenizer: Tokenizer | None, starts: list[int], ends: list[int], doc_id: str,
              spans: Iterable[Any], labels: list[str]) -> Layers:
    """`tag_layers` on these tokens: in one call to the compiled helper for the default tokenizer
    where it was built (the same tags and issues; what it leaves to Python, as `compiled_tag_tiled`,
    and a label outside `labels`, gets tag_layers' result or exception), else label by label
    with `tagger`."""
    if tokenizer is None and _bio_tokens is not None:
        spans = spans if isinstance(spans, list) else list(spans)  # read twice when left to Python
        tagged = _bio_tokens.tag_layered(doc_id, starts, ends, spans, labels, LABEL_TAGS, AlignmentIssue)
        if tagged is not None:
            return tagged
    return tag_layers(doc_id, spans, labels, tagger(tokenizer, starts, ends))


def flat_document(record: TagRecord, tokenizer: Tokenizer | None, labels: list[str]) -> BioDocument:
    tokens, starts, ends = token_columns(record.text, tokenizer)
    tags, issues = tagger(tokenizer, starts, ends)(record.doc_id, record.spans)
    return BioDocument(record.doc_id, record.split, tokens, starts, ends, tags, tuple(issues))


def layered_document(record: TagRecord, tokenizer: Tokenizer | None, labels: list[str]) -> LayeredBioDocument:
    tokens, starts, ends = token_columns(record.text, tokenizer)
    layers, issues = layers_on(tokenizer, starts, ends, record.doc_id, record.spans, labels)
    return LayeredBioDocument(record.doc_id, record.split, tokens, starts, ends, layers, tuple(issues))


TaggedDocument = TypeVar("TaggedDocument", BioDocument, LayeredBioDocument)


class BioResult(Generic[TaggedDocument]):
    """The BIO tags of a dataset, computed one document at a time as it is iterated (each
    iteration reads the release again; memory stays that of one document).

    `report` is the AlignmentReport of the last complete iteration (a pass is made first if none
    was). `documents` is the list of every document, for releases that fit in memory.
    `write_jsonl(path)` streams the tags to disk, one document per line."""

    def __init__(self, dataset: Dataset, tokenizer: Tokenizer | None, layered: bool,
                 keep: int = KEEP_ISSUES) -> None:
        self.dataset: Dataset = dataset
        self.tokenizer: Tokenizer | None = tokenizer
        self.layered: bool = layered
        self.keep: int = keep
        self.tag_names = tag_names(dataset.schema)
        self._report: AlignmentReport | None = None

    def __iter__(self) -> Iterator[TaggedDocument]:
        make = layered_document if self.layered else flat_document
        labels = [label.name for label in self.dataset.schema.labels]
        report = AlignmentReport(self.keep)
        for record in tag_records(self.dataset):
            document = cast("TaggedDocument", make(record, self.tokenizer, labels))
            report.add(document.issues)
            yield document
        self._report = report

    @property
    def report(self) -> AlignmentReport:
        if self._report is None:
            for _ in self:
                pass
        assert self._report is not None
        return self._report

    @property
    def documents(self) -> list[TaggedDocument]:
        return list(self)

    def write_jsonl(self, path: str | Path) -> AlignmentReport:
        """Write one JSON object per document (doc_id, split, tokens, starts, ends, tags, issues)
        to `path`, atomically; returns the report."""
        from crocus_claims.atomic import atomic_write

        encoder = msgspec.json.Encoder()
        with atomic_write(Path(path), "wb") as handle:
            for document in self:
                handle.write(encoder.encode(document) + b"\n")
        return self.report


def to_bio(dataset: Dataset, tokenizer: Tokenizer | None = None) -> BioResult[BioDocument]:
    """Flat BIO tags of every document of `dataset` (its filters apply), streamed."""
    return BioResult[BioDocument](dataset, tokenizer, layered=False)


def to_layered_bio(dataset: Dataset, tokenizer: Tokenizer | None = None) -> BioResult[LayeredBioDocument]:
    """One tag sequence per label of the schema, so that spans of different labels may overlap."""
    return BioResult[LayeredBioDocument](dataset, tokenizer, layered=True)
