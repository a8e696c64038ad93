"""benchmarks/generate.py: its synthetic releases and Label Studio exports are accepted as real ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from crocus_claims import resources
from crocus_claims.corpus import read_corpus
from crocus_claims.labelstudio.importer import convert_export
from crocus_claims.loader import load
from crocus_claims.release import verify_release
from crocus_claims.schema import load_schema

sys.path.insert(0, str(resources.REPO_ROOT / "benchmarks"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def synthetic_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.generate_release(tmp_path_factory.mktemp("generated") / "release", 40)


def test_a_generated_release_verifies_and_loads(synthetic_release: Path) -> None:
    assert verify_release(synthetic_release) == []
    dataset = load(synthetic_release)
    assert len(dataset) == 40 == len(list(dataset))
    assert dataset.spans().height == dataset.manifest["counts"]["spans"] == 40 * generate.SPANS_PER_RECORD
    assert set(dataset.documents()["split"]) <= {"train", "dev", "test"}


def test_the_same_arguments_give_the_same_release_bytes(synthetic_release: Path, tmp_path: Path) -> None:
    again = generate.generate_release(tmp_path / "again", 40)
    files = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(synthetic_release) for p in synthetic_release.rglob("*") if p.is_file())
    for name in files:
        assert (again / name).read_bytes() == (synthetic_release / name).read_bytes(), name


def test_a_generated_label_studio_export_imports_without_loss(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    corpus_path = generate.generate_ls_export(export, 25)
    tasks = json.loads(export.read_bytes())
    assert len(tasks) == 25 and all(task["annotations"] for task in tasks)
    records, report = convert_export(tasks, schema=load_schema(), corpus=read_corpus(corpus_path))
    assert report.lossless, report.problems[:3]
    assert len(records) == 25
    assert sum(len(record["spans"]) for record in records) == 25 * generate.SPANS_PER_RECORD


def test_the_command_line_writes_each_shape(tmp_path: Path) -> None:
    import subprocess

    script = resources.REPO_ROOT / "benchmarks" / "generate.py"
    for args in (["--release", str(tmp_path / "r"), "--documents", "3"],
                 ["--ls-export", str(tmp_path / "e.json"), "--documents", "3"]):
        done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert verify_release(tmp_path / "r") == []
    assert len(json.loads((tmp_path / "e.json").read_bytes())) == 3
