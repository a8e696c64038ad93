"""`crocus-claims prelabel`: records that validate, from the corpus or a text file; coded refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.prelabel import annotator_name
from crocus_claims.validation import validate_paths

CORPUS = load_corpus()
DOC_ID = "crocus-004-zakharova-disputes-isk-claim"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["prelabel", *args])
    return result.exit_code, result.stdout, result.stderr


def test_corpus_document_to_records_that_validate(tmp_path: Path) -> None:
    output = tmp_path / "pre.jsonl"
    code, _, stderr = run(DOC_ID, "-o", str(output))
    assert code == 0, stderr
    (record,) = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert record["doc_id"] == DOC_ID and record["annotator"] == annotator_name()
    assert annotator_name().startswith("prelabel-")
    figure = next(s for s in record["spans"] if s["label"] == "CASUALTY_FIGURE")
    assert figure["text"] == "at least 140"
    assert (figure["attributes"]["qualifier"], figure["attributes"]["value_min"]) == ("at_least", 140)
    assert "text" not in record
    assert validate_paths([output]).findings == []
    assert f"{DOC_ID}: " in stderr


def test_every_corpus_document_by_default() -> None:
    code, stdout, _ = run()
    assert code == 0
    assert [json.loads(line)["doc_id"] for line in stdout.splitlines()] == sorted(CORPUS)


def test_text_file_record_carries_its_text(tmp_path: Path) -> None:
    source = tmp_path / "new article.txt"
    source.write_bytes("Gunmen stormed the hall.\r\nAt least 12 people were killed and 30 injured.\r\n".encode())
    output = tmp_path / "out.jsonl"
    code, _, stderr = run("--text-file", str(source), "-o", str(output))
    assert code == 0, stderr
    (record,) = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert record["doc_id"] == "new-article"
    assert record["text"] == "Gunmen stormed the hall.\nAt least 12 people were killed and 30 injured.\n"
    figures = [(s["text"], s["attributes"]["category"]) for s in record["spans"] if s["label"] == "CASUALTY_FIGURE"]
    assert figures == [("At least 12", "killed"), ("30", "injured")]
    assert validate_paths([output]).findings == []
    code, _, _ = run("--text-file", str(source), "--doc-id", "my-doc")
    assert code == 0


@pytest.mark.parametrize("content, code_name, located", [
    (b"", "empty-text", ""),
    (b" \n\t\n", "empty-text", ""),
    (b"Fine line\nbad \xff byte", "invalid-utf8", ":2"),
    (b"\xef\xbb\xbf\xc3", "invalid-utf8", ":1"),
])
def test_bad_text_file_is_refused_with_a_code(tmp_path: Path, content: bytes, code_name: str, located: str) -> None:
    source = tmp_path / "article.txt"
    source.write_bytes(content)
    output = tmp_path / "out.jsonl"
    output.write_text("previous\n", encoding="utf-8")
    code, _, stderr = run("--text-file", str(source), "-o", str(output))
    assert code == 2
    assert f"{source}{located}: error {code_name}: " in stderr
    assert "Traceback" not in stderr and "internal-error" not in stderr
    assert output.read_text(encoding="utf-8") == "previous\n"


@pytest.mark.parametrize("name", ["missing.txt", "."])
def test_unreadable_text_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    code, _, stderr = run("--text-file", str(path))
    assert code == 2
    assert "error unreadable-file: cannot read" in stderr


def test_unknown_documents_are_each_named() -> None:
    code, stdout, stderr = run(DOC_ID, "no-such-doc", "other")
    assert code == 2 and stdout == ""
    assert "doc no-such-doc: error unknown-document" in stderr
    assert "doc other: error unknown-document" in stderr


def test_invalid_doc_id_and_conflicting_arguments(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Five people died.", encoding="utf-8")
    code, _, stderr = run("--text-file", str(source), "--doc-id", "bad id!")
    assert code == 2 and "error invalid-doc-id" in stderr
    code, _, stderr = run(DOC_ID, "--text-file", str(source))
    assert code == 2 and "error conflicting-arguments" in stderr
    code, _, stderr = run("--doc-id", "x")
    assert code == 2 and "error conflicting-arguments" in stderr


@pytest.mark.parametrize("number", ["²", "³", "½", "9" * 30, "9" * 5000])
def test_odd_digits_and_overlong_numbers_are_no_figures(tmp_path: Path, number: str) -> None:
    """'²' is a digit to str.isdigit but not to int(); 30 nines exceed int64 and 5,000 hit
    Python's int() digit limit: none is a figure, and the other figures are still proposed."""
    source = tmp_path / "odd.txt"
    source.write_text(f"Police said {number} people were killed. Five people were injured.\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    code, _, stderr = run("--text-file", str(source), "-o", str(output))
    assert code == 0, stderr
    (record,) = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    figures = [s["text"] for s in record["spans"] if s["label"] == "CASUALTY_FIGURE"]
    assert figures == ["Five"]
    assert validate_paths([output]).findings == []


def test_a_leading_byte_order_mark_is_no_text(tmp_path: Path) -> None:
    source = tmp_path / "bom.txt"
    source.write_bytes(b"\xef\xbb\xbfFive people were killed.\n")
    code, stdout, stderr = run("--text-file", str(source))
    assert code == 0, stderr
    (record,) = [json.loads(line) for line in stdout.splitlines()]
    assert record["text"] == "Five people were killed.\n"
    assert [(s["start"], s["text"]) for s in record["spans"] if s["label"] == "CASUALTY_FIGURE"] == [(0, "Five")]
    source.write_bytes(b"\xef\xbb\xbf \n")
    code, _, stderr = run("--text-file", str(source))
    assert code == 2 and "empty-text" in stderr
