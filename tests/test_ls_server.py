"""Against the real Label Studio server that the test session starts (tests/labelstudio_server.py).

Annotations are created through the API exactly as the editor saves them, by two annotators,
with a cancelled one beside them; what `pull` brings back must equal what was created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from crocus_claims.corpus import CorpusDocument, load_corpus, text_sha256
from crocus_claims.labelstudio import LabelStudioError, client
from crocus_claims.labelstudio.config import build_config
from crocus_claims.labelstudio.importer import convert_export
from crocus_claims.labelstudio.server import Server
from crocus_claims.labelstudio.tasks import result_items
from crocus_claims.records import record_types, to_builtins
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from label_studio_sdk import LabelStudio
from strategies import records, texts

pytestmark = pytest.mark.server
SCHEMA = load_schema()
SECOND = "second.annotator@crocus-claims.test"
EXECUTABLE = Path(sys.executable).with_name("crocus-claims")
# Characters that break offset code, always present (the generated part adds more).
TRICKY_HEAD = "😀 👩‍👩‍👧 e\u0301 \t tab  double &<> \n"


@pytest.fixture(scope="session")
def admin(label_studio: Server) -> LabelStudio:
    return client.connect(label_studio.url, label_studio.login.token)


@pytest.fixture(scope="session")
def second_user(admin: LabelStudio) -> int:
    return admin.users.create(email=SECOND, username=SECOND).id


def normalized(record: dict[str, Any]) -> dict[str, Any]:
    data = to_builtins(record_types(SCHEMA).convert({k: v for k, v in record.items() if k != "text"}))
    data["relations"] = sorted((r["type"], r["head"], r["tail"]) for r in data["relations"])
    return data


def document(doc_id: str, text: str) -> CorpusDocument:
    return CorpusDocument(doc_id=doc_id, title="A title & <more>", outlet=None, publication_date=None,
                          byline=None, wire_source=None, source_file=f"{doc_id}.txt", stripped_prefix="",
                          text_sha256=text_sha256(text), text=text)


def annotate_as_editor(admin: LabelStudio, project_id: int, doc_id: str, created: list[dict[str, Any]],
                       users: dict[str, int]) -> None:
    """One annotation per record, by its annotator, and one cancelled one, through the API."""
    (task,) = [t for t in admin.tasks.list(project=project_id, fields="all") if t.data["doc_id"] == doc_id]
    for record in created:
        admin.annotations.create(id=task.id, result=result_items(record, SCHEMA), ground_truth=False,
                                 completed_by=users[record["annotator"]], lead_time=12.5)
    admin.annotations.create(id=task.id, result=[], was_cancelled=True, ground_truth=False)


def several_types_on_one_pair(record: dict[str, Any]) -> bool:
    pairs = [(r["head"], r["tail"]) for r in record["relations"]]
    return len(pairs) > len(set(pairs))


def pair(text: str, doc_id: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Records of two annotators on one text; the first has relations, several types on one pair."""
    first = records(text=st.just(text), doc_id=st.just(doc_id), annotator=st.just("ADMIN"))
    second = records(text=st.just(text), doc_id=st.just(doc_id), annotator=st.just(SECOND))
    return st.tuples(first.filter(several_types_on_one_pair), second).map(list)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_pull_returns_what_annotators_saved_on_any_text(admin: LabelStudio, second_user: int,
                                                       label_studio: Server, data: st.DataObject) -> None:
    text = TRICKY_HEAD + data.draw(texts(), label="text")
    doc_id = "doc-" + uuid.uuid4().hex[:8]
    corpus = {doc_id: document(doc_id, text)}
    created = data.draw(pair(text, doc_id), label="records")
    created[0]["annotator"] = label_studio.login.email
    title = f"property {doc_id}"
    pushed = client.push(admin, schema=SCHEMA, corpus=corpus, title=title)
    users = {label_studio.login.email: admin.users.whoami().id, SECOND: second_user}
    annotate_as_editor(admin, pushed.project_id, doc_id, created, users)
    export, user_emails = client.pull(admin, title)
    imported, report = convert_export(export, schema=SCHEMA, corpus=corpus, users=user_emails)
    assert report.problems == []
    assert report.counts["skipped-cancelled-annotation"] == 1
    assert sorted(map(normalized, imported), key=lambda r: r["annotator"]) == \
        sorted(map(normalized, created), key=lambda r: r["annotator"])


def run(*args: str, url: str, token: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    environ |= {"LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": token}
    return subprocess.run([str(EXECUTABLE), *args], check=False, capture_output=True, text=True, env=environ,
                          timeout=300)


def test_the_server_accepts_the_config_and_a_second_push_adds_no_tasks(admin: LabelStudio,
                                                                      label_studio: Server) -> None:
    title = "Crocus Claims push twice"
    first = run("ls", "push", "--title", title, url=label_studio.url, token=label_studio.login.token)
    assert first.returncode == 0, first.stderr
    assert "5 tasks added" in first.stdout
    again = run("ls", "push", "--title", title, url=label_studio.url, token=label_studio.login.token)
    assert again.returncode == 0, again.stderr
    assert "0 tasks added, 5 already there" in again.stdout
    project = client.find_project(admin, title)
    assert admin.projects.get(id=project.id).label_config == build_config(SCHEMA)
    tasks = list(admin.tasks.list(project=project.id, fields="all"))
    assert sorted(t.data["doc_id"] for t in tasks) == sorted(load_corpus())


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_pull_command_with_a_personal_access_token(admin: LabelStudio, second_user: int, label_studio: Server,
                                                    personal_access_token: str, tmp_path: Path,
                                                    data: st.DataObject) -> None:
    doc = data.draw(st.sampled_from(sorted(load_corpus().values(), key=lambda d: d.doc_id)), label="document")
    created = data.draw(pair(doc.text, doc.doc_id), label="records")
    created[0]["annotator"] = label_studio.login.email
    title = f"pull {uuid.uuid4().hex[:8]}"
    pushed = client.push(admin, schema=SCHEMA, corpus=load_corpus(), title=title)
    users = {label_studio.login.email: admin.users.whoami().id, SECOND: second_user}
    annotate_as_editor(admin, pushed.project_id, doc.doc_id, created, users)
    offered = client.push(admin, schema=SCHEMA, corpus=load_corpus(), records=created, title=title)
    assert (offered.tasks_added, offered.predictions_added) == (0, 2)
    assert client.push(admin, schema=SCHEMA, corpus=load_corpus(), records=created, title=title).predictions_added == 0
    output = tmp_path / f"{title}.jsonl"
    pulled = run("ls", "pull", "--title", title, "-o", str(output), url=label_studio.url, token=personal_access_token)
    assert pulled.returncode == 0, pulled.stderr
    got = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(map(normalized, got), key=lambda r: r["annotator"]) == \
        sorted(map(normalized, created), key=lambda r: r["annotator"])


@pytest.mark.parametrize("kind", ["legacy", "personal"])
def test_both_token_kinds_are_accepted(label_studio: Server, personal_access_token: str, kind: str) -> None:
    token = label_studio.login.token if kind == "legacy" else personal_access_token
    assert client.connect(label_studio.url, token).users.whoami().email == label_studio.login.email


def test_a_rejected_token_is_one_coded_line(label_studio: Server) -> None:
    result = run("ls", "push", url=label_studio.url, token="not-a-token-of-this-server")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: token-rejected:") and result.stderr.count("\n") == 1
    with pytest.raises(LabelStudioError) as caught:
        client.connect(label_studio.url, "not-a-token-of-this-server")
    assert caught.value.code == "token-rejected"
