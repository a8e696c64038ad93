"""`annotations import`: records become quote-anchored authored files that build back byte for byte.

Records are drawn from the schema (tests/strategies.py) on texts full of repeated phrases, emoji,
combining marks and newlines, so that quotes need context to be unique.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crocus_claims import anchoring, authoring, resources
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus, text_document
from crocus_claims.records import derived_relation_id, record_types
from crocus_claims.schema import load_schema
from crocus_claims.validation.codes import LOOP_CODES
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import records

SCHEMA = load_schema()
GOLD = resources.annotations_dir() / "gold"
REPEATED = ("at least 140", "140", "IS", "IS-K", "said", "Crocus", "😀", "👩‍👩‍👧", "e\u0301", "n\u0303",
            "\n", "\n\n", "Russia", "Russian", "\u2028", "\x85", " ")


def repeated_texts() -> st.SearchStrategy[str]:
    """Texts made of a few phrases repeated many times: most quotes occur more than once."""
    return st.lists(st.sampled_from(REPEATED), min_size=1, max_size=40).map(" ".join)


def authorable(record: dict[str, Any]) -> dict[str, Any]:
    """Only spans a quote can select (none cuts a letter from its combining mark), and their relations."""
    text = record["text"]
    spans = [s for s in record["spans"] if not authoring.splits_character(text, s["start"], s["end"])]
    kept = {s["id"] for s in spans}
    return {**record, "spans": spans,
            "relations": [r for r in record["relations"] if r["head"] in kept and r["tail"] in kept]}


def canonical(record: dict[str, Any]) -> bytes:
    types = record_types(SCHEMA)
    return types.encode(types.convert({k: v for k, v in record.items() if k != "text"})) + b"\n"


def context_length(span: dict[str, Any]) -> int:
    return len(span.get("prefix", "")) + len(span.get("suffix", ""))


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(records(text=repeated_texts()), records()))
def test_imported_records_build_back_to_the_same_bytes(tmp_path_factory: Any, record: dict[str, Any]) -> None:
    record = authorable(record)
    root = tmp_path_factory.mktemp("annotations")
    corpus = {record["doc_id"]: text_document(record["doc_id"], record["text"])}
    result = anchoring.anchor_records([record], "alice", root=root, corpus=corpus)
    assert result.problems == []
    anchoring.write_anchored(result)
    built = authoring.build(root, ["alice"], corpus=corpus)
    assert built.problems == []
    assert list(built.outputs.values()) == [canonical(record)]


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(repeated_texts(), st.data())
def test_the_selector_is_the_shortest_that_selects_the_span(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, min(len(text), start + 15)))
    assume(not authoring.splits_character(text, start, end))
    selector = anchoring.selector_for(text, start, end)
    assert authoring.locate_quote(text, **selector) == (start, end)
    chosen = context_length(selector)
    for p in range(0, min(start, chosen) + 1):
        for s in range(0, min(len(text) - end, chosen - p) + 1):
            if p + s >= chosen:
                continue
            try:
                located = authoring.locate_quote(text, text[start:end], text[start - p:start] or None,
                                                 text[end:end + s] or None)
            except authoring.QuoteError:
                continue
            assert located != (start, end), f"a shorter context selects it: prefix {p}, suffix {s}"


def test_relation_ids_are_written_only_when_they_differ_from_the_rule() -> None:
    text = "Moscow said Kyiv did it"
    actor = next(label for label in SCHEMA.labels if label.name == "ACTOR")
    attributes = {"actor": "RUSSIA_GOVERNMENT"}
    spans = [{"id": "a", "label": actor.name, "start": 0, "end": 6, "text": "Moscow", "attributes": attributes},
             {"id": "b", "label": actor.name, "start": 12, "end": 16, "text": "Kyiv", "attributes": attributes}]
    relation = SCHEMA.relations[0].name
    record = {"doc_id": "d", "annotator": "x", "schema_version": SCHEMA.version, "spans": spans, "text_sha256": "",
              "relations": [{"id": derived_relation_id(relation, "a", "b"), "type": relation, "head": "a", "tail": "b"},
                            {"id": "mine", "type": relation, "head": "b", "tail": "a"}]}
    data = anchoring.authored_data(record, text)
    assert [set(r) for r in data["relations"]] == [{"type", "head", "tail"}, {"type", "head", "tail", "id"}]


def test_the_gold_imports_into_a_pass_whose_records_are_the_gold_bytes(tmp_path: Path) -> None:
    source = tmp_path / "gold.jsonl"
    source.write_bytes(b"".join(path.read_bytes() for path in sorted(GOLD.glob("*.jsonl"))))
    root = tmp_path / "annotations"
    result = CliRunner().invoke(cli, ["annotations", "import", str(source), "--pass", "copy", "--root", str(root)])
    assert result.exit_code == 0, result.output
    for path in sorted(GOLD.glob("*.jsonl")):
        assert (root / "copy" / path.name).read_bytes() == path.read_bytes()
    check = CliRunner().invoke(cli, ["annotations", "build", "--check", "--root", str(root)])
    assert check.exit_code == 0, check.output
    again = CliRunner().invoke(cli, ["annotations", "import", str(source), "--pass", "copy", "--root", str(root)])
    assert again.exit_code == 0, again.output  # the same records again: nothing differs, nothing refused


# --- every mistake: its code, a non-zero exit, nothing written --------------------------------------


def gold_record(doc_index: int = 0) -> dict[str, Any]:
    path = sorted(GOLD.glob("*.jsonl"))[doc_index]
    return json.loads(path.read_text(encoding="utf-8"))


def write_jsonl(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _two_annotators(tmp_path: Path) -> list[str]:
    first = gold_record()
    second = {**first, "annotator": "someone-else"}
    return [str(write_jsonl(tmp_path / "in.jsonl", first, second)), "--pass", "p"]


def _pass_exists(tmp_path: Path) -> list[str]:
    record = gold_record()
    doc_id = record["doc_id"]
    existing = tmp_path / "annotations" / "authored" / "p" / f"{doc_id}.yaml"
    existing.parent.mkdir(parents=True)
    existing.write_text("# hand-written, must survive\n", encoding="utf-8")
    return [str(write_jsonl(tmp_path / "in.jsonl", record)), "--pass", "p"]


def _bad_pass_name(tmp_path: Path) -> list[str]:
    return [str(write_jsonl(tmp_path / "in.jsonl", gold_record())), "--pass", "../escape"]


def _round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    real = anchoring.dump_authored
    monkeypatch.setattr(anchoring, "dump_authored", lambda data, comment=None: real(data, comment).replace(
        "quote: ", "quote: x", 1))
    return [str(write_jsonl(tmp_path / "in.jsonl", gold_record())), "--pass", "p"]


CASES = {
    "several-records-per-document": _two_annotators,
    "pass-exists": _pass_exists,
    "invalid-pass-name": _bad_pass_name,
    "round-trip-mismatch": _round_trip,
}


def test_every_import_code_has_a_case() -> None:
    assert {c.code for c in LOOP_CODES.values() if c.command == "annotations import"} == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_mistake_is_refused_with_its_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    make = CASES[code]
    args = make(tmp_path, monkeypatch) if code == "round-trip-mismatch" else make(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["annotations", "import", *args, "--root", str(tmp_path / "annotations"),
                                      "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings} == {code}
    assert all(f["file"] and f["doc_id"] for f in findings if code != "invalid-pass-name")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing written


def test_a_span_that_cuts_a_character_is_refused_with_its_place(tmp_path: Path) -> None:
    text = "Cafe\u0301 Crocus"
    actor = {"actor": "RUSSIA_GOVERNMENT"}
    document = text_document("d", text)
    record = {"doc_id": "d", "annotator": "x", "schema_version": SCHEMA.version, "relations": [],
              "text_sha256": document.text_sha256,
              "spans": [{"id": "s1", "label": "ACTOR", "start": 0, "end": 4, "text": "Cafe", "attributes": actor}]}
    result = anchoring.anchor_records([record], "p", root=tmp_path, corpus={"d": document},
                                      source="in.jsonl")
    [problem] = result.problems
    assert (problem.code, problem.file, problem.line, problem.doc_id, problem.span_id) == (
        "quote-splits-character", "in.jsonl", 1, "d", "s1")


def test_invalid_records_are_refused_before_anything_is_anchored(tmp_path: Path) -> None:
    record = {**gold_record(), "text_sha256": "0" * 64}
    result = CliRunner().invoke(cli, ["annotations", "import", str(write_jsonl(tmp_path / "in.jsonl", record)),
                                      "--pass", "p", "--root", str(tmp_path / "annotations")])
    assert result.exit_code == 2
    assert "text-hash-mismatch" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "annotations").exists()


def test_the_corpus_is_the_default_for_unknown_documents() -> None:
    assert set(load_corpus()) >= {gold_record(i)["doc_id"] for i in range(len(list(GOLD.glob("*.jsonl"))))}


def test_readme_documents_every_loop_code_in_its_table() -> None:
    import re

    readme = (resources.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = {code: command for code, command in re.findall(r"^\| `([a-z-]+)` \| ([a-z -]+) \| ", readme, re.MULTILINE)
            if command not in ("error", "warning")}  # the validator's table has a severity there
    assert rows == {code.code: code.command for code in LOOP_CODES.values()}


def test_annotators_whose_names_make_one_pass_name_are_refused(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """`ls pull --pass round1`: "Alice.B@example.org" and "alice-b@example.org" both slug to
    round1-alice-b-example-org; mixing them in one pass would make two annotators one."""
    from crocus_claims.cli.annotations import anchor_passes

    first = gold_record(0)
    second = {**gold_record(1), "annotator": "alice-b@example.org"}
    third = {**gold_record(2), "annotator": "bob"}
    unknown = {**gold_record(3), "annotator": "carol", "doc_id": "not-in-the-corpus"}
    records = [{**first, "annotator": "Alice.B@example.org"}, second, third, unknown]
    with pytest.raises(SystemExit) as exited:
        anchor_passes(records, "round1", tmp_path / "annotations", False, "label-studio-export",
                      output_format="json")
    assert exited.value.code == 1
    finding, other = json.loads(capsys.readouterr().out)["findings"]  # every problem, not the first kind only
    assert other["code"] == "unknown-document" and other["doc_id"] == "not-in-the-corpus"
    assert finding["code"] == "pass-name-collision" and finding["file"] == "label-studio-export"
    assert '"Alice.B@example.org", "alice-b@example.org"' in finding["message"]
    assert "round1-alice-b-example-org" in finding["message"]
    assert not (tmp_path / "annotations").exists()  # nothing written
    assert set(anchor_passes([third], "round1", tmp_path / "annotations", False, "x")) == {"round1-bob"}


def test_a_pass_folder_that_cannot_be_listed_stops_the_import(tmp_path: Path, locked_folders: set[str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Its annotators cannot be known, so a pass name's collision cannot be ruled out."""
    from crocus_claims.cli.annotations import anchor_passes, write_passes

    root = tmp_path / "annotations"
    first = {**gold_record(0), "annotator": "Alice.B@example.org"}
    write_passes(anchor_passes([first], "round1", root, False, "pull-1"))
    written = sorted(root.rglob("*"))
    locked_folders.add("round1-alice-b-example-org")
    other = {**gold_record(1), "annotator": "alice-b@example.org"}
    with pytest.raises(SystemExit) as exited:
        anchor_passes([other], "round1", root, False, "pull-2", output_format="json")
    assert exited.value.code == 2
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {(f["code"], f["file"]) for f in findings} == {
        ("unreadable-file", str(root / "round1-alice-b-example-org")),
        ("unreadable-file", str(root / "authored" / "round1-alice-b-example-org"))}
    locked_folders.clear()
    assert sorted(root.rglob("*")) == written  # nothing written


def test_an_annotator_whose_pass_an_earlier_pull_filled_for_another_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two pulls, each with one of two annotators whose names make one pass name: the second
    would add its records to the pass the first wrote for the other annotator."""
    from crocus_claims.cli.annotations import anchor_passes, write_passes

    root = tmp_path / "annotations"
    first = {**gold_record(0), "annotator": "Alice.B@example.org"}
    write_passes(anchor_passes([first], "round1", root, False, "pull-1"))
    assert anchoring.annotators_in_pass(root, "round1-alice-b-example-org") == ({"Alice.B@example.org"}, [])
    written = sorted(root.rglob("*"))

    again = {**gold_record(1), "annotator": "Alice.B@example.org"}  # the same annotator: welcome
    assert set(anchor_passes([again], "round1", root, False, "pull-2")) == {"round1-alice-b-example-org"}
    other = {**gold_record(1), "annotator": "alice-b@example.org"}
    with pytest.raises(SystemExit) as exited:
        anchor_passes([other], "round1", root, False, "pull-2", output_format="json")
    assert exited.value.code == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["code"] == "pass-name-collision" and finding["file"] == "pull-2"
    assert finding["message"].startswith('annotator "alice-b@example.org" makes the pass name '
                                         '"round1-alice-b-example-org", which already holds records of '
                                         '"Alice.B@example.org":')
    assert sorted(root.rglob("*")) == written  # nothing written

    # A pass written by hand, whose built records were removed, or whose authored files say
    # another annotator than their built records (edited, not built again): the authored files count.
    shutil.rmtree(root / "round1-alice-b-example-org")
    assert anchoring.annotators_in_pass(root, "round1-alice-b-example-org") == ({"Alice.B@example.org"}, [])
    with pytest.raises(SystemExit):
        anchor_passes([other], "round1", root, False, "pull-3", output_format="json")
    assert "already holds records of" in json.loads(capsys.readouterr().out)["findings"][0]["message"]
    mine = {**gold_record(0), "annotator": "alice-b@example.org"}
    write_passes(anchor_passes([mine], "round1", tmp_path / "second", False, "pull-4"))
    (authored,) = (tmp_path / "second" / "authored" / "round1-alice-b-example-org").glob("*.yaml")
    authored.write_text(authored.read_text(encoding="utf-8").replace("annotator: alice-b@example.org",
                                                                     "annotator: Alice.B@example.org"))
    assert anchoring.annotators_in_pass(tmp_path / "second", "round1-alice-b-example-org") == ({
        "alice-b@example.org", "Alice.B@example.org"}, [])
    authored.write_text("[" * 5000)  # nested too deep for a recursive parser: skipped, never a crash
    assert anchoring.annotators_in_pass(tmp_path / "second", "round1-alice-b-example-org") == ({
        "alice-b@example.org"}, [])


def test_a_pass_folder_that_cannot_be_entered_is_unreadable_file(tmp_path: Path,
                                                                 unenterable_folders: set[str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Listed but not entered: whether a document's authored file exists, and what it holds,
    cannot be told, so the import refuses it with unreadable-file (was a traceback)."""
    from crocus_claims.cli.annotations import anchor_passes, write_passes

    root = tmp_path / "annotations"
    record = {**gold_record(0), "annotator": "bob"}
    write_passes(anchor_passes([record], "round1", root, False, "pull-1"))
    written = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    unenterable_folders.add("round1-bob")
    with pytest.raises(SystemExit) as exited:
        anchor_passes([record], "round1", root, True, "pull-2", output_format="json")
    unenterable_folders.clear()
    assert exited.value.code == 2
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {f["code"] for f in findings} == {"unreadable-file"}
    assert any(f["doc_id"] == record["doc_id"] and "round1-bob" in f["message"] for f in findings), findings
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == written


@pytest.mark.parametrize("name", sorted(authoring.NOT_PASSES))
def test_a_folder_of_annotations_that_holds_no_pass_is_no_pass_name(tmp_path: Path, name: str) -> None:
    """`--pass releases` wrote records among the past releases."""
    source = write_jsonl(tmp_path / "in.jsonl", gold_record())
    result = CliRunner().invoke(cli, ["annotations", "import", str(source), "--pass", name,
                                      "--root", str(tmp_path / "annotations"), "--format", "json"])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "invalid-pass-name" and "holds no pass" in finding["message"]
    assert not (tmp_path / "annotations").exists()
