"""Exports, read back with the libraries themselves: Hugging Face datasets and spaCy DocBin."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest
import spacy
from crocus_claims.corpus import load_corpus
from crocus_claims.loader import load
from crocus_claims.loader.huggingface import to_hf_tokens
from crocus_claims.loader.spacy_docbin import SPANS_KEY
from crocus_claims.schema import load_schema
from spacy.tokens import DocBin
from test_release_build import build, corpus_gold, example_attributes, simple_labels


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schema = load_schema()
    corpus = load_corpus()
    labels = simple_labels(schema)
    gold = corpus_gold(schema, words_per_doc=3)
    for record in gold:  # widen s0 over s1, and nest a span of another label inside it
        text = corpus[record["doc_id"]].text
        outer, inner = record["spans"][0], record["spans"][1]
        outer["end"] = inner["end"]
        outer["text"] = text[outer["start"]:outer["end"]]
        nested_label = next(label for label in labels if label != inner["label"])
        record["spans"].append(dict(inner, id="nested", label=nested_label,
                                    attributes=example_attributes(schema, nested_label)))
    return build(tmp_path_factory.mktemp("release"), gold)


def test_hugging_face_dataset_reads_back_with_label_names(release: Path, tmp_path: Path) -> None:
    dataset = load(release)
    exported = dataset.to_hf()
    exported.save_to_disk(tmp_path / "hf")
    back = datasets.load_from_disk(str(tmp_path / "hf"))
    assert set(back) == {s for s, n in dataset.manifest["counts"]["documents_per_split"].items() if n}
    label_feature = back[next(iter(back))].features["spans"].feature["label"]
    assert label_feature.names == [label.name for label in dataset.schema.labels]
    records = {r.doc_id: r for r in dataset}
    for split in back:
        for row in back[split]:
            record = records[row["doc_id"]]
            assert row["text"] == record.text
            assert [(label_feature.int2str(s["label"]), s["start"], s["end"]) for s in row["spans"]] == \
                   [(s.label, s.start, s.end) for s in record.spans]


def test_hugging_face_token_dataset_has_bio_class_names(release: Path, tmp_path: Path) -> None:
    dataset = load(release)
    exported, report = to_hf_tokens(dataset)
    exported.save_to_disk(tmp_path / "tokens")
    back = datasets.load_from_disk(str(tmp_path / "tokens"))
    names = back[next(iter(back))].features["tags"].feature.names
    assert names == dataset.to_bio().tag_names
    assert {i.span_id for i in report if i.kind == "overlap"} == {"s1", "nested"}  # both inside s0


def test_spacy_docbin_keeps_overlapping_spans(release: Path) -> None:
    dataset = load(release)
    data = dataset.to_docbin().to_bytes()
    docs = list(DocBin().from_bytes(data).get_docs(spacy.blank("en").vocab))
    records = list(dataset)
    assert [doc.user_data["doc_id"] for doc in docs] == [r.doc_id for r in records]
    for doc, record in zip(docs, records, strict=True):
        group = doc.spans[SPANS_KEY]
        assert sorted((s.label_, s.start_char, s.end_char) for s in group) == \
               sorted((s.label, s.start, s.end) for s in record.spans)
        assert "nested" in {s.id_ for s in group}
        assert doc.text == record.text


def test_hugging_face_arrow_files_are_written_from_a_generator_into_the_cache_dir(release: Path, tmp_path: Path) -> None:
    dataset = load(release)
    exported = dataset.to_hf(cache_dir=tmp_path / "cache")
    for split in exported.values():
        files = [Path(f["filename"]) for f in split.cache_files]
        assert files and all(tmp_path / "cache" in f.parents and f.suffix == ".arrow" for f in files)
    assert sum(len(split) for split in exported.values()) == len(dataset)


def test_spacy_docbins_are_written_in_batches(release: Path, tmp_path: Path) -> None:
    dataset = load(release)
    files, report = dataset.write_docbins(tmp_path / "docbins", batch_size=2)
    assert list(report) == list(dataset.to_docbin().report) and report.complete
    assert [f.name for f in files] == ["part-00000.spacy", "part-00001.spacy", "part-00002.spacy"]
    vocab = spacy.blank("en").vocab
    docs = [doc for f in files for doc in DocBin().from_disk(f).get_docs(vocab)]
    assert [len(DocBin().from_disk(f)) for f in files] == [2, 2, 1]
    assert [doc.user_data["doc_id"] for doc in docs] == [r.doc_id for r in dataset]
    assert [len(doc.spans[SPANS_KEY]) for doc in docs] == [len(r.spans) for r in dataset]
