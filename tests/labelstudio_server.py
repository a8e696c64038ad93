"""Fixtures that start a real Label Studio server for the tests: one per test session.

The server comes from its own environment (installed here if missing, never skipped), listens on
127.0.0.1 on a port picked first, and keeps its SQLite database in a fresh temporary folder. Its
admin user has a legacy token; `personal_access_token` gives the modern kind for the same user.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from crocus_claims.labelstudio.server import Login, Server, free_port, install_server

ADMIN = Login(email="admin@crocus-claims.test", password="admin-password-1", token="crocus-legacy-token-0001")


@pytest.fixture(scope="session")
def label_studio(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running server; its log tail is printed if it fails to start or a test failed."""
    env = install_server(echo=print)
    server = Server(tmp_path_factory.mktemp("label-studio"), free_port(), ADMIN, env)
    server.start()
    try:
        server.wait_ready(timeout=180)  # raises with the log tail
        yield server
    finally:
        server.stop()
        if request.session.testsfailed:
            print(f"\n--- Label Studio log tail ({server.log_path}) ---\n{server.log_tail()}")


@pytest.fixture(scope="session")
def personal_access_token(label_studio: Server) -> str:
    """A personal access token (JWT refresh token) of the admin, made the way the UI makes one."""
    response = httpx.post(f"{label_studio.url}/api/token/",
                          headers={"Authorization": f"Token {label_studio.login.token}"})
    response.raise_for_status()
    return response.json()["token"]


# ---------------------------------------------------------------------------------------------
# Helpers the Label Studio tests share: exports shaped like the server's full JSON export.


def export_task(task: dict, annotations: list[dict], task_id: int = 1) -> dict:
    """A task of a full JSON export, as the server writes it (predictions are listed as ids)."""
    return {"id": task_id, "data": task["data"], "meta": task["meta"], "annotations": annotations,
            "drafts": [], "predictions": [], "total_annotations": len(annotations)}


def export_annotation(result: list[dict], completed_by: object, annotation_id: int = 1, **fields: object) -> dict:
    """An annotation of a full JSON export, with the `prediction` copy the server adds."""
    return {"id": annotation_id, "completed_by": completed_by, "result": result, "was_cancelled": False,
            "ground_truth": False, "lead_time": 3.5, "prediction": {"result": [{"bogus": True}]}, **fields}
