"""Adjudication: two or more passes of the same documents merged into one, every difference decided.

Agreement is decided exactly as `crocus_claims.agreement` decides it, with its own functions:
- a span is agreed when at least `min_agree` passes (all, by default) have a span of the same
  label, start and end (`ComparedSpan.key`, what `pair_exact` pairs);
- the remaining spans are grouped with `pair_overlapping` (same label, overlapping; one-to-one per
  pair of passes), and each group is one decision item: `span-boundary` when the passes put the
  boundaries differently, `span-missing` when some passes lack the span;
- on an agreed span, an attribute is agreed when `min_agree` passes give the same JSON value
  (`attribute_text`); otherwise it is an `attribute` item;
- a relation is agreed when `min_agree` passes relate the same two span groups with the same type
  (as `agreement` matches relations through paired spans); otherwise it is a `relation` item. A
  relation is kept only when both of its ends are: an agreed relation whose end was decided out
  is dropped and reported, a relation decided in with such an end is refused.
With a threshold below all passes (`min_agree`), a pass's own variant of an accepted span is
outvoted: no item, and its relations count for the accepted span.
Two spans of one label at the same offsets in one pass cannot occur (the validator refuses
`duplicate-span`); overlapping spans of one label in one pass stay separate spans and are
paired one-to-one like any others.

Decisions are files, like everything else here: a YAML file lists every item with the text,
each pass's version, and empty `decision`, `by` and `why` slots. Passes are never modified; the
adjudicated pass is written as authored files (through `anchoring`) only when every item is
decided. The model is Prodigy's review recipe and INCEpTION's curation, kept in git.
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import yaml

from crocus_claims.agreement import ComparedSpan, attribute_text, compared_spans, pair_overlapping
from crocus_claims.records import derived_relation_id
from crocus_claims.validation.findings import Finding, json_text
from crocus_claims.yaml_source import UniqueKeyLoader, compose_and_load, line_of

REJECT, ACCEPT = "reject", "accept"
KINDS = ("span-boundary", "span-missing", "attribute", "relation")


# ---------------------------------------------------------------------------------------------
# Items


@dataclass
class Item:
    """One disagreement: what it is about, every pass's version, and (once decided) the decision."""

    id: str
    doc_id: str
    kind: str
    context: str
    versions: dict[str, Any]
    about: dict[str, Any] = field(default_factory=dict)
    decision: Any = None
    by: str | None = None
    why: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"id": self.id, "doc_id": self.doc_id, "kind": self.kind, "context": self.context,
                **self.about, "versions": self.versions, "decision": self.decision, "by": self.by,
                "why": self.why}


@dataclass
class _Group:
    """Spans of several passes that are one thing: an agreed key, or a decision item's spans."""

    id: str
    members: dict[str, list[dict[str, Any]]]  # pass -> its spans in the group
    item: Item | None = None  # None when agreed


@dataclass
class DocumentPlan:
    """What adjudication of one document needs: groups, attribute choices, relations, items."""

    doc_id: str
    text: str
    base: dict[str, Any]  # doc_id, schema_version, text_sha256
    groups: list[_Group]
    attributes: dict[tuple[str, str], Any]  # (group id, attribute) -> agreed value
    attribute_items: dict[tuple[str, str], Item]
    relations: dict[tuple[str, str, str], Item | None]  # (type, head group, tail group) -> item, None = agreed
    items: list[Item]


def _item_id(kind: str, doc_id: str, content: Any) -> str:
    digest = hashlib.sha256(json.dumps([kind, doc_id, content], sort_keys=True, ensure_ascii=False).encode())
    return f"{kind}-{digest.hexdigest()[:10]}"


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    """`…text before [the span] text after…` on one line."""
    before, after = text[max(0, start - width):start], text[end:end + width]
    return f"…{before}[{text[start:end]}]{after}…".replace("\n", "⏎")


def _span_version(span: dict[str, Any]) -> dict[str, Any]:
    return {"id": span["id"], "label": span["label"], "start": span["start"], "end": span["end"],
            "text": span["text"], "attributes": span["attributes"]}


def plan_document(doc_id: str, text: str, records: Mapping[str, dict[str, Any]], min_agree: int) -> DocumentPlan:
    """Agreed parts and decision items of one document, `records` being pass -> record (JSON data)."""
    passes = list(records)
    by_id = {name: {s["id"]: s for s in records[name]["spans"]} for name in passes}
    compared = {name: compared_spans(records[name]) for name in passes}
    keyed: dict[tuple[str, int, int], dict[str, ComparedSpan]] = defaultdict(dict)
    for name in passes:
        for span in compared[name]:
            keyed[span.key][name] = span
    groups: list[_Group] = []
    group_of: dict[tuple[str, str], str] = {}  # (pass, span id) -> group id
    used: set[str] = set()

    def new_group(members: dict[str, list[dict[str, Any]]], item: Item | None) -> _Group:
        first = next(span for spans in members.values() for span in spans)
        group_id, number = first["id"], 2
        while group_id in used:
            group_id, number = f"{first['id']}-{number}", number + 1
        used.add(group_id)
        group = _Group(group_id, members, item)
        for name, spans in members.items():
            for span in spans:
                group_of[name, span["id"]] = group_id
        groups.append(group)
        return group

    rest: dict[str, list[ComparedSpan]] = {name: [] for name in passes}
    for key in sorted(keyed, key=lambda k: (k[1], k[2], k[0])):
        holders = keyed[key]
        if len(holders) >= min_agree:
            new_group({name: [by_id[name][span.id]] for name, span in holders.items()}, None)
        else:
            for name, span in holders.items():
                rest[name].append(span)
    _absorb_outvoted(passes, rest, groups, group_of)
    items: list[Item] = []
    for component in _overlap_components(passes, rest):
        members = {name: [by_id[name][span.id] for span in component.get(name, [])] for name in passes}
        spans = [s for group in members.values() for s in group]
        start, end = min(s["start"] for s in spans), max(s["end"] for s in spans)
        kind = "span-boundary" if len({(s["label"], s["start"], s["end"]) for s in spans}) > 1 else "span-missing"
        versions = {name: [_span_version(s) for s in group] for name, group in members.items()}
        content = sorted((n, s["label"], s["start"], s["end"]) for n, g in members.items() for s in g)
        item = Item(_item_id(kind, doc_id, content), doc_id, kind, _context(text, start, end), versions)
        new_group(members, item)
        items.append(item)
    groups.sort(key=lambda g: min((s["start"], s["end"], s["label"]) for m in g.members.values() for s in m))
    attributes, attribute_items = _attribute_agreement(doc_id, text, groups, passes, min_agree)
    relations = _relation_agreement(doc_id, text, records, group_of, {g.id: g for g in groups}, min_agree)
    items += list(attribute_items.values()) + [item for item in relations.values() if item is not None]
    first = records[passes[0]]
    base = {"doc_id": doc_id, "schema_version": first["schema_version"], "text_sha256": first["text_sha256"]}
    return DocumentPlan(doc_id, text, base, groups, attributes, attribute_items, relations, items)


def _absorb_outvoted(passes: Sequence[str], rest: dict[str, list[ComparedSpan]], groups: list[_Group],
                     group_of: dict[tuple[str, str], str]) -> None:
    """With a threshold below all passes, a pass's own variant of an accepted span (same label,
    overlapping, paired by `pair_overlapping`) is outvoted: it is no item, and its relations count
    as relations of the accepted span."""
    for name in passes:
        lacking = [ComparedSpan(g.id, s["label"], s["start"], s["end"], s["attributes"])
                   for g in groups if not g.members.get(name) for s in next(m for m in g.members.values() if m)[:1]]
        if not lacking or not rest[name]:
            continue
        pairs = pair_overlapping(rest[name], lacking)
        for span_id, group_id in pairs.items():
            group_of[name, span_id] = group_id
        rest[name] = [span for span in rest[name] if span.id not in pairs]


def _overlap_components(passes: Sequence[str], rest: Mapping[str, list[ComparedSpan]]) -> list[dict[str, list[ComparedSpan]]]:
    """Connected groups of the unagreed spans, linked by `pair_overlapping` between every two passes."""
    parent: dict[tuple[str, str], tuple[str, str]] = {(n, s.id): (n, s.id) for n in passes for s in rest[n]}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, a in enumerate(passes):
        for b in passes[index + 1:]:
            for a_id, b_id in pair_overlapping(rest[a], rest[b]).items():
                parent[root((a, a_id))] = root((b, b_id))
    components: dict[tuple[str, str], dict[str, list[ComparedSpan]]] = defaultdict(lambda: defaultdict(list))
    for name in passes:
        for span in sorted(rest[name], key=lambda s: s.order):
            components[root((name, span.id))][name].append(span)
    return sorted(components.values(), key=lambda c: min(s.order for spans in c.values() for s in spans))


def _attribute_agreement(doc_id: str, text: str, groups: list[_Group], passes: Sequence[str],
                         min_agree: int) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], Item]]:
    agreed: dict[tuple[str, str], Any] = {}
    items: dict[tuple[str, str], Item] = {}
    for group in groups:
        if group.item is not None:
            continue  # a decided span comes with the attributes of the version chosen
        holders = {name: spans[0] for name, spans in group.members.items() if spans}
        some = next(iter(holders.values()))
        for attribute in some["attributes"]:
            values = {name: span["attributes"].get(attribute) for name, span in holders.items()}
            votes = Counter(attribute_text(value) for value in values.values())
            best, count = votes.most_common(1)[0]
            if count >= min_agree:
                agreed[group.id, attribute] = json.loads(best)
                continue
            versions = {name: values.get(name, "(no span)") for name in passes}
            item = Item(_item_id("attribute", doc_id, [some["label"], some["start"], some["end"], attribute,
                                                       sorted(votes.items())]),
                        doc_id, "attribute", _context(text, some["start"], some["end"]), versions,
                        {"span": group.id, "label": some["label"], "attribute": attribute})
            items[group.id, attribute] = item
    return agreed, items


def _relation_agreement(doc_id: str, text: str, records: Mapping[str, dict[str, Any]],
                        group_of: Mapping[tuple[str, str], str], groups: Mapping[str, _Group],
                        min_agree: int) -> dict[tuple[str, str, str], Item | None]:
    holders: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for name, record in records.items():
        for relation in record["relations"]:
            key = (relation["type"], group_of[name, relation["head"]], group_of[name, relation["tail"]])
            holders[key].add(name)
    result: dict[tuple[str, str, str], Item | None] = {}
    for key in sorted(holders):
        if len(holders[key]) >= min_agree:
            result[key] = None
            continue
        kind, head, tail = key
        versions = {name: ("present" if name in holders[key] else "absent") for name in records}
        about = {"relation": {"type": kind, "head": head, "head_text": _group_text(groups[head]),
                              "tail": tail, "tail_text": _group_text(groups[tail])}}
        result[key] = Item(_item_id("relation", doc_id, [kind, _group_key(groups[head]), _group_key(groups[tail]),
                                                         sorted(holders[key])]),
                           doc_id, "relation", f"{_group_text(groups[head])} -> {_group_text(groups[tail])}",
                           versions, about)
    return result


def _group_text(group: _Group) -> str:
    span = next(span for spans in group.members.values() for span in spans)
    return span["text"].replace("\n", "⏎")


def _group_key(group: _Group) -> list[Any]:
    return sorted((n, s["label"], s["start"], s["end"]) for n, spans in group.members.items() for s in spans)


# ---------------------------------------------------------------------------------------------
# Decisions


class _Decided(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    id: str
    decision: Any = None
    by: str | None = None
    why: str | None = None


class _DecisionsFile(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    passes: list[str]
    into: str
    min_agree: int
    items: list[_Decided]


@dataclass
class DecisionsRead:
    decided: dict[str, _Decided]
    lines: dict[str, int]
    problems: list[Finding]


def read_decisions(path: Path, display: str) -> DecisionsRead:
    """The decisions a person filled in (by item id), with each item's line for messages.

    A file that cannot be read or is not shaped as written gives `invalid-decisions-file` findings,
    one per problem (each pydantic error, each repeated item id), located to their lines.
    """
    try:
        source = path.read_text(encoding="utf-8")
        root, data = compose_and_load(source)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return DecisionsRead({}, {}, [Finding("invalid-decisions-file", f"cannot read the decisions: {problem}",
                                              display, mark.line + 1 if mark else None)])
    try:
        parsed = _DecisionsFile.model_validate(data)
    except pydantic.ValidationError as error:
        return DecisionsRead({}, {}, [Finding("invalid-decisions-file", _shape_message(e), display,
                                              line_of(root, tuple(e["loc"])) or 1) for e in error.errors()])
    lines = {item.id: line_of(root, ("items", index, "decision")) or 1 for index, item in enumerate(parsed.items)}
    first: dict[str, int] = {}
    problems = []
    for index, item in enumerate(parsed.items):
        line = line_of(root, ("items", index, "id")) or 1
        if item.id in first:
            problems.append(Finding("invalid-decisions-file", f"items.{index}.id: {json_text(item.id)} is listed "
                                    f"twice (first on line {first[item.id]}): keep one entry", display, line))
        first.setdefault(item.id, line)
    return DecisionsRead({item.id: item for item in parsed.items}, lines, problems)


_EXPECTED = {"string_type": "a string", "int_type": "an integer", "int_parsing": "an integer",
             "int_from_float": "an integer", "list_type": "a list", "model_type": "a mapping",
             "model_attributes_type": "a mapping", "dict_type": "a mapping"}


def _shape_message(error: Any) -> str:
    """A pydantic error in the file's terms: where (items.0.id), what was expected, and the JSON value found."""
    where = ".".join(str(part) for part in error["loc"]) or "the file"
    if error["type"] == "missing":
        return f"{where}: required, but missing"
    expected = _EXPECTED.get(error["type"])
    if expected:
        return f"{where}: must be {expected}, not {json_text(error['input'])}"
    return f"{where}: {error['msg']}"


def apply_decisions(items: Sequence[Item], read: DecisionsRead, passes: Sequence[str],
                    display: str) -> tuple[list[Item], list[Finding]]:
    """Fill `items` from the file; returns the undecided items and the problems of the decided ones."""
    problems, pending = [], []
    for item in items:
        decided = read.decided.get(item.id)
        if decided is None or decided.decision in (None, ""):
            pending.append(item)
            continue
        line = read.lines.get(item.id)
        problem = _check_decision(item, decided, passes)
        if problem:
            problems.append(Finding("invalid-decision", f"{item.id}: {problem}", display, line, item.doc_id))
            continue
        item.decision, item.by, item.why = decided.decision, decided.by, decided.why
    known = {item.id for item in items}
    for item_id, decided in read.decided.items():
        if item_id not in known and decided.decision not in (None, ""):
            problems.append(Finding("stale-decision", f"{item_id}: decided, but the passes no longer differ this "
                                    "way (a pass changed since the file was written): review it again",
                                    display, read.lines.get(item_id)))
    return pending, problems


def _check_decision(item: Item, decided: _Decided, passes: Sequence[str]) -> str | None:
    if not (isinstance(decided.by, str) and decided.by.strip() and isinstance(decided.why, str)
            and decided.why.strip()):
        return "a decision needs `by` (who decided) and `why`"
    value = decided.decision
    allowed = [*passes, REJECT] + ([ACCEPT] if item.kind == "relation" else [])
    if item.kind == "attribute" and isinstance(value, dict) and set(value) == {"value"}:
        return None
    if value not in allowed:
        extra = " or {value: ...}" if item.kind == "attribute" else ""
        return f"decision {value!r} is not one of {', '.join(allowed)}{extra}"
    if item.kind == "attribute" and value in passes and item.versions.get(value) == "(no span)":
        return f"pass {value} has no such span, so no value to take"
    return None


# ---------------------------------------------------------------------------------------------
# The adjudicated record


def adjudicated_record(plan: DocumentPlan, annotator: str, display: str) -> tuple[dict[str, Any], list[Finding], list[str]]:
    """The merged record of a fully decided plan, the problems, and notes on what was dropped."""
    problems: list[Finding] = []
    notes: list[str] = []
    resolved: dict[str, list[dict[str, Any]]] = {}
    used: set[str] = set()
    spans = []
    for group in plan.groups:
        chosen = _chosen_spans(group)
        out = []
        for span in chosen:
            span = {**_span_version(span), "attributes": dict(span["attributes"])}
            if group.item is None:
                for (group_id, attribute), value in plan.attributes.items():
                    if group_id == group.id:
                        span["attributes"][attribute] = value
                for (group_id, attribute), item in plan.attribute_items.items():
                    if group_id == group.id:
                        span["attributes"][attribute] = _attribute_value(item, group)
                span["id"] = group.id
            span["id"] = _unique(span["id"], used)
            out.append(span)
        resolved[group.id] = out
        spans += out
    relations = []
    for (kind, head, tail), relation_item in plan.relations.items():
        present = relation_item is None or _relation_present(relation_item)
        if not present:
            continue
        heads, tails = resolved.get(head, []), resolved.get(tail, [])
        if not heads or not tails:
            what = f"relation {kind} {_describe(plan, head)} -> {_describe(plan, tail)}"
            if relation_item is None:
                notes.append(f"doc {plan.doc_id}: agreed {what} dropped: an end was decided out")
            else:
                problems.append(Finding("relation-endpoint-rejected", f"{relation_item.id}: {what} is decided in, but "
                                        "an end was decided out: reject the relation or keep its ends",
                                        display, None, plan.doc_id))
            continue
        head_id, tail_id = heads[0]["id"], tails[0]["id"]
        relations.append({"id": derived_relation_id(kind, head_id, tail_id), "type": kind, "head": head_id,
                          "tail": tail_id})
    record = {**plan.base, "annotator": annotator, "spans": spans, "relations": relations}
    return record, problems, notes


def _describe(plan: DocumentPlan, group_id: str) -> str:
    group = next(g for g in plan.groups if g.id == group_id)
    return repr(_group_text(group))


def _unique(span_id: str, used: set[str]) -> str:
    candidate, number = span_id, 2
    while candidate in used:
        candidate, number = f"{span_id}-{number}", number + 1
    used.add(candidate)
    return candidate


def _chosen_spans(group: _Group) -> list[dict[str, Any]]:
    if group.item is None:
        return [next(spans[0] for spans in group.members.values() if spans)]
    decision = group.item.decision
    return [] if decision == REJECT else list(group.members.get(decision, []))


def _attribute_value(item: Item, group: _Group) -> Any:
    decision = item.decision
    if isinstance(decision, dict):
        return decision["value"]
    if decision == REJECT:
        return None
    return item.versions[decision]


def _relation_present(item: Item) -> bool:
    decision = item.decision
    if decision in (ACCEPT, REJECT):
        return decision == ACCEPT
    return item.versions.get(decision) == "present"


# ---------------------------------------------------------------------------------------------
# The decisions file


HEADER = """\
Adjudication of {passes} into the pass {into} (crocus-claims adjudicate).
Agreed: spans of the same label, start and end in at least {min_agree} of {n} passes; their
attribute values and relations likewise. Everything else is an item below. For each, set
  decision: a pass name (take that pass's version), `reject` (no span / null value / no relation),
            `accept` (relations only), or {{value: ...}} (attributes only);
  by: who decided; why: the reason, in a sentence.
Then run the same command again. Passes are never modified; this file is kept with the release."""


def render_decisions(items: Sequence[Item], passes: Sequence[str], into: str, min_agree: int) -> str:
    """The text of a new decisions file: a header saying what to do, then every item with empty slots."""
    from crocus_claims.anchoring import dump_authored

    header = HEADER.format(passes=", ".join(passes), into=into, min_agree=min_agree, n=len(passes))
    data = {"passes": list(passes), "into": into, "min_agree": min_agree,
            "items": [item.to_data() for item in items]}
    return _empty_slots(dump_authored(data, header))


def _empty_slots(text: str) -> str:
    """Empty slots, not `null`: the places to write in."""
    return re.sub(r"^(\s+)(decision|by|why): null$", r"\1\2:", text, flags=re.MULTILINE)


def append_items(source: str, new: Sequence[Item]) -> str | None:
    """`source` (a decisions file as a person left it) with the items `new` added at its end.

    Every existing line is kept byte for byte, so what a person typed and the lines findings name
    stay as they were. None when that is impossible: `items` is not a non-empty block list that
    ends the file (the person moved it), or the result would not read back as the old items then `new`.
    """
    from crocus_claims.anchoring import dump_authored

    root = yaml.compose(source, Loader=UniqueKeyLoader)
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return None
    key, listed = root.value[-1]
    if key.value != "items" or not isinstance(listed, yaml.SequenceNode) or listed.flow_style or not listed.value:
        return None
    mark = listed.value[0].start_mark
    dash = source.splitlines()[mark.line].rfind("-", 0, mark.column)
    if dash < 0:
        return None
    rendered = _empty_slots(dump_authored({"items": [item.to_data() for item in new]}))
    block = textwrap.indent(textwrap.dedent(rendered.split("\n", 1)[1]), " " * dash)
    text = source + ("" if source.endswith("\n") else "\n") + block
    before = [entry.get("id") for entry in yaml.safe_load(source)["items"] if isinstance(entry, dict)]
    after = yaml.safe_load(text).get("items") or []
    ids = [entry.get("id") for entry in after if isinstance(entry, dict)]
    return text if ids == before + [item.id for item in new] else None
