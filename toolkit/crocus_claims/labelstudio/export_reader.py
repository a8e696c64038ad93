"""Reading a Label Studio full JSON export one task at a time, so that an export of any size fits
in memory (the import holds one task, not the file).

The export is a JSON array of task objects. ijson's yajl2 C backend parses it as a stream; the
values it gives are those of Python's json module, with three exceptions that this reader closes:
- a string escape of a UTF-16 surrogate (`\\ud83d`): yajl replaces a lone one with `?` or fails.
  Such escapes are found first (a byte search, no parsing) and the file is then read with ijson's
  pure-Python backend, which keeps them exactly as json does, so the importer can refuse them;
- an integer beyond 64 bits (yajl fails): the pure-Python backend reads it, from the same task on;
- a syntax error: reported with the number of the task it is in, after every task before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from crocus_claims.labelstudio import UnreadableExport

CHUNK_BYTES = 1 << 20
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")
UTF8_BOM = b"\xef\xbb\xbf"


def has_surrogate_escape(path: Path) -> bool:
    """True when the file holds a \\uD800-\\uDFFF escape anywhere (chunks overlap by 5 bytes)."""
    with open(path, "rb") as handle:
        tail = b""
        while chunk := handle.read(CHUNK_BYTES):
            if SURROGATE_ESCAPE.search(tail + chunk):
                return True
            tail = chunk[-5:]
    return False


def first_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(UTF8_BOM):
        raise UnreadableExport("invalid-export", f"{path}: starts with a UTF-8 byte order mark; "
                                                 "a Label Studio export has none")
    stripped = head.lstrip()
    return stripped[:1]


def _items(path: Path, backend: Any, skip: int) -> Iterator[Any]:
    with open(path, "rb") as handle:
        for index, task in enumerate(backend.items(handle, "item", use_float=True)):
            if index >= skip:
                yield task


def iter_tasks(path: Path) -> Iterator[Any]:
    """Each element of the export's top-level array, in order, as Python's json module gives it.
    Raises UnreadableExport (invalid-export) for a file that is not a JSON array, or at the first
    element that is not JSON, naming its position; every element before it has been given."""
    path = Path(path)
    start = first_byte(path)
    if not start:
        raise UnreadableExport("invalid-export", f"{path}: the file is empty; a full JSON export is a list of tasks")
    if start != b"[":
        raise UnreadableExport("invalid-export", f"{path}: a full JSON export is a list of tasks "
                                                 f"(it starts with {start.decode('latin-1')!r})")
    python_backend = ijson.get_backend("python")
    backend = python_backend if has_surrogate_escape(path) else ijson
    given = 0
    while True:
        try:
            for task in _items(path, backend, given):
                yield task
                given += 1
            return
        except (ijson.JSONError, UnicodeDecodeError) as error:
            if backend is not python_backend:  # e.g. an integer beyond 64 bits: read on, exactly
                backend = python_backend
                continue
            raise UnreadableExport("invalid-export", f"{path}: task #{given + 1} (or the text after the last "
                                                     f"task) is not JSON: {error}") from None
