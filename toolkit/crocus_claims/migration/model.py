"""The migration file format: `schema/migrations/FROM--TO.yaml`, read into typed models and checked.

A migration says how a record of schema FROM becomes a record of schema TO, as a list of
operations applied in order (each sees the names the operations before it left). The format is
documented in schema/migrations/README.md. A file is refused, like a schema file, with every
problem located to its line: pydantic checks the shapes, `check_against` checks every name
against the two schemas and that nothing the old schema had is left unaccounted for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from crocus_claims.schema import SEMVER, Schema, SchemaError, SchemaFolder, parse_version, value_problem
from crocus_claims.yaml_source import compose_and_load, line_of

MIGRATIONS_FOLDER = "migrations"
FILE_NAME = re.compile(r"^(\d+\.\d+\.\d+)--(\d+\.\d+\.\d+)\.yaml$")
Loc = tuple[str | int, ...]


class MigrationError(SchemaError):
    """A migration file that cannot be used; each problem names its line and place in the file."""

    code = "invalid-migration"


class MissingMigration(MigrationError):
    """No way from one version to another: a version or a migration file missing, or a way back."""

    code = "missing-migration"


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Name = Annotated[str, Field(min_length=1)]
Names = Annotated[tuple[Name, ...], Field(min_length=1)]


class RenameLabel(_Op):
    op: Literal["rename_label"]
    from_: Name = Field(alias="from")
    to: Name


class RenameAttribute(_Op):
    op: Literal["rename_attribute"]
    from_: Name = Field(alias="from")
    to: Name


class RenameValue(_Op):
    """A value of an enum attribute with its own `values` (registry ids: rename_entry)."""

    op: Literal["rename_value"]
    attribute: Name
    from_: Name = Field(alias="from")
    to: Name


class MergeValues(_Op):
    op: Literal["merge_values"]
    attribute: Name
    from_: Names = Field(alias="from")
    to: Name


class RenameRelation(_Op):
    op: Literal["rename_relation"]
    from_: Name = Field(alias="from")
    to: Name


class RenameEntry(_Op):
    """An id of a registry: every attribute drawing on the registry follows it."""

    op: Literal["rename_entry"]
    registry: Name
    from_: Name = Field(alias="from")
    to: Name


class AddAttribute(_Op):
    """Set a new attribute on every span of `labels`: to `value`, or null when none is given."""

    op: Literal["add_attribute"]
    attribute: Name
    labels: Names
    value: Any = None


class RemoveAttribute(_Op):
    """The values it held are reported as lost, and dropped only when `drop` is true."""

    op: Literal["remove_attribute"]
    attribute: Name
    labels: Names | None = None  # every label that has it
    drop: bool = False


class RemoveValue(_Op):
    """An attribute holding the value becomes null: reported as lost, done only when `drop`."""

    op: Literal["remove_value"]
    attribute: Name
    value: Name
    drop: bool = False


class RemoveLabel(_Op):
    """Spans of the label and the relations touching them: reported as lost, dropped when `drop`."""

    op: Literal["remove_label"]
    label: Name
    drop: bool = False


class ChangeRelationEnds(_Op):
    """New head and/or tail labels of a relation; relations that no longer fit are lost."""

    op: Literal["change_relation_ends"]
    relation: Name
    head: Names | None = None
    tail: Names | None = None
    drop: bool = False


class Selector(_Op):
    """Spans of any of `labels` whose attributes hold the given values (a list: any of them)."""

    labels: Names
    attributes: dict[str, Any] = {}

    def matches(self, span: Any) -> bool:
        if span.get("label") not in self.labels:
            return False
        attributes = span.get("attributes") or {}
        for name, wanted in self.attributes.items():
            value = attributes.get(name)
            if value not in (wanted if isinstance(wanted, list) else [wanted]):
                return False
        return True


class NeedsDecision(_Op):
    """A change of meaning no rule can apply: every span selected waits for a person's answer.

    The answer becomes the value of `attribute`; `answers` lists the allowed ones (default: every
    value the new schema allows).
    """

    op: Literal["needs_decision"]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    select: Selector
    attribute: Name
    question: Name
    answers: tuple[Any, ...] | None = None


Operation = Annotated[
    RenameLabel | RenameAttribute | RenameValue | MergeValues | RenameRelation | RenameEntry | AddAttribute
    | RemoveAttribute | RemoveValue | RemoveLabel | ChangeRelationEnds | NeedsDecision,
    Field(discriminator="op"),
]
RENAMES = (RenameLabel, RenameAttribute, RenameValue, RenameRelation, RenameEntry)


class Migration(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from", pattern=SEMVER)
    to: str = Field(pattern=SEMVER)
    description: str
    operations: tuple[Operation, ...] = ()
    # operation index -> the attributes drawing on the registry a rename_entry renames (set by checking)
    _entry_attributes: dict[int, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    def entry_attributes(self, index: int) -> tuple[str, ...]:
        """The attributes whose values operation `index` (a rename_entry) renames."""
        if index not in self._entry_attributes:
            raise ValueError(f"{self.name} was not checked against its schemas: use load_migration")
        return self._entry_attributes[index]

    @property
    def name(self) -> str:
        return f"{self.from_}--{self.to}"

    @property
    def decisions(self) -> tuple[NeedsDecision, ...]:
        return tuple(op for op in self.operations if isinstance(op, NeedsDecision))

    def inverse(self) -> Migration:
        """The migration back, for a migration made only of renames; ValueError otherwise."""
        renames = [op for op in self.operations if isinstance(op, RENAMES)]
        if len(renames) != len(self.operations):
            raise ValueError(f"{self.name} does more than rename: it has no inverse")
        count = len(renames)
        backwards = [op.model_copy(update={"from_": op.to, "to": op.from_}) for op in reversed(renames)]
        inverse = Migration.model_validate({"from": self.to, "to": self.from_,
                                            "description": f"inverse of {self.name}", "operations": backwards})
        inverse._entry_attributes = {count - 1 - i: names for i, names in self._entry_attributes.items()}
        return inverse


# ---------------------------------------------------------------------------------------------
# Loading and checking


def _describe(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_migration(path: Path) -> tuple[Migration, yaml.Node]:
    """The typed migration of one file; MigrationError with located problems if malformed."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MigrationError(path, [(None, "(file)", f"cannot read: {error}")]) from None
    try:
        root, data = compose_and_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise MigrationError(path, [(mark.line + 1 if mark else None, "(syntax)",
                                     str(getattr(error, "problem", error)))]) from None
    if not isinstance(data, dict):
        raise MigrationError(path, [(1, "(top level)", "a migration file is a mapping (from, to, operations)")])
    _stringify_versions(data)
    try:
        migration = Migration.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            loc = _file_loc(tuple(e["loc"]))
            problems.append((line_of(root, loc), _describe(loc), e["msg"]))
        raise MigrationError(path, problems) from None
    match = FILE_NAME.match(path.name)
    if match and match.groups() != (migration.from_, migration.to):
        raise MigrationError(path, [(line_of(root, ("from",)), "from", f"file is named for {match[1]}--{match[2]} "
                                     f"but migrates {migration.name}")])
    assert root is not None  # the document is a mapping (data), so it has a node
    return migration, root


def _stringify_versions(data: dict[str, Any]) -> None:
    """`from: 1.0` would be a float; versions are always written as X.Y.Z, so a number is a mistake."""
    for key in ("from", "to"):
        if isinstance(data.get(key), (int, float)):
            data[key] = str(data[key])


def _file_loc(loc: Loc) -> Loc:
    """pydantic's loc of a tagged union names the tag (`operations.3.rename_label.to`): drop it."""
    parts = [part for index, part in enumerate(loc)
             if not (index == 2 and loc[0] == "operations" and part in _OP_NAMES)]
    return tuple("from" if part == "from_" else part for part in parts)


_OP_NAMES = frozenset({
    "rename_label", "rename_attribute", "rename_value", "merge_values", "rename_relation", "rename_entry",
    "add_attribute", "remove_attribute", "remove_value", "remove_label", "change_relation_ends", "needs_decision",
})


def load_migration(path: Path, folder: SchemaFolder | None = None) -> Migration:
    """Read and check one migration file against the schemas it names (from `folder`, default: the
    folder the file sits in, i.e. schema/). Raises MigrationError listing every problem."""
    path = Path(path)
    migration, root = parse_migration(path)
    folder = folder or SchemaFolder(Path(os.path.realpath(path)).parent.parent)
    problems: list[tuple[Loc, str]] = []
    schemas: list[Schema] = []
    for key, version in (("from", migration.from_), ("to", migration.to)):
        try:
            schemas.append(folder.load(version))
        except FileNotFoundError:
            problems.append(((key,), f"no schema {version} in {folder.path}"))
        except SchemaError as error:
            problems.append(((key,), f"schema {version} is invalid: {error}"))
    if not problems:
        if parse_version(migration.to) <= parse_version(migration.from_):
            problems.append((("to",), f"{migration.to} is not newer than {migration.from_}"))
        problems += check_against(migration, schemas[0], schemas[1])
    if problems:
        raise MigrationError(path, [(line_of(root, loc), _describe(loc), message) for loc, message in problems])
    return migration


# ---------------------------------------------------------------------------------------------
# Names, simulated through the operations


@dataclass
class _Names:
    """What a record may hold at one point of a migration: labels, attributes, values, relations."""

    labels: dict[str, list[str]]  # label -> its attributes
    values: dict[str, set[str] | None]  # attribute -> its own enum values, or None
    registry_of: dict[str, str | None]  # attribute -> the registry it draws on
    entries: dict[str, set[str]]  # registry -> ids
    relations: dict[str, tuple[set[str], set[str]]]  # relation -> (heads, tails)
    decided: set[str] = field(default_factory=set)  # attributes a needs_decision sets

    @classmethod
    def of(cls, schema: Schema) -> _Names:
        return cls(
            labels={label.name: list(label.attributes) for label in schema.labels},
            values={a.name: {v.value for v in a.values} if a.values is not None else None for a in schema.attributes},
            registry_of={a.name: a.registry for a in schema.attributes},
            entries={r.name: set(r.ids) for r in schema.registries},
            relations={r.name: (set(r.head), set(r.tail)) for r in schema.relations},
        )

    def allowed(self, attribute: str) -> set[str] | None:
        registry = self.registry_of.get(attribute)
        return self.entries.get(registry, set()) if registry else self.values.get(attribute)


def _rename_in(names: list[str] | set[str], old: str, new: str) -> None:
    if isinstance(names, set):
        names.discard(old)
        names.add(new)
    else:
        names[names.index(old)] = new


def check_against(migration: Migration, old: Schema, new: Schema) -> list[tuple[Loc, str]]:
    """Every problem of a migration read against its two schemas, located by operation.

    Each name an operation uses must exist at that point; a new name must not already exist; and,
    after the last operation, every label, attribute, value, registry id and relation end the old
    schema had must exist in the new one (else the migration forgot to rename or remove it).
    """
    state, target = _Names.of(old), _Names.of(new)
    problems: list[tuple[Loc, str]] = []
    for index, op in enumerate(migration.operations):
        if isinstance(op, RenameEntry):
            migration._entry_attributes[index] = tuple(
                name for name, registry in state.registry_of.items() if registry == op.registry)
        for key, message in _apply_names(op, state, target, new):
            problems.append((("operations", index, key), message))
    problems += [(("operations",), message) for message in _leftovers(state, target, new)]
    return problems


def _apply_names(op: Any, state: _Names, target: _Names, new: Schema) -> list[tuple[str, str]]:  # noqa: C901, PLR0912
    """Apply one operation to the simulated names; the problems, each with the key it concerns."""
    problems: list[tuple[str, str]] = []

    def need(kind: str, name: str, known: Any, key: str) -> bool:
        if name not in known:
            problems.append((key, f"no {kind} {name!r} at this point (known: {', '.join(sorted(known))})"))
            return False
        return True

    def fresh(kind: str, name: str, known: Any) -> bool:
        if name in known:
            problems.append(("to", f"{kind} {name!r} already exists"))
            return False
        return True

    if isinstance(op, RenameLabel):
        if need("label", op.from_, state.labels, "from") and fresh("label", op.to, state.labels):
            state.labels[op.to] = state.labels.pop(op.from_)
            for heads, tails in state.relations.values():
                for ends in (heads, tails):
                    if op.from_ in ends:
                        _rename_in(ends, op.from_, op.to)
    elif isinstance(op, RenameAttribute):
        if need("attribute", op.from_, state.values, "from") and fresh("attribute", op.to, state.values):
            state.values[op.to] = state.values.pop(op.from_)
            state.registry_of[op.to] = state.registry_of.pop(op.from_)
            for attributes in state.labels.values():
                if op.from_ in attributes:
                    _rename_in(attributes, op.from_, op.to)
    elif isinstance(op, (RenameValue, MergeValues, RemoveValue)):
        if need("attribute", op.attribute, state.values, "attribute"):
            values = state.values[op.attribute]
            if values is None:
                problems.append(("attribute", f"{op.attribute!r} has no values of its own"
                                 + (" (use rename_entry for registry ids)" if state.registry_of[op.attribute] else "")))
            elif isinstance(op, RemoveValue):
                if need("value", op.value, values, "value"):
                    values.discard(op.value)
            else:
                sources = (op.from_,) if isinstance(op, RenameValue) else op.from_
                if all(need("value", name, values, "from") for name in sources):
                    if isinstance(op, RenameValue) and not fresh("value", op.to, values):
                        return problems
                    values.difference_update(sources)
                    values.add(op.to)
    elif isinstance(op, RenameRelation):
        if need("relation", op.from_, state.relations, "from") and fresh("relation", op.to, state.relations):
            state.relations[op.to] = state.relations.pop(op.from_)
    elif isinstance(op, RenameEntry):
        if need("registry", op.registry, state.entries, "registry"):
            ids = state.entries[op.registry]
            if need("registry id", op.from_, ids, "from") and fresh("registry id", op.to, ids):
                _rename_in(ids, op.from_, op.to)
    elif isinstance(op, AddAttribute):
        new_attribute = target.values.get(op.attribute, ...) is not ... or op.attribute in target.registry_of
        if not new_attribute:
            problems.append(("attribute", f"the new schema has no attribute {op.attribute!r}"))
            return problems
        target_values = target.values[op.attribute]
        state.values.setdefault(op.attribute, None if target_values is None else set(target_values))
        state.registry_of.setdefault(op.attribute, target.registry_of[op.attribute])
        for label in op.labels:
            if need("label", label, state.labels, "labels") and op.attribute not in state.labels[label]:
                state.labels[label].append(op.attribute)
        problem = op.value is not None and value_problem(new, new.attributes_by_name[op.attribute], op.value)
        if problem:
            problems.append(("value", f"not a value of {op.attribute!r} in the new schema: {problem}"))
    elif isinstance(op, RemoveAttribute):
        if need("attribute", op.attribute, state.values, "attribute"):
            for label in op.labels or [name for name, attrs in state.labels.items() if op.attribute in attrs]:
                if need("label", label, state.labels, "labels"):
                    if op.attribute in state.labels[label]:
                        state.labels[label].remove(op.attribute)
    elif isinstance(op, RemoveLabel):
        if need("label", op.label, state.labels, "label"):
            del state.labels[op.label]
            for heads, tails in state.relations.values():
                heads.discard(op.label)
                tails.discard(op.label)
    elif isinstance(op, ChangeRelationEnds):
        if need("relation", op.relation, state.relations, "relation"):
            heads, tails = state.relations[op.relation]
            for key, new_ends in (("head", op.head), ("tail", op.tail)):
                for label in new_ends or ():
                    need("label", label, state.labels, key)
            state.relations[op.relation] = (set(op.head) if op.head else heads, set(op.tail) if op.tail else tails)
    elif isinstance(op, NeedsDecision):
        for label in op.select.labels:
            need("label", label, state.labels, "select")
        for name in op.select.attributes:
            need("attribute", name, state.values, "select")
        if need("attribute", op.attribute, state.values, "attribute"):
            definition = new.attributes_by_name.get(op.attribute)
            if definition is None:
                problems.append(("attribute", f"the new schema has no attribute {op.attribute!r}"))
            else:
                for answer in op.answers or ():
                    problem = value_problem(new, definition, answer)
                    if problem:
                        problems.append(("answers", f"not a value of {op.attribute!r} in the new schema: {problem}"))
            state.decided.add(op.attribute)
    return problems


def _leftovers(state: _Names, target: _Names, new: Schema) -> list[str]:
    """What the old schema had, the operations left, and the new schema lacks: forgotten changes."""
    problems = []
    for label, attributes in state.labels.items():
        if label not in target.labels:
            problems.append(f"label {label!r} is not in {new.version}: rename or remove it")
            continue
        for attribute in attributes:
            if attribute not in target.labels[label]:
                problems.append(f"attribute {attribute!r} of {label} is not in {new.version}: rename or remove it")
        for definition in new.label_attributes(label):
            if definition.required and definition.name not in attributes and definition.name not in state.decided:
                problems.append(f"{label} requires {definition.name!r} in {new.version}: add it with a value")
    for attribute, values in state.values.items():
        wanted = target.values.get(attribute)
        if values and wanted is not None and attribute in target.values:
            for value in sorted(values - wanted):
                problems.append(f"value {value!r} of {attribute!r} is not in {new.version}: rename, merge or remove it")
    for registry, ids in state.entries.items():
        for entry in sorted(ids - target.entries.get(registry, set())):
            problems.append(f"id {entry!r} of registry {registry!r} is not in {new.version}: rename it")
    for relation, (heads, tails) in state.relations.items():
        if relation not in target.relations:
            problems.append(f"relation {relation!r} is not in {new.version}: rename it")
            continue
        new_heads, new_tails = target.relations[relation]
        for end, have, allowed in (("head", heads, new_heads), ("tail", tails, new_tails)):
            for label in sorted(have - allowed):
                problems.append(f"relation {relation!r} may no longer have a {label} {end} in {new.version}: "
                                "change its ends")
    return problems


# ---------------------------------------------------------------------------------------------
# Finding the migrations between two versions


def migrations_dir(folder: SchemaFolder) -> Path:
    return folder.path / MIGRATIONS_FOLDER


def migration_file(folder: SchemaFolder, from_version: str, to_version: str) -> Path:
    return migrations_dir(folder) / f"{from_version}--{to_version}.yaml"


def migration_path(from_version: str, to_version: str, folder: SchemaFolder | None = None) -> list[Migration]:
    """The migrations that take a record of `from_version` to `to_version`, one per consecutive
    pair of versions in the folder (none when equal); MigrationError if one is missing or bad.

    Only forward: a record is never migrated to an older version.
    """
    from crocus_claims.schema import default_folder

    folder = folder or default_folder()
    if from_version == to_version:
        return []
    versions = folder.versions()
    for version in (from_version, to_version):
        if version not in versions:
            raise MissingMigration(folder.path / f"v{version}.yaml", [(None, "version", f"no schema {version}")])
    if parse_version(to_version) < parse_version(from_version):
        raise MissingMigration(migration_file(folder, from_version, to_version),
                             [(None, "to", f"{to_version} is older than {from_version}: migrations only go forward")])
    chain = versions[versions.index(from_version):versions.index(to_version) + 1]
    return [_load_step(folder, a, b) for a, b in zip(chain, chain[1:])]


def _load_step(folder: SchemaFolder, from_version: str, to_version: str) -> Migration:
    path = migration_file(folder, from_version, to_version)
    if not os.path.lexists(path):  # anything else there (a folder, a link to nothing) is read, and refused
        raise MissingMigration(path, [(None, "(file)", f"no migration from {from_version} to {to_version}: "
                                     f"write {path.name} (schema/migrations/README.md)")])
    return load_migration(path, folder)
