"""The streamed import (`ls import`): same records and report as the in-memory conversion, one task
at a time, and a task that cannot be read never hides the tasks after it."""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import CorpusFile, load_corpus, read_corpus
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.importer import (
    ConversionReport,
    convert_export,
    drop_invalid,
    import_export,
    import_file,
    import_tasks,
    record_key,
)
from crocus_claims.labelstudio.tasks import build_tasks
from crocus_claims.records import record_types, write_records
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(resources.REPO_ROOT / "benchmarks"))
from generate import generate_ls_export  # noqa: E402

SCHEMA = load_schema()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "export.json"
    generate_ls_export(path, 30)
    return path


def corpus_of(export: Path) -> Path:
    return export.with_name(export.stem + ".corpus.jsonl")


def test_streamed_import_writes_the_bytes_of_the_in_memory_conversion(export: Path, tmp_path: Path) -> None:
    corpus = read_corpus(corpus_of(export))
    records, expected_report = convert_export(json.loads(export.read_bytes()), schema=SCHEMA, corpus=corpus)
    types = record_types(SCHEMA)
    write_records((types.convert(record) for record in records), tmp_path / "expected.jsonl")
    report, count = import_file(export, tmp_path / "streamed.jsonl", schema=SCHEMA, corpus=CorpusFile(corpus_of(export)))
    assert count == len(records) == 30
    assert (tmp_path / "streamed.jsonl").read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    assert report.to_dict() == expected_report.to_dict()


def test_a_loss_writes_nothing_unless_allowed_and_the_report_names_every_item(export: Path, tmp_path: Path) -> None:
    tasks = json.loads(export.read_bytes())
    for task in (tasks[3], tasks[17]):  # an unknown label in two tasks, far apart
        task["annotations"][0]["result"][0]["value"]["labels"] = ["NOT_A_LABEL"]
    damaged = tmp_path / "export.json"
    damaged.write_text(json.dumps(tasks), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    report, count = import_file(damaged, output, schema=SCHEMA, corpus=CorpusFile(corpus_of(export)))
    assert count == 0 and not output.exists()
    assert [(p.code, p.task_id) for p in report.problems if p.code == "unknown-label"] == [("unknown-label", 4),
                                                                                          ("unknown-label", 18)]
    report, count = import_file(damaged, output, schema=SCHEMA, corpus=CorpusFile(corpus_of(export)),
                                allow_loss=True)
    assert count == 30 and len(output.read_text(encoding="utf-8").splitlines()) == 30


def test_a_task_that_cannot_be_read_never_hides_the_next(export: Path, tmp_path: Path) -> None:
    tasks = json.loads(export.read_bytes())
    tasks[2]["data"]["doc_id"] = "not-in-the-corpus"
    tasks[9]["data"]["text"] += " (edited)"
    tasks[20]["data"]["text"] += " (edited)"
    damaged = tmp_path / "export.json"
    damaged.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(LabelStudioError) as refused:
        import_file(damaged, tmp_path / "out.jsonl", schema=SCHEMA, corpus=CorpusFile(corpus_of(export)))
    message = str(refused.value)
    assert refused.value.code == "unknown-document"
    assert "task 3:" in message and "and 2 more task(s) could not be read" in message
    assert "corpus-version-mismatch: task 10 " in message and "corpus-version-mismatch: task 21 " in message
    assert not (tmp_path / "out.jsonl").exists()


def test_the_command_streams_the_export_against_the_committed_corpus(tmp_path: Path) -> None:
    tasks = build_tasks(load_corpus(), SCHEMA)
    for number, task in enumerate(tasks, start=1):
        task["id"] = number
        task["annotations"] = [{"id": number, "completed_by": {"id": 1, "email": "a@example.org"}, "result": []}]
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    result = CliRunner().invoke(cli, ["ls", "import", str(tmp_path / "export.json"), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["doc_id"] for line in lines] == sorted(load_corpus())


# ---------------------------------------------------------------------------------------------
# The streamed import against the in-memory reference, on damaged exports
#
# `import_file` validates each record once, on the bytes it writes, and sends only records with a
# finding through `drop_invalid`; the reference sends every record through it. Damage drawn
# below (to tasks, annotations and result items, with names and values from the schema and junk)
# must give both the same records, the same report, item by item, and the same refusal.

NAMES = sorted({*SCHEMA.labels_by_name, *SCHEMA.attributes_by_name, *SCHEMA.relations_by_name, "label", "text"})
VALUES = sorted({value for attribute in SCHEMA.attributes for value in (SCHEMA.allowed_values(attribute) or ())})
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 4000), st.integers(2**63, 2**70), st.floats(-10, 4000),
    st.text(max_size=4), st.just("\ud83d"), st.just("a b"), st.just("x" * 65),
    st.sampled_from(NAMES), st.sampled_from(VALUES), st.sampled_from(("yes", "no", "2024-03-22", "s1", "s2")),
    st.lists(st.one_of(st.sampled_from(NAMES + VALUES), st.integers(0, 9), st.text(max_size=3)), max_size=2),
    st.dictionaries(st.sampled_from(("start", "end", "labels", "choices", "text")), st.integers(0, 99), max_size=2),
)
ITEM_PATHS = [("id",), ("type",), ("from_name",), ("to_name",), ("value",), ("value", "labels"), ("value", "start"),
              ("value", "end"), ("value", "text"), ("value", "choices"), ("value", "number"), ("value", "datetime"),
              ("from_id",), ("to_id",), ("direction",), ("labels",)]
TASK_PATHS = [("id",), ("data",), ("data", "doc_id"), ("data", "text"), ("annotations",), ("predictions",),
              ("drafts",), ("completions",)]
ANNOTATION_PATHS = [("id",), ("result",), ("was_cancelled",), ("completed_by",), ("completed_by", "email"),
                    ("completed_by", "id")]


def put(data: Any, path: tuple[str, ...], value: Any, delete: bool) -> None:
    for key in path[:-1]:
        if not isinstance(data, dict):
            return
        data = data.setdefault(key, {})
    if isinstance(data, dict):
        if delete:
            data.pop(path[-1], None)
        else:
            data[path[-1]] = value


@st.composite
def damage(draw: st.DrawFn, tasks: list[Any]) -> list[Any]:
    """The tasks with a few things changed, deleted, repeated or replaced by junk."""
    tasks = copy.deepcopy(tasks)
    for _ in range(draw(st.integers(1, 5))):
        task = tasks[draw(st.integers(0, len(tasks) - 1))]
        annotations = task.get("annotations") if isinstance(task, dict) else None
        annotation = annotations[0] if isinstance(annotations, list) and annotations else None
        result = annotation.get("result") if isinstance(annotation, dict) else None
        where = draw(st.sampled_from(["item"] * 8 + ["items"] * 2 + ["annotation"] * 2 + ["task", "text"]))
        if where == "item" and isinstance(result, list) and result:
            index = draw(st.integers(0, len(result) - 1))
            if draw(st.integers(0, 9)) == 0:
                result[index] = draw(JUNK)
            else:
                put(result[index], draw(st.sampled_from(ITEM_PATHS)), draw(JUNK), draw(st.booleans()))
        elif where == "items" and isinstance(result, list) and result:
            index = draw(st.integers(0, len(result) - 1))
            if draw(st.booleans()):
                del result[index]  # e.g. a required attribute gone: the validator drops the span
            else:
                result.insert(draw(st.integers(0, len(result))), copy.deepcopy(result[index]))
        elif where == "annotation" and isinstance(annotation, dict):
            choice = draw(st.sampled_from(["path", "again", "draft"]))
            if choice == "again":  # the same annotator twice
                annotations.append(copy.deepcopy(annotation))
            elif choice == "draft" and isinstance(task.get("drafts", []), list):  # (junk may stand there)
                task.setdefault("drafts", []).append({"id": 5, "user": draw(JUNK), "result": copy.deepcopy(result)})
            else:
                put(annotation, draw(st.sampled_from(ANNOTATION_PATHS)), draw(JUNK), draw(st.booleans()))
        elif where == "task":
            put(task, draw(st.sampled_from(TASK_PATHS)), draw(JUNK), draw(st.booleans()))
        elif where == "text" and isinstance(task, dict) and isinstance(task.get("data"), dict):
            task["data"]["text"] = str(task["data"].get("text")) + draw(st.sampled_from([" (edited)", "\r\n", "\ud83d"]))
    return tasks


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "export.json"
    generate_ls_export(path, 6, seed=11)
    return path


def one_by_one(tasks: list[Any], corpus: Path, drafts: bool) -> tuple[Any, bytes]:
    """The reference: every record through drop_invalid as its task is converted (the report in
    the order import_file gives it: each task's losses, then its records' findings), in memory."""
    report = ConversionReport()
    try:
        records = [kept for record in import_tasks(tasks, report, schema=SCHEMA, corpus=read_corpus(corpus),
                                                   drafts=drafts)
                   for kept in drop_invalid([record], report, schema=SCHEMA, corpus=read_corpus(corpus))]
    except LabelStudioError as error:
        return (error.code, str(error)), b""
    types = record_types(SCHEMA)
    lines = b"".join(types.encode(types.convert(record)) + b"\n" for record in sorted(records, key=record_key))
    return report.to_dict(), lines


def in_any_order(report: dict[str, Any]) -> dict[str, Any]:
    return {**report, "problems": sorted(report["problems"], key=repr), "warnings": sorted(report["warnings"])}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), drafts=st.booleans())
def test_the_streamed_import_reports_and_writes_what_the_in_memory_conversion_does(
        small_export: Path, data: st.DataObject, drafts: bool) -> None:
    tasks = data.draw(damage(json.loads(small_export.read_bytes())))
    expected_report, expected_lines = one_by_one(copy.deepcopy(tasks), corpus_of(small_export), drafts)
    try:  # and convert_export, which validates once every task is converted, agrees but for the order
        kept, whole_report = convert_export(copy.deepcopy(tasks), schema=SCHEMA,
                                            corpus=read_corpus(corpus_of(small_export)), drafts=drafts)
        assert in_any_order(whole_report.to_dict()) == in_any_order(expected_report)
        # and is, exactly, every converted record through drop_invalid (its own reference)
        records, report = import_export(copy.deepcopy(tasks), schema=SCHEMA, corpus=read_corpus(corpus_of(small_export)),
                                        drafts=drafts)
        assert kept == drop_invalid(records, report, schema=SCHEMA, corpus=read_corpus(corpus_of(small_export)))
        assert whole_report.to_dict() == report.to_dict()
    except LabelStudioError as error:
        assert (error.code, str(error)) == expected_report
    with tempfile.TemporaryDirectory() as folder:
        export, output = Path(folder) / "export.json", Path(folder) / "out.jsonl"
        export.write_text(json.dumps(tasks), encoding="utf-8")
        corpus = CorpusFile(corpus_of(small_export))
        try:
            report, count = import_file(export, output, schema=SCHEMA, corpus=corpus, drafts=drafts)
        except LabelStudioError as error:
            assert (error.code, str(error)) == expected_report and not output.exists()
            return
        assert report.to_dict() == expected_report
        if report.problems:  # refused: nothing written; then written anyway when loss is allowed
            assert count == 0 and not output.exists()
            report, count = import_file(export, output, schema=SCHEMA, corpus=corpus, drafts=drafts,
                                        allow_loss=True)
            assert report.to_dict() == expected_report
        assert output.read_bytes() == expected_lines and count == expected_lines.count(b"\n")
