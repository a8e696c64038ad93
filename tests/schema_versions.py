"""Made-up schema versions for tests: a folder holding the real v1.0.0, a minor v1.1.0 and a
major v2.0.0 that exercises every kind of change a migration can describe.

Built from the shipped v1.0.0 (a released file never changes), so these tests do not depend on
whatever the project's real next version holds.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from crocus_claims.schema import SchemaFolder

REAL = Path(__file__).resolve().parents[1] / "schema" / "v1.0.0.yaml"


def _v1() -> dict[str, Any]:
    return yaml.safe_load(REAL.read_text(encoding="utf-8"))


def _named(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(item for item in items if item.get("name") == name)


def minor_version(v1: dict[str, Any]) -> dict[str, Any]:
    """1.1.0: only additions (a channel value), as a minor version may."""
    schema = copy.deepcopy(v1)
    schema["version"] = "1.1.0"
    _named(schema["attributes"], "channel")["values"].append(
        {"value": "in_person", "description": "Face to face."})
    return schema


def renamed_version(schema: dict[str, Any], version: str) -> dict[str, Any]:
    """`schema` with one rename of each kind (label, attribute, value, relation, registry id)."""
    text = yaml.safe_dump(schema, sort_keys=False, allow_unicode=True)
    text = text.replace("PERPETRATOR_CLAIM", "ATTRIBUTION").replace("names_time", "names_date")
    schema = yaml.safe_load(text)
    schema["version"] = version
    warning_type = _named(schema["attributes"], "warning_type")
    next(v for v in warning_type["values"] if v["value"] == "threat")["value"] = "threat_of_action"
    _named(schema["relations"], "supports")["name"] = "corroborates"
    actors = _named(schema["registries"], "actor")["entries"]
    next(e for e in actors if e["id"] == "OTHER_ACTOR")["id"] = "UNLISTED_ACTOR"
    return schema


def major_version(v11: dict[str, Any]) -> dict[str, Any]:
    """2.0.0: one change of every kind (see MIGRATION_1_1_TO_2)."""
    schema = renamed_version(copy.deepcopy(v11), "2.0.0")
    attributes, labels, relations = schema["attributes"], schema["labels"], schema["relations"]
    denial_type = _named(attributes, "denial_type")
    denial_type["values"] = [v for v in denial_type["values"]
                             if v["value"] not in ("deny_involvement", "reject_accusation")]
    denial_type["values"].insert(0, {"value": "reject_responsibility", "description": "Involvement or blame rejected."})
    attributes.append({"name": "verified", "type": "boolean", "default": False,
                       "description": "Whether the figure was checked."})
    attributes.append({"name": "sources_named", "type": "integer", "minimum": 0,
                       "description": "How many sources the warning names."})
    _named(labels, "CASUALTY_FIGURE")["attributes"].append("verified")
    _named(labels, "WARNING")["attributes"].append("sources_named")
    schema["attributes"] = [a for a in attributes if a["name"] != "as_of"]
    _named(labels, "CASUALTY_FIGURE")["attributes"].remove("as_of")
    role = _named(schema["attributes"], "role")
    role["values"] = [v for v in role["values"] if v["value"] != "assisted"]
    schema["labels"] = [label for label in labels if label["name"] != "MEDIA_OUTLET"]
    for relation in relations:
        relation["head"] = [name for name in relation["head"] if name != "MEDIA_OUTLET"]
        relation["tail"] = [name for name in relation["tail"] if name != "MEDIA_OUTLET"]
    _named(relations, "denies")["tail"] = ["ATTRIBUTION", "WARNING"]
    return schema


RENAMES_ONLY = """\
from: 1.0.0
to: 2.0.0
description: Renames only, so the migration has an inverse.
operations:
  - {op: rename_label, from: PERPETRATOR_CLAIM, to: ATTRIBUTION}
  - {op: rename_attribute, from: names_time, to: names_date}
  - {op: rename_value, attribute: warning_type, from: threat, to: threat_of_action}
  - {op: rename_relation, from: supports, to: corroborates}
  - {op: rename_entry, registry: actor, from: OTHER_ACTOR, to: UNLISTED_ACTOR}
"""

MIGRATION_1_0_TO_1_1 = """\
# A minor version only adds: nothing to change in a record.
from: 1.0.0
to: 1.1.0
description: Adds the channel value in_person.
operations: []
"""

MIGRATION_1_1_TO_2 = """\
# Every kind of operation, once.
from: 1.1.0
to: 2.0.0
description: A made-up major version for the tests.
operations:
  - {op: rename_label, from: PERPETRATOR_CLAIM, to: ATTRIBUTION}
  - {op: rename_attribute, from: names_time, to: names_date}
  - {op: rename_value, attribute: warning_type, from: threat, to: threat_of_action}
  - {op: merge_values, attribute: denial_type, from: [deny_involvement, reject_accusation], to: reject_responsibility}
  - {op: rename_relation, from: supports, to: corroborates}
  - {op: rename_entry, registry: actor, from: OTHER_ACTOR, to: UNLISTED_ACTOR}
  - {op: add_attribute, attribute: verified, labels: [CASUALTY_FIGURE], value: false}
  - {op: add_attribute, attribute: sources_named, labels: [WARNING]}
  - {op: remove_attribute, attribute: as_of, drop: true}
  - {op: remove_value, attribute: role, value: assisted, drop: true}
  - {op: remove_label, label: MEDIA_OUTLET, drop: true}
  - {op: change_relation_ends, relation: denies, tail: [ATTRIBUTION, WARNING], drop: true}
  - op: needs_decision
    id: warning-incident
    select: {labels: [WARNING], attributes: {incident: FUTURE_OR_HYPOTHETICAL}}
    attribute: incident
    question: Which attack does the text tie the warned-of plot to?
    answers: [CROCUS_2024, KERMAN_2024, OTHER, FUTURE_OR_HYPOTHETICAL]
"""


def write_schema(folder: Path, schema: dict[str, Any]) -> Path:
    path = folder / f"v{schema['version']}.yaml"
    path.write_text(yaml.safe_dump(schema, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def made_up_folder(root: Path, *, migrations: bool = True) -> SchemaFolder:
    """A schema folder with v1.0.0 (the real one), v1.1.0 and v2.0.0, and their migrations."""
    root.mkdir(parents=True, exist_ok=True)
    v1 = _v1()
    v11 = minor_version(v1)
    for schema in (v1, v11, major_version(v11)):
        write_schema(root, schema)
    if migrations:
        (root / "migrations").mkdir(exist_ok=True)
        (root / "migrations" / "1.0.0--1.1.0.yaml").write_text(MIGRATION_1_0_TO_1_1, encoding="utf-8")
        (root / "migrations" / "1.1.0--2.0.0.yaml").write_text(MIGRATION_1_1_TO_2, encoding="utf-8")
    return SchemaFolder(root)


def renames_only_folder(root: Path) -> SchemaFolder:
    """A folder with v1.0.0 (the real one) and a v2.0.0 that only renames, and their migration."""
    root.mkdir(parents=True, exist_ok=True)
    v1 = _v1()
    write_schema(root, v1)
    write_schema(root, renamed_version(v1, "2.0.0"))
    (root / "migrations").mkdir(exist_ok=True)
    (root / "migrations" / "1.0.0--2.0.0.yaml").write_text(RENAMES_ONLY, encoding="utf-8")
    return SchemaFolder(root)
