"""`crocus-claims annotate`: a local Label Studio for this project, in one command.

The server runs from its own environment on 127.0.0.1 with SQLite in the user's data
directory (label-studio/ under resources.user_data_dir()).
Label Studio applies the login and token only when it first creates the user, so a generated
login is saved beside the database (readable by the owner only) and reused on every later run.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from crocus_claims import resources
from crocus_claims.atomic import atomic_write
from crocus_claims.labelstudio.server import Login, free_port, port_available

DEFAULT_EMAIL = "annotator@crocus-claims.local"
LOGIN_FILE = "login.json"
PORT_FILE = "port"  # the port of the last session, kept so that its URL stays the same
DEFAULT_PORT = 8080


def default_data_dir() -> Path:
    """label-studio/ in the user's data directory (resources.user_data_dir)."""
    return resources.user_data_dir() / "label-studio"


def session_login(data_dir: Path) -> Login:
    """The saved login, else one from $CROCUS_LS_EMAIL / $CROCUS_LS_PASSWORD or generated, saved."""
    saved = data_dir / LOGIN_FILE
    if saved.exists():
        return Login(**json.loads(saved.read_text(encoding="utf-8")))
    login = Login(email=os.environ.get("CROCUS_LS_EMAIL") or DEFAULT_EMAIL,
                  password=os.environ.get("CROCUS_LS_PASSWORD") or secrets.token_urlsafe(12),
                  token=secrets.token_hex(20))
    data_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(saved) as handle:
        json.dump(login.__dict__, handle)
    saved.chmod(0o600)
    return login


def session_port(data_dir: Path, requested: int | None = None) -> tuple[int, str | None]:
    """The port of this session and, when it is not the last session's, why: the last session's
    port (8080 at first) while a server can listen on it, else a free one. The choice is saved."""
    saved = data_dir / PORT_FILE
    try:
        last = int(saved.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        last = DEFAULT_PORT
    note = None
    if requested is not None:
        port = requested
    elif port_available(last):
        port = last
    else:
        port = free_port()
        note = f"port {last} (the last session's) is in use by another program: this session uses {port}, so its URL changed"
    data_dir.mkdir(parents=True, exist_ok=True)
    with atomic_write(saved) as handle:
        handle.write(f"{port}\n")
    return port, note
