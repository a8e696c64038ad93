"""Validate annotation files: streaming, line by line, on every core the process is given.

Memory does not grow with a file: lines are read one at a time (or, for a large file on several
cores, in fixed-size chunks that workers read themselves). The only state kept across lines is
the set of (doc_id, annotator) pairs seen, to catch a document annotated twice by one annotator.
Each line first meets the fast path (validation/fast_path.py), which can only say "clean"; any
line it does not call clean gets the reference checks (`reference_check_line`), which make every
finding.
"""

from __future__ import annotations

import array
import contextlib
import functools
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from crocus_claims import input_files
from crocus_claims.corpus import CorpusDocument, load_corpus
from crocus_claims.records import named_schema_version
from crocus_claims.schema import Schema, SchemaError, SchemaFolder, default_folder, parse_version
from crocus_claims.validation import semantic, structural
from crocus_claims.validation.duplicate_keys import keys_agree
from crocus_claims.validation.fast_path import FastPath, clean_record
from crocus_claims.validation.findings import Finding

CHUNK_BYTES = 8 * 1024 * 1024  # what one worker reads at a time; also the smallest file worth splitting
# One process reads through a buffer of this size: with the default (the file system's block size,
# 4 KiB here), a record of a few kilobytes costs several reads and copies
# (benchmarks/bench_validate.py reads the same way).
READ_BUFFER_BYTES = 1024 * 1024
PLACE_LINE_BITS = 40  # a place is a file's index and a line number packed in one integer


@dataclass
class Report:
    """What a validation run found, with the counts a summary line needs."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    records: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """0 valid (warnings allowed), 1 findings, 2 unreadable input."""
        if any(f.code == "unreadable-file" for f in self.findings):
            return 2
        return 1 if self.errors else 0


@dataclass
class VersionedContext(semantic.Context):
    """A validation context that knows its siblings: one context per schema version of a folder.

    Unpinned (the default), a record is checked against the schema version it names, so records
    of every shipped version stay readable. Pinned (`--schema-version`), every record is checked
    against this context's schema under the rule of schema/VERSIONING.md (same major, minor not
    newer), and `unknown-schema-version`/`incompatible-schema-version` report the others.
    Each sibling is built once, on first use, and shared by every line of the run.
    """

    folder: SchemaFolder = field(default_factory=default_folder)
    pinned: bool = False
    siblings: dict[str, VersionedContext | None] = field(default_factory=dict)
    # Unpinned: the context of the last record checked, shared by the siblings. The records of a
    # file usually share one version, so starting there costs one decode a record, old or new.
    recent: list[VersionedContext] = field(default_factory=list)
    migrate: bool = False  # pinned only: records of older versions are migrated in memory first
    chains: dict[str, Any] = field(default_factory=dict)  # version -> its migrations, or the error

    @functools.cached_property
    def fast(self) -> FastPath:
        """What the fast path needs of this context (validation/fast_path.py), gathered on first use."""
        return FastPath(self)

    def migrates(self, version: Any) -> bool:
        """Whether a record naming `version` is migrated to this context's version before the checks."""
        return (self.migrate and isinstance(version, str) and version != self.schema.version
                and version in self.known_versions and parse_version(version) < self.schema.version_tuple)

    @functools.cached_property
    def known_versions(self) -> frozenset[str]:
        return frozenset(self.folder.versions()) | {self.schema.version}

    def context_for(self, version: Any) -> VersionedContext | None:
        """The context that checks a record naming `version`, or None when this one must."""
        if self.pinned or version == self.schema.version or not isinstance(version, str):
            return None
        if version not in self.siblings:
            self.siblings[version] = self._sibling(version)
        return self.siblings[version]

    def _sibling(self, version: str) -> VersionedContext | None:
        try:
            schema = self.folder.load(version)
        except (FileNotFoundError, SchemaError, ValueError):
            return None  # this context reports the version as unknown (or its file as broken)
        sibling = VersionedContext(schema, self.corpus, folder=self.folder, siblings=self.siblings,
                                   recent=self.recent)
        self.siblings.setdefault(self.schema.version, self)
        return sibling


def make_context(schema: Schema | None = None, corpus: Mapping[str, CorpusDocument] | None = None, *,
                 schemas: SchemaFolder | None = None, migrate: bool = False) -> VersionedContext:
    """The context of a run: pinned to `schema` when given, else each record's own version.

    `schemas` is the folder of schema files (default: the project's schema/); `migrate` (with a
    pinned schema) migrates records of older versions to it in memory before checking them.
    """
    folder = schemas or default_folder()
    if migrate and schema is None:
        raise ValueError("migrating needs a schema version to migrate to")
    return VersionedContext(schema or folder.load(), load_corpus() if corpus is None else corpus,
                            folder=folder, pinned=schema is not None, migrate=migrate)


def check_line(line: bytes, ctx: semantic.Context) -> tuple[list[Finding], tuple[str, str] | None]:
    """The findings of one non-blank line, and its (doc_id, annotator) key when it has one.

    A record the fast path calls clean (validation/fast_path.py) has none; any other line gets
    `reference_check_line`, which makes every finding.
    """
    current = _current(ctx)
    record = clean_record(line, current.fast) if isinstance(current, VersionedContext) else None
    if record is not None:
        return [], (record.doc_id, record.annotator)
    return _check_line_or_too_deep(line, current)


def reference_check_line(line: bytes, ctx: semantic.Context) -> tuple[list[Finding], tuple[str, str] | None]:
    """`check_line` without the fast path: the checks that define what is valid.

    Lines are decoded with the types of the context that checked the previous record (at first
    the latest version's, or the pinned one's): the common case costs one decode. A record of
    another version is handed to that version's context.
    """
    return _check_line_or_too_deep(line, _current(ctx))


def _check_line_or_too_deep(line: bytes,
                            ctx: semantic.Context) -> tuple[list[Finding], tuple[str, str] | None]:
    """_check_line, or invalid-json for JSON nested deeper than the decoder goes (Python's
    recursion limit, about 1,000 levels): valid JSON, but no record, and a RecursionError."""
    try:
        return _check_line(line, ctx)
    except RecursionError:
        levels = sys.getrecursionlimit()
        return [Finding("invalid-json", f"nested too deeply to read (more than about {levels:,} levels of "
                        "arrays and objects)")], None


def _current(ctx: semantic.Context) -> semantic.Context:
    """The context that checked the previous record of the run."""
    recent = ctx.recent if isinstance(ctx, VersionedContext) else None
    return recent[0] if recent else ctx


def _check_line(line: bytes, ctx: semantic.Context) -> tuple[list[Finding], tuple[str, str] | None]:
    try:
        record = _decode_without_duplicate_keys(line, ctx)
    except DuplicateKeys as repeated:
        return repeated.findings, None
    except (msgspec.ValidationError, msgspec.DecodeError):
        version = _version_of_line(line, ctx)
        if isinstance(ctx, VersionedContext) and ctx.migrates(version):
            return _check_migrated(line, ctx, version)
        other = ctx.context_for(version) if isinstance(ctx, VersionedContext) else None
        if other is not None:
            other.recent[:] = [other]  # the next line starts there
            return _check_line(line, other)
        return structural.check_line(line, ctx)
    if record.schema_version != ctx.schema.version and isinstance(ctx, VersionedContext):
        if ctx.migrates(record.schema_version):
            return _check_migrated(line, ctx, record.schema_version)
        other = ctx.context_for(record.schema_version)
        if other is not None:
            other.recent[:] = [other]  # the next line starts there
            return _check_line(line, other)
    return semantic.check_record(record, ctx), (record.doc_id, record.annotator)


class DuplicateKeys(Exception):
    def __init__(self, findings: list[Finding]):
        self.findings = findings


def _decode_without_duplicate_keys(line: bytes, ctx: semantic.Context) -> Any:
    """The record of a line that decodes into `ctx`'s types and repeats no key; DuplicateKeys when
    it repeats one; msgspec's errors when it does not decode.

    Lines that write every field (all this toolkit writes) decode into the complete types, whose
    keys can be counted (validation/duplicate_keys.py); the others are decoded again into the
    ordinary types and checked for duplicate keys exactly.
    """
    try:
        record = ctx.complete.decode(line)
        if keys_agree(line, record, ctx.shape):
            return record
    except (msgspec.ValidationError, msgspec.DecodeError):
        record = ctx.types.decode(line)
    repeated = structural.duplicate_key_findings(line)
    if repeated:
        raise DuplicateKeys(repeated)
    return record


def _version_of_line(line: bytes, ctx: semantic.Context) -> Any:
    """For a line that did not decode: the version it names, when another context might check it."""
    if not isinstance(ctx, VersionedContext) or (ctx.pinned and not ctx.migrate):
        return None
    try:
        return named_schema_version(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


def _check_migrated(line: bytes, ctx: VersionedContext, version: str) -> tuple[list[Finding], tuple[str, str] | None]:
    """Check a record of an older version as it is after migrating it to `ctx`'s version.

    A question the migration leaves open, or data it loses, is a finding too: the record cannot
    be read as the new version without someone's decision.
    """
    from crocus_claims.migration import MigrationError, migrate_record, migration_path

    if version not in ctx.chains:
        try:
            ctx.chains[version] = migration_path(version, ctx.schema.version, ctx.folder)
        except MigrationError as error:
            ctx.chains[version] = error
    chain = ctx.chains[version]
    if isinstance(chain, MigrationError):
        return [Finding(chain.code, f"schema {version} cannot be migrated to {ctx.schema.version}: "
                        + "; ".join(str(chain).splitlines()), path="schema_version")], None
    repeated = structural.duplicate_key_findings(line)
    if repeated:
        return repeated, None
    try:
        data = msgspec.json.decode(line)
        migrated, impacts = migrate_record(data, chain)
    except (msgspec.DecodeError, AttributeError, TypeError, ValueError):
        return structural.check_line(line, ctx)  # not a record a migration can read: say what is wrong
    findings, key = check_line(msgspec.json.encode(migrated), ctx)
    return [impact.finding() for impact in impacts if impact.blocking] + findings, key


class SeenKeys:
    """Where each (doc_id, annotator) was first seen: the 64-bit hash of each key and its place (file
    and line packed in one integer) in two append-only arrays, found through an open-addressing table
    of 32-bit indices at most 7/10 full: 8 + 8 + 4 / 0.7 bytes a record and the arrays' spare room,
    27 measured (11 MB for 400,000 records, what a 2 GB file of 5 kB records holds; only the table
    is rebuilt when it doubles), against about 100 for a dict of ints. It is the only memory that
    grows with the input. Two distinct keys with the same 64-bit hash (odds about n^2 / 2^65) would
    be reported as a duplicate record.
    """

    def __init__(self, capacity: int = 1 << 12):
        self.hashes = array.array("q")
        self.places = array.array("q")
        self.slots = array.array("i", [-1]) * capacity  # an index into hashes, or -1: empty
        self.mask = capacity - 1

    def setdefault(self, key: int, place: int) -> int:
        """The place `key` was first seen at, remembering `place` when it is new."""
        slots, mask = self.slots, self.mask
        slot = key & mask
        index = slots[slot]
        while index >= 0:
            if self.hashes[index] == key:
                return self.places[index]
            slot = (slot + 1) & mask
            index = slots[slot]
        hashes = self.hashes
        slots[slot] = len(hashes)
        hashes.append(key)
        self.places.append(place)
        if len(hashes) * 10 > mask * 7:
            self._grow()
        return place

    def _grow(self) -> None:
        capacity = (self.mask + 1) * 2
        slots, mask = array.array("i", [-1]) * capacity, capacity - 1
        for index, key in enumerate(self.hashes):
            slot = key & mask
            while slots[slot] >= 0:
                slot = (slot + 1) & mask
            slots[slot] = index
        self.slots, self.mask = slots, mask

    def __len__(self) -> int:
        return len(self.hashes)


class KeyHashes:
    """What a worker hands the parent instead of judging keys itself: for each record, its line
    number and the hash of its (doc_id, annotator) key (16 bytes a record; forked workers hash
    strings as the parent does), and the keys themselves as one JSON document, which the parent
    decodes only for a chunk where it finds a duplicate."""

    def __init__(self) -> None:
        self.numbers = array.array("q")
        self.hashes = array.array("q")
        self._keys: list[tuple[str, str]] | None = []
        self._encoded = b""

    def add(self, number: int, key: tuple[str, str]) -> None:
        self.numbers.append(number)
        self.hashes.append(hash(key))
        assert self._keys is not None
        self._keys.append(key)

    def key(self, index: int) -> tuple[str, str]:
        """The key of the index-th record."""
        if self._keys is None:
            self._keys = [(doc_id, annotator) for doc_id, annotator in msgspec.json.decode(self._encoded)]
        return self._keys[index]

    def __getstate__(self) -> tuple[array.array[int], array.array[int], bytes]:
        return self.numbers, self.hashes, msgspec.json.encode(self._keys)

    def __setstate__(self, state: tuple[array.array[int], array.array[int], bytes]) -> None:
        self.numbers, self.hashes, self._encoded = state
        self._keys = None


class _Lines:
    """Checks numbered lines, and remembers which documents each annotator has been seen on
    (SeenKeys: a few bytes a record, the only memory that grows with the input)."""

    def __init__(self, ctx: VersionedContext, file: str | None, keys_out: KeyHashes | None = None):
        self.ctx, self.file = ctx, file
        self.files: list[str | None] = []
        self.seen = SeenKeys()
        self.records = 0
        self.keys_out = keys_out  # a worker hands its keys to the parent instead of judging them

    def check(self, number: int, line: bytes) -> list[Finding]:
        """Findings of one line, by the reference checks."""
        if line.isspace() or not line:
            return [Finding("blank-line", "an empty line between records", self.file, number)]
        self.records += 1
        findings, key = reference_check_line(line, self.ctx)
        if findings:
            findings = [f.located(self.file, number, key[0] if key else None) for f in findings]
        duplicate = self.keyed(key, number) if key is not None else None
        if duplicate is not None:
            findings.append(duplicate)
        return findings

    def check_all(self, lines: Iterable[bytes]) -> Iterator[tuple[int, Finding]]:
        """(line number, finding) of numbered lines, as they are found. The hot loop of the
        validator: a record the fast path calls clean costs its decoding, one pass
        (validation/fast_path.py) and its key's entry in the table of keys seen (or, in a worker,
        in the keys handed to the parent); any other line gets `check`, which makes its findings."""
        fast = self._fast()
        hand_over = self.keys_out.add if self.keys_out is not None else None
        remember, base = self.seen.setdefault, self.place_base()
        for number, line in enumerate(lines, 1):
            record = clean_record(line, fast)
            if record is None:
                for finding in self.check(number, line):
                    yield number, finding
                fast = self._fast()  # a record of another version moves the run to its context
                continue
            self.records += 1
            key = (record.doc_id, record.annotator)
            if hand_over is not None:
                hand_over(number, key)
                continue
            place = base | number
            first = remember(hash(key), place)
            if first != place:
                yield number, self.duplicate(key, number, first)

    def _fast(self) -> FastPath:
        current = _current(self.ctx)
        assert isinstance(current, VersionedContext)  # the run's contexts are the siblings of self.ctx
        return current.fast

    def keyed(self, key: tuple[str, str], number: int) -> Finding | None:
        """A worker hands the record's key to the parent (None); one process judges it (note_key)."""
        if self.keys_out is not None:
            self.keys_out.add(number, key)
            return None
        return self.note_key(key, number)

    def note_key(self, key: tuple[str, str], number: int) -> Finding | None:
        """A duplicate-record finding when this annotator's record of this document was seen before."""
        place = self.place_base() | number
        first = self.seen.setdefault(hash(key), place)
        return None if first == place else self.duplicate(key, number, first)

    def place_base(self) -> int:
        """The current file's index, shifted to pack a line number beside it: a place is
        `place_base() | line`. Registers the file on first use."""
        if not self.files or self.files[-1] != self.file:
            self.files.append(self.file)
        return (len(self.files) - 1) << PLACE_LINE_BITS

    def duplicate(self, key: tuple[str, str], number: int, first: int) -> Finding:
        first_file, first_line = self.files[first >> PLACE_LINE_BITS], first & ((1 << PLACE_LINE_BITS) - 1)
        return Finding("duplicate-record", f"annotator {key[1]} already has a record of {key[0]} at "
                       f"{first_file or '<input>'}:{first_line}", self.file, number, key[0])


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Records hold no reference cycles; pausing the cycle collector during a run saves a fifth."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _as_bytes(line: bytes | str) -> bytes:
    return line.encode("utf-8") if isinstance(line, str) else line


def validate_lines(lines: Iterable[bytes | str], *, file: str | None = None, schema: Schema | None = None,
                   corpus: Mapping[str, CorpusDocument] | None = None,
                   schemas: SchemaFolder | None = None, migrate: bool = False) -> Iterator[Finding]:
    """Findings of JSONL lines (numbered from 1), as they are found.

    Each record is checked against the schema version it names, or against `schema` when given
    (see VersionedContext); `schemas` is the folder of schema files (default: schema/).
    """
    checker = _Lines(make_context(schema, corpus, schemas=schemas, migrate=migrate), file)
    for _, finding in checker.check_all(map(_as_bytes, lines)):
        yield finding


def validate_records(records: Iterable[Any], *, schema: Schema | None = None,
                     corpus: Mapping[str, CorpusDocument] | None = None,
                     schemas: SchemaFolder | None = None) -> list[Finding]:
    """Findings of records in memory (structs or plain dicts), checked exactly as their JSON would be."""
    encoder = msgspec.json.Encoder()
    return list(validate_lines((encoder.encode(r) for r in records), schema=schema, corpus=corpus,
                               schemas=schemas))


# ---------------------------------------------------------------------------------------------
# Files and folders


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[Finding]]:
    """The .jsonl files named or contained in `paths`, each once, and a finding for each path that
    cannot be used (input_files.expand_paths)."""
    return input_files.expand_paths(paths, in_folder=lambda file, folder: file.name.endswith(".jsonl"),
                                    empty_folder="no .jsonl files in this folder")


def _chunk_bounds(path: Path, size: int) -> list[tuple[int, int]]:
    """Byte ranges of about CHUNK_BYTES that start and end on line boundaries."""
    bounds, start = [], 0
    with open(path, "rb") as handle:
        while start < size:
            handle.seek(min(start + CHUNK_BYTES, size))
            handle.readline()
            end = min(handle.tell(), size) if start + CHUNK_BYTES < size else size
            bounds.append((start, end))
            start = end
    return bounds


_WORKER_CTX: VersionedContext | None = None


def _check_chunk(job: tuple[str, int, int]) -> tuple[int, int, list[tuple[int, Finding]], KeyHashes]:
    """In a worker: lines read, records, findings by local line, and key hashes by local line, of a byte range."""
    path, start, end = job
    assert _WORKER_CTX is not None
    keys = KeyHashes()
    checker = _Lines(_WORKER_CTX, None, keys_out=keys)
    lines = _LinesOfRange(path, start, end)
    with paused_gc():
        findings = list(checker.check_all(lines))
    return lines.count, checker.records, findings, keys


class _LinesOfRange:
    """The lines of a byte range of a file that starts and ends on line boundaries, read as one
    process reads a whole file (through a READ_BUFFER_BYTES buffer, split on b"\\n" only: a
    carriage return is JSON white space inside a line). Reading the range at once instead costs
    a fresh allocation of its size, whose pages fault in one by one. `count`: the lines given."""

    def __init__(self, path: str, start: int, end: int):
        self.path, self.start, self.end = path, start, end
        self.count = 0

    def __iter__(self) -> Iterator[bytes]:
        left = self.end - self.start
        with open(self.path, "rb", buffering=READ_BUFFER_BYTES) as handle:
            handle.seek(self.start)
            for line in handle:
                self.count += 1
                if len(line) >= left:
                    yield line[:left]
                    return
                left -= len(line)
                yield line


Progress = Callable[[int], None]  # told how many more bytes of the current file are checked
PROGRESS_STEP = 1 << 20  # bytes between two progress calls in one process


def _duplicates(checker: _Lines, keys: KeyHashes, offset: int) -> Iterator[tuple[int, Finding]]:
    """(local line, finding) of each record of a chunk whose key was seen before."""
    remember, base = checker.seen.setdefault, checker.place_base()
    for index, (number, key_hash) in enumerate(zip(keys.numbers, keys.hashes)):
        place = base | (offset + number)
        first = remember(key_hash, place)
        if first != place:
            yield number, checker.duplicate(keys.key(index), offset + number, first)


def _validate_file_parallel(path: Path, checker: _Lines, jobs: int, progress: Progress | None = None) -> Iterator[Finding]:
    global _WORKER_CTX
    _WORKER_CTX = checker.ctx  # inherited by the forked workers
    checker._fast()  # gathered once, here, rather than by each worker
    bounds = _chunk_bounds(path, path.stat().st_size)
    offset = 0
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for (start, end), (count, records, findings, keys) in zip(
                bounds, pool.imap(_check_chunk, [(str(path), s, e) for s, e in bounds])):
            if progress is not None:
                progress(end - start)
            merged = findings + list(_duplicates(checker, keys, offset))
            for number, finding in sorted(merged, key=lambda item: item[0]):
                yield finding.located(checker.file, offset + number)
            checker.records += records
            offset += count


def _reporting(lines: Iterable[bytes], progress: Progress) -> Iterator[bytes]:
    """The lines, telling `progress` the bytes read every PROGRESS_STEP."""
    done = 0
    for line in lines:
        yield line
        done += len(line)
        if done >= PROGRESS_STEP:
            progress(done)
            done = 0
    progress(done)


def _validate_file(path: Path, checker: _Lines, jobs: int, progress: Progress | None = None) -> Iterator[Finding]:
    try:
        size = path.stat().st_size
        if jobs > 1 and size > 2 * CHUNK_BYTES and "fork" in multiprocessing.get_all_start_methods():
            yield from _validate_file_parallel(path, checker, jobs, progress)
            return
        with open(path, "rb", buffering=READ_BUFFER_BYTES) as handle, paused_gc():
            lines = handle if progress is None else _reporting(handle, progress)
            for _, finding in checker.check_all(lines):
                yield finding
    except OSError as error:
        yield Finding("unreadable-file", f"cannot read: {error.strerror}", str(path))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def iter_findings(paths: Iterable[str | Path], report: Report, *, schema: Schema | None = None,
                  corpus: Mapping[str, CorpusDocument] | None = None, jobs: int | None = None,
                  schemas: SchemaFolder | None = None, migrate: bool = False,
                  progress: Progress | None = None) -> Iterator[Finding]:
    """Findings of every file under `paths` as they are found; `report` gets the counts.

    Each record is checked against the version it names, or against `schema` when given.
    `progress`, when given, is told the bytes checked as the run goes (for a progress bar).
    """
    files, problems = expand_paths(paths)
    yield from problems
    ctx = make_context(schema, corpus, schemas=schemas, migrate=migrate)
    checker = _Lines(ctx, None)
    for path in files:
        checker.file = str(path)
        report.files += 1
        yield from _validate_file(path, checker, jobs or default_jobs(), progress)
    report.records = checker.records


def iter_stream_findings(stream: BinaryIO, report: Report, *, name: str = "<stdin>", schema: Schema | None = None,
                         corpus: Mapping[str, CorpusDocument] | None = None, migrate: bool = False) -> Iterator[Finding]:
    """Findings of JSONL read from a binary stream (standard input), in one process."""
    checker = _Lines(make_context(schema, corpus, migrate=migrate), name)
    report.files += 1
    with paused_gc():
        for _, finding in checker.check_all(stream):
            yield finding
    report.records = checker.records


def validate_paths(paths: Iterable[str | Path], *, schema: Schema | None = None,
                   corpus: Mapping[str, CorpusDocument] | None = None, jobs: int | None = None,
                   schemas: SchemaFolder | None = None, migrate: bool = False) -> Report:
    """Validate files and folders of .jsonl records; the report holds every finding.

    Each record is checked against the version it names, or against `schema` when given (with
    `migrate`, records of older versions as they are after migrating them to it).
    """
    report = Report()
    report.findings.extend(iter_findings(paths, report, schema=schema, corpus=corpus, jobs=jobs,
                                         schemas=schemas, migrate=migrate))
    return report
