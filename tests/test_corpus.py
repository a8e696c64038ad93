"""The corpus is the articles as received, minus the metadata that was glued to them."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from click.testing import CliRunner

from crocus_claims import resources
from crocus_claims.cli import cli
import pytest

from crocus_claims.corpus import (
    CorpusError,
    SourceEntry,
    build_document,
    load_corpus,
    normalize_text,
    read_source_entries,
    text_sha256,
)

CORPUS = load_corpus()
SOURCES = resources.corpus_dir() / "sources"


def test_five_documents_with_readable_stable_ids() -> None:
    assert len(CORPUS) == 5
    assert all(doc_id.startswith("crocus-") and doc_id == doc_id.lower() for doc_id in CORPUS)


def test_text_is_the_source_minus_the_stripped_metadata() -> None:
    for document in CORPUS.values():
        raw = (SOURCES / document.source_file).read_text(encoding="utf-8")
        assert normalize_text(raw) == document.stripped_prefix + document.text
        assert document.stripped_prefix in ("", f" date {document.publication_date} ")


def test_only_the_glued_date_is_stripped() -> None:
    stripped = {d.source_file: d.stripped_prefix for d in CORPUS.values() if d.stripped_prefix}
    assert sorted(stripped) == ["000_0bb89f86275c7d18.txt", "004_b963823c6e30401b.txt"]
    assert all(not d.text.startswith(" date ") for d in CORPUS.values())


def test_text_is_nfc_with_unix_newlines_and_hashed() -> None:
    for document in CORPUS.values():
        assert "\r" not in document.text
        assert unicodedata.is_normalized("NFC", document.text)
        assert document.text_sha256 == text_sha256(document.text)


def test_metadata_is_stated_in_the_article_or_null() -> None:
    for document in CORPUS.values():
        for field in ("title", "outlet", "byline", "wire_source"):
            value = getattr(document, field)
            assert value is None or value in document.text, f"{document.doc_id}: {field} {value!r} is not in the text"
    assert sum(d.publication_date is not None for d in CORPUS.values()) == 2


def test_sources_are_the_seeds_byte_for_byte() -> None:
    entries = read_source_entries(resources.corpus_dir())
    assert sorted(e.source_file for e in entries) == sorted(p.name for p in SOURCES.glob("*.txt"))
    seeds = resources.REPO_ROOT.parent / "shared" / "seeds"
    if seeds.is_dir():  # beside a checkout in this workplace and in CI: the seeds as received
        for path in SOURCES.glob("*.txt"):
            assert path.read_bytes() == (seeds / path.name).read_bytes()


def test_committed_corpus_is_up_to_date() -> None:
    result = CliRunner().invoke(cli, ["corpus", "check"])
    assert result.exit_code == 0, result.output


def test_wire_source_is_the_outlet_each_article_credits_with_its_story() -> None:
    credited = {doc_id: document.wire_source for doc_id, document in CORPUS.items()}
    assert credited == {
        "crocus-000-pakistan-extradition": "The Economic Times",
        "crocus-001-fsb-implicates-isk": "RIA Novosti",
        "crocus-002-iran-warned-russia-bereziuk": "Reuters",
        "crocus-003-iran-warned-russia-reuters-reports": "Reuters",
        "crocus-004-zakharova-disputes-isk-claim": None,
    }


def _entry(wire_source: str | None) -> SourceEntry:
    return SourceEntry(source_file="x.txt", doc_id="x", title=None, outlet=None, byline=None, wire_source=wire_source)


@pytest.mark.parametrize("text", [
    "the Gazette: a fire broke out.", "A fire broke out, the Gazette reports.", "A fire, reports the Gazette.",
    "A fire broke out, according to the Gazette.", "This was reported to the Gazette by two people.",
    "Remarks quoted by the Gazette show it.",
])
def test_wire_source_credited_by_any_cue_is_accepted(text: str) -> None:
    assert build_document(_entry("the Gazette"), text).wire_source == "the Gazette"


def test_wire_source_merely_mentioned_is_refused() -> None:
    with pytest.raises(CorpusError, match="x.txt: wire_source 'the Gazette' is in the text but not credited"):
        build_document(_entry("the Gazette"), "A fire broke out near the Gazette offices.")


def test_a_corpus_file_read_on_demand_reads_like_the_whole_file(tmp_path: Path) -> None:
    from crocus_claims.corpus import CorpusFile, read_corpus

    committed = resources.corpus_dir() / "documents.jsonl"
    copy = tmp_path / "documents.jsonl"
    copy.write_bytes(committed.read_bytes() + b"\n" + committed.read_bytes().splitlines(keepends=True)[0])
    on_demand, whole = CorpusFile(copy), read_corpus(copy)
    assert len(on_demand) == len(whole) and list(on_demand) == list(whole)
    for doc_id in reversed(list(whole)):
        assert on_demand[doc_id] == whole[doc_id] and doc_id in on_demand
    assert on_demand.get("not-a-document") is None and "not-a-document" not in on_demand
