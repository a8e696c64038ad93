"""Export to Hugging Face `datasets` (the `hf` extra): one split per release split, features typed
from the schema, with the label and relation names as ClassLabel names so a model config can
read them from the dataset itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crocus_claims.loader.bio import AlignmentReport, BioDocument, BioResult, Tokenizer, tag_names, to_bio
from crocus_claims.records import METADATA_DATES, METADATA_FIELDS, SPLITS, Document
from crocus_claims.schema import Attribute, Schema

if TYPE_CHECKING:
    import datasets

    from crocus_claims.loader.dataset import Dataset


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise ImportError("the Hugging Face export needs `datasets`: pip install 'crocus-claims[hf]'") from None
    return datasets


def attribute_feature(attribute: Attribute) -> Any:
    """Enums are strings: an optional one may be null, which a ClassLabel cannot hold."""
    value = _datasets().Value
    return value({"integer": "int64", "boolean": "bool", "date": "date32"}.get(attribute.type, "string"))


def span_features(schema: Schema) -> Any:
    ds = _datasets()
    return ds.Features({
        "doc_id": ds.Value("string"),
        "split": ds.ClassLabel(names=list(SPLITS)),
        "text": ds.Value("string"),
        **{name: ds.Value("date32" if name in METADATA_DATES else "string") for name in METADATA_FIELDS},
        "spans": ds.List({
            "id": ds.Value("string"),
            "label": ds.ClassLabel(names=[label.name for label in schema.labels]),
            "start": ds.Value("int64"),
            "end": ds.Value("int64"),
            "text": ds.Value("string"),
            **{attribute.name: attribute_feature(attribute) for attribute in schema.attributes},
        }),
        "relations": ds.List({
            "id": ds.Value("string"),
            "type": ds.ClassLabel(names=[relation.name for relation in schema.relations]),
            "head": ds.Value("string"),
            "tail": ds.Value("string"),
        }),
    })


def span_row(record: Document, schema: Schema) -> dict[str, Any]:
    metadata = record.metadata.model_dump()
    spans = []
    for span in record.spans:
        attributes = dict.fromkeys(a.name for a in schema.attributes) | span.attributes.model_dump()
        spans.append({"id": span.id, "label": span.label, "start": span.start, "end": span.end,
                      "text": span.text, **attributes})
    return {"doc_id": record.doc_id, "split": record.split, "text": record.text, **metadata, "spans": spans,
            "relations": [relation.model_dump() for relation in record.relations]}


def split_rows(dataset: Dataset) -> Iterator[dict[str, Any]]:
    for record in dataset:
        yield span_row(record, dataset.schema)


def token_rows(bio: BioResult[BioDocument]) -> Iterator[dict[str, Any]]:
    for document in bio:
        yield {"doc_id": document.doc_id, "tokens": document.tokens, "token_starts": document.starts,
               "token_ends": document.ends, "tags": document.tags}


def from_generator(rows: Callable[..., Iterator[dict[str, Any]]], features: Any, cache_dir: str | Path | None,
                   split: str, **kwargs: Any) -> Any:
    """A Dataset written to Arrow files on disk from `rows(**kwargs)`, one row at a time. The
    cache key covers `kwargs`, which hold the release's manifest (every file's SHA-256), so a
    changed release is never served from a stale cache."""
    ds = _datasets()
    return ds.Dataset.from_generator(rows, features=features, gen_kwargs=kwargs, split=ds.NamedSplit(split),
                                     cache_dir=str(cache_dir) if cache_dir else None)


def present_splits(dataset: Dataset) -> list[str]:
    return [split for split in SPLITS if len(dataset.filter(split=split))]


def to_hf(dataset: Dataset, cache_dir: str | Path | None = None) -> datasets.DatasetDict:
    """Documents with their spans and relations, one Dataset per split that has documents, built
    from a generator into Arrow files (`cache_dir`, default the Hugging Face cache): memory does
    not grow with the number of documents."""
    ds = _datasets()
    features = span_features(dataset.schema)
    return ds.DatasetDict({
        split: from_generator(split_rows, features, cache_dir, split, dataset=dataset.filter(split=split))
        for split in present_splits(dataset)
    })


def to_hf_tokens(
    dataset: Dataset, tokenizer: Tokenizer | None = None, cache_dir: str | Path | None = None
) -> tuple[datasets.DatasetDict, AlignmentReport]:
    """Token classification data (tokens, offsets, flat BIO tags as ClassLabel), with the alignment
    report of the spans that flat BIO could not hold exactly; streamed into Arrow like to_hf."""
    ds = _datasets()
    features = ds.Features({
        "doc_id": ds.Value("string"),
        "tokens": ds.List(ds.Value("string")),
        "token_starts": ds.List(ds.Value("int64")),
        "token_ends": ds.List(ds.Value("int64")),
        "tags": ds.List(ds.ClassLabel(names=tag_names(dataset.schema))),
    })
    splits, report = {}, AlignmentReport()
    for split in present_splits(dataset):
        bio = to_bio(dataset.filter(split=split), tokenizer)
        splits[split] = from_generator(token_rows, features, cache_dir, split, bio=bio)
        report.merge(bio.report)  # a cached Arrow file is not regenerated: the report then makes its own pass
    return ds.DatasetDict(splits), report
