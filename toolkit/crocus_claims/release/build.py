"""`release build`: from validated gold records to dist/crocus-claims-<release version>/.

Everything is computed in memory first and written into a staging folder that replaces the
previous release only when complete (atomic_directory), so an interrupted or refused build leaves
the previous release intact. The same inputs give the same bytes: no clock is read (only
SOURCE_DATE_EPOCH), and every list and key is sorted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from crocus_claims import __version__, resources
from crocus_claims.atomic import atomic_directory
from crocus_claims.board_extra import MissingBoardExtra, require_board_extra
from crocus_claims.record_schema import json_schema_path, strict_integer_validator
from crocus_claims.records import to_builtins
from crocus_claims.release.counts import release_counts
from crocus_claims.release.croissant import croissant_metadata, require_mlcroissant
from crocus_claims.release.datasheet import render_datasheet
from crocus_claims.release.documents import DOCUMENTS_FILE, encode_jsonl, json_schema_problems, release_records
from crocus_claims.release.errors import ReleaseError
from crocus_claims.release.facts import DATASET_NAME, ReleaseFacts, build_time, document_facts
from crocus_claims.release.inputs import ReleaseInputs, gather_inputs
from crocus_claims.release.manifest import MANIFEST_FILE, build_manifest, render_json, sha256_file
from crocus_claims.migration.model import MIGRATIONS_FOLDER, migrations_dir
from crocus_claims.release.diff import ReleaseData, diff_releases, read_release_data
from crocus_claims.schema import Schema, default_folder, schema_path
from crocus_claims.tables import write_tables

DATASHEET_FILE = "README.md"
CROISSANT_FILE = "croissant.json"
SCHEMA_FOLDER = "schema"
FOLDER_MODE = 0o755  # a staging folder is created private (0700)


def default_output_root() -> Path:
    """The project's dist/ (resources.project_dir: NotInProjectError outside a project)."""
    return resources.project_dir() / "dist"


def schema_history(inputs: ReleaseInputs) -> tuple[tuple[str, ...], tuple[str, ...], ReleaseData | None]:
    """The schema versions the records passed through since the previous release (oldest first),
    the migrations between them, and the previous release itself (None for a first release).

    A release carries them all, so that records made under the previous release's schema can be
    read and migrated with what the release holds. Raises ReleaseError (missing-migration) when
    no chain of migrations leads from the previous release's version to this one.
    """
    from crocus_claims.migration import MigrationError, migration_path

    current = inputs.schema.version
    if inputs.previous_release is None:
        return (current,), (), None
    previous = read_release_data(inputs.previous_release)
    try:
        chain = migration_path(previous.schema_version, current)
    except MigrationError as error:
        raise ReleaseError("missing-migration", f"release {previous.release_version} is at schema "
                           f"{previous.schema_version}, and there is no way to {current}: {error}") from None
    versions = (previous.schema_version, *(m.to for m in chain)) if chain else (current,)
    return versions, tuple(m.name for m in chain), previous


def release_facts(inputs: ReleaseInputs, documents: list[dict[str, Any]]) -> ReleaseFacts:
    hashes = inputs.input_hashes()
    released = {document["doc_id"] for document in documents}
    versions, migrations, previous = schema_history(inputs)
    changes = None
    if previous is not None:
        this = ReleaseData(inputs.release_version, inputs.schema.version,
                           {document["doc_id"]: document for document in documents}, "this release")
        changes = diff_releases(previous, this)
    return ReleaseFacts(
        release_version=inputs.release_version,
        schema=inputs.schema,
        toolkit_version=__version__,
        created=build_time(),
        counts=release_counts(inputs.schema, documents),
        documents=tuple(document_facts(document, hashes) for document in documents),
        inputs=hashes,
        agreement=inputs.agreement,
        agreement_method=inputs.agreement_method,
        not_released=tuple(sorted(set(inputs.corpus) - released)),
        schema_versions=versions,
        migrations=migrations,
        changes=changes,
        agreement_material=inputs.agreement_material,
    )


def manifest_header(facts: ReleaseFacts) -> dict[str, Any]:
    return {
        "name": DATASET_NAME,
        "release_version": facts.release_version,
        "schema_version": facts.schema.version,
        "toolkit_version": facts.toolkit_version,
        "created": facts.created.isoformat() if facts.created else None,
        "inputs": facts.inputs,
        "corpus_documents_not_released": list(facts.not_released),
        "counts": facts.counts,
        "schema_versions": list(facts.schema_versions),
        "migrations": [f"{SCHEMA_FOLDER}/{MIGRATIONS_FOLDER}/{name}.yaml" for name in facts.migrations],
        "previous_release": None if facts.changes is None else {
            "release_version": facts.changes.old.release_version,
            "schema_version": facts.changes.old.schema_version,
            "documents_added": facts.changes.added,
            "documents_removed": facts.changes.removed,
        },
    }


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_release(folder: Path, facts: ReleaseFacts, documents_jsonl: bytes, schema: Schema) -> None:
    """Fill an empty folder with a complete release."""
    write_bytes(folder / DOCUMENTS_FILE, documents_jsonl)
    complete_release(folder, facts, schema)


def complete_release(folder: Path, facts: ReleaseFacts, schema: Schema) -> None:
    """Write, beside the documents.jsonl already in `folder`, the Parquet tables, the schema, the
    datasheet, the Croissant metadata and, last since it lists the rest, the manifest."""
    tables = write_tables(folder, schema, folder / DOCUMENTS_FILE)
    for version in facts.schema_versions or (schema.version,):
        for source in (schema_path(version), json_schema_path(version)):
            write_bytes(folder / SCHEMA_FOLDER / source.name, source.read_bytes())
    for name in facts.migrations:
        source = migrations_dir(default_folder()) / f"{name}.yaml"
        write_bytes(folder / SCHEMA_FOLDER / MIGRATIONS_FOLDER / source.name, source.read_bytes())
    for name, source in facts.agreement_material.items():
        write_bytes(folder / name, source.read_bytes())
    write_bytes(folder / DATASHEET_FILE, render_datasheet(facts).encode("utf-8"))
    checksums = {name: sha256_file(folder / name) for name in (DOCUMENTS_FILE, *(t["file"] for t in tables.values()))}
    croissant = croissant_metadata(facts, checksums, tables)
    write_bytes(folder / CROISSANT_FILE, render_json(croissant))
    header = {**manifest_header(facts), "tables": tables}
    write_board(folder, header, schema)
    write_bytes(folder / MANIFEST_FILE, render_json(build_manifest(folder, header)))


def require_release_extras() -> None:
    """What a release needs besides the core: mlcroissant (the `croissant` extra) and the `board`
    extra; ReleaseError `missing-extra` naming the first one missing, before anything is written."""
    require_mlcroissant()
    require_board()


def require_board() -> None:
    try:
        require_board_extra()
    except MissingBoardExtra as error:
        raise ReleaseError(error.code, f"a release includes its board, which {error}") from None


def write_board(folder: Path, header: dict[str, Any], schema: Schema) -> None:
    """board/: the claims board of the release (the `board` extra), listed in the manifest like the rest."""
    require_board()
    from crocus_claims.board.build import write_release_board

    write_release_board(folder, header, schema)


def build_release(
    output_root: Path | None = None,
    *,
    annotations_dir: Path | None = None,
    corpus_dir: Path | None = None,
    schema: Schema | None = None,
) -> Path:
    """Build the release of the current inputs; returns its folder. Raises ReleaseError, writing nothing."""
    require_release_extras()
    inputs = gather_inputs(annotations_dir, corpus_dir, schema)
    records = release_records(inputs.records, inputs.corpus)
    documents = [to_builtins(record) for record in records]
    json_schema = json.loads(json_schema_path(inputs.schema.version).read_text(encoding="utf-8"))
    validator = strict_integer_validator(json_schema)
    problems = [f"{where} {message}" for where, message in json_schema_problems(validator, documents)]
    if problems:
        raise ReleaseError("invalid-release-record", "records do not match the JSON Schema:\n  " + "\n  ".join(problems))
    facts = release_facts(inputs, documents)
    target = Path(output_root or default_output_root()) / facts.folder_name
    with atomic_directory(target) as staging:
        staging.chmod(FOLDER_MODE)
        write_release(staging, facts, encode_jsonl(records), inputs.schema)
    return target


def bundle_release(release_dir: Path, bundled_dir: Path | None = None) -> Path:
    """Copy a built release to the project's dist/release/, where `crocus_claims.load()` finds it
    in a checkout and the wheel's build hook picks it up."""
    bundled_dir = Path(bundled_dir or default_output_root() / "release")
    with atomic_directory(bundled_dir) as staging:
        staging.chmod(FOLDER_MODE)
        shutil.copytree(release_dir, staging, dirs_exist_ok=True)
    return bundled_dir

