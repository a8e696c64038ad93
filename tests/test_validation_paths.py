"""The validator's paths agree: the fast path (complete types, counted keys) with the exact one on
duplicate keys, and one process with several on any file; and every documented code is produced.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import records, texts

from crocus_claims.corpus import load_corpus
from crocus_claims.records import complete_record_types, record_types, to_builtins
from crocus_claims.schema import load_schema
from crocus_claims.validation import validate_lines, validate_paths
from crocus_claims.validation import validator as validator_module
from crocus_claims.validation.duplicate_keys import RecordShape, duplicate_keys, keys_agree

SCHEMA = load_schema()
DOC = load_corpus()["crocus-004-zakharova-disputes-isk-claim"]


def complete_line(record: dict[str, Any]) -> bytes:
    """The record as this toolkit writes it: every field, null where unknown."""
    types = record_types(SCHEMA)
    return types.encode(types.convert(record))


def objects(data: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every JSON object of `data` with its path ("" for the record, "spans[0].attributes", ...)."""
    found = []
    if isinstance(data, dict):
        found.append((path, data))
        for key, value in data.items():
            found += objects(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += objects(item, f"{path}[{index}]")
    return found


def dumps_repeating(data: Any, target: str, key: str, value: Any, path: str = "") -> str:
    """JSON of `data`, where the object at `target` gives `key` a second time, with `value`."""
    if isinstance(data, dict):
        items = [json.dumps(k, ensure_ascii=False) + ":" + dumps_repeating(v, target, key, value,
                                                                          f"{path}.{k}" if path else k)
                 for k, v in data.items()]
        if path == target:
            items.append(json.dumps(key) + ":" + json.dumps(value, ensure_ascii=False))
        return "{" + ",".join(items) + "}"
    if isinstance(data, list):
        return "[" + ",".join(dumps_repeating(v, target, key, value, f"{path}[{i}]") for i, v in enumerate(data)) + "]"
    return json.dumps(data, ensure_ascii=False)


COLON_TEXTS = texts().map(lambda text: f"{text} at 10:30: a: b")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(text=COLON_TEXTS), st.sampled_from(["complete", "as-generated", "broken"]), st.data())
def test_a_repeated_key_at_any_depth_is_found_on_every_path(record: dict[str, Any], form: str,
                                                            data: st.DataObject) -> None:
    parsed = json.loads(complete_line(record)) if form == "complete" else dict(record)
    if form == "broken":
        parsed["unknown_field"] = 1  # fails typed decoding: the reference (JSON Schema) path
    path, target = data.draw(st.sampled_from([(p, o) for p, o in objects(parsed) if o]))
    key = data.draw(st.sampled_from(sorted(target)))
    line = dumps_repeating(parsed, path, key, data.draw(st.sampled_from([target[key], None, 7, "x:y"])))
    findings = list(validate_lines([line], corpus={}))
    assert [(f.code, f.path) for f in findings] == [("duplicate-key", f"{path}.{key}" if path else key)]
    assert duplicate_keys(line.encode()) == [(path, key, 2)]


@settings(max_examples=150, deadline=None)
@given(records(text=COLON_TEXTS))
def test_the_key_count_of_a_complete_line_rules_out_repeats_without_a_second_parse(record: dict[str, Any]) -> None:
    line = complete_line(record)
    decoded = complete_record_types(SCHEMA).decode(line)
    assert keys_agree(line, decoded, RecordShape.of(SCHEMA))
    assert list(validate_lines([line], corpus={})) == []
    assert duplicate_keys(line) == []


def test_a_colon_spelled_as_an_escape_is_counted_exactly() -> None:
    record = next(iter([{"doc_id": "d", "schema_version": SCHEMA.version, "annotator": "a", "spans": [],
                         "relations": [], "text": "a:b"}]))
    import hashlib

    record["text_sha256"] = hashlib.sha256(b"a:b").hexdigest()
    line = complete_line(record).replace(b"a:b", b"a\\u003ab")
    assert list(validate_lines([line], corpus={})) == []
    repeated = line.replace(b'"annotator":"a"', b'"annotator":"a","annotator":"a"')
    assert [f.code for f in validate_lines([repeated], corpus={})] == ["duplicate-key"]


# ---------------------------------------------------------------------------------------------
# one process or several: the same findings on any file


LINE_BREAKERS = ("\r", "\u2028", "\u0085", "\r\n", "\x0b", "\x0c", "\x1c")
BREAKER_TEXTS = st.lists(st.one_of(texts(max_pieces=6), st.sampled_from(LINE_BREAKERS)), min_size=1,
                         max_size=8).map("".join)


def as_line(record: dict[str, Any], data: st.DataObject) -> bytes:
    """One JSONL line of the record, in one of the forms a file may hold it."""
    text = json.dumps(record, ensure_ascii=data.draw(st.booleans()))
    if data.draw(st.booleans()):  # a carriage return as JSON white space between tokens
        text = text.replace(", ", ",\r ", 1).replace('": ', '":\r ', 1)
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    return (text + ending).encode("utf-8")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(st.lists(records(text=BREAKER_TEXTS, annotator=st.sampled_from(["a", "b"]), doc_id=st.sampled_from(["d1", "d2"]),
                        max_spans=3), min_size=8, max_size=30), st.data())
def test_serial_and_parallel_validation_find_the_same(tmp_path_factory: pytest.TempPathFactory,
                                                       batch: list[dict[str, Any]], data: st.DataObject) -> None:
    lines = []
    for record in batch:
        if data.draw(st.integers(0, 9)) == 0:
            record = dict(record, text=record["text"] + "x")  # a hash mismatch
        lines.append(as_line(record, data))
        if data.draw(st.integers(0, 9)) == 0:
            lines.append(data.draw(st.sampled_from([b"\n", b"\r\n", b"{oops\r\n", b" \r\n"])))
    content = b"".join(lines)
    if data.draw(st.booleans()):  # the last line without its newline
        content = content.removesuffix(b"\n")
    path = tmp_path_factory.mktemp("parallel") / "records.jsonl"
    path.write_bytes(content)
    serial = validate_paths([path], jobs=1, corpus={})
    original = validator_module.CHUNK_BYTES
    validator_module.CHUNK_BYTES = max(64, path.stat().st_size // 5)  # several chunks: the parallel path
    try:
        assert path.stat().st_size > 2 * validator_module.CHUNK_BYTES
        parallel = validate_paths([path], jobs=2, corpus={})
    finally:
        validator_module.CHUNK_BYTES = original
    assert [str(f) for f in parallel.findings] == [str(f) for f in serial.findings]
    assert parallel.records == serial.records


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_named_twice_is_checked_once(tmp_path: Path, jobs: int) -> None:
    """Read twice, each record of a file would be reported as its own duplicate: a file named
    again, by another spelling or hard link, or inside a folder also named, is checked where it
    first comes."""
    from crocus_claims import resources

    gold = sorted((resources.annotations_dir() / "gold").glob("*.jsonl"))[0]
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(gold.read_bytes() * 300)  # large enough to be split in chunks
    (folder / "b.jsonl").write_bytes(b"")
    (tmp_path / "linked.jsonl").hardlink_to(folder / "a.jsonl")
    original = validator_module.CHUNK_BYTES
    validator_module.CHUNK_BYTES = max(64, (folder / "a.jsonl").stat().st_size // 5)
    try:
        twice = validate_paths([folder / "a.jsonl", folder / "b.jsonl", folder / ".." / "records" / "a.jsonl",
                                folder, tmp_path / "linked.jsonl"], jobs=jobs)
    finally:
        validator_module.CHUNK_BYTES = original
    assert (twice.files, twice.records) == (2, 300)
    duplicates = [f for f in twice.findings if f.code == "duplicate-record"]
    assert len(duplicates) == 299 and all(f.file == str(folder / "a.jsonl") for f in duplicates)
    assert all(f"{folder / 'a.jsonl'}:1" in f.message for f in duplicates)  # each the first record's duplicate


# ---------------------------------------------------------------------------------------------
# every documented code is produced: the ones no other test reaches


def figure_and_actor() -> dict[str, Any]:
    """A valid record: the figure 'at least 140' and the actor 'Maria Zakharova' as its source."""
    start = DOC.text.index("at least 140")
    actor = DOC.text.index("Maria Zakharova")
    figure = {"id": "f1", "label": "CASUALTY_FIGURE", "start": start, "end": start + 12, "text": "at least 140",
              "attributes": {"incident": "CROCUS_2024", "category": "killed", "qualifier": "at_least", "value": 140,
                             "value_min": 140}}
    actor_span = {"id": "a1", "label": "ACTOR", "start": actor, "end": actor + 15, "text": "Maria Zakharova",
                  "attributes": {"actor": "MARIA_ZAKHAROVA"}}
    return {"doc_id": DOC.doc_id, "schema_version": SCHEMA.version, "text_sha256": DOC.text_sha256,
            "annotator": "alice", "spans": [figure, actor_span], "relations": []}


def relation_type_between(head: str, tail: str, limited: bool | None = None) -> Any:
    return next(r for r in SCHEMA.relations if head in r.head and tail in r.tail
                and (limited is None or (r.max_per_head is not None) == limited))


def codes_of(record: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(f.code, f.path) for f in validate_lines([json.dumps(record)])]


def test_the_base_record_is_valid() -> None:
    assert codes_of(figure_and_actor()) == []


def test_self_relation() -> None:
    record = figure_and_actor()
    kind = relation_type_between("CASUALTY_FIGURE", "ACTOR")
    record["relations"] = [{"id": "r1", "type": kind.name, "head": "f1", "tail": "f1"}]
    assert codes_of(record) == [("self-relation", "relations[0]"), ("relation-label-mismatch", "relations[0].tail")]


def test_duplicate_relation() -> None:
    record = figure_and_actor()
    kind = relation_type_between("CASUALTY_FIGURE", "ACTOR")
    record["relations"] = [{"id": f"r{i}", "type": kind.name, "head": "f1", "tail": "a1"} for i in (1, 2)]
    assert codes_of(record) == [("duplicate-relation", "relations[1]")] + (
        [("relation-cardinality", "relations[1]")] if kind.max_per_head == 1 else [])


def test_relation_cardinality() -> None:
    record = figure_and_actor()
    kind = relation_type_between("CASUALTY_FIGURE", "ACTOR", limited=True)
    second = DOC.text.index("Zakharova", DOC.text.index("Maria Zakharova") + 20)
    record["spans"].append({"id": "a2", "label": "ACTOR", "start": second, "end": second + 9, "text": "Zakharova",
                            "attributes": {"actor": "MARIA_ZAKHAROVA"}})
    tails = ["a1", "a2"][: kind.max_per_head + 1] if kind.max_per_head < 2 else None
    assert tails is not None, "a relation type allowing at most one tail per head is expected"
    record["relations"] = [{"id": f"r{i}", "type": kind.name, "head": "f1", "tail": tail} for i, tail in enumerate(tails)]
    assert codes_of(record) == [("relation-cardinality", "relations[1]")]


def test_span_boundary_whitespace_is_a_warning() -> None:
    record = figure_and_actor()
    figure = record["spans"][0]
    figure["end"] += 1
    figure["text"] = DOC.text[figure["start"]:figure["end"]]
    assert figure["text"].endswith(" ")
    findings = list(validate_lines([json.dumps(record)]))
    assert [(f.code, f.severity) for f in findings] == [("span-boundary-whitespace", "warning")]


@pytest.mark.parametrize("end_offset", [0, -3])
def test_invalid_span_range(end_offset: int) -> None:
    record = figure_and_actor()
    actor = record["spans"][1]
    actor["end"] = actor["start"] + end_offset
    assert ("invalid-span-range", "spans[1].start") in codes_of(record)


# ---------------------------------------------------------------------------------------------
# the fast path and the reference path give the same findings


CORRUPTIONS = ("none", "shift", "hash", "duplicate-span", "interval", "self-relation", "whitespace", "range")


def corrupt(record: dict[str, Any], how: str) -> dict[str, Any]:
    record = json.loads(json.dumps(record))
    spans = record["spans"]
    if how == "hash":
        record["text_sha256"] = "0" * 64
    elif how == "shift" and spans:
        spans[0]["start"] += 1
    elif how == "duplicate-span" and spans:
        spans.append(dict(spans[0], id="copy"))
    elif how == "interval":
        for span in spans:
            interval = SCHEMA.labels_by_name[span["label"]].interval
            if interval is not None:
                span["attributes"][interval.minimum] = 10**6 + 1
                span["attributes"][interval.maximum] = 0
                break
    elif how == "self-relation" and spans:
        kind = SCHEMA.relations[0].name
        record.setdefault("relations", []).append({"id": "self", "type": kind, "head": spans[0]["id"],
                                                   "tail": spans[0]["id"]})
    elif how == "whitespace" and spans:
        spans[0]["text"] = " " + spans[0]["text"]
    elif how == "range" and spans:
        spans[0]["end"] = spans[0]["start"]
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), st.sampled_from(CORRUPTIONS), st.booleans())
def test_the_fast_path_finds_what_the_reference_path_finds(record: dict[str, Any], how: str,
                                                           complete: bool) -> None:
    from crocus_claims.validation import structural
    from crocus_claims.validation.validator import make_context

    data = corrupt(record, how)
    try:
        line = complete_line(data) if complete else json.dumps(data).encode()
    except Exception:  # noqa: BLE001 - a corruption the typed form cannot even hold
        line = json.dumps(data).encode()
    fast = [(f.code, f.path, f.span_id, f.relation_id) for f in validate_lines([line], corpus={})]
    reference, _ = structural.check_line(line, make_context(corpus={}))
    assert fast == [(f.code, f.path, f.span_id, f.relation_id) for f in reference]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=3000), st.data())
def test_seen_keys_remembers_first_places_as_a_dict_does(keys: list[int], data: st.DataObject) -> None:
    from crocus_claims.validation.validator import SeenKeys

    table, expected = SeenKeys(capacity=16), {}
    for place, key in enumerate(keys + data.draw(st.lists(st.sampled_from(keys), max_size=50)) if keys else keys):
        assert table.setdefault(key, place) == expected.setdefault(key, place)
    assert len(table) == len(expected)


def test_files_without_inode_numbers_are_told_apart_by_their_paths(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Some network and Windows file systems report inode 0 for every file: identity falls back to
    the resolved path, so two files stay two and one file named twice stays one."""
    import os

    from crocus_claims.input_files import each_file_once

    (tmp_path / "a.jsonl").write_text("a")
    (tmp_path / "b.jsonl").write_text("b")
    real_stat = Path.stat

    def no_inode(path: Path, **kwargs: Any) -> os.stat_result:
        status = list(real_stat(path, **kwargs))
        status[1], status[2] = 0, 7  # st_ino, st_dev
        return os.stat_result(status)

    monkeypatch.setattr(Path, "stat", no_inode)
    files, gone = each_file_once([tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "." / "a.jsonl"])
    assert files == [tmp_path / "a.jsonl", tmp_path / "b.jsonl"] and gone == []


def test_a_file_gone_since_it_was_listed_is_unreadable(tmp_path: Path) -> None:
    from crocus_claims.input_files import each_file_once

    (tmp_path / "a.jsonl").write_text("a")
    files, (gone,) = each_file_once([tmp_path / "a.jsonl", tmp_path / "gone.jsonl"])
    assert files == [tmp_path / "a.jsonl"]
    assert (gone.code, gone.file) == ("unreadable-file", str(tmp_path / "gone.jsonl"))
    assert gone.message == "cannot read: No such file or directory"


def test_paths_that_cannot_be_read_are_unreadable_files_never_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from crocus_claims.validation.validator import expand_paths

    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    files, (problem,) = expand_paths([pipe])
    assert files == [] and problem.code == "unreadable-file" and "standard input: -" in problem.message
    real_is_dir = Path.is_dir

    def locked(path: Path) -> bool:  # a path under a folder that cannot be entered (root may enter any)
        if "locked" in path.parts:
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_dir(path)

    monkeypatch.setattr(Path, "is_dir", locked)
    files, (problem,) = expand_paths([tmp_path / "locked" / "a.jsonl"])
    assert files == []
    assert (problem.code, problem.message) == ("unreadable-file", "cannot read: Permission denied")
    from crocus_claims.migration.files import expand

    files, (problem,) = expand([tmp_path / "locked" / "a.jsonl"])
    assert files == []
    assert (problem.code, problem.message) == ("unreadable-file", "cannot read: Permission denied")


@pytest.mark.usefixtures("locked_folders")
def test_a_folder_that_cannot_be_listed_is_unreadable_never_skipped(tmp_path: Path) -> None:
    """Path.rglob skips a subfolder it cannot list without a word: validate would say "valid" of
    files it never read."""
    gold = sorted((Path(__file__).parents[1] / "annotations" / "gold").glob("*.jsonl"))[0]
    for folder in ("data", "data/locked", "data/open"):
        (tmp_path / folder).mkdir()
    (tmp_path / "data" / "locked" / "a.jsonl").write_text("not read: the folder cannot be listed\n")
    (tmp_path / "data" / "open" / "b.jsonl").write_bytes(gold.read_bytes())
    report = validate_paths([tmp_path / "data"])
    (problem,) = report.errors
    assert (problem.code, problem.file) == ("unreadable-file", str(tmp_path / "data" / "locked"))
    assert problem.message == "cannot list this folder: Permission denied"
    assert report.records > 0  # the folder beside it was read


@pytest.mark.usefixtures("locked_folders")
def test_every_part_of_a_folder_that_cannot_be_read_is_named_in_order(tmp_path: Path,
                                                                      unenterable_folders: set[str]) -> None:
    for folder in ("d/locked", "b/locked", "c/noentry", "a/locked"):
        (tmp_path / folder).mkdir(parents=True)
    unenterable_folders.discard("noentry")  # entered once, to put a file in it
    (tmp_path / "c" / "noentry" / "x.jsonl").write_text("not read\n")
    unenterable_folders.add("noentry")
    report = validate_paths([tmp_path])
    assert [(f.code, f.file, f.message) for f in report.errors] == [
        ("unreadable-file", str(tmp_path / "a" / "locked"), "cannot list this folder: Permission denied"),
        ("unreadable-file", str(tmp_path / "b" / "locked"), "cannot list this folder: Permission denied"),
        ("unreadable-file", str(tmp_path / "c" / "noentry" / "x.jsonl"), "cannot read: Permission denied"),
        ("unreadable-file", str(tmp_path / "d" / "locked"), "cannot list this folder: Permission denied"),
    ]


def test_a_link_to_nothing_in_a_folder_is_unreadable_when_it_is_a_record_file(tmp_path: Path) -> None:
    """A broken link or a loop of links named like a record file was skipped without a word
    ("valid"); one the folder's search does not want (notes.txt) stays out of the report."""
    gold = sorted((Path(__file__).parents[1] / "annotations" / "gold").glob("*.jsonl"))[0]
    (tmp_path / "a.jsonl").write_bytes(gold.read_bytes())
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (tmp_path / "c.jsonl").symlink_to(tmp_path / "c.jsonl")
    (tmp_path / "notes.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / ".hidden.jsonl").symlink_to(tmp_path / "gone.jsonl")  # read when it is a file: reported
    report = validate_paths([tmp_path])
    assert [(f.code, f.file, f.message) for f in report.errors] == [
        ("unreadable-file", str(tmp_path / name), "cannot read: a link to nothing, or a loop of links")
        for name in (".hidden.jsonl", "b.jsonl", "c.jsonl")]
    assert report.records == 1


def test_a_folder_with_nothing_but_links_it_does_not_want_is_still_empty(tmp_path: Path) -> None:
    """An editor's lock file (a link to nothing named .#x.jsonl) is nobody's record, and a folder
    holding nothing else has no records: no .jsonl files, as before."""
    (tmp_path / "README").symlink_to(tmp_path / "gone")
    (tmp_path / ".#a.jsonl").symlink_to("root@host.1234:1700000000")
    report = validate_paths([tmp_path])
    assert [(f.code, f.message) for f in report.errors] == [
        ("unreadable-file", "no .jsonl files in this folder")]
