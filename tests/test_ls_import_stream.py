"""The streamed import (`ls import`): same records and report as the in-memory conversion, one task
at a time, and a task that cannot be read never hides the tasks after it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from crocus_claims import resources
from crocus_claims.cli import cli
from crocus_claims.corpus import CorpusFile, load_corpus, read_corpus
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.importer import convert_export, import_file
from crocus_claims.labelstudio.tasks import build_tasks
from crocus_claims.records import record_types, write_records
from crocus_claims.schema import load_schema

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
