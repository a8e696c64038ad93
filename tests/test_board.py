"""The claims board, outside the browser: the document layout (a property over generated records),
the command on a release and on an annotation pass, refusals, reproducibility, the release's
board/, and that loading the dataset never imports the board's libraries.

The pages themselves are checked in a real browser in test_board_browser.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.board.layout import layout, sentence_bounds
from crocus_claims.cli import cli
from crocus_claims.release import build_release, verify_release
from crocus_claims.release.manifest import read_manifest
from crocus_claims.schema import load_schema
from hypothesis import given, settings
from strategies import records
from test_release_build import example_attributes, folder_bytes, simple_labels


SCHEMA = load_schema()
PASS2 = resources.annotations_dir() / "pass2"


def covered_text(placed: Any, span_id: str) -> str:
    return "".join(s.text for sentence in placed.sentences for s in sentence.segments if span_id in s.spans)


@settings(max_examples=150, deadline=None)
@given(record=records(max_spans=12))
def test_layout_segments_rebuild_the_text_and_every_span(record: dict[str, Any]) -> None:
    placed = layout(record["text"], record["spans"])
    segments = [s for sentence in placed.sentences for s in sentence.segments]
    assert "".join(s.text for s in segments) == record["text"]
    for span in record["spans"]:
        assert covered_text(placed, span["id"]) == span["text"]
        assert [s.start for s in segments if span["id"] in s.opens] == [span["start"]]
    for a in record["spans"]:
        for b in record["spans"]:
            if a is not b and a["start"] < b["end"] and b["start"] < a["end"]:
                assert placed.slots[a["id"]] != placed.slots[b["id"]], "overlapping spans share a row"
    assert [sentence.number for sentence in placed.sentences] == list(range(1, len(placed.sentences) + 1))


def test_sentences_cover_the_text_and_split_where_a_reader_would() -> None:
    text = 'He said "145 died." Then: 143.\n\nA new paragraph? Yes! e.g. this'
    bounds = sentence_bounds(text)
    assert "".join(text[a:b] for a, b in bounds) == text
    assert [text[a:b].strip() for a, b in bounds] == ['He said "145 died."', "Then: 143.", "A new paragraph?",
                                                      "Yes! e.g. this"]


def test_nested_spans_sit_above_the_span_that_holds_them() -> None:
    text = "the Islamic State Khorasan group"
    outer = {"id": "outer", "label": "PERPETRATOR_CLAIM", "start": 4, "end": 32}
    inner = {"id": "inner", "label": "ACTOR", "start": 4, "end": 26}
    placed = layout(text, [inner, outer])
    assert (placed.slots["outer"], placed.slots["inner"], placed.depth) == (0, 1, 2)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def gold_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(tmp_path_factory.mktemp("board-gold") / "dist")


def test_a_release_carries_its_board_in_the_manifest_linked_from_the_datasheet(gold_release: Path,
                                                                             tmp_path: Path) -> None:
    manifest, _ = read_manifest(gold_release)
    board_files = sorted(name for name in manifest["files"] if name.startswith("board/"))
    documents = manifest["counts"]["documents"]
    assert "board/index.html" in board_files and "board/board.css" in board_files
    assert len([name for name in board_files if name.startswith("board/doc-")]) == documents
    assert "(board/index.html)" in (gold_release / "README.md").read_text(encoding="utf-8")
    assert verify_release(gold_release) == []
    copy = shutil.copytree(gold_release, tmp_path / "copy")
    (copy / "board" / "index.html").write_text("changed", encoding="utf-8")
    assert [d.code for d in verify_release(copy)] == ["checksum-mismatch"]


def test_the_board_is_reproducible(tmp_path: Path, gold_release: Path) -> None:
    again = build_release(tmp_path / "again")
    assert folder_bytes(again / "board") == folder_bytes(gold_release / "board")
    run("board", str(gold_release), "-o", str(tmp_path / "one"))
    run("board", str(gold_release), "-o", str(tmp_path / "two"))
    assert folder_bytes(tmp_path / "one") == folder_bytes(tmp_path / "two")


def test_the_command_builds_the_board_of_an_annotation_pass(tmp_path: Path) -> None:
    result = run("board", str(PASS2), "-o", str(tmp_path / "pass2"))
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in (tmp_path / "pass2").glob("doc-*.html"))
    assert pages == sorted(f"doc-{p.stem}.html" for p in PASS2.glob("*.jsonl"))
    index = (tmp_path / "pass2" / "index.html").read_text(encoding="utf-8")
    assert "annotations pass2" in index
    assert "missing-label" not in index  # every section's label is in the schema


def test_invalid_records_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    output = tmp_path / "out"
    assert run("board", str(PASS2), "-o", str(output)).exit_code == 0
    before = folder_bytes(output)
    bad = tmp_path / "bad.jsonl"
    record = json.loads((PASS2 / "crocus-001-fsb-implicates-isk.jsonl").read_text(encoding="utf-8"))
    record["spans"][0]["start"] += 1
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run("board", str(bad), "-o", str(output))
    assert result.exit_code == 2
    assert "invalid-annotations" in result.output and f"{bad}:1" in result.output
    assert "span-text-mismatch" in result.output
    assert folder_bytes(output) == before


def test_a_folder_that_is_not_a_board_is_never_replaced(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The board replaces its output whole: `-o annotations/gold` deleted the gold records. Only
    a new or empty folder, or a board written before, is replaced; the current folder never."""
    records = tmp_path / "records"
    shutil.copytree(PASS2, records)
    before = folder_bytes(records)
    result = run("board", str(PASS2), "-o", str(records))
    assert result.exit_code == 2 and "output-not-a-board" in result.output, result.output
    assert folder_bytes(records) == before
    (tmp_path / "empty").mkdir()
    assert run("board", str(PASS2), "-o", str(tmp_path / "empty")).exit_code == 0
    again = run("board", str(PASS2), "-o", str(tmp_path / "empty"))  # a board written before
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "records"]  # nothing left beside it
    monkeypatch.chdir(tmp_path / "empty")
    for output in (".", str(tmp_path)):
        result = run("board", str(PASS2), "-o", output)
        assert result.exit_code == 2 and "output-not-a-board" in result.output
        assert "current folder" in result.output
    assert (tmp_path / "empty" / "index.html").is_file()
    monkeypatch.chdir(tmp_path)
    inside = run("board", str(PASS2), "-o", str(Path("empty") / ".." / "empty"))  # `..` hides nothing
    assert inside.exit_code == 0, inside.output
    monkeypatch.chdir(tmp_path / "empty")
    result = run("board", str(PASS2), "-o", str(Path("..") / "empty"))
    assert result.exit_code == 2 and "current folder" in result.output
    from crocus_claims.board import BoardError, build_board

    (tmp_path / "a-file").write_text("mine")
    with pytest.raises(BoardError, match="not an empty folder or a board"):
        build_board([PASS2], tmp_path / "a-file")
    assert (tmp_path / "a-file").read_text() == "mine"


def test_a_board_behind_a_link_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    (tmp_path / "boards" / "pass2").mkdir(parents=True)
    (tmp_path / "latest").symlink_to(tmp_path / "boards" / "pass2")
    for _ in range(2):
        result = run("board", str(PASS2), "-o", str(tmp_path / "latest"))
        assert result.exit_code == 0, result.output
    assert (tmp_path / "latest").is_symlink() and (tmp_path / "latest" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boards", "latest"]  # no retired link left
    assert sorted(p.name for p in (tmp_path / "boards").iterdir()) == ["pass2"]


def test_two_passes_at_once_are_refused(tmp_path: Path) -> None:
    # Two passes of one schema version (the gold is at a later one since schema 2.0.0).
    result = run("board", str(PASS2), str(resources.annotations_dir() / "heldout"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "duplicate-document" in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run("board", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "unreadable-file" in result.output


def test_loading_the_dataset_imports_neither_templates_nor_plots(gold_release: Path) -> None:
    code = (f"import sys, crocus_claims; ds = crocus_claims.load({str(gold_release)!r}); ds.figures(); ds.claims(); "
            "print(sorted(m for m in ('jinja2', 'matplotlib', 'crocus_claims.board') if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert output.strip() == "[]"


def tricky_record() -> dict[str, Any]:
    """A document with emoji (a ZWJ family, a flag), combining marks and newlines, and spans that
    overlap, nest and end on those characters."""
    import hashlib

    text = ("Moscow 👩‍👩‍👧 said cafe\u0301 n\u0303 killed.\nThe 🇷🇺 Kremlin said: e\u0301e\u0301 a\n\nb 𝔘 x\u200dy & <b> — "
            "«the Islamic State» claimed it.")
    labels = simple_labels(SCHEMA)
    bounds = [("Moscow 👩‍👩‍👧", 0), ("👩‍👩‍👧 said cafe\u0301", 0), ("cafe\u0301 n\u0303", 0),
              ("killed.\nThe 🇷🇺", 0), ("🇷🇺", 0), ("🇷🇺 Kremlin", 0), ("e\u0301e\u0301 a\n\nb 𝔘", 0),
              ("𝔘 x\u200dy & <b>", 0), ("<b>", 0), ("«the Islamic State»", 0), ("Islamic State", 0),
              ("the Islamic", 0), ("claimed it.", 0)]
    spans = []
    for number, (quote, _) in enumerate(bounds):
        start = text.index(quote)
        label = labels[number % len(labels)]
        spans.append({"id": f"s{number}", "label": label, "start": start, "end": start + len(quote), "text": quote,
                      "attributes": example_attributes(SCHEMA, label)})
    return {"doc_id": "generated-tricky", "schema_version": SCHEMA.version, "annotator": "generator",
            "text": text, "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "spans": spans, "relations": []}


def test_the_generated_document_lays_out_exactly(tmp_path: Path) -> None:
    record = tricky_record()
    placed = layout(record["text"], record["spans"])
    assert all(covered_text(placed, s["id"]) == s["text"] for s in record["spans"])
    assert placed.depth >= 3


def test_past_its_limits_the_index_moves_charts_and_lists_to_pages_of_their_own(
        gold_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits that keep every page's size independent of the release, made tiny: every claim
    and figure is still shown exactly once across the pages, and the index only summarises."""
    import re

    from crocus_claims.board import site
    from crocus_claims.loader import load

    for name, value in {"INDEX_FIGURES": 5, "INDEX_ROWS": 4, "PAGE_ROWS": 3, "CHART_ROWS": 2,
                        "MATRIX_LISTED_CLAIMS": 4}.items():
        monkeypatch.setattr(site, name, value)
    assert run("board", str(gold_release), "-o", str(tmp_path / "out")).exit_code == 0
    out, dataset = tmp_path / "out", load(gold_release)

    def rows(pages: list[Path], table: str) -> list[tuple[str, str]]:
        found = []
        for page in pages:
            html = page.read_text(encoding="utf-8")
            for body in re.findall(rf'<table class="{table}">.*?</table>', html, re.S):
                found += re.findall(r'<tr[^>]* data-doc="([^"]+)" data-span="([^"]+)"', body)
        return found

    claim_pages = sorted(out.glob("claims-*.html"))
    assert len(claim_pages) == -(-dataset.claims().height // 3)
    assert sorted(rows(claim_pages, "claims")) == sorted(dataset.claims().select("doc_id", "span_id").iter_rows())
    figures = dataset.figures()
    shown = []  # each group's statements: on its list pages, or all on its own page when they fit
    for group in sorted(out.glob("figures-*.html")):
        pages = sorted(out.glob(f"{group.stem}-*.html"))
        if not re.search(r"-\d+$", group.stem):
            shown += rows(pages or [group], "figures")
    assert sorted(shown) == sorted(figures.select("doc_id", "span_id").iter_rows())
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<table class="groups">' in index and "<svg" not in index
    killed = (out / "figures-CROCUS_2024-killed.html").read_text(encoding="utf-8")
    assert "<svg" in killed and "most stated intervals" in killed
    assert '<a class="claim"' not in index and 'class="more" href="claims-1.html"' in index


def test_pages_written_in_parallel_are_the_pages_written_in_one_process(
        gold_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crocus_claims.board import site

    assert run("board", str(gold_release), "-o", str(tmp_path / "one")).exit_code == 0
    monkeypatch.setattr(site, "PARALLEL_DOCUMENTS", 0)
    monkeypatch.setattr(site, "BATCH_DOCUMENTS", 2)
    monkeypatch.setattr(site.os, "cpu_count", lambda: 2)
    assert run("board", str(gold_release), "-o", str(tmp_path / "forked")).exit_code == 0
    assert folder_bytes(tmp_path / "forked") == folder_bytes(tmp_path / "one")


def test_without_the_board_extra_both_commands_say_what_to_install(tmp_path: Path, gold_release: Path) -> None:
    """`pip install .` without the extra: a coded refusal naming the extra, never a traceback."""
    code = f"""
import sys
sys.modules["jinja2"] = None  # as if the `board` extra were not installed
from click.testing import CliRunner
from crocus_claims.cli import cli
board = CliRunner().invoke(cli, ["board", {str(gold_release)!r}, "-o", {str(tmp_path / "out")!r}])
print(board.exit_code, board.output.strip())
from crocus_claims.release import ReleaseError, build_release
try:
    build_release({str(tmp_path / "dist")!r})
except ReleaseError as error:
    print(error.code, error)
"""
    lines = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.splitlines()
    assert lines[0].startswith("2 Error: missing-extra: the board needs the `board` extra")
    assert lines[1].startswith("missing-extra a release includes its board") and "crocus-claims[board]" in lines[1]
    assert not (tmp_path / "out").exists() and not list((tmp_path / "dist").glob("crocus-claims-*"))


def test_the_board_command_does_not_import_the_release_builder() -> None:
    """`crocus-claims board` needs only the extra's module list (crocus_claims.board_extra)."""
    code = ("import sys, crocus_claims.cli.board; "
            "print(sorted(m for m in sys.modules if m.startswith(('crocus_claims.release', 'jinja2', 'matplotlib'))))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert loaded.strip() == "[]"
