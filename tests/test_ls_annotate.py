"""`crocus-claims annotate`, for real: start, push config, tasks and predictions, answer, stop on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from crocus_claims.corpus import load_corpus
from crocus_claims.labelstudio import client
from crocus_claims.labelstudio.server import free_port, install_server
from crocus_claims.records import write_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import records

pytestmark = pytest.mark.server
EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
DOC = max(load_corpus().values(), key=lambda d: d.doc_id)


def wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = path.read_text(encoding="utf-8")
        if text in output:
            return output
        assert process.poll() is None, f"annotate exited with {process.returncode}:\n{output}"
        time.sleep(0.5)
    raise AssertionError(f"no {text!r} in {timeout} s:\n{path.read_text(encoding='utf-8')}")


def health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return b"UP" in response.read()
    except OSError:
        return False


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(records(text=st.just(DOC.text), doc_id=st.just(DOC.doc_id)))
def test_annotate_serves_the_project_and_stops_on_ctrl_c(record: dict[str, Any]) -> None:
    install_server(echo=print)
    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        write_records([record], folder_path / "predictions.jsonl")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        environ |= {"PYTHONUNBUFFERED": "1", "CROCUS_LS_EMAIL": "me@crocus-claims.test"}
        log = folder_path / "annotate.out"
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(
                [str(EXECUTABLE), "annotate", "--port", str(port), "--data-dir", str(folder_path / "ls"),
                 "--predictions", str(folder_path / "predictions.jsonl")],
                stdout=out, stderr=subprocess.STDOUT, env=environ)
        try:
            output = wait_for(log, "Press Ctrl-C to stop.", process)
            login = json.loads((folder_path / "ls" / "login.json").read_text(encoding="utf-8"))
            assert f"{url}/projects/" in output and login["password"] in output
            waiting = next(line for line in output.splitlines() if line.startswith("waiting for"))
            assert waiting.startswith(f"waiting for {url}/health to answer: ") and "; server log: " in waiting
            assert login["email"] == "me@crocus-claims.test"
            assert health(url)
            connection = client.connect(url, login["token"])
            project = client.find_project(connection, client.DEFAULT_TITLE)
            tasks = {t.data["doc_id"]: t for t in connection.tasks.list(project=project.id, fields="all")}
            assert set(tasks) == set(load_corpus())
            predictions = list(connection.predictions.list(task=tasks[DOC.doc_id].id))
            assert [p.model_version for p in predictions] == [f"records:{record['annotator']}"]
            assert f"{len(tasks)} task(s) added, 0 already there; 1 prediction(s) added" in output
            pull = next(line.strip() for line in output.splitlines() if " ls pull " in line)
            pasted = subprocess.run(["bash", "-c", pull], cwd=folder_path, env=environ, capture_output=True,
                                    text=True, check=False)  # a new shell elsewhere: no annotations yet
            assert pasted.returncode == 0, pasted.stderr
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
            assert "stopped." in log.read_text(encoding="utf-8")
            assert not health(url)

            # A second session at once, without --port: the same port (its connections are still
            # closing), and the predictions already there are not added twice, which it says.
            again = folder_path / "again.out"
            with open(again, "w", encoding="utf-8") as out:
                process = subprocess.Popen(
                    [str(EXECUTABLE), "annotate", "--data-dir", str(folder_path / "ls"),
                     "--predictions", str(folder_path / "predictions.jsonl")],
                    stdout=out, stderr=subprocess.STDOUT, env=environ)
            output = wait_for(again, "Press Ctrl-C to stop.", process)
            assert f"{url}/projects/" in output and "note: port" not in output
            assert f"0 task(s) added, {len(tasks)} already there; 0 prediction(s) added" in output
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:  # SIGTERM: annotate stops its server, then itself
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
