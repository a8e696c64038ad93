"""The datasheet and the Croissant metadata: every number comes from the data; mlcroissant accepts it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import pytest
from crocus_claims.agreement import compare
from crocus_claims.corpus import load_corpus
from crocus_claims.release.manifest import sha256_file
from crocus_claims.resources import corpus_dir
from crocus_claims.schema import load_schema
from test_release_build import build, build_release, corpus_gold, write_annotations


def datasheet(folder: Path) -> str:
    return (folder / "README.md").read_text(encoding="utf-8")


def manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def label_row(text: str, label: str) -> list[str]:
    row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in row.strip("|").split("|")]


def test_datasheet_numbers_change_with_the_data(tmp_path: Path) -> None:
    schema = load_schema()
    fewer, more = corpus_gold(schema, words_per_doc=2), corpus_gold(schema, words_per_doc=5)
    small, large = build(tmp_path, fewer, "small"), build(tmp_path, more, "large")
    for folder in (small, large):
        counts, text = manifest(folder)["counts"], datasheet(folder)
        assert f"{counts['spans']} spans and {counts['relations']} relations" in text
        assert f"{counts['characters']} characters" in text
        for label, count in counts["spans_per_label"].items():
            assert label_row(text, label)[2] == str(count)
    assert manifest(small)["counts"]["spans"] != manifest(large)["counts"]["spans"]
    assert datasheet(small) != datasheet(large)


def test_datasheet_covers_the_datasheet_sections(tmp_path: Path) -> None:
    text = datasheet(build(tmp_path, corpus_gold(load_schema())))
    for section in ("## Motivation", "## Composition", "## Collection process", "## Annotation process",
                    "### Agreement", "## Uses", "## Distribution and licence", "## Maintenance"):
        assert section in text


def test_licence_and_provenance_name_the_publishers_and_the_source_hashes(tmp_path: Path) -> None:
    text = datasheet(build(tmp_path, corpus_gold(load_schema())))
    assert "remain the property of their publishers" in text and "MIT" in text
    for document in load_corpus().values():
        source = corpus_dir() / "sources" / document.source_file
        assert f"| {document.source_file} | {sha256_file(source)} |" in text


def test_agreement_is_not_measured_without_a_report(tmp_path: Path) -> None:
    folder = build(tmp_path, corpus_gold(load_schema()))
    assert "Inter-annotator agreement: not measured" in datasheet(folder)
    croissant = json.loads((folder / "croissant.json").read_text())
    assert "not measured" in json.dumps(croissant["rai:dataAnnotationAnalysis"])


def test_agreement_figures_come_from_the_report(tmp_path: Path) -> None:
    schema = load_schema()
    gold = corpus_gold(schema, words_per_doc=4)
    other = copy.deepcopy(gold)
    for record in other:
        record["annotator"] = "second"
        record["spans"] = record["spans"][:3]  # three of four spans agree
    report = compare(gold, other, schema)
    annotations = write_annotations(tmp_path, gold)
    (annotations / "agreement").mkdir()
    (annotations / "agreement" / "report.json").write_text(report.model_dump_json(), encoding="utf-8")
    folder = build_release(tmp_path / "dist", annotations_dir=annotations)
    text = datasheet(folder)
    overall = report.spans["exact"].all
    assert overall.f1 is not None and overall.f1 < 1
    assert f"| all labels | {overall.count_a} | {overall.count_b} | {overall.matched} |" in text
    assert f"{overall.f1:.3f}" in text
    assert "annotations/agreement/report.json" in manifest(folder)["inputs"]
    assert "annotations/agreement/method.md" not in manifest(folder)["inputs"]
    (annotations / "agreement" / "method.md").write_text("Measured blind, by an unseen method.\n", encoding="utf-8")
    with_method = build_release(tmp_path / "dist-method", annotations_dir=annotations)
    assert "Measured blind, by an unseen method." in datasheet(with_method)
    assert "annotations/agreement/method.md" in manifest(with_method)["inputs"]


def test_croissant_is_valid_for_mlcroissant_and_reads_the_local_records(tmp_path: Path) -> None:
    folder = build(tmp_path, corpus_gold(load_schema()))
    dataset = mlc.Dataset(jsonld=folder / "croissant.json")
    assert dataset.metadata.issues.errors == set()
    document = json.loads((folder / "croissant.json").read_text())
    for field in ("rai:dataCollection", "rai:dataAnnotationProtocol", "rai:dataBiases", "rai:dataUseCases",
                  "rai:dataLimitations", "rai:personalSensitiveInformation", "rai:dataSocialImpact"):
        assert document[field]
    read = [record["documents/doc_id"] for record in dataset.records("documents")]
    doc_ids = [json.loads(line)["doc_id"] for line in (folder / "documents.jsonl").read_text().splitlines()]
    assert [value.decode() if isinstance(value, bytes) else value for value in read] == doc_ids


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """mlcroissant must read the local files only: any socket is a failure."""
    import socket

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
