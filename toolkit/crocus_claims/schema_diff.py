"""What changed between two schema versions, and the version bump schema/VERSIONING.md requires.

`BUMPS` is the table of schema/VERSIONING.md written once as data: each kind of change and the
bump it needs. `diff_schemas` lists the changes between two schema files; a migration between
them, when given, turns remove-and-add pairs into renames and adds its `needs_decision` changes of
meaning, which no comparison of two files can see.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Literal

from crocus_claims.schema import Attribute, Registry, Schema, parse_version

Bump = Literal["major", "minor", "patch"]
RANK: dict[str, int] = {"patch": 0, "minor": 1, "major": 2}

# schema/VERSIONING.md, "The version number follows semantic versioning": each kind of change and
# its bump. Major: something removed or renamed, or its meaning changed (a definition that changes
# what a span covers, a value that becomes required). Minor: something optional added. Patch:
# nothing a record can see (wording, a new registry entry).
BUMPS: dict[str, Bump] = {
    "label-removed": "major",
    "label-renamed": "major",
    "label-kind-changed": "major",
    "label-attribute-removed": "major",
    "label-attribute-added-required": "major",
    "label-interval-changed": "major",
    "attribute-removed": "major",
    "attribute-renamed": "major",
    "attribute-type-changed": "major",
    "attribute-registry-changed": "major",
    "attribute-became-required": "major",
    "attribute-default-changed": "major",
    "attribute-range-narrowed": "major",
    "value-removed": "major",
    "value-renamed": "major",
    "values-merged": "major",
    "relation-removed": "major",
    "relation-renamed": "major",
    "relation-ends-narrowed": "major",
    "relation-limit-lowered": "major",
    "registry-removed": "major",
    "registry-entry-removed": "major",
    "registry-entry-renamed": "major",
    "meaning-changed": "major",
    "label-added": "minor",
    "label-attribute-added": "minor",
    "attribute-added": "minor",
    "attribute-became-optional": "minor",
    "attribute-range-widened": "minor",
    "value-added": "minor",
    "relation-added": "minor",
    "relation-ends-widened": "minor",
    "relation-limit-raised": "minor",
    "registry-added": "patch",
    "registry-entry-added": "patch",
    "wording-changed": "patch",
}


@dataclass(frozen=True)
class Change:
    kind: str
    what: str  # "label MEDIA_OUTLET", "attribute channel value in_person"
    detail: str = ""

    @property
    def bump(self) -> Bump:
        return BUMPS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "bump": self.bump}


@dataclass(frozen=True)
class SchemaDiff:
    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def required(self) -> Bump:
        """The smallest bump the changes allow (patch when nothing changed)."""
        return max((c.bump for c in self.changes), key=RANK.__getitem__, default="patch")

    @property
    def actual(self) -> Bump | None:
        """The bump from old to new version number; None when new is not newer."""
        return version_bump(self.old, self.new)

    @property
    def ok(self) -> bool:
        return self.actual is not None and RANK[self.actual] >= RANK[self.required]

    def verdict(self) -> str:
        if self.actual is None:
            return f"{self.new} is not newer than {self.old}"
        if self.ok:
            return f"{self.old} -> {self.new} is a {self.actual} bump; the changes need {self.required}: ok"
        return (f"{self.old} -> {self.new} is a {self.actual} bump, but the changes need a {self.required} bump "
                f"(schema/VERSIONING.md): the next {self.required} version is {next_version(self.old, self.required)}")

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "required_bump": self.required, "actual_bump": self.actual,
                "ok": self.ok, "changes": [c.to_dict() for c in self.changes]}


def version_bump(old: str, new: str) -> Bump | None:
    a, b = parse_version(old), parse_version(new)
    if b <= a:
        return None
    return "major" if b[0] != a[0] else "minor" if b[1] != a[1] else "patch"


def next_version(version: str, bump: Bump) -> str:
    major, minor, patch = parse_version(version)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[bump]


# ---------------------------------------------------------------------------------------------
# Comparing two schemas


def diff_schemas(old: Schema, new: Schema, migration: Any = None) -> SchemaDiff:
    """Every change from `old` to `new`, with renames and changes of meaning from `migration`."""
    renames = _renames(migration)
    changes = list(_registry_changes(old, new, renames))
    changes += _attribute_changes(old, new, renames)
    changes += _label_changes(old, new, renames)
    changes += _relation_changes(old, new, renames)
    if old.description != new.description or old.name != new.name:
        changes.append(Change("wording-changed", "schema description"))
    for op in getattr(migration, "decisions", ()):
        changes.append(Change("meaning-changed", f"attribute {op.attribute} of {', '.join(op.select.labels)}",
                              f"needs_decision {op.id}: {op.question}"))
    return SchemaDiff(old.version, new.version, tuple(changes))


def _renames(migration: Any) -> dict[str, dict[Any, str]]:
    """kind -> {old name: new name} (values keyed by (attribute, value); entries by (registry, id))."""
    found: dict[str, dict[Any, str]] = {"label": {}, "attribute": {}, "value": {}, "relation": {}, "entry": {}}
    for op in getattr(migration, "operations", ()):
        if op.op == "rename_label":
            found["label"][op.from_] = op.to
        elif op.op == "rename_attribute":
            found["attribute"][op.from_] = op.to
        elif op.op == "rename_value":
            found["value"][(op.attribute, op.from_)] = op.to
        elif op.op == "merge_values":
            for value in op.from_:
                found["value"][(op.attribute, value)] = op.to
        elif op.op == "rename_relation":
            found["relation"][op.from_] = op.to
        elif op.op == "rename_entry":
            found["entry"][(op.registry, op.from_)] = op.to
    return found


def _added_removed(old: set[Any], new: set[Any], renamed: dict[Any, str], kind: str, what: str,
                   key: Any = None) -> Iterator[Change]:
    """Removed names (or renamed, per the migration) and added ones, in sorted order."""
    targets = set()
    for name in sorted(old - new):
        lookup = (key, name) if key is not None else name
        if lookup in renamed and renamed[lookup] in new:
            targets.add(renamed[lookup])
            merged = sum(1 for k, v in renamed.items() if v == renamed[lookup]) > 1
            yield Change(f"{kind}s-merged" if merged and kind == "value" else f"{kind}-renamed",
                         f"{what} {name}", f"now {renamed[lookup]}")
        else:
            yield Change(f"{kind}-removed", f"{what} {name}")
    for name in sorted(new - old - targets):
        yield Change(f"{kind}-added", f"{what} {name}")


def _registry_changes(old: Schema, new: Schema, renames: dict[str, dict[Any, str]]) -> Iterator[Change]:
    old_r, new_r = old.registries_by_name, new.registries_by_name
    for name in sorted(old_r.keys() - new_r.keys()):
        yield Change("registry-removed", f"registry {name}")
    for name in sorted(new_r.keys() - old_r.keys()):
        yield Change("registry-added", f"registry {name}")
    for name in sorted(old_r.keys() & new_r.keys()):
        a, b = old_r[name], new_r[name]
        yield from (Change(f"registry-{c.kind}", c.what, c.detail)  # entry-added -> registry-entry-added
                    for c in _added_removed(set(a.ids), set(b.ids), renames["entry"], "entry",
                                            f"registry {name} id", key=name))
        yield from _entry_wording_changes(name, a, b)
        if a.description != b.description:
            yield Change("wording-changed", f"registry {name}", "description")


ENTRY_WORDING = ("name", "description", "parent", "aliases")


def _entry_wording_changes(name: str, old: Registry, new: Registry) -> Iterator[Change]:
    """A row for each entry whose name, description or parent changed (naming what changed); the
    entries whose only change is their aliases (what the pre-annotator matches) in one row, since a
    version that adds aliases touches most entries."""
    old_entries = {entry.id: entry for entry in old.entries}
    aliases_only = []
    for entry in new.entries:
        before = old_entries.get(entry.id)
        if before is None:
            continue  # added (or the target of a rename): _added_removed says so
        changed = [field for field in ENTRY_WORDING if getattr(before, field) != getattr(entry, field)]
        if changed == ["aliases"]:
            aliases_only.append(entry.id)
        elif changed:
            yield Change("wording-changed", f"registry {name} id {entry.id}", ", ".join(changed))
    if aliases_only:
        yield Change("wording-changed", f"registry {name}",
                     f"aliases of {len(aliases_only)} entries: {', '.join(aliases_only)}")


def _attribute_changes(old: Schema, new: Schema, renames: dict[str, dict[Any, str]]) -> Iterator[Change]:
    old_a, new_a = old.attributes_by_name, new.attributes_by_name
    yield from _added_removed(set(old_a), set(new_a), renames["attribute"], "attribute", "attribute")
    for before, after in _matched(old_a, new_a, renames["attribute"]):
        yield from _one_attribute(before, after, renames)


def _matched(old: dict[str, Any], new: dict[str, Any], renamed: dict[Any, str]) -> Iterator[tuple[Any, Any]]:
    """(old, new) definitions of the same label, attribute or relation, following renames."""
    for name, before in old.items():
        after = new.get(renamed.get(name, name))
        if after is not None:
            yield before, after


def _one_attribute(a: Attribute, b: Attribute, renames: dict[str, dict[Any, str]]) -> Iterator[Change]:
    what = f"attribute {b.name}"
    if a.type != b.type:
        yield Change("attribute-type-changed", what, f"{a.type} -> {b.type}")
    if a.registry != b.registry:
        yield Change("attribute-registry-changed", what, f"{a.registry} -> {b.registry}")
    if a.required != b.required:
        yield Change("attribute-became-required" if b.required else "attribute-became-optional", what)
    if a.default != b.default:
        yield Change("attribute-default-changed", what, f"{a.default!r} -> {b.default!r}")
    for bound, narrower in (("minimum", lambda x, y: x is None and y is not None or (x is not None and y is not None and y > x)),
                            ("maximum", lambda x, y: x is None and y is not None or (x is not None and y is not None and y < x))):
        x, y = getattr(a, bound), getattr(b, bound)
        if x != y:
            yield Change("attribute-range-narrowed" if narrower(x, y) else "attribute-range-widened", what,
                         f"{bound} {x} -> {y}")
    if a.max_length != b.max_length:
        shorter = b.max_length is not None and (a.max_length is None or b.max_length < a.max_length)
        yield Change("attribute-range-narrowed" if shorter else "attribute-range-widened", what,
                     f"max_length {a.max_length} -> {b.max_length}")
    if a.values is not None and b.values is not None:
        old_values = {v.value for v in a.values}
        yield from _added_removed(old_values, {v.value for v in b.values}, renames["value"], "value",
                                  f"{what} value", key=a.name)
        old_descriptions = {v.value: v.description for v in a.values}
        for value in b.values:
            if value.value in old_descriptions and old_descriptions[value.value] != value.description:
                yield Change("wording-changed", f"{what} value {value.value}", "description")
    if a.description != b.description:
        yield Change("wording-changed", what, "description")


def _label_changes(old: Schema, new: Schema, renames: dict[str, dict[Any, str]]) -> Iterator[Change]:
    old_l, new_l = old.labels_by_name, new.labels_by_name
    yield from _added_removed(set(old_l), set(new_l), renames["label"], "label", "label")
    attribute_names = renames["attribute"]
    for a, b in _matched(old_l, new_l, renames["label"]):
        what = f"label {b.name}"
        if a.kind != b.kind:
            yield Change("label-kind-changed", what, f"{a.kind} -> {b.kind}")
        carried = {attribute_names.get(n, n) for n in a.attributes}
        for attribute in sorted(carried - set(b.attributes)):
            yield Change("label-attribute-removed", what, f"attribute {attribute}")
        for attribute in sorted(set(b.attributes) - carried):
            required = new.attributes_by_name[attribute].required
            yield Change("label-attribute-added-required" if required else "label-attribute-added", what,
                         f"attribute {attribute}")
        if a.interval != b.interval and not (a.interval and b.interval and _same_interval(a, b, attribute_names)):
            yield Change("label-interval-changed", what, "interval rules")
        if a.definition != b.definition or a.color != b.color:
            yield Change("wording-changed", what, "definition" if a.definition != b.definition else "colour")


def _same_interval(a: Any, b: Any, attribute_names: dict[str, str]) -> bool:
    x, y = a.interval, b.interval
    return all(attribute_names.get(getattr(x, role), getattr(x, role)) == getattr(y, role)
               for role in ("qualifier", "value", "minimum", "maximum")) and x.rules == y.rules


def _relation_changes(old: Schema, new: Schema, renames: dict[str, dict[Any, str]]) -> Iterator[Change]:
    old_r, new_r = old.relations_by_name, new.relations_by_name
    yield from _added_removed(set(old_r), set(new_r), renames["relation"], "relation", "relation")
    labels = renames["label"]
    for a, b in _matched(old_r, new_r, renames["relation"]):
        what = f"relation {b.name}"
        for end in ("head", "tail"):
            before = {labels.get(label, label) for label in getattr(a, end)} & set(new.labels_by_name)
            after = set(getattr(b, end))
            if before - after:
                yield Change("relation-ends-narrowed", what, f"{end} no longer {', '.join(sorted(before - after))}")
            if after - before:
                yield Change("relation-ends-widened", what, f"{end} also {', '.join(sorted(after - before))}")
        if a.max_per_head != b.max_per_head:
            lower = b.max_per_head is not None and (a.max_per_head is None or b.max_per_head < a.max_per_head)
            yield Change("relation-limit-lowered" if lower else "relation-limit-raised", what,
                         f"max_per_head {a.max_per_head} -> {b.max_per_head}")
        if a.definition != b.definition:
            yield Change("wording-changed", what, "definition")
