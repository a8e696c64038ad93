"""`crocus-claims corpus add`: a new article in a temporary copy of the project, never the real corpus."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import build_corpus, load_corpus, normalize_text
from crocus_claims.validation.codes import LOOP_CODES

ARTICLE = (" date 2024-03-25 Moscow court charges four\r\nAt least 137 people were killed, investigators said. "
           "The cafe\u0301 near the hall was closed.\r\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's corpus, annotations and schema; CROCUS_CLAIMS_ROOT points at it."""
    for name in ("corpus", "annotations", "schema"):
        shutil.copytree(resources.REPO_ROOT / name, tmp_path / name)
    monkeypatch.setenv(resources.ROOT_VARIABLE, str(tmp_path))
    return tmp_path


def add(path: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["corpus", "add", str(path), *args])


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_article_is_added_as_received_with_its_metadata(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    real = fingerprint(resources.REPO_ROOT / "corpus")
    article = tmp_path_factory.mktemp("in") / "article.txt"
    article.write_bytes(ARTICLE.encode("utf-8"))
    result = add(article, "--title", "Moscow court charges four", "--byline", "investigators")
    assert result.exit_code == 0, result.output
    assert "2 CRLF" in result.output and "NFC: 1" in result.output and "' date 2024-03-25 '" in result.output
    assert "null (not given): outlet, wire_source" in result.output
    corpus = load_corpus()
    [doc_id] = set(corpus) - {d.doc_id for d in build_corpus(resources.REPO_ROOT / "corpus")}
    assert doc_id == "crocus-005-moscow-court-charges-four"
    document = corpus[doc_id]
    source = project / "corpus" / "sources" / document.source_file
    assert source.read_bytes() == article.read_bytes()  # byte for byte as received
    assert document.text == normalize_text(ARTICLE)[len(document.stripped_prefix):]
    assert str(document.publication_date) == "2024-03-25" and document.outlet is None
    entry = yaml.safe_load((project / "corpus" / "sources.yaml").read_text(encoding="utf-8"))[-1]
    assert entry == {"source_file": document.source_file, "doc_id": doc_id, "title": "Moscow court charges four",
                     "outlet": None, "byline": "investigators", "wire_source": None}
    assert "# Hand-checked metadata" in (project / "corpus" / "sources.yaml").read_text(encoding="utf-8")
    check = CliRunner().invoke(cli, ["corpus", "check"])
    assert check.exit_code == 0 and "6 documents" in check.output
    assert fingerprint(resources.REPO_ROOT / "corpus") == real


def _empty(folder: Path) -> list[str]:
    (folder / "a.txt").write_bytes(b" \n\t ")
    return [str(folder / "a.txt")]


def _latin1(folder: Path) -> list[str]:
    (folder / "a.txt").write_bytes("Caf\u00e9 in Moscow".encode("latin-1"))
    return [str(folder / "a.txt")]


def _duplicate(folder: Path) -> list[str]:
    source = resources.REPO_ROOT / "corpus" / "sources" / "001_bea7959242a762d8.txt"
    (folder / "a.txt").write_bytes(source.read_bytes().replace(b"\n", b"\r\n"))  # same text once normalised
    return [str(folder / "a.txt")]


def _collision(folder: Path) -> list[str]:
    (folder / "a.txt").write_text("A new article about Crocus.", encoding="utf-8")
    return [str(folder / "a.txt"), "--doc-id", "crocus-000-pakistan-extradition"]


def _metadata(folder: Path) -> list[str]:
    (folder / "a.txt").write_text("A new article about Crocus.", encoding="utf-8")
    return [str(folder / "a.txt"), "--title", "A headline the text does not have"]


CASES = {"empty-article": (_empty, 2), "invalid-encoding": (_latin1, 2), "duplicate-text": (_duplicate, 1),
         "doc-id-collision": (_collision, 1), "invalid-metadata": (_metadata, 1)}


def test_every_corpus_add_code_has_a_case() -> None:
    assert {c.code for c in LOOP_CODES.values() if c.command == "corpus add"} == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_refusal_has_its_code_and_changes_nothing(project: Path, tmp_path_factory: pytest.TempPathFactory,
                                                       code: str) -> None:
    make, exit_code = CASES[code]
    before = fingerprint(project / "corpus")
    result = CliRunner().invoke(cli, ["corpus", "add", *make(tmp_path_factory.mktemp("in"))])
    assert result.exit_code == exit_code, result.output
    assert f"{code}:" in result.output and "Traceback" not in result.output
    assert fingerprint(project / "corpus") == before


def test_a_bad_date_is_refused(project: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A new article.", encoding="utf-8")
    result = add(tmp_path / "a.txt", "--date", "25/03/2024")
    assert result.exit_code == 1 and "invalid-metadata" in result.output


def test_records_of_the_new_article_validate_against_the_new_corpus(project: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Moscow said so.", encoding="utf-8")
    assert add(tmp_path / "a.txt").exit_code == 0
    document = load_corpus()["crocus-005-moscow-said-so"]
    record = {"doc_id": document.doc_id, "schema_version": "1.0.0", "text_sha256": document.text_sha256,
              "annotator": "a", "spans": [], "relations": []}
    (tmp_path / "r.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 0, result.output


def test_a_leading_byte_order_mark_is_stripped_and_said(project: Path, tmp_path: Path) -> None:
    """U+FEFF at the start is an encoding signature, not text: the text is the source minus it."""
    article = tmp_path / "bom.txt"
    article.write_bytes(b"\xef\xbb\xbfFive people were killed in Moscow.\n")
    result = add(article)
    assert result.exit_code == 0, result.output
    assert "byte order mark (U+FEFF) at the start removed" in result.output
    corpus = load_corpus()
    [doc_id] = set(corpus) - {d.doc_id for d in build_corpus(resources.REPO_ROOT / "corpus")}
    document = corpus[doc_id]
    assert (project / "corpus" / "sources" / document.source_file).read_bytes() == article.read_bytes()
    assert document.text == "Five people were killed in Moscow.\n" == article.read_bytes()[3:].decode("utf-8")
    assert doc_id == "crocus-005-five-people-were-killed-in-moscow"
    only_mark = tmp_path / "mark.txt"
    only_mark.write_bytes(b"\xef\xbb\xbf\n")
    refused = add(only_mark)
    assert refused.exit_code != 0 and "empty-article" in refused.output


def test_a_failure_while_writing_the_last_file_changes_no_file(project: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The three files are written and synced before any is renamed: the source copy and the
    sources.yaml entry are not left without their documents.jsonl line."""
    from crocus_claims import corpus_add

    def fail(handle: object, documents: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(corpus_add, "write_documents", fail)
    (tmp_path / "a.txt").write_text("Moscow said so.", encoding="utf-8")
    before = fingerprint(project / "corpus")
    result = add(tmp_path / "a.txt")
    assert result.exit_code == 2 and "unwritable-file:" in result.output and "No space left" in result.output
    assert fingerprint(project / "corpus") == before
    assert not [p for p in (project / "corpus").rglob("*.tmp")]  # no temporary file left behind
