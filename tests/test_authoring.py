"""The authoring aid: quotes resolved to code-point offsets, every mistake refused with its code.

Quotes are resolved like a W3C TextQuoteSelector (quote, prefix, suffix) plus an occurrence
number. The committed gold records must be exactly what their authored files build, and valid.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from crocus_claims import authoring, resources
from crocus_claims.cli import cli
from crocus_claims.corpus import CorpusDocument, load_corpus
from crocus_claims.records import record_types, to_builtins
from crocus_claims.schema import load_schema
from crocus_claims.validation import validate_paths
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import records, texts

SCHEMA = load_schema()
CORPUS = load_corpus()
DOC_003 = "crocus-003-iran-warned-russia-reuters-reports"
PROPERTY_SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def corpus_of(text: str, doc_id: str = "doc-1") -> dict[str, CorpusDocument]:
    return {
        doc_id: CorpusDocument(
            doc_id=doc_id,
            title=None,
            outlet=None,
            publication_date=None,
            byline=None,
            wire_source=None,
            source_file=f"{doc_id}.txt",
            stripped_prefix="",
            text=text,
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
    }


def author(root: Path, document: dict[str, Any], pass_name: str = "p1", name: str | None = None) -> Path:
    path = root / "authored" / pass_name / f"{name or document['doc_id']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def document(
    doc_id: str, *spans: dict[str, Any], relations: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "annotator": "tester",
        "schema_version": SCHEMA.version,
        "spans": list(spans),
        "relations": relations or [],
    }


def supporting_label() -> tuple[str, str, str]:
    """A label with exactly one required enum attribute and no others, and one of its values (from the schema)."""
    for label in SCHEMA.labels:
        attributes = SCHEMA.label_attributes(label.name)
        if len(attributes) == 1 and attributes[0].required and SCHEMA.allowed_values(attributes[0]):
            return label.name, attributes[0].name, SCHEMA.allowed_values(attributes[0])[0]
    raise AssertionError("the schema has no label with a single required enum attribute")


def span(span_id: str, quote: str, **selector: Any) -> dict[str, Any]:
    label, attribute, value = supporting_label()
    return {"id": span_id, "label": label, "quote": quote, **selector, "attributes": {attribute: value}}


def line_containing(path: Path, needle: str) -> int:
    """The 1-based number of the first line of `path` that contains `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def run(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["annotations", "build", "--root", str(root), *args])


# --- resolution ------------------------------------------------------------------------------------


def test_a_unique_quote_resolves_to_its_offsets() -> None:
    text = CORPUS[DOC_003].text
    assert authoring.locate_quote(text, "Basmanny Court") == (
        text.index("Basmanny Court"),
        text.index("Basmanny Court") + len("Basmanny Court"),
    )


def test_prefix_suffix_and_occurrence_pick_one_of_repeated_quotes() -> None:
    text = CORPUS[DOC_003].text
    quote = "Iran warned Russia"
    first, second = text.index(quote), text.index(quote, text.index(quote) + 1)
    with pytest.raises(authoring.QuoteError) as error:
        authoring.locate_quote(text, quote)
    assert (
        error.value.code == "quote-ambiguous"
        and str(first) in str(error.value)
        and str(second) in str(error.value)
    )
    assert authoring.locate_quote(text, quote, suffix=" about")[0] == second
    assert authoring.locate_quote(text, quote, suffix=" of security")[0] == first
    assert authoring.locate_quote(text, quote, prefix="\n")[0] == second
    assert authoring.locate_quote(text, quote, occurrence=1)[0] == first
    assert authoring.locate_quote(text, quote, occurrence=2)[0] == second


def test_occurrence_counts_only_matches_with_the_given_context() -> None:
    text = "145 killed; at least 145 killed; more than 145 killed"
    last = text.rindex("145")
    assert authoring.locate_quote(text, "145", suffix=" killed", occurrence=3) == (last, last + 3)
    assert authoring.locate_quote(text, "145", prefix="least ", occurrence=1) == (21, 24)
    with pytest.raises(authoring.QuoteError) as error:
        authoring.locate_quote(text, "145", prefix="least ", occurrence=2)
    assert error.value.code == "occurrence-out-of-range"


def test_a_quote_never_matches_inside_a_longer_word() -> None:
    text = "Russian officials said Russia was attacked"
    assert authoring.locate_quote(text, "Russia") == (23, 29)
    with pytest.raises(authoring.QuoteError) as error:
        authoring.locate_quote(text, "ussia")
    assert error.value.code == "quote-not-found" and "inside longer words" in str(error.value)


def test_context_on_a_side_lets_that_boundary_fall_inside_a_word() -> None:
    text = "Russian officials said Russia was attacked"
    assert authoring.locate_quote(text, "Russia", suffix="n") == (0, 6)
    assert authoring.locate_quote(text, "ussia", prefix="R", suffix="n") == (1, 6)
    # Without a suffix the end may not cut a word: only the second "Russia" qualifies.
    assert authoring.locate_quote(text, "ussia", prefix="R") == (24, 29)
    with pytest.raises(authoring.QuoteError) as error:
        authoring.locate_quote(text, "ussia", prefix="R", suffix="n was")
    assert error.value.code == "quote-not-found"


def test_offsets_are_code_points_across_emoji_and_astral_characters() -> None:
    text = "😀 👩‍👩‍👧 🇷🇺 at least 140 killed in 𝔘 Moscow"
    start, end = authoring.locate_quote(text, "at least 140")
    assert text[start:end] == "at least 140"
    assert start == 11  # code points; UTF-16 would say 17, UTF-8 bytes 33
    assert len(text[:start].encode("utf-16-le")) // 2 == 17 and len(text[:start].encode()) == 33
    assert authoring.locate_quote(text, "👩‍👩‍👧") == (2, 7)


def test_combining_marks_stay_with_their_letter() -> None:
    text = "Cafe\u0301 Crocus and Pin\u0303a"
    assert authoring.locate_quote(text, "Cafe\u0301") == (0, 5)
    for quote in ("Cafe", "Pin"):
        with pytest.raises(authoring.QuoteError) as error:
            authoring.locate_quote(text, quote)
        assert error.value.code == "quote-splits-character"


def test_an_emoji_sequence_is_not_cut_at_its_joiner() -> None:
    with pytest.raises(authoring.QuoteError) as error:
        authoring.locate_quote("family 👩‍👩‍👧 here", "👧")
    assert error.value.code == "quote-splits-character"


@PROPERTY_SETTINGS
@given(st.data(), texts())
def test_a_quote_with_its_full_context_selects_exactly_its_own_place(data: st.DataObject, text: str) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    prefix, suffix = text[:start] or None, text[end:] or None
    try:
        located = authoring.locate_quote(text, text[start:end], prefix, suffix)
    except authoring.QuoteError as error:
        # Context on both sides lets a boundary fall inside a word; only a cut character is refused.
        assert error.code == "quote-splits-character"
        assert authoring.splits_character(text, start, end)
    else:
        assert located == (start, end)
        assert not authoring.splits_character(text, start, end)


def authorable(record: dict[str, Any]) -> dict[str, Any]:
    """The record with only the spans a quote can select, and the relations between them."""
    text = record["text"]
    spans = [
        s
        for s in record["spans"]
        if not authoring.splits_character(text, s["start"], s["end"])
    ]
    kept = {s["id"] for s in spans}
    relations = [r for r in record["relations"] if r["head"] in kept and r["tail"] in kept]
    return {**record, "spans": spans, "relations": relations}


def as_authored(record: dict[str, Any]) -> dict[str, Any]:
    """The authored file a person would write for `record`: quotes with their full context."""
    text = record["text"]
    return document(
        record["doc_id"],
        *[
            {
                "id": s["id"],
                "label": s["label"],
                "quote": s["text"],
                **({"prefix": text[: s["start"]]} if s["start"] else {}),
                **({"suffix": text[s["end"] :]} if s["end"] < len(text) else {}),
                "attributes": s["attributes"],
            }
            for s in record["spans"]
        ],
        relations=record["relations"],
    )


@PROPERTY_SETTINGS
@given(records())
def test_building_an_authored_record_gives_back_its_offsets_and_attributes(
    tmp_path_factory: Any, record: dict[str, Any]
) -> None:
    record = authorable(record)
    assume(record["spans"])
    root = tmp_path_factory.mktemp("annotations")
    authored = as_authored(record)
    path = author(root, authored)
    # PyYAML's emitter writes U+0085 unescaped, and its loader reads it back as a line break: such a
    # file is refused (quote-not-found) unless the mangled quote happens to occur. Only round-tripping
    # files are tested here.
    assume(yaml.safe_load(path.read_text(encoding="utf-8")) == authored)
    result = authoring.build(root, corpus=corpus_of(record["text"], record["doc_id"]))
    assert result.problems == [] and result.ok
    [line] = result.outputs.values()
    built = json.loads(line)
    types = record_types(SCHEMA)
    expected = to_builtins(types.convert({k: v for k, v in record.items() if k != "text"}))
    assert built["spans"] == expected["spans"]
    assert built["relations"] == expected["relations"]
    assert built["text_sha256"] == record["text_sha256"]


def test_omitted_optional_attributes_are_written_with_their_schema_defaults(tmp_path: Path) -> None:
    text = "Moscow said so"
    label = next(
        label for label in SCHEMA.labels if any(not a.required for a in SCHEMA.label_attributes(label.name))
    )
    required = {}
    for attribute in SCHEMA.label_attributes(label.name):
        if attribute.required:
            required[attribute.name] = (SCHEMA.allowed_values(attribute) or [None])[0]
    if label.interval:  # a figure needs a consistent interval: take the first rule with a free value
        required = {**required, label.interval.qualifier: "exact", label.interval.value: 1}
        required |= {label.interval.minimum: 1, label.interval.maximum: 1}
    author(
        tmp_path,
        document("doc-1", {"id": "s1", "label": label.name, "quote": "Moscow", "attributes": required}),
    )
    result = authoring.build(tmp_path, corpus=corpus_of(text))
    assert result.problems == []
    [line] = result.outputs.values()
    attributes = json.loads(line)["spans"][0]["attributes"]
    for attribute in SCHEMA.label_attributes(label.name):
        if attribute.name not in required:
            assert attributes[attribute.name] == SCHEMA.default_of(attribute)


def test_relation_ids_are_made_from_type_head_and_tail() -> None:
    short = authoring.AuthoredRelation(type="source", head="c1", tail="a1")
    long = authoring.AuthoredRelation(type="source", head="c" * 40, tail="a" * 40)
    assert authoring.relation_id(short) == "source-c1-a1"
    assert authoring.relation_id(long) == authoring.relation_id(long.model_copy())
    assert len(authoring.relation_id(long)) <= 64 and authoring.relation_id(long).startswith("r-")
    assert (
        authoring.relation_id(authoring.AuthoredRelation(type="source", head="c1", tail="a1", id="mine"))
        == "mine"
    )


# --- every mistake: its code, its place, a non-zero exit, no traceback ------------------------------


def _bad_yaml(root: Path) -> dict[str, Any]:
    path = root / "authored" / "p1" / f"{DOC_003}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("doc_id: x\nspans:\n  - id: a\n    quote: [unclosed\n", encoding="utf-8")
    return {"file": path, "line": 4}


def _duplicate_key(root: Path) -> dict[str, Any]:
    path = root / "authored" / "p1" / f"{DOC_003}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(f"doc_id: {DOC_003}\ndoc_id: {DOC_003}\n", encoding="utf-8")
    return {"file": path, "line": 2}


def _wrong_type(root: Path) -> dict[str, Any]:
    bad = span("s1", "Basmanny Court")
    bad["quote"] = 145
    return {
        "file": author(root, document(DOC_003, span("s0", "Kerman"), bad)),
        "line": "quote: 145",
        "span": "s1",
    }


def _unknown_field(root: Path) -> dict[str, Any]:
    return {
        "file": author(root, document(DOC_003, span("s1", "Kerman", start=3))),
        "line": "start: 3",
        "span": "s1",
    }


def _unreadable(root: Path) -> dict[str, Any]:
    path = root / "authored" / "p1" / f"{DOC_003}.yaml"
    path.mkdir(parents=True)
    return {"file": path}


def _not_found(root: Path) -> dict[str, Any]:
    return {
        "file": author(root, document(DOC_003, span("s0", "Kerman"), span("s1", "Crocus City Halls"))),
        "line": "quote: Crocus City Halls",
        "span": "s1",
    }


def _ambiguous(root: Path) -> dict[str, Any]:
    return {
        "file": author(root, document(DOC_003, span("s1", "Iran warned Russia"))),
        "line": "quote: Iran warned Russia",
        "span": "s1",
    }


def _occurrence(root: Path) -> dict[str, Any]:
    return {
        "file": author(root, document(DOC_003, span("s1", "Iran warned Russia", occurrence=3))),
        "line": "quote: Iran warned Russia",
        "span": "s1",
    }


def _unknown_document(root: Path) -> dict[str, Any]:
    return {"file": author(root, document("no-such-doc", span("s1", "Kerman"))), "line": "doc_id:"}


def _mismatch(root: Path) -> dict[str, Any]:
    return {
        "file": author(root, document(DOC_003, span("s1", "Kerman")), name="other-name"),
        "line": "doc_id:",
    }


def _schema_version(root: Path) -> dict[str, Any]:
    authored = document(DOC_003, span("s1", "Kerman"))
    authored["schema_version"] = "9.9.9"
    return {"file": author(root, authored), "line": "schema_version:"}


def _missing_record(root: Path) -> dict[str, Any]:
    author(root, document(DOC_003, span("s1", "Kerman")))
    return {"args": ["--check"], "file": root / "p1" / f"{DOC_003}.jsonl"}


def _stale_record(root: Path) -> dict[str, Any]:
    author(root, document(DOC_003, span("s1", "Kerman")))
    (root / "p1").mkdir()
    (root / "p1" / f"{DOC_003}.jsonl").write_text("{}\n", encoding="utf-8")
    return {"args": ["--check"], "file": root / "p1" / f"{DOC_003}.jsonl"}


def _orphan(root: Path) -> dict[str, Any]:
    author(root, document(DOC_003, span("s1", "Kerman")))
    (root / "p1").mkdir()
    (root / "p1" / "gone.jsonl").write_text("{}\n", encoding="utf-8")
    return {"file": root / "p1" / "gone.jsonl"}


def _unknown_pass(root: Path) -> dict[str, Any]:
    author(root, document(DOC_003, span("s1", "Kerman")))
    return {"args": ["--pass", "nope"]}


def _unwritable(root: Path) -> dict[str, Any]:
    author(root, document(DOC_003, span("s1", "Kerman")))
    (root / "p1" / f"{DOC_003}.jsonl").mkdir(parents=True)
    return {"file": root / "p1" / f"{DOC_003}.jsonl"}


def _validator_finding(root: Path) -> dict[str, Any]:
    relation = {"type": SCHEMA.relations[0].name, "head": "s1", "tail": "nobody"}
    return {
        "file": author(root, document(DOC_003, span("s1", "Kerman"), relations=[relation])),
        "line": "- type:",
    }


CASES = {
    "yaml-syntax-error": [_bad_yaml, _duplicate_key],
    "invalid-authored-file": [_wrong_type, _unknown_field],
    "unreadable-file": [_unreadable],
    "quote-not-found": [_not_found],
    "quote-ambiguous": [_ambiguous],
    "occurrence-out-of-range": [_occurrence],
    "unknown-document": [_unknown_document],
    "doc-id-mismatch": [_mismatch],
    "unknown-schema-version": [_schema_version],
    "record-missing": [_missing_record],
    "record-out-of-date": [_stale_record],
    "record-orphaned": [_orphan],
    "unknown-pass": [_unknown_pass],
    "unwritable-file": [_unwritable],
    "dangling-relation": [_validator_finding],  # a validator code, passed through at the authored line
}


def test_every_authoring_code_has_a_case() -> None:
    # quote-splits-character needs a text with combining marks, which the corpus has none of: tested above
    # and through `build` below.
    assert set(authoring.AUTHORING_CODES) - {"quote-splits-character"} <= set(CASES)


@pytest.mark.parametrize(
    ("code", "make"),
    [(code, make) for code, makes in CASES.items() for make in makes],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_each_mistake_is_refused_with_its_code_and_place(tmp_path: Path, code: str, make: Any) -> None:
    case = make(tmp_path)
    result = run(tmp_path, *case.get("args", []))
    output = result.output
    # the CLI contract: 2 for what cannot be read or written, 1 for findings
    assert result.exit_code == (2 if code in ("unreadable-file", "unwritable-file") else 1), output
    assert isinstance(result.exception, SystemExit)  # a coded exit, never an uncaught error
    [line] = [line for line in output.splitlines() if f": error {code}: " in line]
    if "file" in case:
        assert line.startswith(authoring.display_path(case["file"]))
    if "line" in case:
        expected = (
            case["line"] if isinstance(case["line"], int) else line_containing(case["file"], case["line"])
        )
        assert re.match(rf"{re.escape(authoring.display_path(case['file']))}:{expected}[ :]", line), line
    if "span" in case:
        assert f" span {case['span']}:" in line
    if (
        case.get("file")
        and case["file"].suffix == ".yaml"
        and code not in ("yaml-syntax-error", "unreadable-file")
    ):
        assert " doc " in line
    assert "nothing written" in output


def test_a_quote_that_cuts_a_combining_mark_is_refused_by_build(tmp_path: Path) -> None:
    path = author(tmp_path, document("doc-1", span("s1", "Cafe")))
    result = authoring.build(tmp_path, corpus=corpus_of("Cafe\u0301 Crocus"))
    [problem] = result.problems
    assert (problem.code, problem.file, problem.line, problem.doc_id, problem.span_id) == (
        "quote-splits-character",
        authoring.display_path(path),
        line_containing(path, "quote: Cafe"),
        "doc-1",
        "s1",
    )


def test_one_bad_file_means_nothing_is_written(tmp_path: Path) -> None:
    author(tmp_path, document(DOC_003, span("s1", "Kerman")))
    author(tmp_path, document("crocus-001-fsb-implicates-isk", span("s1", "Kerman City Hall")))
    previous = tmp_path / "p1" / f"{DOC_003}.jsonl"
    previous.parent.mkdir()
    previous.write_bytes(b"old\n")
    result = run(tmp_path)
    assert result.exit_code == 1 and "quote-not-found" in result.output
    assert previous.read_bytes() == b"old\n"
    assert not (tmp_path / "p1" / "crocus-001-fsb-implicates-isk.jsonl").exists()


def test_build_then_check_is_up_to_date(tmp_path: Path) -> None:
    author(tmp_path, document(DOC_003, span("s1", "Kerman")))
    assert run(tmp_path).exit_code == 0
    record = json.loads((tmp_path / "p1" / f"{DOC_003}.jsonl").read_text(encoding="utf-8"))
    text = CORPUS[DOC_003].text
    [built] = record["spans"]
    assert text[built["start"] : built["end"]] == "Kerman" == built["text"]
    assert run(tmp_path, "--check").exit_code == 0


def test_a_pass_folder_that_cannot_be_listed_is_a_problem_never_an_empty_pass(
        tmp_path: Path, locked_folders: set[str]) -> None:
    """`annotations build --check` would otherwise say "up to date" of a pass it never read:
    Path.glob yields nothing for a folder it cannot list, without a word (Python 3.11, 3.12)."""
    author(tmp_path, document(DOC_003, span("s1", "Kerman")))
    assert run(tmp_path).exit_code == 0
    author(tmp_path, document(DOC_003, span("s1", "Kerman")), pass_name="p2")
    # (the fixture locks folders by name: a pass's authored folder and its built one together)
    cases = [("p2", ["authored/p2", "p2"]), ("p1", ["authored/p1", "p1"]), ("authored", ["authored"])]
    for locked, where in cases:
        locked_folders.add(locked)
        result = run(tmp_path, "--check", "--format", "json")
        locked_folders.discard(locked)
        assert result.exit_code == 2, (locked, result.output)  # 2: input that cannot be read
        problems = [p for p in json.loads(result.stdout)["findings"] if p["code"] == "unreadable-file"]
        assert sorted(p["file"] for p in problems) == [str(tmp_path / folder) for folder in where]
        assert {p["message"] for p in problems} == {"cannot list this folder: Permission denied"}
    locked_folders.add("authored")
    named = run(tmp_path, "--pass", "p1", "--format", "json")  # a pass named where none can be seen
    assert named.exit_code == 2
    assert [p["code"] for p in json.loads(named.stdout)["findings"]] == ["unreadable-file", "unknown-pass"]


def test_pass_folders_that_cannot_be_entered_are_problems_never_tracebacks(
        tmp_path: Path, unenterable_folders: set[str]) -> None:
    """Listed but not entered (read without execute permission): what is inside cannot be told."""
    author(tmp_path, document(DOC_003, span("s1", "Kerman")))
    assert run(tmp_path).exit_code == 0
    for folder, expected in (("authored", str(tmp_path / "authored" / "p1")),
                             (str(tmp_path / "p1"), str(tmp_path / "p1" / f"{DOC_003}.jsonl"))):
        unenterable_folders.add(folder)
        result = run(tmp_path, "--check", "--format", "json")
        unenterable_folders.discard(folder)
        assert result.exit_code == 2, (folder, result.output)
        findings = json.loads(result.stdout)["findings"]
        assert [(f["code"], f["file"]) for f in findings] == [("unreadable-file", expected)]


def test_an_authored_pass_that_cannot_be_listed_leaves_its_records_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its records are not called orphans ("delete it"): their sources could not be seen."""
    import os

    author(tmp_path, document(DOC_003, span("s1", "Kerman")))
    assert run(tmp_path).exit_code == 0
    real_scandir, locked = os.scandir, tmp_path / "authored" / "p1"

    def scandir(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run(tmp_path, "--check", "--format", "json")
    assert result.exit_code == 2
    assert [(f["code"], f["file"]) for f in json.loads(result.stdout)["findings"]] == [
        ("unreadable-file", str(locked))]


# --- the committed gold --------------------------------------------------------------------------------

GOLD = "gold"


def test_the_gold_covers_every_corpus_document() -> None:
    authored = resources.annotations_dir() / "authored" / GOLD
    assert sorted(p.stem for p in authored.glob("*.yaml")) == sorted(CORPUS)


def test_the_committed_gold_is_what_its_authored_files_build() -> None:
    result = CliRunner().invoke(cli, ["annotations", "build", "--check", "--pass", GOLD])
    assert result.exit_code == 0, result.output


def test_the_committed_gold_validates_with_zero_findings() -> None:
    report = validate_paths([resources.annotations_dir() / GOLD])
    assert [f"{f.where()}: {f.code}: {f.message}" for f in report.findings] == []
    assert report.records == len(CORPUS)


def test_the_installed_command_reports_without_a_traceback(tmp_path: Path) -> None:
    path = author(tmp_path, document(DOC_003, span("s1", "Crocus City Halls")))
    command = Path(sys.executable).with_name("crocus-claims")
    completed = subprocess.run([str(command), "annotations", "build", "--root", str(tmp_path)],
                               capture_output=True, text=True, check=False, cwd=tmp_path)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    # the CLI contract: findings on stdout, the summary on stderr
    assert completed.stdout.startswith(f"{authoring.display_path(path)}:".replace(str(tmp_path) + "/", ""))
    assert f"doc {DOC_003} span s1: error quote-not-found:" in completed.stdout
    assert "nothing written" in completed.stderr


def test_a_build_the_disk_cannot_hold_writes_no_record(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills at the third record: none is written (was: the first two), exit 2; the
    next build writes them all."""
    from crocus_claims import atomic

    shutil.copytree(resources.annotations_dir() / "authored" / "gold", tmp_path / "authored" / "gold")
    real, calls = atomic._staged, []

    def failing(path: Path, content: bytes, made: list[Path]) -> str:
        calls.append(path)
        if len(calls) == 3:
            raise atomic.UnwritableOutput(path, OSError(28, "No space left on device"))
        return real(path, content, made)

    monkeypatch.setattr(atomic, "_staged", failing)
    result = run(tmp_path)
    assert result.exit_code == 2, result.output
    assert f"{calls[2]}: error unwritable-file: cannot write: No space left on device" in result.output
    assert not (tmp_path / "gold").exists()  # no record, no temporary file, no folder made for them
    monkeypatch.setattr(atomic, "_staged", real)
    assert run(tmp_path).exit_code == 0
    authored = list((tmp_path / "authored" / "gold").glob("*.yaml"))
    assert len(list((tmp_path / "gold").glob("*.jsonl"))) == len(authored)
