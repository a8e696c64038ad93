"""Pre-annotations in Label Studio: predictions with a model_version and a score, pre-filled.

The editor pre-fills a task only with the predictions of the project's model_version; `ls push
--prelabel` makes the pre-annotations that version, also on a project that had other predictions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crocus_claims.cli import cli
from crocus_claims.corpus import load_corpus
from crocus_claims.labelstudio.tasks import result_items
from crocus_claims.prelabel import annotator_name, prelabel_text
from crocus_claims.schema import load_schema

SCHEMA = load_schema()
CORPUS = load_corpus()
GOLD = Path(__file__).resolve().parent.parent / "annotations" / "gold"


def expected_results() -> dict[str, list]:
    return {doc_id: result_items(prelabel_text(d.text, doc_id, SCHEMA).record, SCHEMA) for doc_id, d in CORPUS.items()}


def test_tasks_carry_the_prelabel_prediction_last_with_a_score(tmp_path: Path) -> None:
    output = tmp_path / "tasks.json"
    result = CliRunner().invoke(cli, ["ls", "tasks", "--prelabel", "--predictions", str(GOLD), "-o", str(output)])
    assert result.exit_code == 0, result.output
    tasks = json.loads(output.read_text(encoding="utf-8"))
    expected = expected_results()
    for task in tasks:
        *others, last = task["predictions"]
        assert [p["model_version"] for p in others] == ["records:gold"]
        assert last["model_version"] == annotator_name()
        assert 0 <= last["score"] <= 1
        assert last["result"] == expected[task["data"]["doc_id"]]


@pytest.mark.server
def test_push_prelabel_makes_the_predictions_the_projects_model_version(label_studio) -> None:  # noqa: ANN001
    from test_ls_server import run

    from crocus_claims.labelstudio import client

    title = "Crocus Claims prelabel"
    url, token = label_studio.url, label_studio.login.token
    first = run("ls", "push", "--title", title, "--predictions", str(GOLD), url=url, token=token)
    assert first.returncode == 0, first.stderr
    admin = client.connect(url, token)
    project = client.find_project(admin, title)
    assert admin.projects.get(id=project.id).model_version == "records:gold"
    second = run("ls", "push", "--title", title, "--prelabel", url=url, token=token)
    assert second.returncode == 0, second.stderr
    assert "5 predictions added" in second.stdout
    assert admin.projects.get(id=project.id).model_version == annotator_name()
    expected = expected_results()
    for task in admin.tasks.list(project=project.id, fields="all"):
        (prediction,) = [p for p in admin.predictions.list(task=task.id) if p.model_version == annotator_name()]
        assert 0 <= prediction.score <= 1
        assert [dict(item) for item in prediction.result] == expected[task.data["doc_id"]]
    again = run("ls", "push", "--title", title, "--prelabel", url=url, token=token)
    assert "0 predictions added" in again.stdout
