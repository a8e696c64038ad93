"""Talking to a Label Studio server through label-studio-sdk: push a project, pull its export.

Needs the `labelstudio` extra. Every failure a user can meet (no URL or token, a server that
does not answer, a token it rejects) becomes a LabelStudioError with a stable code.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from crocus_claims.corpus import CorpusDocument
from crocus_claims.labelstudio import DEFAULT_TITLE, LabelStudioError
from crocus_claims.labelstudio.config import build_config
from crocus_claims.labelstudio.tasks import build_tasks
from crocus_claims.schema import Schema, SchemaFolder, default_folder

T = TypeVar("T")


def server_errors(function: Callable[..., T]) -> Callable[..., T]:
    """Turn the SDK's transport and HTTP errors into coded LabelStudioErrors."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except httpx.TransportError as error:
            raise LabelStudioError("server-unreachable", f"cannot reach Label Studio: {error}") from None
        except ApiError as error:
            if error.status_code in (401, 403):
                raise LabelStudioError("token-rejected", f"Label Studio rejected the token "
                                       f"(HTTP {error.status_code}): {_detail(error.body)}") from None
            raise LabelStudioError("server-error", f"Label Studio answered HTTP {error.status_code}: "
                                   f"{_detail(error.body)}") from None
    return wrapper


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("validation_errors") or body.get("detail") or body)[:300]
    return str(body)[:300]


@server_errors
def connect(url: str | None = None, token: str | None = None) -> LabelStudio:
    """A client for $LABEL_STUDIO_URL with $LABEL_STUDIO_API_KEY (legacy or personal access token),
    checked with one request so that a wrong URL or token fails here, clearly."""
    url = url or os.environ.get("LABEL_STUDIO_URL")
    token = token or os.environ.get("LABEL_STUDIO_API_KEY")
    missing = [name for name, value in (("LABEL_STUDIO_URL", url), ("LABEL_STUDIO_API_KEY", token)) if not value]
    if missing:
        raise LabelStudioError("missing-setting", f"set {' and '.join(missing)} (the server's address and an "
                               "API token from its Account & Settings page)")
    assert url is not None and token is not None  # neither is missing
    client = LabelStudio(base_url=url.rstrip("/"), api_key=token, timeout=60)
    client.users.whoami()
    return client


@dataclass
class PushResult:
    project_id: int
    created: bool
    config_updated: bool
    tasks_added: int
    tasks_kept: int
    predictions_added: int


def find_project(client: LabelStudio, title: str) -> Any | None:
    projects: Iterable[Any] = client.projects.list(title=title)
    return next((p for p in projects if p.title == title), None)


@server_errors
def push(client: LabelStudio, *, schema: Schema, corpus: Mapping[str, CorpusDocument],
         records: Iterable[Any] = (), model_version: str = "records", title: str = DEFAULT_TITLE,
         folder: SchemaFolder | None = None, scored: Iterable[tuple[Any, float]] = (),
         prefill: str | None = None) -> PushResult:
    """Create the project (or update the one with this title): config, then the tasks it lacks,
    keyed by doc_id, then the predictions each task lacks, keyed by model_version. A project made
    with another schema version of `folder` (default: schema/) is refused: `ls migrate` upgrades it.
    `scored` are (record, score) pre-annotations (see build_tasks); `prefill` makes that
    model_version the project's, the one whose predictions the editor shows."""
    config = build_config(schema)
    project = find_project(client, title)
    created = project is None
    config_updated = False
    if project is None:
        project = client.projects.create(title=title, label_config=config)
    elif project.label_config != config:
        _refuse_another_version(project.label_config, schema, folder or default_folder())
        client.projects.update(id=project.id, label_config=config)
        config_updated = True
    listed: Iterable[Any] = client.tasks.list(project=project.id, fields="all")
    existing = {task.data.get("doc_id"): task for task in listed}
    tasks = build_tasks(corpus, schema, records, model_version, scored)
    new = [task for task in tasks if task["data"]["doc_id"] not in existing]
    if new:
        client.projects.import_tasks(id=project.id, request=new, return_task_ids=True)  # type: ignore[arg-type]
    predictions_added = sum(len(task.get("predictions", [])) for task in new)
    for task in tasks:
        old = existing.get(task["data"]["doc_id"])
        if old is None:
            continue
        have = {p.model_version for p in client.predictions.list(task=old.id)}
        for prediction in task.get("predictions", []):
            if prediction["model_version"] not in have:
                extra = {"score": prediction["score"]} if "score" in prediction else {}
                client.predictions.create(task=old.id, result=prediction["result"],
                                          model_version=prediction["model_version"], **extra)
                predictions_added += 1
    assert project.id is not None  # a project the server made or listed has one
    project_id: int = project.id
    if prefill is not None and project.model_version != prefill:
        client.projects.update(id=project_id, model_version=prefill)
    return PushResult(project_id, created, config_updated, len(new), len(tasks) - len(new), predictions_added)


def _refuse_another_version(config: str, schema: Schema, folder: SchemaFolder) -> None:
    """LabelStudioError `project-needs-migration` when `config` is another schema version's: replacing it
    would orphan the annotations that use the old names (the server does not rewrite them)."""
    for version in folder.versions():
        if version != schema.version and build_config(folder.load(version)) == config:
            raise LabelStudioError("project-needs-migration", f"the project was made with schema {version}; "
                                   f"upgrade it first: crocus-claims ls migrate --to {schema.version}")


@server_errors
def pull(client: LabelStudio, title: str = DEFAULT_TITLE) -> tuple[list[Any], dict[int, str]]:
    """The project's full JSON export (every task) and the server's users as id -> email."""
    project = find_project(client, title)
    if project is None:
        raise LabelStudioError("project-not-found", f"no project titled {title!r} on this server (push first)")
    return export_project(client, project.id)


@server_errors
def export_project(client: LabelStudio, project_id: int) -> tuple[list[Any], dict[int, str]]:
    """A project's full JSON export (every task) and the server's users as id -> email."""
    raw = b"".join(client.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True))
    users = {user.id: user.email for user in client.users.list() if user.email}
    return json.loads(raw), users
