"""What a release is built from, gathered and checked before a byte of it is written.

The inputs are the latest schema and its committed JSON Schema, the corpus, the gold records
(annotations/gold/*.jsonl), the optional agreement report, and annotations/RELEASE.yaml, the one
place the release version is set. A build refuses anything the validator does not accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crocus_claims import resources
from crocus_claims.agreement import AgreementReport
from crocus_claims.authoring import ADJUDICATION_FOLDER, AGREEMENT_FOLDER
from crocus_claims.corpus import DOCUMENTS_FILE as CORPUS_FILE
from crocus_claims.corpus import CorpusDocument, read_corpus
from crocus_claims.input_files import files_in, files_under
from crocus_claims.record_schema import json_schema_path
from crocus_claims.records import read_records
from crocus_claims.release.diff import MANIFEST as DIFF_MANIFEST
from crocus_claims.release.diff import PAST_RELEASES, documents_file, previous_release
from crocus_claims.release.errors import ReleaseError, refuse_unreadable
from crocus_claims.release.manifest import sha256_file
from crocus_claims.schema import SEMVER, Schema, load_schema, schema_path
from crocus_claims.validation import validate_paths

VERSION_FILE = "RELEASE.yaml"
GOLD_DIR = "gold"
AGREEMENT_REPORT = Path(AGREEMENT_FOLDER) / "report.json"
# How the agreement was measured, and its caveats, in the measurers' words: quoted by the datasheet.
AGREEMENT_METHOD = Path(AGREEMENT_FOLDER) / "method.md"
# Adjudication decision files and the agreement reports before each (crocus-claims adjudicate):
# shipped in the release under agreement/adjudication/, as they are.
ADJUDICATION_DIR = ADJUDICATION_FOLDER
MAX_LISTED_FINDINGS = 20


class ReleaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    release: str = Field(pattern=SEMVER)


@dataclass(frozen=True)
class ReleaseInputs:
    """Everything a build reads; `files` maps a stable name of each input file to its path."""

    release_version: str
    schema: Schema
    corpus: Mapping[str, CorpusDocument]
    records: tuple[Any, ...]
    agreement: AgreementReport | None
    agreement_method: str | None
    files: Mapping[str, Path]
    previous_release: Path | None = None  # annotations/releases/<version>/ of the release before this one
    agreement_material: Mapping[str, Path] = field(default_factory=dict)  # release path -> file

    def input_hashes(self) -> dict[str, str]:
        return {name: sha256_file(path) for name, path in sorted(self.files.items())}


def read_release_version(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ReleaseConfig.model_validate(data).release
    except OSError as error:
        why = error.strerror or error
        raise ReleaseError("invalid-release-config", f"{path}: cannot read: {why}") from None
    except UnicodeDecodeError as error:
        raise ReleaseError("invalid-release-config", f"{path}: not UTF-8 (byte {error.start})") from None
    except (yaml.YAMLError, ValidationError, RecursionError, ValueError) as error:
        raise ReleaseError("invalid-release-config", f"{path}: needs `release: X.Y.Z` ({error})") from None


def gold_files(annotations_dir: Path) -> tuple[Path, ...]:
    """The gold record files (annotations/gold/*.jsonl), sorted. ReleaseError: `unreadable-file`
    when the folder cannot be listed, `no-gold-annotations` when it holds none."""
    found, unreadable = files_in(annotations_dir / GOLD_DIR, "*.jsonl")
    refuse_unreadable(unreadable)
    files = tuple(found)
    if not files:
        raise ReleaseError(
            "no-gold-annotations",
            f"{annotations_dir / GOLD_DIR}: no *.jsonl gold records; a release is built from gold only",
        )
    return files


def check_valid(paths: tuple[Path, ...], schema: Schema, corpus: Mapping[str, CorpusDocument]) -> None:
    """Refuse unless the validator finds no error in the gold records (warnings pass)."""
    report = validate_paths(list(paths), schema=schema, corpus=corpus)
    if report.errors:
        listed = [f"  {f.where()}: {f.code}: {f.message}" for f in report.errors[:MAX_LISTED_FINDINGS]]
        more = len(report.errors) - len(listed)
        listed += [f"  ... and {more} more (run `crocus-claims validate`)"] if more else []
        raise ReleaseError(
            "invalid-annotations",
            f"{len(report.errors)} validation error(s) in the gold records:\n" + "\n".join(listed),
        )


def read_gold(paths: tuple[Path, ...], schema: Schema) -> tuple[Any, ...]:
    """The gold records, one per document: a second record for a document is refused."""
    records: list[Any] = []
    seen: dict[str, str] = {}
    for path in paths:
        for line, record in enumerate(read_records(path, schema), start=1):
            if record.doc_id in seen:
                raise ReleaseError(
                    "duplicate-gold-record",
                    f"{path}:{line}: doc {record.doc_id} already has a gold record at {seen[record.doc_id]}",
                )
            seen[record.doc_id] = f"{path}:{line}"
            records.append(record)
    return tuple(records)


def source_files(
    corpus_dir: Path, corpus: Mapping[str, CorpusDocument], records: tuple[Any, ...]
) -> dict[str, Path]:
    """The articles as received, for the provenance of every released corpus document."""
    files = {}
    for record in records:
        document = corpus.get(record.doc_id)
        if document is None:
            continue
        path = corpus_dir / "sources" / document.source_file
        if not path.is_file():
            raise ReleaseError("missing-source-file", f"{path}: source of doc {record.doc_id} not found")
        files[f"corpus/sources/{document.source_file}"] = path
    return files


def read_agreement(path: Path) -> AgreementReport | None:
    """The report of `crocus-claims agreement --format json`, or None when none was written."""
    if not path.is_file():
        return None
    try:
        return AgreementReport.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as error:
        raise ReleaseError("invalid-agreement-report", f"{path}: not an agreement report "
                           f"({' '.join(str(error).split())[:300]})") from None


def adjudication_files(annotations_dir: Path) -> dict[str, Path]:
    """Every decisions file and report under annotations/agreement/adjudication/, by release path."""
    folder = annotations_dir / ADJUDICATION_DIR
    if not folder.is_dir():
        return {}
    def shipped(path: Path) -> bool:
        return path.suffix in (".yaml", ".json") and not path.name.startswith(".")

    found, unreadable = files_under(folder)
    refuse_unreadable([entry for entry in unreadable if not entry.broken_link or shipped(entry.path)])
    material = {f"{ADJUDICATION_DIR.as_posix()}/{path.relative_to(folder).as_posix()}": path
                for path in found if shipped(path)}
    for path in material.values():
        check_adjudication_file(path)
    return material


def check_adjudication_file(path: Path) -> None:
    """A file the release ships as adjudication material is what `adjudicate` writes: a decisions
    file it reads back (.yaml), or an agreement report (.json). ReleaseError otherwise:
    `invalid-decisions-file` (each problem with its line), `invalid-agreement-report`."""
    from crocus_claims.adjudication import read_decisions

    if path.suffix == ".json":
        read_agreement(path)
        return
    problems = read_decisions(path, str(path)).problems
    if problems:
        raise ReleaseError("invalid-decisions-file", "; ".join(str(problem) for problem in problems))


def gather_inputs(
    annotations_dir: Path | None = None,
    corpus_dir: Path | None = None,
    schema: Schema | None = None,
) -> ReleaseInputs:
    annotations_dir = Path(annotations_dir or resources.annotations_dir())
    corpus_dir = Path(corpus_dir or resources.corpus_dir())
    schema = schema or load_schema()
    version_file = annotations_dir / VERSION_FILE
    release_version = read_release_version(version_file)
    json_schema_file = json_schema_path(schema.version)
    if not json_schema_file.is_file():
        raise ReleaseError(
            "missing-json-schema",
            f"{json_schema_file}: not found; run `crocus-claims schema jsonschema --write`",
        )
    corpus = read_corpus(corpus_dir / CORPUS_FILE)
    gold = gold_files(annotations_dir)
    check_valid(gold, schema, corpus)
    records = read_gold(gold, schema)
    agreement_file = annotations_dir / AGREEMENT_REPORT
    agreement = read_agreement(agreement_file)
    files = {
        f"annotations/{VERSION_FILE}": version_file,
        f"schema/{schema_path(schema.version).name}": schema_path(schema.version),
        f"schema/{json_schema_file.name}": json_schema_file,
        f"corpus/{CORPUS_FILE}": corpus_dir / CORPUS_FILE,
        **{f"annotations/{GOLD_DIR}/{path.name}": path for path in gold},
    }
    if agreement is not None:
        files[f"annotations/{AGREEMENT_REPORT.as_posix()}"] = agreement_file
    method_file = annotations_dir / AGREEMENT_METHOD
    method = method_file.read_text(encoding="utf-8").strip() if method_file.is_file() else None
    if method is not None:
        files[f"annotations/{AGREEMENT_METHOD.as_posix()}"] = method_file
    files.update(source_files(corpus_dir, corpus, records))
    previous = previous_release(annotations_dir, release_version)
    if previous is not None:
        for path in (previous / DIFF_MANIFEST, documents_file(previous)):
            files[f"annotations/{PAST_RELEASES.as_posix()}/{previous.name}/{path.name}"] = path
    material = adjudication_files(annotations_dir)
    files.update({f"annotations/{name}": path for name, path in material.items()})
    return ReleaseInputs(release_version, schema, corpus, records, agreement, method, files, previous, material)
