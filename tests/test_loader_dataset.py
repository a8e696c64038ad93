"""The loader: records -> release -> loader -> records is identity; frames, filters, verification."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import crocus_claims
import polars as pl
import pytest
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.loader import DatasetError, load
from crocus_claims.records import SPLITS, record_types, to_builtins
from crocus_claims.release import ReleaseIntegrityError
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from test_release_build import build, corpus_gold, gold_records, write_annotations

RELEASE_ONLY = ("text", "metadata", "split")


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    """A record with defaults filled in, as the schema's types read it, in release order."""
    data = to_builtins(record_types().convert(record))
    data = {key: value for key, value in data.items() if key not in RELEASE_ONLY}
    data["spans"] = sorted(data["spans"], key=lambda s: (s["start"], s["end"], s["label"], s["id"]))
    data["relations"] = sorted(data["relations"], key=lambda r: r["id"])
    return data


def loaded(record: Any) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    return {key: value for key, value in data.items() if key not in RELEASE_ONLY}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("release"), corpus_gold(load_schema(), words_per_doc=6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gold=gold_records())
def test_records_to_release_to_loader_is_identity(tmp_path: Path, gold: list[dict[str, Any]]) -> None:
    folder = build(tmp_path, gold, name=f"dist-{len(list(tmp_path.iterdir()))}")
    dataset = load(folder)
    by_id = {record.doc_id: record for record in dataset}
    assert sorted(by_id) == sorted(record["doc_id"] for record in gold)
    for record in gold:
        assert loaded(by_id[record["doc_id"]]) == canonical(record)
        assert by_id[record["doc_id"]].text == record["text"]
    spans = dataset.spans()
    assert spans.height == sum(len(record["spans"]) for record in gold)
    assert dataset.relations().height == sum(len(record["relations"]) for record in gold)


def test_documents_are_typed_pydantic_records(release: Path) -> None:
    dataset = load(release)
    documents = list(dataset)
    assert len(documents) == len(dataset) == dataset.manifest["counts"]["documents"]
    assert all(isinstance(d, dataset.record_model) for d in documents)
    assert all(d.text[s.start:s.end] == s.text for d in documents for s in d.spans)


def test_frames_hold_documents_spans_and_relations(release: Path) -> None:
    dataset = load(release)
    documents, spans = dataset.documents(), dataset.spans()
    assert documents["doc_id"].to_list() == [d.doc_id for d in dataset]
    assert documents.schema["publication_date"] == pl.Date
    assert spans.height == dataset.manifest["counts"]["spans"]
    counted = dict(spans.group_by("label").len().iter_rows())
    assert {k: v for k, v in dataset.manifest["counts"]["spans_per_label"].items() if v} == counted
    assert isinstance(dataset.lazy_spans(), pl.LazyFrame)


def test_filters_by_split_label_and_attribute(release: Path) -> None:
    dataset = load(release)
    schema = dataset.schema
    split = next(s for s, n in dataset.manifest["counts"]["documents_per_split"].items() if n)
    train = dataset.filter(split=split)
    assert {d.split for d in train} == {split} and len(list(train)) == len(train)
    assert set(train.documents()["split"].to_list()) == {split}
    label = next(name for name, n in dataset.manifest["counts"]["spans_per_label"].items() if n)
    only = dataset.filter(label=label)
    assert {s.label for d in only for s in d.spans} == {label}
    assert set(only.spans()["label"].to_list()) == {label}
    attribute = schema.label_attributes(label)[0]
    value = dataset.spans().filter(pl.col("label") == label)[attribute.name][0]
    chosen = dataset.filter(attributes={attribute.name: value})
    assert chosen.spans().height == dataset.spans().filter(pl.col(attribute.name) == value).height > 0
    assert all(getattr(s.attributes, attribute.name) == value for d in chosen for s in d.spans)
    with pytest.raises(DatasetError, match="unknown label 'NO_SUCH_LABEL'"):
        dataset.filter(label="NO_SUCH_LABEL")
    with pytest.raises(DatasetError, match=f"unknown value of {attribute.name} 'NOT_A_VALUE'"):
        dataset.filter(attributes={attribute.name: "NOT_A_VALUE"})
    with pytest.raises(DatasetError, match="unknown split"):
        dataset.filter(split="validation")


def test_load_names_the_file_that_differs(release: Path, tmp_path: Path) -> None:
    copy = tmp_path / release.name
    shutil.copytree(release, copy)
    with open(copy / "documents.jsonl", "r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ReleaseIntegrityError, match=r"documents\.jsonl: checksum-mismatch"):
        load(copy)


def flip_a_byte(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 1]))


def test_load_checks_the_board_by_size_and_release_verify_by_checksum(release: Path, tmp_path: Path) -> None:
    from crocus_claims.release.integrity import verify_files

    copy = tmp_path / release.name
    shutil.copytree(release, copy)
    page = next(iter(sorted((copy / "board").glob("*.html"))))
    flip_a_byte(page)  # same size, other bytes: the loader never reads it
    assert load(copy).manifest == load(release).manifest
    _, differences = verify_files(copy)
    assert [(d.code, d.file) for d in differences] == [("checksum-mismatch", f"board/{page.name}")]
    with open(page, "ab") as handle:
        handle.write(b"\n")
    with pytest.raises(ReleaseIntegrityError, match=rf"board/{page.name}: checksum-mismatch"):
        load(copy)


def test_load_without_a_path_reads_the_release_that_make_release_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkout case: `release build` (what `make release` runs) writes dist/ and dist/release/."""
    for folder in ("schema", "corpus", "annotations"):  # a checkout of its own, with the project's inputs
        (tmp_path / folder).symlink_to(resources.REPO_ROOT / folder)
    monkeypatch.setattr(resources, "REPO_ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)  # commands work on the project they run in
    annotations = write_annotations(tmp_path / "inputs", corpus_gold(load_schema()))
    result = CliRunner().invoke(cli, ["release", "build", "--annotations", str(annotations)])
    assert result.exit_code == 0, result.output
    assert resources.bundled_release_dir() == tmp_path / "dist" / "release"
    dataset = crocus_claims.load()
    assert dataset.folder == tmp_path / "dist" / "release"
    versioned = load(tmp_path / "dist" / f"crocus-claims-{dataset.release_version}")
    assert [d.doc_id for d in dataset] == [d.doc_id for d in versioned]


def test_load_without_any_release_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "REPO_ROOT", tmp_path)
    with pytest.raises(FileNotFoundError, match="make release"):
        crocus_claims.load()


def test_importing_the_package_stays_light() -> None:
    code = ("import sys, crocus_claims; heavy = {'polars', 'datasets', 'spacy', 'label_studio_sdk', 'mlcroissant'};"
            "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert callable(crocus_claims.load)


def test_splits_listed_in_manifest_match_documents(release: Path) -> None:
    dataset = load(release)
    per_split = dataset.manifest["counts"]["documents_per_split"]
    assert set(per_split) == set(SPLITS)
    assert all(len(dataset.filter(split=s)) == n == len(list(dataset.filter(split=s))) for s, n in per_split.items())
    assert json.loads((release / "manifest.json").read_text())["counts"]["documents"] == sum(per_split.values())
