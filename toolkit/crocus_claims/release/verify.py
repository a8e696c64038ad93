"""`release verify`: does a release folder hold exactly what its manifest says, and is it valid?

Each difference names the file and what differs, with a stable code. `verify_files` (sizes and
checksums, in integrity.py) is what the loader runs on every load; `verify_release` adds the
schema, the records (JSON Schema and the validator, against the text each record carries) and
the counts.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import jsonschema
from referencing.exceptions import Unresolvable
import msgspec

from crocus_claims.record_schema import strict_integer_validator
from crocus_claims.release.counts import release_counts
from crocus_claims.release.documents import DOCUMENTS_FILE, json_schema_problems
from crocus_claims.release.integrity import (
    SCHEMA_FOLDER,
    Difference,
    release_schema,
    verify_files,
)
from crocus_claims.release.manifest import MANIFEST_FILE
from crocus_claims.release.splits import assign_split
from crocus_claims.schema import Schema
from crocus_claims.validation import validate_lines


def read_documents(folder: Path) -> tuple[list[dict[str, Any]], list[bytes], list[Difference]]:
    """The parsed documents, the lines they came from, and a difference for each line that is not
    JSON (msgspec refuses what json.loads lets through: NaN, a lone surrogate)."""
    documents, lines, differences = [], [], []
    with open(folder / DOCUMENTS_FILE, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            lines.append(line)
            try:
                documents.append(msgspec.json.decode(line))
            except (msgspec.DecodeError, RecursionError) as error:  # the second: nested too deeply to read
                differences.append(Difference("invalid-record", f"{DOCUMENTS_FILE}:{number}", f"not JSON: {error}"))
    return documents, lines, differences


def record_differences(folder: Path, schema: Schema, documents: list[dict[str, Any]],
                       lines: list[bytes]) -> Iterator[Difference]:
    json_schema_name = f"{SCHEMA_FOLDER}/v{schema.version}.record.schema.json"
    if not (folder / json_schema_name).is_file():
        yield Difference("missing-file", json_schema_name, "the release has no JSON Schema of its records")
        return
    try:
        validator = strict_integer_validator(json.loads((folder / json_schema_name).read_bytes()))
        validator.check_schema(dict(validator.schema))  # type: ignore[arg-type]
    except (ValueError, jsonschema.SchemaError) as error:
        yield Difference("invalid-json-schema", json_schema_name, f"not a usable JSON Schema: {error}")
        return
    try:  # a damaged $ref passes check_schema and fails only when followed
        problems = list(json_schema_problems(validator, documents))
    except Unresolvable as error:
        yield Difference("invalid-json-schema", json_schema_name, f"not a usable JSON Schema: {error}")
        return
    for where, message in problems:
        yield Difference("invalid-record", where, message)
    for number, document in enumerate(documents, start=1):
        where = f"{DOCUMENTS_FILE}:{number}"
        doc_id = document.get("doc_id") if isinstance(document, dict) else None
        if isinstance(doc_id, str) and document.get("split") != assign_split(doc_id):
            yield Difference("split-mismatch", where, f"doc {doc_id} is in {document.get('split')!r}, "
                             f"its doc_id puts it in {assign_split(doc_id)!r}")
    # Each record carries its text, so the release is checked against itself, not a local corpus.
    for finding in validate_lines(lines, file=DOCUMENTS_FILE, schema=schema, corpus={}):
        if finding.severity == "error" and finding.code != "invalid-json":  # read_documents said so
            yield Difference(finding.code, finding.where(), finding.message)


def count_differences(manifest_counts: Any, actual: Any, path: str = "counts") -> Iterator[Difference]:
    if isinstance(manifest_counts, dict) and isinstance(actual, dict):
        for key in sorted(manifest_counts.keys() | actual.keys()):
            yield from count_differences(manifest_counts.get(key), actual.get(key), f"{path}.{key}")
    elif manifest_counts != actual:
        yield Difference("count-mismatch", MANIFEST_FILE,
                         f"{path}: manifest says {manifest_counts!r}, the records give {actual!r}")


def table_differences(folder: Path, schema: Schema, manifest: dict[str, Any],
                      already: Collection[str] = ()) -> Iterator[Difference]:
    """Each Parquet table the manifest lists must hold exactly the rows computed from documents.jsonl.
    Files in `already` (found to differ from the manifest) are not read: a damaged Parquet file
    can crash its reader, and a damaged documents.jsonl (invalid UTF-8) the JSON reader."""
    import polars as pl

    from crocus_claims.tables import TABLE_QUERIES, scan_documents_file

    tables = manifest.get("tables") or {}
    if DOCUMENTS_FILE in already:
        return  # the tables cannot be compared with a damaged documents.jsonl (its difference is reported)
    documents = scan_documents_file(folder / DOCUMENTS_FILE, schema)
    for name in sorted(tables.keys() - TABLE_QUERIES.keys()):
        yield Difference("unknown-table", MANIFEST_FILE, f"tables.{name}: not a table of this format")
    for name in sorted(tables.keys() & TABLE_QUERIES.keys()):
        file = tables[name].get("file") if isinstance(tables[name], dict) else None
        if str(file) in already:
            continue
        try:
            written = pl.read_parquet(folder / str(file))
        except BaseException as error:  # polars raises PanicException (a BaseException) on some damage
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            yield Difference("invalid-table", str(file), f"not a readable Parquet table: {error}")
            continue
        expected = TABLE_QUERIES[name](documents).collect()
        if not written.equals(expected):
            yield Difference("table-mismatch", str(file), f"the {name} table differs from the one "
                             f"documents.jsonl gives ({written.height} rows, expected {expected.height})")


def verify_release(folder: Path) -> list[Difference]:
    """Every difference between a release folder and its manifest, schema and records."""
    folder = Path(folder)
    manifest, differences = verify_files(folder)
    if manifest is None or any(d.code == "unreadable-file" for d in differences):
        return differences  # what follows reads the files: those that cannot be read are named already
    schema, schema_differences = release_schema(folder, manifest)
    differences += schema_differences
    if schema is None or not (folder / DOCUMENTS_FILE).is_file():
        return differences
    documents, lines, read_differences = read_documents(folder)
    invalid = read_differences + list(record_differences(folder, schema, documents, lines))
    differences += invalid
    if not invalid:
        differences += count_differences(manifest.get("counts"), release_counts(schema, documents))
        differences += table_differences(folder, schema, manifest, {d.file for d in differences})
    return differences
