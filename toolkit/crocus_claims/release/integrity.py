"""Is a release folder what its manifest says? Sizes and SHA-256 of every file, and its schema.

This is what `crocus_claims.load()` checks on every load, so it imports nothing of the release
builder (no JSON Schema, no validator, no datasheet); `release verify` (verify.py) adds the
records, the JSON Schema and the counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crocus_claims.release.manifest import (
    MANIFEST_FILE,
    file_entry,
    read_manifest,
    release_files,
    render_json,
)
from crocus_claims.schema import Schema, SchemaError, load_schema_file

SCHEMA_FOLDER = "schema"


@dataclass(frozen=True)
class Difference:
    code: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.code}: {self.message}"


class ReleaseIntegrityError(Exception):
    """A release folder that does not match its manifest; the message lists every difference."""

    code = "release-integrity"

    def __init__(self, folder: Path, differences: list[Difference]):
        self.folder = folder
        self.differences = differences
        super().__init__(f"{folder} differs from its manifest:\n" + "\n".join(f"  {d}" for d in differences))


def load_manifest(folder: Path) -> tuple[dict[str, Any] | None, list[Difference]]:
    try:
        manifest, raw = read_manifest(folder)
    except OSError as error:
        return None, [Difference("missing-manifest", MANIFEST_FILE, f"cannot read: {error.strerror}")]
    except ValueError as error:
        return None, [Difference("invalid-manifest", MANIFEST_FILE, str(error))]
    if raw != render_json(manifest):
        return manifest, [Difference("manifest-not-canonical", MANIFEST_FILE,
                                     "edited by hand: not in the form the build writes")]
    return manifest, []


def check_files(folder: Path, manifest: dict[str, Any], size_only: tuple[str, ...] = ()) -> list[Difference]:
    """Every listed file present with its size and SHA-256, and no file that is not listed.

    Files under the `size_only` prefixes (e.g. "board/") are checked for presence and size but not
    hashed: the loader never reads them, and `release verify` checks them in full.
    """
    listed: dict[str, dict[str, Any]] = manifest["files"]
    names, unreadable = release_files(folder)
    present = set(names)
    unread = [entry.path.relative_to(folder).as_posix() for entry in unreadable]  # "." for the folder
    differences = [Difference("unreadable-file", name, entry.message)
                   for name, entry in zip(unread, unreadable, strict=True)]
    inside_unread = tuple("" if name == "." else f"{name}/" for name in unread)  # not missing: unread
    differences += [Difference("missing-file", name, "listed in the manifest, not in the folder")
                    for name in sorted(listed.keys() - present)
                    if name not in unread and not name.startswith(inside_unread)]
    differences += [Difference("unexpected-file", name, "in the folder, not in the manifest")
                    for name in sorted(present - listed.keys())]
    for name in sorted(listed.keys() & present):
        expected = listed[name]
        if name.startswith(size_only):
            actual = {"bytes": (folder / name).stat().st_size, "sha256": expected.get("sha256")}
        else:
            actual = file_entry(folder / name)
        if actual != expected:
            differences.append(Difference(
                "checksum-mismatch", name,
                f"manifest: {expected.get('bytes')} bytes, sha256 {expected.get('sha256')}; "
                f"file: {actual['bytes']} bytes, sha256 {actual['sha256']}",
            ))
    return differences


def verify_files(folder: Path, size_only: tuple[str, ...] = ()) -> tuple[dict[str, Any] | None, list[Difference]]:
    """The manifest and the differences of files against it (see `check_files`)."""
    manifest, differences = load_manifest(Path(folder))
    if manifest is not None:
        differences += check_files(Path(folder), manifest, size_only)
    return manifest, differences


def release_schema(folder: Path, manifest: dict[str, Any]) -> tuple[Schema | None, list[Difference]]:
    name = f"{SCHEMA_FOLDER}/v{manifest.get('schema_version')}.yaml"
    try:
        return load_schema_file(folder / name), []
    except (SchemaError, ValueError) as error:  # ValueError: bytes that are not UTF-8
        return None, [Difference("invalid-schema", name, str(error))]
