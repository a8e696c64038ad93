"""What changed between two releases: documents, spans and relations, per document and label.

A release is read from its documents.jsonl and manifest.json (a full release folder, or the
two files kept of a past release under annotations/releases/<version>/). When the schema version
changed, the older release's documents are first migrated in memory to the newer version
(schema/migrations/), so that a rename is not counted as a change; spans and relations are then
matched by id. A span is changed when its label, offsets or attributes differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crocus_claims.authoring import RELEASES_FOLDER
from crocus_claims.input_files import files_in
from crocus_claims.release.errors import ReleaseError, refuse_unreadable
from crocus_claims.schema import SEMVER, SchemaFolder, parse_version

DOCUMENTS = "documents.jsonl"
# A kept past release compresses its documents (gzip, no timestamp), so that `validate annotations/`
# does not take them for annotation records.
KEPT_DOCUMENTS = DOCUMENTS + ".gz"
MANIFEST = "manifest.json"
PAST_RELEASES = Path(RELEASES_FOLDER)  # inside annotations/: the documents and manifest of past releases


def documents_file(folder: Path) -> Path:
    """The documents of a release folder, or of a kept past release (compressed)."""
    plain = Path(folder) / DOCUMENTS
    return plain if plain.is_file() or not (Path(folder) / KEPT_DOCUMENTS).is_file() else Path(folder) / KEPT_DOCUMENTS


def documents_bytes(folder: Path) -> bytes:
    """The bytes of documents.jsonl as the release wrote them (decompressed if kept compressed)."""
    import gzip

    path = documents_file(folder)
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


@dataclass(frozen=True)
class ReleaseData:
    """What a diff needs of a release: its versions and its documents by doc_id."""

    release_version: str
    schema_version: str
    documents: dict[str, dict[str, Any]]
    source: str


def read_release_data(folder: Path) -> ReleaseData:
    """The documents and versions of a release folder; ReleaseError (unreadable-release) if unusable."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        documents = {}
        for line in documents_bytes(folder).decode("utf-8").split("\n"):  # not splitlines(): U+2028 is text
            if line.strip():
                document = json.loads(line)
                documents[document["doc_id"]] = document
        return ReleaseData(manifest["release_version"], manifest["schema_version"], documents, str(folder))
    except (OSError, ValueError, KeyError, TypeError, EOFError, RecursionError) as error:  # BadGzipFile: OSError
        raise ReleaseError("unreadable-release", f"{folder}: not a release with {MANIFEST} and {DOCUMENTS} "
                           f"({type(error).__name__}: {error})") from None


def past_releases(annotations_dir: Path) -> dict[str, Path]:
    """The releases kept under annotations/releases/<version>/, by version (none when the folder
    is missing). ReleaseError `unreadable-file` when it, or a release in it, cannot be read."""
    folder = Path(annotations_dir) / PAST_RELEASES
    entries, unreadable = files_in(folder, "*")
    refuse_unreadable(unreadable)
    try:
        return {p.name: p for p in entries
                if re.match(SEMVER, p.name) and p.is_dir() and (p / MANIFEST).is_file()}
    except OSError as error:  # a release folder that can be listed but not entered
        raise ReleaseError("unreadable-file", f"{error.filename}: cannot read: {error.strerror}") from None


def previous_release(annotations_dir: Path, release_version: str) -> Path | None:
    """The newest kept release older than `release_version`, or None (a first release)."""
    older = {v: p for v, p in past_releases(annotations_dir).items() if parse_version(v) < parse_version(release_version)}
    return older[max(older, key=parse_version)] if older else None


@dataclass
class Counts:
    added: int = 0
    removed: int = 0
    changed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class DocumentChanges:
    """Per document: spans by label and relations by type, added, removed and changed (by id)."""

    doc_id: str
    spans: dict[str, Counts] = field(default_factory=dict)
    relations: dict[str, Counts] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)  # every change, for --format json
    metadata_changed: list[str] = field(default_factory=list)
    text_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.items or self.metadata_changed or self.text_changed)


@dataclass
class ReleaseDiff:
    old: ReleaseData
    new: ReleaseData
    added: list[str]
    removed: list[str]
    documents: list[DocumentChanges]
    migrated_through: list[str]  # the migrations the older documents went through, or []
    migration_note: str | None = None  # why they could not be, when the versions differ

    def totals(self, section: str) -> dict[str, Counts]:
        total: dict[str, Counts] = {}
        for document in self.documents:
            for name, counts in getattr(document, section).items():
                into = total.setdefault(name, Counts())
                into.added += counts.added
                into.removed += counts.removed
                into.changed += counts.changed
        return dict(sorted(total.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"release_version": self.old.release_version, "schema_version": self.old.schema_version,
                    "source": self.old.source},
            "new": {"release_version": self.new.release_version, "schema_version": self.new.schema_version,
                    "source": self.new.source},
            "schema_version_changed": self.old.schema_version != self.new.schema_version,
            "migrated_through": self.migrated_through,
            "migration_note": self.migration_note,
            "documents_added": self.added,
            "documents_removed": self.removed,
            "spans": {k: v.to_dict() for k, v in self.totals("spans").items()},
            "relations": {k: v.to_dict() for k, v in self.totals("relations").items()},
            "per_document": [
                {"doc_id": d.doc_id, "spans": {k: v.to_dict() for k, v in sorted(d.spans.items())},
                 "relations": {k: v.to_dict() for k, v in sorted(d.relations.items())},
                 "metadata_changed": d.metadata_changed, "text_changed": d.text_changed, "changes": d.items}
                for d in self.documents if not d.empty
            ],
        }


def diff_releases(old: ReleaseData, new: ReleaseData, folder: SchemaFolder | None = None) -> ReleaseDiff:
    """The changes from `old` to `new`. `folder` holds the schema versions and migrations (default:
    the project's schema/); without a way from old to new, documents are compared as they are."""
    old_documents, migrated, note = _migrated(old, new.schema_version, folder)
    added = sorted(new.documents.keys() - old_documents.keys())
    removed = sorted(old_documents.keys() - new.documents.keys())
    documents = [_document_changes(old_documents[d], new.documents[d])
                 for d in sorted(old_documents.keys() & new.documents.keys())]
    return ReleaseDiff(old, new, added, removed, documents, migrated, note)


def _migrated(old: ReleaseData, version: str,
              folder: SchemaFolder | None) -> tuple[dict[str, dict[str, Any]], list[str], str | None]:
    if old.schema_version == version:
        return old.documents, [], None
    from crocus_claims.migration import MigrationError, migrate_record, migration_path

    try:
        chain = migration_path(old.schema_version, version, folder)
    except MigrationError as error:
        return old.documents, [], f"not migrated ({error.problems[0][2]}): renames count as changes"
    documents = {doc_id: migrate_record(document, chain)[0] for doc_id, document in old.documents.items()}
    return documents, [m.name for m in chain], None


def _by_id(items: Iterable[Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items if isinstance(item, dict) and "id" in item}


def _document_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> DocumentChanges:
    changes = DocumentChanges(new["doc_id"])
    changes.text_changed = old.get("text_sha256") != new.get("text_sha256")
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    changes.metadata_changed = sorted(k for k in old_meta.keys() | new_meta.keys() if old_meta.get(k) != new_meta.get(k))
    _compare(changes, "spans", _by_id(old.get("spans", [])), _by_id(new.get("spans", [])), "label",
             ("label", "start", "end", "attributes"))
    _compare(changes, "relations", _by_id(old.get("relations", [])), _by_id(new.get("relations", [])), "type",
             ("type", "head", "tail"))
    return changes


def _compare(changes: DocumentChanges, section: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]],
             group: str, fields: Sequence[str]) -> None:
    counts = getattr(changes, section)
    for item_id in sorted(old.keys() | new.keys()):
        before, after = old.get(item_id), new.get(item_id)
        if before is not None and after is not None:
            differing = [f for f in fields if before.get(f) != after.get(f)]
            if not differing:
                continue
            kind, name = "changed", after[group]
            detail: dict[str, Any] = {f: {"old": before.get(f), "new": after.get(f)} for f in differing}
            if "attributes" in differing:
                a, b = before.get("attributes") or {}, after.get("attributes") or {}
                detail["attributes"] = {k: {"old": a.get(k), "new": b.get(k)} for k in sorted(a.keys() | b.keys())
                                        if a.get(k) != b.get(k)}
        else:
            kind = "added" if before is None else "removed"
            item = after if after is not None else before
            assert item is not None  # an item is on at least one side
            name, detail = item[group], {}
        into = counts.setdefault(name, Counts())
        setattr(into, kind, getattr(into, kind) + 1)
        text = (after or before or {}).get("text")
        changes.items.append({"section": section, "id": item_id, group: name, "kind": kind,
                              **({"text": text} if text is not None else {}), **({"fields": detail} if detail else {})})


# ---------------------------------------------------------------------------------------------
# Rendering


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(diff: ReleaseDiff, heading: str = "##") -> str:
    """The summary a person reads (and the datasheet quotes): versions, documents, then tables
    of spans per label and relations per type, and a row per document and label that changed."""
    old, new = diff.old, diff.new
    lines = [f"{heading} Changes since release {old.release_version}", ""]
    if old.schema_version != new.schema_version:
        through = (f", the older documents migrated through {', '.join(diff.migrated_through)} before comparing"
                   if diff.migrated_through else f" ({diff.migration_note})")
        lines.append(f"Schema version {old.schema_version} -> {new.schema_version}{through}.")
    else:
        lines.append(f"Schema version unchanged ({new.schema_version}).")
    lines.append(f"Documents added: {', '.join(diff.added) or 'none'}; removed: {', '.join(diff.removed) or 'none'}.")
    for section, group in (("spans", "label"), ("relations", "type")):
        totals = diff.totals(section)
        lines += ["", f"{section.capitalize()} per {group} (added / removed / changed):", ""]
        lines.append(_table([group, "added", "removed", "changed"],
                            ((name, c.added, c.removed, c.changed) for name, c in totals.items())) if totals
                     else f"No {section} changed.")
    rows = [(d.doc_id, section, name, c.added, c.removed, c.changed)
            for d in diff.documents for section in ("spans", "relations")
            for name, c in sorted(getattr(d, section).items())]
    if rows:
        lines += ["", "Per document:", "", _table(["doc_id", "of", "label or type", "added", "removed", "changed"], rows)]
    other = [f"{d.doc_id}: " + ", ".join((["text"] if d.text_changed else []) + [f"metadata {k}" for k in d.metadata_changed])
             for d in diff.documents if d.text_changed or d.metadata_changed]
    if other:
        lines += ["", "Also changed: " + "; ".join(other) + "."]
    return "\n".join(lines) + "\n"
