"""Upgrading a Label Studio project in place from one schema version to another.

Label Studio never rewrites annotations when its config changes; it refuses to rename a control
that annotations use, and silently orphans a removed label or choice value or a renamed relation
(../shared notes on 1.23.2; `Project.validate_config` in the server's projects/models.py). So the
upgrade goes in the one order the server consents to at every step, and checks the result itself:

1. export the project (full JSON) and keep it as a backup: the server keeps no annotation history;
2. turn every annotation, prediction and draft into a record of the old schema (the importer),
   migrate it (crocus_claims.migration), and turn it back into result items of the new schema
   (tasks.result_items); nothing is sent when a conversion would lose data or an item needs a
   decision nobody made;
3. PATCH a superset config that holds the old and the new names, so that no step orphans anything;
4. rewrite every annotation, prediction and draft in place (region ids are span ids: they survive);
5. reset the project's usage counters, ask `/validate/` about the final config, then PATCH it;
6. export again and check that every item converts, under the new schema, to exactly the planned
   record, with nothing left over (`verify_project`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from crocus_claims.atomic import atomic_write
from crocus_claims.corpus import CorpusDocument
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.client import export_project, find_project, server_errors
from crocus_claims.labelstudio.config import build_config
from crocus_claims.labelstudio.importer import Problem, import_export
from crocus_claims.labelstudio.tasks import result_items
from crocus_claims.migration import Decisions, Impact, Migration, migrate_record, migration_path
from crocus_claims.schema import Schema, SchemaFolder
from crocus_claims.validation import validate_records
from crocus_claims.validation.findings import Finding

ItemKind = Literal["annotation", "prediction", "draft"]


@dataclass(frozen=True)
class Rewrite:
    """One annotation, prediction or draft of the project, and what it becomes."""

    kind: ItemKind
    item_id: int
    task_id: int
    doc_id: str
    annotator: str  # the annotator's email (or user-<id>); `prediction:<model_version>` for predictions
    record: dict[str, Any]  # the record the new result converts to (new schema)
    result: list[dict[str, Any]]  # the result items to store (new schema)


@dataclass
class ProjectPlan:
    """Everything `apply_plan` will send, and every reason not to send it."""

    old: Schema
    new: Schema
    rewrites: list[Rewrite] = field(default_factory=list)
    impacts: list[Impact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # what the old schema could not convert
    findings: list[Finding] = field(default_factory=list)  # migrated records that do not validate

    def blocking_findings(self, allow_loss: bool) -> list[Finding]:
        """Why the plan must not be applied (empty: it may): what the old schema could not convert
        (placed at its task, annotation and region), migrated records that do not validate, and
        the impacts that need a decision or lose data (unless the loss is allowed)."""
        found = [Finding(p.code, p.message, f"task {p.task_id}", doc_id=p.doc_id, path=p.where(),
                         span_id=p.region_id if isinstance(p.region_id, str) else None)
                 for p in self.problems]  # placed as `ls import` places them
        found += [finding for finding in self.findings if finding.severity == "error"]
        found += [impact.finding() for impact in self.impacts
                  if impact.blocking and not (allow_loss and impact.kind == "lost")]
        return found

    def blocking(self, allow_loss: bool) -> list[str]:
        """blocking_findings, one line each."""
        return [str(finding) for finding in self.blocking_findings(allow_loss)]


def superset_config(old: Schema, new: Schema) -> str:
    """A config holding every label, control, choice and relation value of both schemas.

    The new config's order comes first; what only the old one has is appended, so that the
    server, asked about it, finds every name that annotations still use.
    """
    merged, previous = ET.fromstring(build_config(new)), ET.fromstring(build_config(old))
    _merge_values(merged.find("Labels"), previous.find("Labels"))
    _merge_values(merged.find("Relations"), previous.find("Relations"))
    boxes = {_control_name(box): box for box in merged.findall("View") if _control_name(box)}
    for old_box in previous.findall("View"):
        name = _control_name(old_box)
        if name is None:
            continue
        box = boxes.get(name)
        if box is None:
            merged.append(old_box)
            continue
        carriers = box.get("whenLabelValue", "").split(",")
        extra = [label for label in old_box.get("whenLabelValue", "").split(",") if label not in carriers]
        box.set("whenLabelValue", ",".join(carriers + extra))
        _merge_values(box.find(f"*[@name='{name}']"), old_box.find(f"*[@name='{name}']"))
    ET.indent(merged)
    return ET.tostring(merged, encoding="unicode")


def _control_name(box: ET.Element) -> str | None:
    """The attribute control a per-region `View` holds (None for the header view)."""
    controls = [child.get("name") for child in box if child.get("name")]
    return controls[0] if controls else None


def _merge_values(into: ET.Element | None, source: ET.Element | None) -> None:
    """Append the `value` children of `source` (Label, Choice, Relation) that `into` lacks."""
    if into is None or source is None:
        return
    have = {child.get("value") for child in into}
    for child in source:
        if child.get("value") not in have:
            into.append(child)


def schema_of_config(config: str, schemas: Iterable[Schema]) -> Schema:
    """The schema whose generated config is `config`; LabelStudioError `unknown-project-config`."""
    for schema in schemas:
        if build_config(schema) == config:
            return schema
    raise LabelStudioError("unknown-project-config", "the project's labeling config is not the config of any "
                           "schema version here (edited by hand?); name the version it was made with: --from")


def plan_migration(export: list[Any], predictions: Iterable[Mapping[str, Any]], *, old: Schema, new: Schema,
                   migrations: list[Migration], decisions: Decisions | None,
                   corpus: Mapping[str, CorpusDocument], users: Mapping[int, str]) -> ProjectPlan:
    """The rewrites of every annotation, draft and prediction of a full JSON export.

    `predictions` are the server's prediction objects as dicts (the export lists only their ids):
    id, task, model_version, result. Cancelled annotations have no result and are left alone.
    """
    plan = ProjectPlan(old, new)
    for kind, task, item in project_items(export, predictions):
        _plan_item(plan, kind, task, item, migrations, decisions, corpus, users)
    return plan


def project_items(export: list[Any], predictions: Iterable[Mapping[str, Any]]
                  ) -> Iterator[tuple[ItemKind, Mapping[str, Any], Mapping[str, Any]]]:
    """(kind, task, item) for every annotation that is not cancelled, every draft, and every
    prediction of a task in the export: what a migration rewrites."""
    by_task = {task.get("id"): task for task in export}
    for task in export:
        yield from (("annotation", task, a) for a in task.get("annotations") or [] if not a.get("was_cancelled"))
        yield from (("draft", task, d) for d in task.get("drafts") or [])
    yield from (("prediction", by_task[p["task"]], p) for p in predictions if p.get("task") in by_task)


def _plan_item(plan: ProjectPlan, kind: ItemKind, task: Mapping[str, Any], item: Mapping[str, Any],
               migrations: list[Migration], decisions: Decisions | None,
               corpus: Mapping[str, CorpusDocument], users: Mapping[int, str]) -> None:
    record, problems = convert_item(kind, task, item, plan.old, corpus, users)
    plan.problems += problems
    if record is None:
        return
    migrated, impacts = migrate_record(record, migrations, decisions)
    plan.impacts += impacts
    result = result_items(migrated, plan.new)
    stored, problems = convert_item(kind, task, {**item, "result": result}, plan.new, corpus, users)
    plan.problems += problems
    if stored is None:
        return
    plan.findings += validate_records([stored], schema=plan.new, corpus=corpus)
    plan.rewrites.append(Rewrite(kind, item["id"], task["id"], stored["doc_id"], stored["annotator"],
                                 stored, result))


def convert_item(kind: ItemKind, task: Mapping[str, Any], item: Mapping[str, Any], schema: Schema,
                 corpus: Mapping[str, CorpusDocument],
                 users: Mapping[int, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The record one annotation, draft or prediction converts to under `schema`, and what did not convert."""
    annotation = dict(item)
    if kind == "prediction":
        annotation["completed_by"] = {"email": f"prediction:{item.get('model_version')}"}
    alone = {"id": task.get("id"), "data": task.get("data"), "predictions": [],
             "annotations": [annotation] if kind != "draft" else [],
             "drafts": [annotation] if kind == "draft" else []}
    records, report = import_export([alone], schema=schema, corpus=corpus, users=users, drafts=True)
    return (records[0] if records else None), report.problems


def apply_plan(client: Any, project_id: int, plan: ProjectPlan,
               progress: Callable[[str], None] = lambda _: None) -> None:
    """Send the plan to the server in the order it consents to (see the module); raises
    LabelStudioError `config-refused` when the server refuses a config, before anything is lost."""
    final = build_config(plan.new)
    superset = superset_config(plan.old, plan.new)
    progress("config: old and new names together")
    _validate_config(client, project_id, superset)
    client.projects.update(id=project_id, label_config=superset)
    for index, rewrite in enumerate(plan.rewrites, 1):
        progress(f"rewriting {rewrite.kind} {rewrite.item_id} ({index}/{len(plan.rewrites)})")
        if rewrite.kind == "annotation":
            client.annotations.update(id=rewrite.item_id, result=rewrite.result)
        elif rewrite.kind == "prediction":
            client.predictions.update(id=rewrite.item_id, result=rewrite.result, task=rewrite.task_id)
        else:
            _request(client, f"api/drafts/{rewrite.item_id}/", "PATCH", {"result": rewrite.result})
    progress("resetting the project's usage counters")
    _request(client, f"api/projects/{project_id}/summary/reset/", "POST", None)
    progress(f"config: schema {plan.new.version}")
    _validate_config(client, project_id, final)
    client.projects.update(id=project_id, label_config=final)


def _validate_config(client: Any, project_id: int, config: str) -> None:
    response = _request(client, f"api/projects/{project_id}/validate/", "POST", {"label_config": config},
                        check=False)
    if response.status_code >= 400:
        raise LabelStudioError("config-refused", f"Label Studio refuses the config (HTTP {response.status_code}): "
                               f"{response.text[:500]}; nothing was changed at this step")


def _request(client: Any, path: str, method: str, body: Any, check: bool = True) -> Any:
    """A call the SDK has no method for, through its own authenticated HTTP client."""
    response = client._client_wrapper.httpx_client.request(path, method=method, json=body)
    if check and response.status_code >= 400:
        raise LabelStudioError("server-error", f"{method} /{path}: HTTP {response.status_code}: "
                               f"{response.text[:300]}")
    return response


def verify_project(export: list[Any], predictions: Iterable[Mapping[str, Any]], plan: ProjectPlan, *,
                   corpus: Mapping[str, CorpusDocument], users: Mapping[int, str]) -> list[str]:
    """What differs between the project as exported after `apply_plan` and the plan (empty: nothing).

    Every item must convert under the new schema without a problem (no orphaned label, control,
    value or relation) to exactly the record planned for it.
    """
    expected = {(r.kind, r.item_id): r.record for r in plan.rewrites}
    seen: set[tuple[str, int]] = set()
    differences: list[str] = []
    for kind, task, item in project_items(export, predictions):
        key = (kind, item["id"])
        seen.add(key)
        record, problems = convert_item(kind, task, item, plan.new, corpus, users)
        differences += [f"{kind} {item['id']}: {p.code}: {p.message}" for p in problems]
        if key not in expected:
            differences.append(f"{kind} {item['id']} of task {task.get('id')} was not in the plan")
        elif record != expected[key]:
            differences.append(f"{kind} {item['id']} of task {task.get('id')} is not the planned record")
    differences += [f"{kind} {item_id} is missing after the migration" for kind, item_id in expected
                    if (kind, item_id) not in seen]
    return differences


@dataclass
class MigrationOutcome:
    """What `migrate_project` did: the plan, where the backup is, and whether it was sent."""

    project_id: int
    plan: ProjectPlan
    backup: Path | None
    applied: bool
    differences: list[str] = field(default_factory=list)  # after applying: what verify_project found


@server_errors
def migrate_project(client: Any, *, title: str, to_version: str, folder: SchemaFolder,
                    corpus: Mapping[str, CorpusDocument], decisions: Decisions | None = None,
                    allow_loss: bool = False, from_version: str | None = None, backup: Path | None = None,
                    dry_run: bool = False, progress: Callable[[str], None] = lambda _: None) -> MigrationOutcome:
    """Upgrade the project titled `title` to schema `to_version` of `folder`, in place.

    Raises LabelStudioError: `project-not-found`, `unknown-project-config`, `migration-blocked`
    (a loss or an undecided item, listed; nothing was sent), `config-refused`, and
    `migration-unverified` when the project read back differs from the plan (the backup holds
    what it was).
    """
    project = find_project(client, title)
    if project is None:
        raise LabelStudioError("project-not-found", f"no project titled {title!r} on this server")
    old = folder.load(from_version) if from_version else schema_of_config(
        client.projects.get(id=project.id).label_config, map(folder.load, folder.versions()))
    new = folder.load(to_version)
    migrations = migration_path(old.version, new.version, folder)
    progress(f"exporting project {project.id} (schema {old.version})")
    export, users = export_project(client, project.id)
    predictions = [p.dict() for p in client.predictions.list(project=project.id)]
    plan = plan_migration(export, predictions, old=old, new=new, migrations=migrations, decisions=decisions,
                          corpus=corpus, users=users)
    outcome = MigrationOutcome(project.id, plan, None, applied=False)
    reasons = plan.blocking(allow_loss)
    if dry_run or old.version == new.version:
        return outcome
    if reasons:
        raise LabelStudioError("migration-blocked", f"{len(reasons)} items block the migration; nothing was sent:\n"
                               + "\n".join(reasons))
    if backup is not None:
        with atomic_write(backup) as handle:
            json.dump({"export": export, "predictions": predictions}, handle, ensure_ascii=False, default=str)
        outcome.backup = backup
    apply_plan(client, project.id, plan, progress)
    outcome.applied = True
    progress("exporting again to check the result")
    after, users = export_project(client, project.id)
    outcome.differences = verify_project(after, [p.dict() for p in client.predictions.list(project=project.id)],
                                         plan, corpus=corpus, users=users)
    if outcome.differences:
        raise LabelStudioError("migration-unverified", "the project read back differs from the plan (the backup "
                               f"{backup} holds what it was):\n" + "\n".join(outcome.differences))
    return outcome
