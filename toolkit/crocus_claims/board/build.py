"""`crocus-claims board`: the board of a release folder, or of annotation records (a pass folder).

A release is opened with the loader (checked against its manifest). Annotation records are
validated, completed with their corpus text and metadata exactly as a release build completes
them, and opened the same way from a temporary folder, so that a pass (gold, a second pass) gets
the same pages as a release and two boards can be read side by side. The output folder is
replaced only when the whole board is written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from crocus_claims.atomic import atomic_directory
from crocus_claims.board.site import INDEX_PAGE, write_board
from crocus_claims.loader.dataset import Dataset, load
from crocus_claims.schema import Schema, load_schema

BOARD_FOLDER = "board"


class BoardError(Exception):
    """Input the board refuses, with a stable code; nothing is written."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def is_release(path: Path) -> bool:
    from crocus_claims.release.manifest import MANIFEST_FILE

    return path.is_dir() and (path / MANIFEST_FILE).is_file()


@contextlib.contextmanager
def open_annotations(paths: Sequence[Path], schema: Schema | None = None) -> Iterator[Dataset]:
    """The records in `paths` (files or folders of .jsonl) as a Dataset, one record per document.

    Raises BoardError: `invalid-annotations` (every validation error listed, located to file and
    line), `duplicate-document` (two records of one document: give one pass at a time).
    """
    from crocus_claims.cli.common import InputError, read_annotation_set
    from crocus_claims.corpus import load_corpus
    from crocus_claims.records import to_builtins
    from crocus_claims.release.counts import release_counts
    from crocus_claims.release.documents import DOCUMENTS_FILE, encode_jsonl, release_records
    from crocus_claims.release.manifest import MANIFEST_FILE, build_manifest, render_json
    from crocus_claims.schema import schema_path

    try:
        records = read_annotation_set(list(paths), schema)
    except InputError as error:
        raise BoardError("invalid-annotations", "the records do not validate:\n  " + "\n  ".join(error.lines)) from None
    if schema is None:
        records, schema = at_newest_version(records, paths)
    seen: dict[str, str] = {}
    for record in records:
        if record.doc_id in seen:
            raise BoardError("duplicate-document", f"doc {record.doc_id} has records by {seen[record.doc_id]} and "
                             f"{record.annotator}: give one annotation pass at a time")
        seen[record.doc_id] = record.annotator
    completed = release_records(records, load_corpus())
    with tempfile.TemporaryDirectory(prefix="crocus-board-") as folder:
        root = Path(folder)
        (root / DOCUMENTS_FILE).write_bytes(encode_jsonl(completed))
        (root / "schema").mkdir()
        (root / "schema" / f"v{schema.version}.yaml").write_bytes(schema_path(schema.version).read_bytes())
        header = {"release_version": "annotations", "schema_version": schema.version,
                  "counts": release_counts(schema, [to_builtins(r) for r in completed])}
        (root / MANIFEST_FILE).write_bytes(render_json(build_manifest(root, header)))
        yield load(root)


def at_newest_version(records: list[Any], paths: Sequence[Path]) -> tuple[list[Any], Schema]:
    """Records read under the versions they name, as structs of the newest one (older records
    migrated in memory, see migration.to_newest_version), and its schema. BoardError with the
    first finding's code (migration-needs-decision, migration-loses-data, ...) listing them all."""
    from crocus_claims.migration import to_newest_version
    from crocus_claims.records import record_types

    common = to_newest_version([records], sources=[", ".join(map(str, paths))])
    if common.findings:
        raise BoardError(common.findings[0].code, f"records of older schema versions cannot be drawn as {common.version}:"
                         "\n  " + "\n  ".join(map(str, common.findings)))
    schema = load_schema(common.version)
    types = record_types(schema)
    return [record if not isinstance(record, dict) else types.convert(record) for record in common.sets[0]], schema


def title_of(paths: Sequence[Path], dataset: Dataset) -> str:
    if len(paths) == 1 and is_release(paths[0]):
        return f"release {dataset.release_version}, schema {dataset.schema.version}"
    return f"annotations {', '.join(path.name or str(path) for path in paths)}, schema {dataset.schema.version}"


@contextlib.contextmanager
def open_source(paths: Sequence[Path]) -> Iterator[Dataset]:
    """A release folder (one path holding manifest.json) or annotation records."""
    from crocus_claims.release.integrity import ReleaseIntegrityError

    if len(paths) == 1 and is_release(paths[0]):
        try:
            dataset = load(paths[0])
        except ReleaseIntegrityError as error:
            raise BoardError("release-integrity", str(error)) from None
        yield dataset
        return
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise BoardError("unreadable-file", f"no such file or folder: {', '.join(missing)}")
    with open_annotations(paths) as dataset:
        yield dataset


def is_replaceable(output: Path) -> bool:
    """Whether `output` may be replaced whole by a board: it does not exist, or is an empty folder,
    or holds only what a board holds (pages and its stylesheet, no folder)."""
    from crocus_claims.board.site import STYLESHEET

    if os.path.lexists(output) and not os.path.isdir(output):  # a file: never replaced by a folder
        return False
    try:
        entries = list(os.scandir(output))
    except (FileNotFoundError, NotADirectoryError):  # nothing there, or a file above it: the write says so
        return True
    except OSError:
        return False
    return all(entry.is_file(follow_symlinks=False)
               and (entry.name == STYLESHEET or entry.name.endswith(".html")) for entry in entries)


def build_board(paths: Sequence[Path], output: Path) -> Path:
    """Write the board of `paths` into `output` (replaced whole, atomically); returns its index page.

    Raises BoardError `output-not-a-board`, before reading the sources, when `output` holds anything
    a board does not (it would be deleted) or holds the current folder."""
    paths = [Path(path) for path in paths]
    if Path(os.path.realpath(Path.cwd())).is_relative_to(os.path.realpath(output)):
        raise BoardError("output-not-a-board", f"{output}: the board replaces its output folder whole: give "
                         "one that is not the current folder or a folder above it")
    if not is_replaceable(Path(output)):
        raise BoardError("output-not-a-board", f"{output}: the board replaces its output folder whole, and "
                         "this is not an empty folder or a board: give a new or empty folder, or a board "
                         "written before")
    with open_source(paths) as dataset, atomic_directory(Path(output)) as staging:
        write_board(dataset, staging, title_of(paths, dataset))
    return Path(output) / INDEX_PAGE


def write_release_board(release_folder: Path, header: dict[str, Any], schema: Schema) -> None:
    """The board of a release being built: read from its documents.jsonl before the manifest
    exists (the build lists the board's files in the manifest it writes next)."""
    dataset = Dataset(release_folder, {**header, "files": {}}, schema)
    write_board(dataset, release_folder / BOARD_FOLDER, f"release {header['release_version']}, schema {schema.version}")
