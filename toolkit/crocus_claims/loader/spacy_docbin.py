"""Export to a spaCy DocBin (the `spacy` extra): every span in doc.spans, where overlapping and
nested spans live side by side (doc.ents could not hold them).

Documents are tokenized by spacy.blank("en"), so no model is downloaded. A span never moves: where
it starts or ends inside one of spaCy's tokens, that token is cut in two and the cut is reported
(`docbin.report`, AlignmentIssue as in `to_bio()`). Each span keeps its id as the spaCy span id; its
attributes, the doc_id and the split go into doc.user_data, which the DocBin stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crocus_claims.records import Document
from crocus_claims.loader.bio import AlignmentIssue, AlignmentReport
from crocus_claims.validation.findings import json_text

if TYPE_CHECKING:
    from spacy.tokens import DocBin

    from crocus_claims.loader.dataset import Dataset

SPANS_KEY = "crocus_claims"
LANGUAGE = "en"
DOCS_PER_FILE = 1000


def _spacy() -> Any:
    try:
        import spacy
    except ImportError:
        raise ImportError("the spaCy export needs spaCy: pip install 'crocus-claims[spacy]'") from None
    return spacy


def _words(nlp: Any, text: str, spans: list[Any], doc_id: str,
           report: list[AlignmentIssue]) -> tuple[list[str], list[bool]]:
    """spaCy's tokens of `text`, cut further wherever a span starts or ends inside one, so that every
    span keeps its exact offsets; each cut is reported (a token that is no longer spaCy's own)."""
    starts = {span.start for span in spans}
    ends = {span.end for span in spans}
    cuts = sorted(starts | ends)
    words: list[str] = []
    spaces: list[bool] = []
    for token in nlp.make_doc(text):
        begin, stop = token.idx, token.idx + len(token.text)
        inside = [c for c in cuts if begin < c < stop]
        pieces = [begin, *inside, stop]
        for first, last in zip(pieces, pieces[1:]):
            words.append(text[first:last])
            spaces.append(False)
        for offset in inside:
            for span in spans:
                if offset in (span.start, span.end):
                    report.append(AlignmentIssue(
                        doc_id, span.id, span.label, span.start, span.end, "token-split",
                        f"spaCy's token {json_text(token.text)} ({begin}-{stop}) is cut at {offset} so that the "
                        "span keeps its exact offsets"))
        if token.whitespace_:
            if stop in starts or stop + 1 in ends:  # a span starts or ends with this space: its own token
                words.append(token.whitespace_)
                spaces.append(False)
            else:
                spaces[-1] = True
    return words, spaces


def make_doc(nlp: Any, record: Document, spans_key: str, report: list[AlignmentIssue] | None = None) -> Any:
    """One spaCy Doc of a release document: every span in doc.spans[spans_key] at its exact offsets.

    Raises ValueError for a span that no tokenization can hold (none is known: the tokens are cut
    at every span boundary); `report` gets an AlignmentIssue for each token cut.
    """
    from spacy.tokens import Doc

    issues = report if report is not None else []
    words, spaces = _words(nlp, record.text, list(record.spans), record.doc_id, issues)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    if doc.text != record.text:
        raise ValueError(f"doc {record.doc_id}: spaCy's tokens do not rebuild the text")
    spans = []
    for span in record.spans:
        cut = doc.char_span(span.start, span.end, label=span.label, span_id=span.id, alignment_mode="strict")
        if cut is None:
            raise ValueError(f"doc {record.doc_id} span {span.id}: {span.start}-{span.end} is not on spaCy tokens")
        spans.append(cut)
    doc.spans[spans_key] = spans
    doc.user_data["doc_id"] = record.doc_id
    doc.user_data["split"] = record.split
    doc.user_data["spans"] = {span.id: {"start": span.start, "end": span.end,
                                        "attributes": span.attributes.model_dump(mode="json")}
                              for span in record.spans}
    doc.user_data["relations"] = [relation.model_dump() for relation in record.relations]
    return doc


def to_docbin(dataset: Dataset, spans_key: str = SPANS_KEY) -> DocBin:
    """Every document of `dataset` as a spaCy Doc, in one DocBin in memory (see write_docbins). The DocBin's `report` lists, like `to_bio()`'s,
    each span whose tokens spaCy's tokenizer would not have cut there (`token-split`): the span
    itself is never moved."""
    spacy = _spacy()
    from spacy.tokens import DocBin

    nlp = spacy.blank(LANGUAGE)
    docbin: DocBin = DocBin(store_user_data=True)
    report: list[AlignmentIssue] = []
    for record in dataset:
        docbin.add(make_doc(nlp, record, spans_key, report))
    docbin.report = report  # type: ignore[attr-defined]
    return docbin


def write_docbins(dataset: Dataset, folder: str | Path, spans_key: str = SPANS_KEY,
                  batch_size: int = DOCS_PER_FILE) -> tuple[list[Path], AlignmentReport]:
    """Write the documents as DocBin files of `batch_size` documents each (part-00000.spacy, ...)
    into `folder`, which `spacy train` reads as one corpus; memory holds one batch. The folder is
    replaced only when every file is written. Returns the files and the report of token cuts
    (as `to_docbin`'s, counted in full, the first 10,000 kept)."""
    spacy = _spacy()
    from spacy.tokens import DocBin

    from crocus_claims.atomic import atomic_directory

    nlp = spacy.blank(LANGUAGE)
    folder = Path(folder)
    names: list[str] = []
    report = AlignmentReport()
    with atomic_directory(folder) as staging:
        docbin = DocBin(store_user_data=True)

        def flush() -> None:
            names.append(f"part-{len(names):05d}.spacy")
            docbin.to_disk(staging / names[-1])

        for record in dataset:
            cuts: list[AlignmentIssue] = []
            docbin.add(make_doc(nlp, record, spans_key, cuts))
            report.add(cuts)
            if len(docbin) >= batch_size:
                flush()
                docbin = DocBin(store_user_data=True)
        if len(docbin) or not names:
            flush()
    return [folder / name for name in names], report
