"""Migrating files: JSONL records and authored YAML, with decisions read from a file.

Plans first, writes after: every file is migrated in memory and checked (a JSONL record is
validated under the new version, an authored file is built as `annotations build` would), and
nothing is written unless every file is clean, no question is open and no loss is unaccepted.
Each file is then written atomically; a file whose records are already at the target version is
left untouched, so a second run changes nothing. Authored YAML goes through a round-trip YAML
library, so comments, key order and quoting stay as the annotator wrote them.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import yaml

from crocus_claims.corpus import CorpusDocument
from crocus_claims.input_files import expand_paths
from crocus_claims.migration.apply import Decision, Decisions, Impact, migrate_record, relation_key
from crocus_claims.migration.model import Migration, MigrationError, MissingMigration, migration_path
from crocus_claims.schema import SchemaFolder, default_folder
from crocus_claims.validation.findings import Finding
from crocus_claims.yaml_source import compose_and_load, line_of

DECISION_FIELDS = {"decision", "by", "why", "question", "annotator"}


# ---------------------------------------------------------------------------------------------
# Decisions


def read_decisions(path: Path) -> tuple[Decisions, list[Finding]]:
    """The decisions of a file keyed by doc_id, then span id (schema/migrations/README.md), and a
    finding (invalid-decision, unreadable-file) for each entry that cannot be used."""
    display = str(path)
    try:
        source = Path(path).read_text(encoding="utf-8")
        root, data = compose_and_load(source)
    except (OSError, UnicodeDecodeError) as error:
        return Decisions(), [Finding("unreadable-file", f"cannot read: {error}", display)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return Decisions(), [Finding("invalid-decision", f"not YAML: {getattr(error, 'problem', error)}", display,
                                     mark.line + 1 if mark else None)]
    if data is None:
        return Decisions(), []
    if not isinstance(data, dict):
        return Decisions(), [Finding("invalid-decision", "a decisions file maps doc_id -> span id -> decision",
                                     display, 1)]
    decisions, problems = [], []
    for doc_id, spans in data.items():
        if not isinstance(spans, dict):
            problems.append(Finding("invalid-decision", "a document maps span ids to decisions", display,
                                    line_of(root, (doc_id,)), str(doc_id)))
            continue
        for span_id, entry in spans.items():
            where = (display, line_of(root, (doc_id, span_id)), str(doc_id), str(span_id))
            problem = _entry_problem(entry)
            if problem:
                problems.append(Finding("invalid-decision", problem, *where))
                continue
            decisions.append(Decision(str(doc_id), str(span_id), entry["decision"], by=entry["by"], why=entry["why"],
                                      question=entry.get("question"), annotator=entry.get("annotator")))
    return Decisions(decisions), problems


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "a decision is a mapping with decision, by and why"
    unknown = sorted(set(entry) - DECISION_FIELDS)
    if unknown:
        return f"unknown field(s) {', '.join(map(str, unknown))} (allowed: {', '.join(sorted(DECISION_FIELDS))})"
    missing = [name for name in ("decision", "by", "why") if name not in entry]
    if missing:
        return f"missing {', '.join(missing)}: every decision says what, who and why"
    for name in ("by", "why", "question", "annotator"):
        if name in entry and not (isinstance(entry[name], str) and entry[name].strip()):
            return f"{name} must be a non-empty string"
    return None


def unused_decision_findings(decisions: Decisions, source: str | None) -> list[Finding]:
    return [Finding("unused-decision", f"no span awaiting a decision matches this entry (decision "
                    f"{d.answer!r} by {d.by})", source, None, d.doc_id, d.span_id) for d in decisions.unused()]


# ---------------------------------------------------------------------------------------------
# Plans


@dataclass
class FilePlan:
    """What migrating one file gives: its new bytes (None if unchanged or refused), and why."""

    path: Path
    kind: str  # "jsonl" or "authored"
    records: int = 0
    migrated: int = 0
    new_bytes: bytes | None = None
    impacts: list[tuple[int | None, Impact]] = field(default_factory=list)  # (line, impact)
    findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.new_bytes is not None


@dataclass
class Plan:
    """A whole migration run: one FilePlan per file, plus findings about the inputs."""

    target: str
    files: list[FilePlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def all_findings(self) -> list[Finding]:
        found = list(self.findings)
        for plan in self.files:
            found += plan.findings
            found += [impact.finding(str(plan.path), line) for line, impact in plan.impacts if impact.blocking]
        return found

    def blocking(self, allow_loss: bool) -> list[Finding]:
        """The findings that stop a write: every error, except accepted losses."""
        return [f for f in self.all_findings()
                if f.severity == "error" and not (allow_loss and f.code == "migration-loses-data")]

    def impacts(self) -> Iterable[tuple[FilePlan, int | None, Impact]]:
        for plan in self.files:
            for line, impact in plan.impacts:
                yield plan, line, impact


class _Chains:
    """The migrations from each record's version to the target, loaded once per version."""

    def __init__(self, target: str, folder: SchemaFolder):
        self.target, self.folder = target, folder
        self.loaded: dict[str, list[Migration] | MigrationError] = {}

    def get(self, version: Any) -> list[Migration]:
        """Raises MigrationError when there is no way from `version` to the target."""
        if not isinstance(version, str):
            raise MissingMigration(self.folder.path, [(None, "schema_version", f"not a version: {version!r}")])
        if version not in self.loaded:
            try:
                self.loaded[version] = migration_path(version, self.target, self.folder)
            except MigrationError as error:
                self.loaded[version] = error
        chain = self.loaded[version]
        if isinstance(chain, MigrationError):
            raise chain
        return chain


def _chain_finding(error: MigrationError, file: str, line: int | None, doc_id: Any) -> Finding:
    """missing-migration (no way to the target) or invalid-migration (a migration file is broken)."""
    return Finding(error.code, str(error), file, line, doc_id if isinstance(doc_id, str) else None)


def plan_jsonl(path: Path, chains: _Chains, decisions: Decisions | None,
               corpus: Mapping[str, CorpusDocument] | None) -> FilePlan:
    """Migrate every record of a JSONL file in memory; the new file is checked under the target."""
    from crocus_claims.records import record_types
    from crocus_claims.validation import validate_lines, validate_paths

    plan = FilePlan(path, "jsonl")
    report = validate_paths([path], corpus=corpus, schemas=chains.folder)  # each record under its own version
    if report.errors:
        plan.findings += report.errors
        return plan
    target_schema = chains.folder.load(chains.target)
    types = record_types(target_schema)
    lines, changed = [], False
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                lines.append(line)
                continue
            plan.records += 1
            record = msgspec.json.decode(line)
            try:
                chain = chains.get(record.get("schema_version"))
            except MigrationError as error:
                plan.findings.append(_chain_finding(error, str(path), number, record.get("doc_id")))
                continue
            migrated, impacts = migrate_record(record, chain, decisions)
            plan.impacts += [(number, impact) for impact in impacts]
            if migrated == record and record.get("schema_version") == chains.target:
                lines.append(line)
                continue
            plan.migrated += 1
            changed = True
            try:
                lines.append(types.encode(types.convert(migrated)) + b"\n")
            except (msgspec.ValidationError, TypeError):  # blocked records: the validator says why below
                lines.append(json.dumps(migrated, ensure_ascii=False).encode() + b"\n")
    if not changed or plan.findings:
        return plan
    if not any(impact.blocking for _, impact in plan.impacts):
        new_findings = list(validate_lines(lines, file=str(path), schema=target_schema, corpus=corpus,
                                           schemas=chains.folder))
        plan.findings += [f for f in new_findings if f.severity == "error"]
    plan.new_bytes = b"".join(lines)
    return plan


def round_trip_yaml() -> Any:
    """The YAML reader and writer of authored files: comments, order and quoting are kept."""
    from ruamel.yaml import YAML

    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 100_000  # never fold a long line an annotator wrote on one line
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null"))
    return handler


def plan_authored(path: Path, chains: _Chains, decisions: Decisions | None,
                  corpus: Mapping[str, CorpusDocument]) -> FilePlan:
    """Migrate one authored file in memory; the new text must build as `annotations build` would."""
    from ruamel.yaml.error import YAMLError

    from crocus_claims import authoring

    plan = FilePlan(path, "authored", records=1)
    handler = round_trip_yaml()
    try:
        source = path.read_text(encoding="utf-8")
        document = handler.load(source)
    except (OSError, UnicodeDecodeError) as error:
        plan.findings.append(Finding("unreadable-file", f"cannot read: {error}", str(path)))
        return plan
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        plan.findings.append(Finding("yaml-syntax-error", str(getattr(error, "problem", error)), str(path),
                                     mark.line + 1 if mark else None))
        return plan
    _, problems = authoring.parse_authored(source, path)
    if problems:
        plan.findings += problems
        return plan
    try:
        chain = chains.get(document.get("schema_version"))
    except MigrationError as error:
        plan.findings.append(_chain_finding(error, str(path), _line(document, "schema_version"),
                                            document.get("doc_id")))
        return plan
    migrated, impacts = migrate_record(document, chain, decisions)
    plan.impacts += [(_impact_line(document, impact), impact) for impact in impacts]
    if document.get("schema_version") == chains.target:
        return plan
    plan.migrated = 1
    out = io.StringIO()
    handler.dump(migrated, out)
    text = out.getvalue()
    if not any(impact.blocking for _, impact in plan.impacts):
        authored, problems = authoring.parse_authored(text, path)
        if authored is not None:
            _, problems = authoring.build_authored(authored, corpus)
        plan.findings += problems
    plan.new_bytes = text.encode("utf-8")
    return plan


def _line(node: Any, key: Any) -> int | None:
    """The 1-based line of `key` in a round-trip YAML mapping (or of an item in a sequence)."""
    try:
        return node.lc.key(key)[0] + 1 if isinstance(key, str) else node.lc.item(key)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _impact_line(document: Any, impact: Impact) -> int | None:
    """Where in the original authored file the impact's span or relation is written."""
    for section, wanted in (("spans", impact.span_id), ("relations", impact.relation_id)):
        items = document.get(section) or []
        if wanted is None:
            continue
        for index, item in enumerate(items):
            if section == "spans" and item.get("id") == wanted:
                return _line(items, index)
            if section == "relations" and relation_key(item) == wanted:
                return _line(items, index)
    return _line(document, "schema_version")


def plan_migration(paths: Sequence[Path], target: str, *, folder: SchemaFolder | None = None,
                   decisions: Decisions | None = None, decisions_source: str | None = None,
                   corpus: Mapping[str, CorpusDocument] | None = None) -> Plan:
    """Migrate the .jsonl and authored .yaml files under `paths` to `target`, in memory only."""
    from crocus_claims.corpus import load_corpus

    folder = folder or default_folder()
    corpus = load_corpus() if corpus is None else corpus
    plan = Plan(target)
    chains = _Chains(target, folder)
    files, plan.findings = expand(paths)
    for path in files:
        if path.suffix == ".jsonl":
            plan.files.append(plan_jsonl(path, chains, decisions, corpus))
        else:
            plan.files.append(plan_authored(path, chains, decisions, corpus))
    if decisions is not None:
        plan.findings += unused_decision_findings(decisions, decisions_source)
    return plan


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Finding]]:
    """The files named, and in folders (recursively) the .jsonl records and the .yaml files under an
    `authored` folder (so `annotations/` leaves RELEASE.yaml and decisions files alone), in order,
    each once (input_files.expand_paths)."""
    from crocus_claims.authoring import AUTHORED_FOLDER

    def wanted(file: Path, folder: Path) -> bool:
        parts = file.relative_to(folder).parts[:-1] + Path(os.path.realpath(folder)).parts
        return file.suffix == ".jsonl" or (file.suffix == ".yaml" and AUTHORED_FOLDER in parts)

    def refused(file: Path) -> str | None:
        if file.suffix in (".jsonl", ".yaml", ".yml"):
            return None
        return "not a .jsonl record file or an authored .yaml file"

    return expand_paths(paths, in_folder=wanted, empty_folder="no .jsonl or .yaml files in this folder",
                        named=refused)


def write_plan(plan: Plan) -> list[Path]:
    """Write every changed file, all or none (atomic.write_files); the paths written. Call only
    when nothing blocks.

    Raises authoring.WriteError (code unwritable-file) naming the file that could not be
    written; no file has changed then.
    """
    from crocus_claims.authoring import write_outputs

    changed = {plan_of_file.path: plan_of_file.new_bytes for plan_of_file in plan.files
               if plan_of_file.new_bytes is not None}
    write_outputs(changed)
    return list(changed)


# ---------------------------------------------------------------------------------------------
# The impact report


def report_json(plan: Plan, *, written: Sequence[Path], allow_loss: bool) -> dict[str, Any]:
    """The impact report for machines, in the shape of every checking command's JSON document
    (validation.report.findings_document): {"valid", "summary", "findings"}. "valid" is true when
    the command exits 0. The summary adds to the counts the target version, whether the write was
    refused, the files written, per-file counts ("per_file") and every change, open question and
    loss ("changes", each with its file and line)."""
    from crocus_claims.validation.report import counts

    changes = [{"file": str(file_plan.path), "line": line, **impact.to_dict()}
               for file_plan, line, impact in plan.impacts()]
    kinds: dict[str, int] = {}
    for change in changes:
        kinds[change["kind"]] = kinds.get(change["kind"], 0) + 1
    findings = plan.all_findings()
    refused = bool(plan.blocking(allow_loss))
    unreadable = any(f.code == "unreadable-file" for f in findings)
    summary = {
        "target": plan.target, "refused": refused, "written": [str(p) for p in written],
        "files": len(plan.files), "records": sum(f.records for f in plan.files),
        "migrated": sum(f.migrated for f in plan.files), "impacts": dict(sorted(kinds.items())),
        **counts(findings),
        "per_file": [{"path": str(f.path), "kind": f.kind, "records": f.records, "migrated": f.migrated,
                      "changed": f.changed} for f in plan.files],
        "changes": changes,
    }
    return {"valid": not refused and not unreadable, "summary": summary,
            "findings": [finding.to_dict() for finding in findings]}


def impact_line(file_plan: FilePlan, line: int | None, impact: Impact) -> str:
    """`annotations/gold/a.jsonl:3 doc D span s1: changed rename_value: warning_type threat renamed ...`"""
    where = Finding("migration-changed", "", str(file_plan.path), line, impact.doc_id, impact.span_id,
                    impact.relation_id, impact.path).where()
    text = f" [{impact.text}]" if impact.text is not None and impact.kind != "changed" else ""
    by = f" (by {impact.by}: {impact.why})" if impact.by else ""
    return f"{where}: {impact.kind} {impact.op}: {impact.message}{text}{by}"
