"""`crocus-claims ls ...` offline: files written, losses and errors as coded one-line messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.labelstudio.config import build_config
from crocus_claims.labelstudio.server import LABEL_STUDIO_VERSION, free_port, install_server
from crocus_claims.labelstudio.tasks import build_tasks, result_items
from crocus_claims.records import write_records
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from labelstudio_server import export_annotation, export_task
from strategies import records

SCHEMA = load_schema()
CORPUS = load_corpus()
DOC = next(iter(CORPUS.values()))
EXECUTABLE = Path(sys.executable).with_name("crocus-claims")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a child process, as a user runs it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")} | env
    return subprocess.run([str(EXECUTABLE), *args], check=False, capture_output=True, text=True, env=environ, timeout=120)


def on_corpus_document() -> st.SearchStrategy[dict[str, Any]]:
    return records(text=st.just(DOC.text), doc_id=st.just(DOC.doc_id))


def test_config_command_writes_the_generated_config(tmp_path: Path) -> None:
    result = invoke("ls", "config", "-o", str(tmp_path / "config.xml"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "config.xml").read_text(encoding="utf-8") == build_config(SCHEMA)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(on_corpus_document(), min_size=1, max_size=3, unique_by=lambda r: r["annotator"]))
def test_tasks_command_offers_records_as_predictions(tmp_path: Path, chosen: list[dict[str, Any]]) -> None:
    write_records(chosen, tmp_path / "predictions.jsonl")
    result = invoke("ls", "tasks", "-o", str(tmp_path / "tasks.json"),
                    "--predictions", str(tmp_path / "predictions.jsonl"), "--model-version", "gold")
    assert result.exit_code == 0, result.stderr
    tasks = {t["data"]["doc_id"]: t for t in json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))}
    assert set(tasks) == set(CORPUS)
    for doc_id, task in tasks.items():
        assert task["data"]["text"] == CORPUS[doc_id].text
        assert task["meta"] == {"doc_id": doc_id, "schema_version": SCHEMA.version,
                                "text_sha256": CORPUS[doc_id].text_sha256}
    predictions = tasks[DOC.doc_id]["predictions"]
    assert sorted(p["model_version"] for p in predictions) == sorted(f"gold:{r['annotator']}" for r in chosen)
    assert all(p["result"][0]["type"] == "labels" for p in predictions if p["result"])


def test_tasks_command_refuses_invalid_predictions(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"doc_id": "x"}\n', encoding="utf-8")
    result = run("ls", "tasks", "--predictions", str(tmp_path / "bad.jsonl"))
    assert result.returncode == 2
    assert "bad.jsonl:1 doc x" in result.stderr and "missing-field" in result.stderr
    assert "Traceback" not in result.stderr


def write_export(path: Path, annotations: list[dict[str, Any]], text: str | None = None) -> Path:
    task = build_tasks({DOC.doc_id: DOC}, SCHEMA)[0]
    if text is not None:
        task["data"]["text"] = text
    path.write_text(json.dumps([export_task(task, annotations)]), encoding="utf-8")
    return path


def region(region_id: str, start: int, end: int, label: str) -> list[dict[str, Any]]:
    """Result items of a region with every attribute set to its first allowed value."""
    attributes = {a.name: SCHEMA.allowed_values(a)[0] for a in SCHEMA.label_attributes(label)}
    span = {"id": region_id, "label": label, "start": start, "end": end, "text": DOC.text[start:end],
            "attributes": attributes}
    return result_items({"spans": [span], "relations": []}, SCHEMA)


def test_import_writes_nothing_on_loss_unless_allowed(tmp_path: Path) -> None:
    label = next(label.name for label in SCHEMA.labels  # one whose attributes are all enums
                 if all(a.type == "enum" for a in SCHEMA.label_attributes(label.name)))
    bad = region("bad", 0, 6, label)[0]
    bad["value"]["labels"] = ["NO_SUCH_LABEL"]
    export = write_export(tmp_path / "export.json", [export_annotation(region("ok", 0, 6, label) + [bad], 3)])
    output, report = tmp_path / "records.jsonl", tmp_path / "report.json"
    refused = run("ls", "import", str(export), "-o", str(output), "--report", str(report))
    assert refused.returncode == 1
    assert "task 1 doc" in refused.stderr and "region bad: unknown-label:" in refused.stderr
    assert "Error: conversion-loss:" in refused.stderr and "Traceback" not in refused.stderr
    assert not output.exists()
    assert [p["code"] for p in json.loads(report.read_text(encoding="utf-8"))["problems"]] == ["unknown-label"]
    allowed = run("ls", "import", str(export), "-o", str(output), "--allow-loss")
    assert allowed.returncode == 0, allowed.stderr
    (record,) = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [s["id"] for s in record["spans"]] == ["ok"] and record["annotator"] == "user-3"


def test_import_refuses_an_export_of_another_corpus_version(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.json", [], text=DOC.text.replace(" ", "  ", 1))
    result = run("ls", "import", str(export), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: corpus-version-mismatch:") and DOC.doc_id in result.stderr


@pytest.mark.parametrize("content", ["[{", "", "  \n", "not json", "{}", "\ufeff[]"])
def test_import_refuses_a_file_that_is_not_json_as_unreadable_input(tmp_path: Path, content: str) -> None:
    """The CLI contract: exit 2 for input that cannot be read, in either format; nothing written."""
    (tmp_path / "export.json").write_text(content, encoding="utf-8")
    result = invoke("ls", "import", str(tmp_path / "export.json"), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 2 and "Error: invalid-export:" in result.stderr and "Traceback" not in result.stderr
    result = invoke("ls", "import", str(tmp_path / "export.json"), "-o", str(tmp_path / "out.jsonl"),
                    "--format", "json")
    assert result.exit_code == 2
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["invalid-export"]
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(("env", "code"), [
    ({}, "missing-setting"),
    ({"LABEL_STUDIO_URL": "http://127.0.0.1:1"}, "missing-setting"),
    ({"LABEL_STUDIO_URL": f"http://127.0.0.1:{free_port()}", "LABEL_STUDIO_API_KEY": "x" * 40}, "server-unreachable"),
])
@pytest.mark.parametrize("command", [["push"], ["pull", "-o", "out.jsonl"]])
def test_push_and_pull_fail_with_one_coded_line(env: dict[str, str], code: str, command: list[str]) -> None:
    result = run("ls", *command, **env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {code}:") and result.stderr.count("\n") == 1


def installed_looking_env(root: Path) -> Path:
    """An environment that looks like a complete server install, without the 1 GB of packages."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "label-studio").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    site = root / "lib" / "python3.11" / "site-packages"
    (site / f"label_studio-{LABEL_STUDIO_VERSION}.dist-info").mkdir(parents=True)
    return root


def test_install_server_reuses_an_installed_environment(tmp_path: Path) -> None:
    env = installed_looking_env(tmp_path / "ls-env")
    before = sorted(env.rglob("*"))
    result = run("ls", "install-server", CROCUS_LS_VENV=str(env))
    assert result.returncode == 0, result.stderr
    assert f"label-studio {LABEL_STUDIO_VERSION} is installed in {env}" in result.stdout
    assert sorted(env.rglob("*")) == before  # nothing was installed or created


def test_install_server_shows_what_it_does_and_pips_own_progress(tmp_path: Path,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    env = tmp_path / "ls-env"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_text('#!/bin/sh\necho "pip says: $*"\n', encoding="utf-8")
    (env / "bin" / "python").chmod(0o755)
    said: list[str] = []
    assert install_server(echo=said.append, env=env) == env
    passed_through = capfd.readouterr().out.splitlines()  # pip writes to the terminal itself
    assert f"pip says: -m pip install label-studio=={LABEL_STUDIO_VERSION}" in passed_through
    assert said[0] == f"installing label-studio {LABEL_STUDIO_VERSION} into {env} (about 1 GB, a few minutes; once only)"
    assert said[-1] == f"label-studio {LABEL_STUDIO_VERSION} installed in {env}"


def _pulled_records(tmp_path: Path) -> list[dict[str, Any]]:
    from crocus_claims.labelstudio.importer import convert_export

    label = next(label.name for label in SCHEMA.labels
                 if all(a.type == "enum" for a in SCHEMA.label_attributes(label.name)))
    export = write_export(tmp_path / "export.json", [export_annotation(region("ok", 0, 6, label), 3)])
    records, report = convert_export(json.loads(export.read_text(encoding="utf-8")), schema=SCHEMA, corpus=CORPUS,
                                     users=None, drafts=False)
    assert records and not report.problems
    return records


def test_pull_anchors_the_passes_before_writing_the_records(tmp_path: Path) -> None:
    """`ls pull -o X --pass P`: a pass refused means nothing written, X included."""
    from crocus_claims.cli.labelstudio import write_pulled

    records, output, root = _pulled_records(tmp_path), tmp_path / "out.jsonl", tmp_path / "annotations"
    with pytest.raises(SystemExit) as refused:
        write_pulled(records, output, "../escape", schema=SCHEMA, title="t", root=root)
    assert refused.value.code == 1
    assert not output.exists() and not root.exists()
    write_pulled(records, output, "round1", schema=SCHEMA, title="t", root=root)
    assert output.exists() and "round1-user-3" in {p.name for p in root.iterdir()}
