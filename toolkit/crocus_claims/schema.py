"""The annotation schema: typed models of a schema definition file, and its loader.

A schema file (schema/vX.Y.Z.yaml) is the single source of truth for labels, attributes,
relations and registries. Everything else is derived from the `Schema` object built here, so
this module refuses a malformed file loudly, naming the file, the line and the offending entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crocus_claims import resources
from crocus_claims.input_files import UnreadableFolder, files_in
from crocus_claims.yaml_source import compose_and_load, line_of

SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"  # ASCII digits only
UPPER_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"
LOWER_NAME = r"^[a-z][a-z0-9_]{0,63}$"
# Label Studio control names that the generated config uses for itself.
RESERVED_NAMES = frozenset({"label", "text", "relations", "header"})
BOUND_RULES = ("required", "null", "any", "value", "value+1", "value-1")
# Every integer is a signed 64-bit integer: what polars Int64, Arrow, spaCy and most JSON consumers
# hold exactly. An integer attribute's range is its `minimum`/`maximum`, narrowed from this one.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

AttributeType = Literal["enum", "integer", "boolean", "date", "string"]
Loc = tuple[str | int, ...]


class SchemaError(Exception):
    """A schema file that cannot be used; each problem names its line and place in the file."""

    code = "invalid-schema"

    def __init__(self, path: Path, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line or '?'}: {where}: {message}" for line, where, message in problems]
        super().__init__("\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegistryEntry(_Model):
    id: str = Field(pattern=UPPER_NAME)
    name: str
    description: str | None = None
    parent: str | None = None
    # The names the entry is known by in text ("Moscow", "the Kremlin"), as written; the
    # pre-annotator matches them (prelabel/mentions.py). `name` is a display name, not matched.
    aliases: tuple[str, ...] = ()


class Registry(_Model):
    name: str = Field(pattern=LOWER_NAME)
    description: str
    entries: tuple[RegistryEntry, ...] = Field(min_length=1)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(entry.id for entry in self.entries)


class EnumValue(_Model):
    value: str = Field(pattern=LOWER_NAME)
    description: str


class Attribute(_Model):
    name: str = Field(pattern=LOWER_NAME)
    type: AttributeType
    description: str
    required: bool = False
    default: Any = None
    values: tuple[EnumValue, ...] | None = None
    registry: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = Field(default=None, ge=1)

    @property
    def integer_range(self) -> tuple[int, int]:
        """(least, greatest) value of an integer attribute: its bounds, within int64 when unstated."""
        return (INT64_MIN if self.minimum is None else self.minimum,
                INT64_MAX if self.maximum is None else self.maximum)


# A bound rule that names what the bound must equal, as an offset from the stated value: "more
# than 551" has minimum value+1 (552).
BOUND_FROM_VALUE = {"value": 0, "value+1": 1, "value-1": -1}


class BoundRule(_Model):
    value: str
    minimum: str
    maximum: str


class Interval(_Model):
    """Which attributes of a label hold a number as an interval, and what each qualifier implies."""

    qualifier: str
    value: str
    minimum: str
    maximum: str
    rules: dict[str, BoundRule]


class Label(_Model):
    name: str = Field(pattern=UPPER_NAME)
    kind: Literal["core", "supporting"]
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    definition: str
    attributes: tuple[str, ...] = ()
    interval: Interval | None = None


class Relation(_Model):
    name: str = Field(pattern=LOWER_NAME)
    definition: str
    head: tuple[str, ...] = Field(min_length=1)
    tail: tuple[str, ...] = Field(min_length=1)
    max_per_head: int | None = Field(default=None, ge=1)


class Schema(_Model):
    name: str
    version: str = Field(pattern=SEMVER)
    description: str
    registries: tuple[Registry, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    labels: tuple[Label, ...] = Field(min_length=1)
    relations: tuple[Relation, ...] = ()

    def __hash__(self) -> int:  # cache key for derived types; equality still compares every field
        return hash((self.name, self.version))

    @functools.cached_property
    def labels_by_name(self) -> dict[str, Label]:
        return {label.name: label for label in self.labels}

    @functools.cached_property
    def attributes_by_name(self) -> dict[str, Attribute]:
        return {attribute.name: attribute for attribute in self.attributes}

    @functools.cached_property
    def relations_by_name(self) -> dict[str, Relation]:
        return {relation.name: relation for relation in self.relations}

    @functools.cached_property
    def registries_by_name(self) -> dict[str, Registry]:
        return {registry.name: registry for registry in self.registries}

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    @property
    def core_labels(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels if label.kind == "core")

    def label_attributes(self, label: str) -> tuple[Attribute, ...]:
        """The attribute definitions a label carries, in the order the schema lists them."""
        return tuple(self.attributes_by_name[name] for name in self.labels_by_name[label].attributes)

    def labels_with_attribute(self, attribute: str) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels if attribute in label.attributes)

    @functools.cached_property
    def allowed_value_sets(self) -> dict[str, frozenset[str]]:
        """attribute name -> its allowed_values as a set, for the enum attributes (built once)."""
        return {a.name: frozenset(values) for a in self.attributes if (values := self.allowed_values(a)) is not None}

    def allowed_values(self, attribute: Attribute) -> tuple[str, ...] | None:
        """The closed list of values of an enum attribute (its own values, or its registry's ids)."""
        if attribute.values is not None:
            return tuple(value.value for value in attribute.values)
        if attribute.registry is not None:
            return self.registries_by_name[attribute.registry].ids
        return None

    def default_of(self, attribute: Attribute) -> Any:
        """The value an absent optional attribute takes (typed: a date default becomes a date)."""
        if attribute.type == "date" and isinstance(attribute.default, str):
            return parse_date(attribute.default)
        return attribute.default


ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def parse_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD, whole; ValueError otherwise.

    `date.fromisoformat` alone also takes "20240322" and "2024-W12-5" (Python 3.11+), which JSON
    Schema's `date` format (RFC 3339 full-date) does not.
    """
    if not re.fullmatch(ISO_DATE, text):
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}")
    return dt.date.fromisoformat(text)


def parse_version(version: str) -> tuple[int, int, int]:
    match = re.fullmatch(SEMVER, version)
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


# ---------------------------------------------------------------------------------------------
# Loading


def _describe(data: Any, loc: Loc) -> str:
    """`labels[3] (CASUALTY_FIGURE).attributes[1]`: a path a person can find in the file."""
    text, node = "", data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            name = node.get("name") or node.get("id") if isinstance(node, dict) else None
            if name:
                text += f" ({name})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(top level)"


def load_schema_file(path: Path) -> Schema:
    """Parse and check one schema file; raise SchemaError listing every problem found."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SchemaError(path, [(None, "(file)", f"cannot read: {error.strerror or error}")]) from None
    except UnicodeDecodeError as error:
        raise SchemaError(path, [(None, "(file)", f"not UTF-8 (byte {error.start})")]) from None
    try:
        root, data = compose_and_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise SchemaError(path, [(line, "(syntax)", str(getattr(error, "problem", error)))]) from None
    if not isinstance(data, dict):
        raise SchemaError(path, [(1, "(top level)", "a schema file is a mapping")])
    try:
        schema = Schema.model_validate(data)
    except ValidationError as error:
        problems = [
            (line_of(root, tuple(e["loc"])), _describe(data, tuple(e["loc"])), e["msg"])
            for e in error.errors()
        ]
        raise SchemaError(path, problems) from None
    problems = [(line_of(root, loc), _describe(data, loc), msg) for loc, msg in _cross_reference_problems(schema)]
    expected = path.name.removeprefix("v").removesuffix(".yaml")
    if re.fullmatch(SEMVER, expected) and expected != schema.version:
        problems.append((line_of(root, ("version",)), "version", f"file is named for {expected} but declares {schema.version}"))
    if problems:
        raise SchemaError(path, problems)
    return schema


def _duplicates(names: Iterable[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield index, name
        seen.add(name)


def _cross_reference_problems(schema: Schema) -> Iterator[tuple[Loc, str]]:
    """Everything pydantic's field types cannot see: names, references, defaults, intervals."""
    for section, names in (
        ("registries", [r.name for r in schema.registries]),
        ("attributes", [a.name for a in schema.attributes]),
        ("labels", [label.name for label in schema.labels]),
        ("relations", [r.name for r in schema.relations]),
    ):
        for index, name in _duplicates(names):
            yield (section, index, "name"), f"duplicate name {name!r}"
    for index, name in _duplicates([a.name for a in schema.attributes] + [r.name for r in schema.relations]):
        yield ("relations", index - len(schema.attributes), "name"), f"{name!r} names both an attribute and a relation"
    for r_index, registry in enumerate(schema.registries):
        yield from _registry_problems(registry, ("registries", r_index))
    for a_index, attribute in enumerate(schema.attributes):
        yield from _attribute_problems(schema, attribute, ("attributes", a_index))
    for l_index, label in enumerate(schema.labels):
        yield from _label_problems(schema, label, ("labels", l_index))
    for r_index, relation in enumerate(schema.relations):
        for end in ("head", "tail"):
            for i, name in enumerate(getattr(relation, end)):
                if name not in schema.labels_by_name:
                    yield ("relations", r_index, end, i), f"unknown label {name!r}"


def _registry_problems(registry: Registry, loc: Loc) -> Iterator[tuple[Loc, str]]:
    ids = set(registry.ids)
    for index, entry_id in _duplicates(registry.ids):
        yield (*loc, "entries", index, "id"), f"duplicate id {entry_id!r}"
    for index, entry in enumerate(registry.entries):
        if entry.parent is not None and entry.parent not in ids:
            yield (*loc, "entries", index, "parent"), f"unknown parent {entry.parent!r}"
        if entry.parent == entry.id:
            yield (*loc, "entries", index, "parent"), "an entry cannot be its own parent"
    yield from _alias_problems(registry, loc)


def _alias_problems(registry: Registry, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Aliases are trimmed, non-empty, on one line, and name one entry only (compared casefolded)."""
    owner: dict[str, str] = {}
    for index, entry in enumerate(registry.entries):
        for a_index, alias in enumerate(entry.aliases):
            where = (*loc, "entries", index, "aliases", a_index)
            if not alias.strip() or alias != alias.strip() or "\n" in alias or "  " in alias:
                yield where, f"alias {alias!r} must be non-empty, trimmed, on one line, single-spaced"
                continue
            key = alias.casefold()
            if key in owner:
                other = owner[key]
                yield where, (f"alias {alias!r} is listed twice for {other!r}" if other == entry.id
                              else f"alias {alias!r} is also an alias of {other!r}")
            owner.setdefault(key, entry.id)


def _attribute_problems(schema: Schema, attribute: Attribute, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if attribute.name in RESERVED_NAMES:
        yield (*loc, "name"), f"{attribute.name!r} is reserved for the Label Studio config"
    if attribute.type == "enum":
        if (attribute.values is None) == (attribute.registry is None):
            yield loc, "an enum attribute needs exactly one of `values` or `registry`"
        if attribute.registry is not None and attribute.registry not in schema.registries_by_name:
            yield (*loc, "registry"), f"unknown registry {attribute.registry!r}"
        for index, value in _duplicates(v.value for v in attribute.values or ()):
            yield (*loc, "values", index, "value"), f"duplicate value {value!r}"
    elif attribute.values is not None or attribute.registry is not None:
        yield loc, f"only enum attributes have `values` or `registry`, not {attribute.type}"
    if attribute.type != "integer" and (attribute.minimum is not None or attribute.maximum is not None):
        yield loc, "only integer attributes have `minimum` or `maximum`"
    for bound in ("minimum", "maximum"):
        value = getattr(attribute, bound)
        if value is not None and not INT64_MIN <= value <= INT64_MAX:
            yield (*loc, bound), f"{bound} {value} is outside the signed 64-bit range ({INT64_MIN} to {INT64_MAX})"
    if attribute.minimum is not None and attribute.maximum is not None and attribute.minimum > attribute.maximum:
        yield loc, f"minimum {attribute.minimum} is greater than maximum {attribute.maximum}"
    if attribute.type != "string" and attribute.max_length is not None:
        yield (*loc, "max_length"), "only string attributes have `max_length`"
    if attribute.required and attribute.default is not None:
        yield (*loc, "default"), "a required attribute cannot have a default"
    if attribute.default is not None:
        problem = _default_problem(schema, attribute)
        if problem:
            yield (*loc, "default"), problem


def _default_problem(schema: Schema, attribute: Attribute) -> str | None:
    problem = value_problem(schema, attribute, attribute.default)
    return f"default {problem}" if problem else None


def value_problem(schema: Schema, attribute: Attribute, default: Any) -> str | None:
    """What is wrong with `default` as a (non-null) value of `attribute`, or None when it fits."""
    if attribute.type == "enum":
        allowed = schema.allowed_values(attribute) or ()
        return None if default in allowed else f"{default!r} is not one of {list(allowed)}"
    if attribute.type == "integer":
        if not isinstance(default, int) or isinstance(default, bool):
            return f"{default!r} is not an integer"
        low, high = attribute.integer_range
        if not low <= default <= high:
            return f"{default} is outside [{low}, {high}]"
        return None
    if attribute.type == "boolean":
        return None if isinstance(default, bool) else f"{default!r} is not a boolean"
    if attribute.type == "date":
        try:
            parse_date(str(default))
        except ValueError:
            return f"{default!r} is not a date (YYYY-MM-DD)"
        return None
    return None if isinstance(default, str) else f"{default!r} is not a string"


def _label_problems(schema: Schema, label: Label, loc: Loc) -> Iterator[tuple[Loc, str]]:
    for index, name in enumerate(label.attributes):
        if name not in schema.attributes_by_name:
            yield (*loc, "attributes", index), f"unknown attribute {name!r}"
    for index, name in _duplicates(label.attributes):
        yield (*loc, "attributes", index), f"attribute {name!r} listed twice"
    if label.interval is not None:
        yield from _interval_problems(schema, label, (*loc, "interval"))


def _interval_problems(schema: Schema, label: Label, loc: Loc) -> Iterator[tuple[Loc, str]]:
    interval = label.interval
    assert interval is not None
    wanted = {"qualifier": "enum", "value": "integer", "minimum": "integer", "maximum": "integer"}
    for role, kind in wanted.items():
        name = getattr(interval, role)
        attribute = schema.attributes_by_name.get(name)
        if name not in label.attributes or attribute is None:
            yield (*loc, role), f"{name!r} is not an attribute of {label.name}"
        elif attribute.type != kind:
            yield (*loc, role), f"{name!r} must be an {kind} attribute"
    qualifier = schema.attributes_by_name.get(interval.qualifier)
    qualifiers = set(schema.allowed_values(qualifier) or ()) if qualifier else set()
    for missing in sorted(qualifiers - interval.rules.keys()):
        yield (*loc, "rules"), f"no rule for qualifier {missing!r}"
    for key, rule in interval.rules.items():
        if qualifiers and key not in qualifiers:
            yield (*loc, "rules", key), f"{key!r} is not a value of {interval.qualifier!r}"
        for role in ("value", "minimum", "maximum"):
            bound = getattr(rule, role)
            allowed = ("required", "null", "any") if role == "value" else BOUND_RULES
            if bound not in allowed:
                yield (*loc, "rules", key, role), f"{bound!r} is not one of {list(allowed)}"


# ---------------------------------------------------------------------------------------------
# Folders of schema files


class SchemaFolder:
    """A folder of schema files, `vX.Y.Z.yaml`, each loaded and checked once.

    The project's own folder is `default_folder()` (schema/, or the copy inside a wheel); tests
    and tools may point one at any folder, e.g. one holding a made-up next version.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._loaded: dict[str, Schema] = {}

    def __repr__(self) -> str:
        return f"SchemaFolder({str(self.path)!r})"

    def path_of(self, version: str) -> Path:
        return self.path / f"v{version}.yaml"

    def versions(self) -> tuple[str, ...]:
        """Every schema version in the folder, oldest first. UnreadableFolder when the folder
        cannot be listed (Path.glob would give no version, without a word)."""
        files, unreadable = files_in(self.path, "v*.yaml")
        if unreadable:
            raise UnreadableFolder(str(unreadable[0]))
        names = (p.name.removeprefix("v").removesuffix(".yaml") for p in files)
        return tuple(sorted((v for v in names if re.fullmatch(SEMVER, v)), key=parse_version))

    def latest(self) -> str:
        """The newest version; FileNotFoundError when the folder holds none."""
        versions = self.versions()
        if not versions:
            raise FileNotFoundError(f"no schema file (vX.Y.Z.yaml) in {self.path}")
        return versions[-1]

    def load(self, version: str | None = None) -> Schema:
        """The schema of `version` (the latest when None), checked once and kept.

        Raises FileNotFoundError for a version with no file, SchemaError for a malformed one.
        """
        version = version or self.latest()
        if version not in self._loaded:
            path = self.path_of(version)
            if not re.fullmatch(SEMVER, version) or not path.is_file():
                raise FileNotFoundError(f"no schema {version} in {self.path}")
            self._loaded[version] = load_schema_file(path)
        return self._loaded[version]


@functools.lru_cache(maxsize=None)
def _folder_at(path: Path) -> SchemaFolder:
    return SchemaFolder(path)


def default_folder() -> SchemaFolder:
    """The project's schema folder (schema/ of the checkout, or the wheel's copy)."""
    return _folder_at(resources.schema_dir())


def schema_path(version: str) -> Path:
    return default_folder().path_of(version)


def available_versions() -> tuple[str, ...]:
    """Every schema version shipped, oldest first."""
    return default_folder().versions()


def latest_version() -> str:
    return default_folder().latest()


def load_schema(version: str | None = None) -> Schema:
    """The shipped schema of `version` (the latest when None), checked and cached."""
    return default_folder().load(version)
