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
from crocus_claims.labelstudio.server import Login

DEFAULT_EMAIL = "annotator@crocus-claims.local"
LOGIN_FILE = "login.json"


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
