"""Export to a spaCy DocBin (the `spacy` extra): every span in doc.spans, where overlapping and
nested spans live side by side (doc.ents could not hold them).

Documents are tokenized by spacy.blank("en"), so no model is downloaded. A span is cut on the
tokens it touches (alignment "expand") and keeps its id as the spaCy span id; its attributes,
the doc_id and the split go into doc.user_data, which the DocBin stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crocus_claims.records import Document

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


def make_doc(nlp: Any, record: Document, spans_key: str) -> Any:
    doc = nlp.make_doc(record.text)
    spans = []
    for span in record.spans:
        cut = doc.char_span(span.start, span.end, label=span.label, span_id=span.id, alignment_mode="expand")
        if cut is None:  # a span that covers no token (only white space)
            raise ValueError(f"doc {record.doc_id} span {span.id}: {span.start}-{span.end} covers no spaCy token")
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
    """One DocBin with every document, in memory: for releases that fit; see write_docbins."""
    spacy = _spacy()
    from spacy.tokens import DocBin

    nlp = spacy.blank(LANGUAGE)
    docbin: DocBin = DocBin(store_user_data=True)
    for record in dataset:
        docbin.add(make_doc(nlp, record, spans_key))
    return docbin


def write_docbins(dataset: Dataset, folder: str | Path, spans_key: str = SPANS_KEY,
                  batch_size: int = DOCS_PER_FILE) -> list[Path]:
    """Write the documents as DocBin files of `batch_size` documents each (part-00000.spacy, ...)
    into `folder`, which `spacy train` reads as one corpus; memory holds one batch. The folder is
    replaced only when every file is written. Returns the files."""
    spacy = _spacy()
    from spacy.tokens import DocBin

    from crocus_claims.atomic import atomic_directory

    nlp = spacy.blank(LANGUAGE)
    folder = Path(folder)
    names: list[str] = []
    with atomic_directory(folder) as staging:
        docbin = DocBin(store_user_data=True)

        def flush() -> None:
            names.append(f"part-{len(names):05d}.spacy")
            docbin.to_disk(staging / names[-1])

        for record in dataset:
            docbin.add(make_doc(nlp, record, spans_key))
            if len(docbin) >= batch_size:
                flush()
                docbin = DocBin(store_user_data=True)
        if len(docbin) or not names:
            flush()
    return [folder / name for name in names]
