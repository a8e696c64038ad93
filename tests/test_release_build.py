"""`release build`: what a release holds, that it is reproducible, and that it refuses bad input.

The helpers at the top are shared with the other release and loader tests (imported from here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import crocus_claims.release.build as build_module
import pytest
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.record_schema import json_schema_path, strict_integer_validator
from crocus_claims.records import SPLITS
from crocus_claims.release import ReleaseError, build_release, verify_release
from crocus_claims.release.splits import assign_split, describe_rule
from crocus_claims.schema import Schema, load_schema
from hypothesis import strategies as st
from strategies import records

RELEASE_VERSION = "0.1.0"


# ---------------------------------------------------------------------------------------------
# Shared helpers


def gold_records(max_size: int = 4) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Generated gold records with distinct doc_ids, their text inline."""
    return st.lists(records(annotator=st.just("gold")), min_size=1, max_size=max_size, unique_by=lambda r: r["doc_id"])


def write_annotations(root: Path, gold: Iterable[dict[str, Any]], release: str = RELEASE_VERSION) -> Path:
    """An annotations folder as `release build` reads it: RELEASE.yaml and gold/gold.jsonl."""
    annotations = root / "annotations"
    (annotations / "gold").mkdir(parents=True, exist_ok=True)
    (annotations / "RELEASE.yaml").write_text(f"release: {release}\n", encoding="utf-8")
    lines = [json.dumps(record, ensure_ascii=False) + "\n" for record in gold]
    (annotations / "gold" / "gold.jsonl").write_text("".join(lines), encoding="utf-8")
    return annotations


def example_attributes(schema: Schema, label: str) -> dict[str, Any]:
    """The first allowed value of every required attribute (for labels without an interval rule)."""
    values: dict[str, Any] = {}
    for attribute in schema.label_attributes(label):
        if attribute.required:
            allowed = schema.allowed_values(attribute)
            values[attribute.name] = allowed[0] if allowed else {"integer": attribute.minimum or 0,
                                                                 "boolean": True, "date": "2024-03-22"}.get(attribute.type, "x")
    return values


def simple_labels(schema: Schema) -> list[str]:
    return [label.name for label in schema.labels if label.interval is None]


def corpus_gold(schema: Schema, words_per_doc: int = 2) -> list[dict[str, Any]]:
    """Hand-made gold for the real corpus: the first words of each article as spans of the
    schema's labels in turn."""
    import re

    labels = simple_labels(schema)
    gold = []
    for doc in load_corpus().values():
        words = list(re.finditer(r"\w+", doc.text))[:words_per_doc]
        spans = [
            {"id": f"s{i}", "label": labels[i % len(labels)], "start": m.start(), "end": m.end(), "text": m.group(),
             "attributes": example_attributes(schema, labels[i % len(labels)])}
            for i, m in enumerate(words)
        ]
        gold.append({"doc_id": doc.doc_id, "schema_version": schema.version, "text_sha256": doc.text_sha256,
                     "annotator": "gold", "spans": spans, "relations": []})
    return gold


def build(tmp_path: Path, gold: Iterable[dict[str, Any]], name: str = "dist") -> Path:
    return build_release(tmp_path / name, annotations_dir=write_annotations(tmp_path / f"in-{name}", gold))


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# Tests


def test_release_holds_documents_schema_manifest_datasheet_and_croissant(tmp_path: Path) -> None:
    schema = load_schema()
    folder = build(tmp_path, corpus_gold(schema))
    assert folder.name == f"crocus-claims-{RELEASE_VERSION}"
    files = set(folder_bytes(folder))
    board = {name for name in files if name.startswith("board/")}  # the claims board: tests/test_board.py
    assert files - board == {"documents.jsonl", "README.md", "croissant.json", "manifest.json",
                             "documents.parquet", "spans.parquet", "relations.parquet",
                             f"schema/v{schema.version}.yaml", f"schema/v{schema.version}.record.schema.json"}
    assert {"board/index.html", "board/board.css"} < board
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == files - {"manifest.json"}
    assert manifest["release_version"] == RELEASE_VERSION and manifest["schema_version"] == schema.version
    assert "toolkit_version" in manifest
    assert "corpus/documents.jsonl" in manifest["inputs"] and "annotations/gold/gold.jsonl" in manifest["inputs"]
    lines = (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = load_corpus()
    assert [json.loads(line)["doc_id"] for line in lines] == sorted(corpus)
    for line in lines:
        document = json.loads(line)
        assert document["text"] == corpus[document["doc_id"]].text
        assert document["metadata"]["source_file"] == corpus[document["doc_id"]].source_file
        assert document["split"] == assign_split(document["doc_id"])
    assert verify_release(folder) == []


def test_released_records_are_valid_against_the_committed_json_schema(tmp_path: Path) -> None:
    schema = load_schema()
    folder = build(tmp_path, corpus_gold(schema))
    validator = strict_integer_validator(json.loads(json_schema_path(schema.version).read_text()))
    committed = json_schema_path(schema.version).read_bytes()
    assert (folder / "schema" / json_schema_path(schema.version).name).read_bytes() == committed
    for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        assert list(validator.iter_errors(json.loads(line))) == []


def test_same_inputs_give_byte_identical_releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1711065600")
    gold = corpus_gold(load_schema())
    first, second = build(tmp_path, gold, "one"), build(tmp_path, gold, "two")
    assert folder_bytes(first) == folder_bytes(second)
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["created"] == "2024-03-22T00:00:00+00:00"
    assert json.loads((first / "croissant.json").read_text())["datePublished"].startswith("2024-03-22")


def test_without_source_date_epoch_a_release_carries_no_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder = build(tmp_path, corpus_gold(load_schema()))
    assert json.loads((folder / "manifest.json").read_text())["created"] is None


def test_splits_are_a_documented_function_of_the_doc_id(tmp_path: Path) -> None:
    folder = build(tmp_path, corpus_gold(load_schema()))
    for line in (folder / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        document = json.loads(line)
        assert document["split"] in SPLITS and document["split"] == assign_split(document["doc_id"])
    datasheet = (folder / "README.md").read_text(encoding="utf-8")
    assert describe_rule() in datasheet.replace("\n", " ")


def test_build_refuses_without_gold_records(tmp_path: Path) -> None:
    annotations = write_annotations(tmp_path, [])
    (annotations / "gold" / "gold.jsonl").unlink()
    with pytest.raises(ReleaseError) as refused:
        build_release(tmp_path / "dist", annotations_dir=annotations)
    assert refused.value.code == "no-gold-annotations"
    assert not (tmp_path / "dist").exists()


def test_build_refuses_invalid_gold_and_keeps_the_previous_release(tmp_path: Path) -> None:
    schema = load_schema()
    gold = corpus_gold(schema)
    annotations = write_annotations(tmp_path, gold)
    folder = build_release(tmp_path / "dist", annotations_dir=annotations)
    before = folder_bytes(folder)
    gold[1]["spans"][0]["end"] += 1  # the span text no longer matches the slice
    write_annotations(tmp_path, gold)
    with pytest.raises(ReleaseError) as refused:
        build_release(tmp_path / "dist", annotations_dir=annotations)
    assert refused.value.code == "invalid-annotations"
    message = str(refused.value)
    assert "gold.jsonl:2" in message and gold[1]["doc_id"] in message and "span s0" in message
    assert folder_bytes(folder) == before


def test_interrupted_build_leaves_the_previous_release_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gold = corpus_gold(load_schema())
    annotations = write_annotations(tmp_path, gold)
    folder = build_release(tmp_path / "dist", annotations_dir=annotations)
    before = folder_bytes(folder)
    gold[0]["spans"] = gold[0]["spans"][:1]
    write_annotations(tmp_path, gold)

    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "croissant_metadata", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_release(tmp_path / "dist", annotations_dir=annotations)
    assert folder_bytes(folder) == before
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == [folder.name]


def test_cli_build_and_verify(tmp_path: Path) -> None:
    annotations = write_annotations(tmp_path, corpus_gold(load_schema()))
    runner = CliRunner()
    built = runner.invoke(cli, ["release", "build", "--output", str(tmp_path / "dist"),
                                "--annotations", str(annotations), "--no-bundle"])
    assert built.exit_code == 0, built.output
    folder = tmp_path / "dist" / f"crocus-claims-{RELEASE_VERSION}"
    assert runner.invoke(cli, ["release", "verify", str(folder)]).exit_code == 0
    with open(folder / "README.md", "a", encoding="utf-8") as handle:
        handle.write("edited\n")
    verified = runner.invoke(cli, ["release", "verify", str(folder)])
    assert verified.exit_code == 1
    assert "README.md: error checksum-mismatch: " in verified.output  # the one finding line of every check


def test_cli_refusal_is_a_coded_line_not_a_traceback(tmp_path: Path) -> None:
    annotations = write_annotations(tmp_path, [])
    (annotations / "gold" / "gold.jsonl").unlink()
    result = CliRunner().invoke(cli, ["release", "build", "--output", str(tmp_path / "dist"),
                                      "--annotations", str(annotations)])
    assert result.exit_code == 1
    assert "no-gold-annotations" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, ReleaseError)  # handled, not raised


def test_cli_exits_2_for_input_it_cannot_read(tmp_path: Path, locked_folders: set[str]) -> None:
    """Exit 2, as every command does for input that cannot be read (1 is input refused)."""
    annotations = write_annotations(tmp_path, corpus_gold(load_schema()))
    locked_folders.add("gold")
    result = CliRunner().invoke(cli, ["release", "build", "--output", str(tmp_path / "dist"),
                                      "--annotations", str(annotations), "--no-bundle"])
    assert result.exit_code == 2, result.output
    assert f"unreadable-file: {annotations / 'gold'}: cannot list this folder" in result.output
    assert not (tmp_path / "dist").exists()


def test_corpus_documents_without_gold_are_named_not_lost(tmp_path: Path) -> None:
    gold = corpus_gold(load_schema())
    missing = gold.pop()["doc_id"]
    annotations = write_annotations(tmp_path, gold)
    result = CliRunner().invoke(cli, ["release", "build", "--output", str(tmp_path / "dist"),
                                      "--annotations", str(annotations), "--no-bundle"])
    assert result.exit_code == 0, result.output
    assert f"warning: corpus document {missing} has no gold record" in result.output
    folder = tmp_path / "dist" / f"crocus-claims-{RELEASE_VERSION}"
    assert json.loads((folder / "manifest.json").read_text())["corpus_documents_not_released"] == [missing]
    assert missing in (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("broken_file", "content", "code"), [
    ("RELEASE.yaml", "release: one\n", "invalid-release-config"),
    ("agreement/report.json", '{"schema_version": "1.0.0"}', "invalid-agreement-report"),
])
def test_build_refuses_a_broken_input_naming_it(tmp_path: Path, broken_file: str, content: str, code: str) -> None:
    annotations = write_annotations(tmp_path, corpus_gold(load_schema()))
    (annotations / broken_file).parent.mkdir(parents=True, exist_ok=True)
    (annotations / broken_file).write_text(content, encoding="utf-8")
    with pytest.raises(ReleaseError) as refused:
        build_release(tmp_path / "dist", annotations_dir=annotations)
    assert refused.value.code == code and str(annotations / broken_file) in str(refused.value)
    assert not (tmp_path / "dist").exists()


def test_a_gold_folder_that_cannot_be_listed_is_unreadable_not_empty(tmp_path: Path,
                                                                      locked_folders: set[str]) -> None:
    from crocus_claims.release.inputs import GOLD_DIR, gold_files

    (tmp_path / GOLD_DIR).mkdir(parents=True)
    (tmp_path / GOLD_DIR / "a.jsonl").write_text("{}\n")
    assert gold_files(tmp_path) == (tmp_path / GOLD_DIR / "a.jsonl",)
    locked_folders.add(GOLD_DIR)
    with pytest.raises(ReleaseError) as refused:
        gold_files(tmp_path)
    assert refused.value.code == "unreadable-file"
    assert refused.value.message == f"{tmp_path / GOLD_DIR}: cannot list this folder: Permission denied"


def test_an_adjudication_folder_that_cannot_be_listed_stops_the_build(tmp_path: Path,
                                                                      request: pytest.FixtureRequest) -> None:
    """The release copies every adjudication file; one it cannot list would be left out without a
    word."""
    from crocus_claims.release.inputs import ADJUDICATION_DIR, adjudication_files

    pair = tmp_path / ADJUDICATION_DIR / "alice+bob"
    (pair / "locked").mkdir(parents=True)
    real = resources.annotations_dir() / ADJUDICATION_DIR / "gold+blind-v2" / "decisions.yaml"
    (pair / "decisions.yaml").write_bytes(real.read_bytes())
    assert list(adjudication_files(tmp_path)) == [f"{ADJUDICATION_DIR.as_posix()}/alice+bob/decisions.yaml"]
    request.getfixturevalue("locked_folders")
    with pytest.raises(ReleaseError) as refused:
        adjudication_files(tmp_path)
    assert refused.value.code == "unreadable-file"
    assert refused.value.message == f"{pair / 'locked'}: cannot list this folder: Permission denied"


def test_a_stray_link_the_release_would_not_ship_does_not_stop_it(tmp_path: Path) -> None:
    """A link to nothing among the adjudication files (notes.txt, an editor's .#lock) is not a
    file the release ships: only an unreadable decisions file or report stops the build."""
    from crocus_claims.release.inputs import ADJUDICATION_DIR, adjudication_files

    pair = tmp_path / ADJUDICATION_DIR / "alice+bob"
    pair.mkdir(parents=True)
    real = resources.annotations_dir() / ADJUDICATION_DIR / "gold+blind-v2" / "decisions.yaml"
    (pair / "decisions.yaml").write_bytes(real.read_bytes())
    (pair / "notes.txt").symlink_to(pair / "gone.txt")
    (pair / ".#decisions.yaml").symlink_to("root@host.1:1")
    assert list(adjudication_files(tmp_path)) == [f"{ADJUDICATION_DIR.as_posix()}/alice+bob/decisions.yaml"]
    (pair / "report.json").symlink_to(pair / "gone.json")
    with pytest.raises(ReleaseError) as refused:
        adjudication_files(tmp_path)
    assert refused.value.code == "unreadable-file" and "report.json" in refused.value.message
