"""Applying migrations to one record in memory, with every change reported as an Impact.

A record here is plain mapping data: a JSONL record (spans with `text`), or an authored file
(spans with `quote`, relations with or without `id`) read by a round-trip YAML library. Nothing
here reads or writes files, so `annotations migrate`, `validate --migrate` and `ls migrate` share it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from crocus_claims.migration.model import (
    AddAttribute,
    ChangeRelationEnds,
    MergeValues,
    Migration,
    MigrationError,
    NeedsDecision,
    RemoveAttribute,
    RemoveLabel,
    RemoveValue,
    RenameAttribute,
    RenameEntry,
    RenameLabel,
    RenameRelation,
    RenameValue,
    migration_path,
)
from crocus_claims.records import derived_relation_id
from crocus_claims.validation.findings import Finding

if TYPE_CHECKING:
    from crocus_claims.schema import SchemaFolder

ImpactKind = Literal["changed", "added", "decided", "needs-decision", "lost", "refused"]
# The impacts that stop a write: a decision nobody made, data a migration would lose, data it refuses to drop.
BLOCKING: dict[str, str] = {
    "needs-decision": "migration-needs-decision",
    "lost": "migration-loses-data",
    "refused": "migration-refuses-loss",
}


@dataclass(frozen=True)
class Impact:
    """One change a migration makes (or would make) to a record.

    kind: changed (renamed, merged, null attribute removed), added (a new attribute set),
    decided (a person's answer applied), needs-decision (no answer yet: the value is kept),
    lost (data dropped, as the migration says), refused (data the migration removes without
    `drop: true`: kept, and the record cannot be written).
    """

    kind: ImpactKind
    migration: str
    op: str
    message: str
    doc_id: str | None = None
    annotator: str | None = None
    span_id: str | None = None
    relation_id: str | None = None
    path: str | None = None  # "spans[3].attributes.incident"
    text: str | None = None  # the span's text (or quote)
    old: Any = None
    new: Any = None
    question: str | None = None
    decision_id: str | None = None
    answers: tuple[Any, ...] | None = None
    by: str | None = None
    why: str | None = None

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    def to_dict(self) -> dict[str, Any]:
        """JSON data: dates (read from YAML) as ISO strings, answers as a list."""
        data = {key: _plain(value) for key, value in asdict(self).items()}
        data["answers"] = [_plain(a) for a in self.answers] if self.answers is not None else None
        return data

    def finding(self, file: str | None = None, line: int | None = None) -> Finding:
        """The blocking impact as a coded finding (validation/codes.py)."""
        code = BLOCKING.get(self.kind, "migration-changed")
        message = self.message
        if self.text is not None:
            message += f" (text: {self.text!r})"
        return Finding(code, message, file, line, self.doc_id, self.span_id, self.relation_id, self.path)


@dataclass(frozen=True)
class Decision:
    """A person's answer to a needs_decision question about one span.

    `question` (the needs_decision id) is needed only when several questions ask about one span;
    `annotator` limits the answer to that annotator's record of the document.
    """

    doc_id: str
    span_id: str
    answer: Any
    by: str
    why: str
    question: str | None = None
    annotator: str | None = None


@dataclass
class Decisions:
    """Decisions by (doc_id, span_id), remembering which were used (the others are reported)."""

    items: list[Decision] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    def find(self, doc_id: str | None, annotator: str | None, span_id: str | None,
             question: str) -> Decision | None:
        for index, decision in enumerate(self.items):
            if (decision.doc_id, decision.span_id) == (doc_id, span_id) \
                    and decision.question in (None, question) and decision.annotator in (None, annotator):
                self.used.add(index)
                return decision
        return None

    def unused(self) -> list[Decision]:
        return [d for i, d in enumerate(self.items) if i not in self.used]


class _Run:
    """The state of migrating one record through one migration: where impacts are collected."""

    def __init__(self, record: MutableMapping[str, Any], migration: Migration, decisions: Decisions | None):
        self.record, self.migration, self.decisions = record, migration, decisions
        self.impacts: list[Impact] = []
        self.op = ""

    @property
    def spans(self) -> list[Any]:
        spans = self.record.get("spans")
        return spans if isinstance(spans, list) else []

    @property
    def relations(self) -> list[Any]:
        relations = self.record.get("relations")
        return relations if isinstance(relations, list) else []

    def impact(self, kind: ImpactKind, message: str, span: Any = None, index: int | None = None,
               relation: Any = None, relation_index: int | None = None, path: str = "", **extra: Any) -> None:
        span_path = f"spans[{index}]" if index is not None else f"relations[{relation_index}]"
        self.impacts.append(Impact(
            kind, self.migration.name, self.op, message,
            doc_id=_text(self.record.get("doc_id")), annotator=_text(self.record.get("annotator")),
            span_id=_text(span.get("id")) if span is not None else None,
            relation_id=relation_key(relation) if relation is not None else None,
            path=span_path + path, text=_span_text(span) if span is not None else None, **extra))

    def attributes(self) -> Iterable[tuple[int, Any, MutableMapping[str, Any]]]:
        for index, span in enumerate(self.spans):
            attributes = span.get("attributes") if isinstance(span, Mapping) else None
            if isinstance(attributes, MutableMapping):
                yield index, span, attributes

    def labels(self) -> dict[Any, Any]:
        return {span.get("id"): span.get("label") for span in self.spans if isinstance(span, Mapping)}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _span_text(span: Any) -> str | None:
    return _text(span.get("text")) or _text(span.get("quote")) if isinstance(span, Mapping) else None


def relation_key(relation: Any) -> str | None:
    """A relation's id: its own, or the one `annotations build` derives from type, head and tail."""
    if not isinstance(relation, Mapping):
        return None
    if isinstance(relation.get("id"), str):
        return relation["id"]
    kind, head, tail = (relation.get(key) for key in ("type", "head", "tail"))
    if isinstance(kind, str) and isinstance(head, str) and isinstance(tail, str):
        return derived_relation_id(kind, head, tail)
    return None


def rename_key(mapping: MutableMapping[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping its position (and, in a round-trip YAML map, its comment)."""
    keys = list(mapping)
    position = keys.index(old)
    value = mapping.pop(old)
    comments = getattr(getattr(mapping, "ca", None), "items", None)
    if hasattr(mapping, "insert"):
        mapping.insert(position, new, value)  # ruamel's CommentedMap
    else:
        mapping[new] = value
        for key in keys[position + 1:]:
            mapping[key] = mapping.pop(key)
    if comments is not None and old in comments:
        comments[new] = comments.pop(old)


# ---------------------------------------------------------------------------------------------
# One function per operation


def _rename_label(run: _Run, op: RenameLabel, index: int) -> None:
    for i, span in enumerate(run.spans):
        if isinstance(span, MutableMapping) and span.get("label") == op.from_:
            span["label"] = op.to
            run.impact("changed", f"label {op.from_} renamed {op.to}", span, i, path=".label", old=op.from_, new=op.to)


def _rename_attribute(run: _Run, op: RenameAttribute, index: int) -> None:
    for i, span, attributes in run.attributes():
        if op.from_ in attributes:
            rename_key(attributes, op.from_, op.to)
            run.impact("changed", f"attribute {op.from_} renamed {op.to}", span, i, path=f".attributes.{op.to}",
                       old=op.from_, new=op.to)


def _replace_values(run: _Run, attribute_names: Sequence[str], old: Sequence[Any], new: Any, what: str) -> None:
    for i, span, attributes in run.attributes():
        for name in attribute_names:
            value = attributes.get(name)
            if value is not None and value in old:
                attributes[name] = new
                run.impact("changed", f"{name} {value} {what} {new}", span, i, path=f".attributes.{name}",
                           old=value, new=new)


def _rename_value(run: _Run, op: RenameValue, index: int) -> None:
    _replace_values(run, [op.attribute], [op.from_], op.to, "renamed")


def _merge_values(run: _Run, op: MergeValues, index: int) -> None:
    _replace_values(run, [op.attribute], op.from_, op.to, "merged into")


def _rename_entry(run: _Run, op: RenameEntry, index: int) -> None:
    _replace_values(run, run.migration.entry_attributes(index), [op.from_], op.to, "renamed")


def _rename_relation(run: _Run, op: RenameRelation, index: int) -> None:
    for i, relation in enumerate(run.relations):
        if isinstance(relation, MutableMapping) and relation.get("type") == op.from_:
            relation["type"] = op.to
            head, tail, rel_id = relation.get("head"), relation.get("tail"), relation.get("id")
            if isinstance(head, str) and isinstance(tail, str) and rel_id == derived_relation_id(op.from_, head, tail):
                relation["id"] = derived_relation_id(op.to, head, tail)  # an id made from the type follows it
            run.impact("changed", f"relation type {op.from_} renamed {op.to}", relation=relation,
                       relation_index=i, path=".type", old=op.from_, new=op.to)


def _add_attribute(run: _Run, op: AddAttribute, index: int) -> None:
    for i, span, attributes in run.attributes():
        if span.get("label") in op.labels and op.attribute not in attributes:
            attributes[op.attribute] = op.value
            run.impact("added", f"attribute {op.attribute} added as {op.value!r}", span, i,
                       path=f".attributes.{op.attribute}", new=op.value)


def _loss(run: _Run, drop: bool, what: str, **where: Any) -> bool:
    """Report data an operation removes; True when the migration says to drop it."""
    if drop:
        run.impact("lost", f"{what} is dropped", **where)
    else:
        run.impact("refused", f"{what} would be lost, and {run.migration.name} does not drop it "
                   "(`drop: true`): change the record first", **where)
    return drop


def _remove_attribute(run: _Run, op: RemoveAttribute, index: int) -> None:
    for i, span, attributes in run.attributes():
        if op.attribute not in attributes or (op.labels is not None and span.get("label") not in op.labels):
            continue
        value = attributes[op.attribute]
        where = {"span": span, "index": i, "path": f".attributes.{op.attribute}", "old": value}
        if value is None:
            del attributes[op.attribute]
            run.impact("changed", f"null attribute {op.attribute} removed", **where)
        elif _loss(run, op.drop, f"attribute {op.attribute} ({value!r})", **where):
            del attributes[op.attribute]


def _remove_value(run: _Run, op: RemoveValue, index: int) -> None:
    for i, span, attributes in run.attributes():
        if attributes.get(op.attribute) == op.value and _loss(
                run, op.drop, f"value {op.value} of {op.attribute}", span=span, index=i,
                path=f".attributes.{op.attribute}", old=op.value):
            attributes[op.attribute] = None


def _remove_relations(run: _Run, drop: bool, doomed: Sequence[tuple[int, Any]], why: str) -> None:
    dropped = {i for i, relation in doomed
               if _loss(run, drop, f"relation {relation.get('type')} {relation.get('head')} -> "
                        f"{relation.get('tail')} ({why})", relation=relation, relation_index=i)}
    if dropped:
        run.record["relations"][:] = [r for i, r in enumerate(run.relations) if i not in dropped]


def _remove_label(run: _Run, op: RemoveLabel, index: int) -> None:
    doomed = [(i, span) for i, span in enumerate(run.spans)
              if isinstance(span, Mapping) and span.get("label") == op.label]
    if not doomed:
        return
    ids = {span.get("id") for _, span in doomed}
    touching = [(i, r) for i, r in enumerate(run.relations)
                if isinstance(r, Mapping) and (r.get("head") in ids or r.get("tail") in ids)]
    _remove_relations(run, op.drop, touching, f"a {op.label} span is removed")
    dropped = {i for i, span in doomed if _loss(run, op.drop, f"span {span.get('id')} ({op.label})", span=span, index=i)}
    if dropped:
        run.record["spans"][:] = [s for i, s in enumerate(run.spans) if i not in dropped]


def _change_relation_ends(run: _Run, op: ChangeRelationEnds, index: int) -> None:
    labels = run.labels()
    doomed = []
    for i, relation in enumerate(run.relations):
        if not isinstance(relation, Mapping) or relation.get("type") != op.relation:
            continue
        head, tail = labels.get(relation.get("head")), labels.get(relation.get("tail"))
        if (op.head is not None and head not in op.head) or (op.tail is not None and tail not in op.tail):
            doomed.append((i, relation))
    _remove_relations(run, op.drop, doomed, f"{op.relation} no longer connects these labels")


def _needs_decision(run: _Run, op: NeedsDecision, index: int) -> None:
    for i, span, attributes in run.attributes():
        if not op.select.matches(span):
            continue
        old = attributes.get(op.attribute)
        where = {"span": span, "index": i, "path": f".attributes.{op.attribute}", "old": old,
                 "question": op.question, "decision_id": op.id, "answers": op.answers}
        decision = run.decisions.find(run.record.get("doc_id"), run.record.get("annotator"), span.get("id"), op.id) \
            if run.decisions is not None else None
        if decision is None:
            run.impact("needs-decision", f"{op.id}: {op.question}", **where)
        elif op.answers is not None and decision.answer not in op.answers:
            run.impact("needs-decision", f"{op.id}: the decision {decision.answer!r} is not one of the allowed "
                       f"answers {list(op.answers)}", **where)
        else:
            attributes[op.attribute] = decision.answer
            run.impact("decided", f"{op.id}: {op.attribute} set to {decision.answer!r}", new=decision.answer,
                       by=decision.by, why=decision.why, **where)


# operation class -> its handler, which takes an operation of that class (hence Any)
_APPLY: dict[type, Callable[[_Run, Any, int], None]] = {
    RenameLabel: _rename_label, RenameAttribute: _rename_attribute, RenameValue: _rename_value,
    MergeValues: _merge_values, RenameRelation: _rename_relation, RenameEntry: _rename_entry,
    AddAttribute: _add_attribute, RemoveAttribute: _remove_attribute, RemoveValue: _remove_value,
    RemoveLabel: _remove_label, ChangeRelationEnds: _change_relation_ends, NeedsDecision: _needs_decision,
}


def apply_migration(record: MutableMapping[str, Any], migration: Migration,
                    decisions: Decisions | None = None) -> list[Impact]:
    """Migrate `record` in place through one migration; the impacts, in the order made."""
    run = _Run(record, migration, decisions)
    for index, op in enumerate(migration.operations):
        run.op = op.op
        _APPLY[type(op)](run, op, index)
    record["schema_version"] = migration.to
    return run.impacts


def migrate_record(record: MutableMapping[str, Any], migrations: Sequence[Migration],
                   decisions: Decisions | None = None) -> tuple[Any, list[Impact]]:
    """A copy of `record` migrated through `migrations` (from `migration_path`), and its impacts.

    The record must be of the first migration's `from` version (ValueError otherwise); a record
    already at the last one's `to` version comes back unchanged, so migrating twice is a no-op.
    Blocking impacts (Impact.blocking) say the copy is not a faithful migration: a question
    left open keeps the old value, and data a migration refuses to drop is kept.
    """
    result = copy.deepcopy(record)
    if not migrations or result.get("schema_version") == migrations[-1].to:
        return result, []
    if result.get("schema_version") != migrations[0].from_:
        raise ValueError(f"a record of schema {result.get('schema_version')} cannot go through "
                         f"{migrations[0].name}")
    impacts: list[Impact] = []
    for migration in migrations:
        impacts += apply_migration(result, migration, decisions)
    return result, impacts


# ---------------------------------------------------------------------------------------------
# Sets of records of several versions, compared or merged


@dataclass
class CommonVersion:
    """Sets of records brought, in memory, to the newest schema version any of them names.

    sets: the records in the order given, each set as given where already at `version`, the
    others migrated (as plain JSON data); migrated: how many records came from each older version;
    findings: what stops using them (a migration missing, or an impact that blocks: a decision
    nobody made, data lost or refused), each naming its set's source, document and span.
    """

    version: str
    sets: list[list[Any]]
    migrated: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def note(self) -> str | None:
        """One line saying what was migrated, or None when nothing was."""
        if not self.migrated:
            return None
        counts = ", ".join(f"{n} record(s) of schema {v}" for v, n in sorted(self.migrated.items()))
        return f"migrated {counts} to {self.version} in memory (schema/migrations/), to use them with its records"


def record_version(record: Any) -> Any:
    """The schema version a record (a struct or plain data) names."""
    return record.get("schema_version") if isinstance(record, Mapping) else getattr(record, "schema_version", None)


def to_newest_version(sets: Sequence[Sequence[Any]], folder: SchemaFolder | None = None,
                      sources: Sequence[str | None] | None = None) -> CommonVersion:
    """Every set of records (structs or plain data, each valid under the version it names) at the
    newest version present, by `migration_path` and `migrate_record`; see CommonVersion.

    `sources` name each set in the findings (a file or folder). Records must name shipped
    versions of `folder` (default: schema/): validate them first.
    """
    from crocus_claims.records import to_builtins
    from crocus_claims.schema import default_folder, parse_version

    folder = folder or default_folder()
    sources = list(sources) if sources is not None else [None] * len(sets)
    versions = {record_version(record) for records in sets for record in records}
    if not versions:
        return CommonVersion(folder.latest(), [list(records) for records in sets])
    target = max(versions, key=parse_version)
    result = CommonVersion(target, [])
    chains: dict[str, list[Migration] | MigrationError] = {}
    for records, source in zip(sets, sources):
        brought: list[Any] = []
        for record in records:
            version = record_version(record)
            if version == target:
                brought.append(record)
                continue
            if version not in chains:
                try:
                    chains[version] = migration_path(version, target, folder)
                except MigrationError as error:
                    chains[version] = error
                    result.findings.append(Finding(error.code, f"schema {version} cannot be migrated to {target}: "
                                                   + "; ".join(str(error).splitlines()), source))
            chain = chains[version]
            if isinstance(chain, MigrationError):
                continue
            data = dict(record) if isinstance(record, Mapping) else to_builtins(record)
            migrated, impacts = migrate_record(data, chain)
            result.findings += [impact.finding(source) for impact in impacts if impact.blocking]
            result.migrated[version] = result.migrated.get(version, 0) + 1
            brought.append(migrated)
        result.sets.append(brought)
    return result
