"""The manifest of a release (manifest.json): what it contains and what it was built from.

Every other file of the release is listed with its size and SHA-256, so that one changed byte
anywhere is found; the counts let `release verify` check the records against what was released.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from crocus_claims.input_files import Unreadable, files_under
from crocus_claims.release.errors import refuse_unreadable

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1


def render_json(data: Any) -> bytes:
    """The one canonical JSON form of every JSON file of a release: sorted keys, fixed indent."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def release_files(root: Path) -> tuple[list[str], list[Unreadable]]:
    """Every file of a release except the manifest itself, as sorted POSIX paths, and what of it
    cannot be read (input_files.files_under)."""
    found, unreadable = files_under(root)
    names = (path.relative_to(root).as_posix() for path in found)
    return [name for name in names if name != MANIFEST_FILE], unreadable


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_entry(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def build_manifest(root: Path, header: dict[str, Any]) -> dict[str, Any]:
    """`header` (versions, inputs, counts) plus the list of the files already written in `root`."""
    names, unreadable = release_files(root)
    refuse_unreadable(unreadable)  # the build's own folder: something changed its permissions as it ran
    files = {name: file_entry(root / name) for name in names}
    return {"manifest_format": MANIFEST_FORMAT, **header, "files": files}


def read_manifest(root: Path) -> tuple[dict[str, Any], bytes]:
    """The parsed manifest and its raw bytes; OSError or ValueError when it is unusable."""
    raw = (root / MANIFEST_FILE).read_bytes()
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ValueError("not a release manifest (no `files` table)")  # noqa: TRY004 (bad content, like bad JSON)
    return data, raw
