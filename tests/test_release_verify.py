"""`release verify` and the manifest: any changed byte is found, and named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from crocus_claims.release import verify_release
from crocus_claims.release.manifest import render_json
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_release_build import build, corpus_gold


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("release"), corpus_gold(load_schema()))


@pytest.fixture
def release(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / pristine.name
    shutil.copytree(pristine, copy)
    return copy


def listed_files(folder: Path) -> list[str]:
    return sorted(json.loads((folder / "manifest.json").read_text())["files"])


def test_a_fresh_release_verifies(release: Path) -> None:
    assert verify_release(release) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_of_a_listed_file_is_found(pristine: Path, tmp_path: Path, data: st.DataObject) -> None:
    folder = tmp_path / "copy"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(pristine, folder)
    name = data.draw(st.sampled_from(listed_files(folder)))
    content = bytearray((folder / name).read_bytes())
    position = data.draw(st.integers(0, len(content) - 1))
    content[position] = data.draw(st.integers(0, 255).filter(lambda b: b != content[position]))
    (folder / name).write_bytes(bytes(content))
    differences = verify_release(folder)
    assert any(d.code == "checksum-mismatch" and d.file == name for d in differences), differences


def test_a_documents_file_made_invalid_utf8_is_reported_not_read_into_the_tables(release: Path) -> None:
    content = bytearray((release / "documents.jsonl").read_bytes())
    content[content.index(b'"text"') + 10] = 0xFF  # inside a text: no longer UTF-8
    (release / "documents.jsonl").write_bytes(bytes(content))
    differences = verify_release(release)
    assert ("checksum-mismatch", "documents.jsonl") in {(d.code, d.file) for d in differences}
    assert not [d for d in differences if d.code in ("table-mismatch", "invalid-table")]


def test_a_count_edited_in_the_manifest_is_found(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text())
    label = next(iter(manifest["counts"]["spans_per_label"]))
    manifest["counts"]["spans_per_label"][label] += 1
    (release / "manifest.json").write_bytes(render_json(manifest))
    differences = verify_release(release)
    assert [d.code for d in differences] == ["count-mismatch"]
    assert f"counts.spans_per_label.{label}" in differences[0].message


def test_a_hand_edited_manifest_is_found(release: Path) -> None:
    raw = (release / "manifest.json").read_text()
    (release / "manifest.json").write_text(raw.replace("\n", "\r\n", 1))
    assert [d.code for d in verify_release(release)] == ["manifest-not-canonical"]


def test_missing_and_unexpected_files_are_named(release: Path) -> None:
    (release / "croissant.json").unlink()
    (release / "extra.txt").write_text("not released\n")
    found = {(d.code, d.file) for d in verify_release(release)}
    assert found == {("missing-file", "croissant.json"), ("unexpected-file", "extra.txt")}


def test_a_record_that_breaks_its_text_is_named_even_with_a_fixed_up_manifest(release: Path) -> None:
    from crocus_claims.release.manifest import build_manifest

    lines = (release / "documents.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    document = json.loads(lines[2])
    document["spans"][0]["start"] += 1
    lines[2] = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    (release / "documents.jsonl").write_text("".join(lines), encoding="utf-8")
    manifest = json.loads((release / "manifest.json").read_text())
    header = {k: v for k, v in manifest.items() if k not in ("files", "manifest_format")}
    (release / "manifest.json").write_bytes(render_json(build_manifest(release, header)))
    differences = verify_release(release)
    assert differences and all(d.file.startswith("documents.jsonl:3") for d in differences)
    assert any(d.code == "span-text-mismatch" and document["doc_id"] in d.file for d in differences)


def test_a_folder_of_the_release_that_cannot_be_listed_is_unreadable_not_missing(
        release: Path, locked_folders: set[str]) -> None:
    locked_folders.add("board")
    differences = verify_release(release)
    assert [(d.code, d.file, d.message) for d in differences] == [
        ("unreadable-file", "board", "cannot list this folder: Permission denied")]


def test_a_release_folder_that_cannot_be_listed_is_one_difference(release: Path,
                                                                   locked_folders: set[str]) -> None:
    locked_folders.add(release.name)
    differences = verify_release(release)
    assert [(d.code, d.file) for d in differences] == [("unreadable-file", ".")]


def test_a_release_folder_that_cannot_be_entered_names_each_entry(release: Path,
                                                                 unenterable_folders: set[str]) -> None:
    unenterable_folders.add("schema")
    differences = verify_release(release)
    assert differences
    assert {d.code for d in differences} == {"unreadable-file"}
    assert all(d.file.startswith("schema/") for d in differences)
    assert {d.message for d in differences} == {"cannot read: Permission denied"}
