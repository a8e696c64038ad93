"""A Label Studio full JSON export, turned into annotation records without silent loss.

Every result item of every annotation is either converted or reported: `ConversionReport` counts
each outcome and lists each problem with its task, annotation and region. Choices made here:
- One record per (document, annotator). The annotator is the email of `completed_by` (from the
  export, or from `users`, the id -> email map that `pull` reads from the server), else `user-<id>`.
- Cancelled annotations are skipped and counted; drafts are skipped and counted unless asked for;
  the `prediction` copy inside an annotation and the task's own predictions are ignored.
- Offsets are code points into the task text; the span text is recomputed from it. A `value.text`
  that differs beyond the editor's newline and whitespace rewriting is reported (the span is kept).
- An attribute with no result item is null (unknown), never the schema default.
- Relations: `right` is from -> to, `left` is to -> from, `bi` gives both. Label Studio has no
  relation ids: each is `records.derived_relation_id(type, head, tail)`, the rule authored files use too.
"""

from __future__ import annotations

import functools
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from crocus_claims.corpus import CorpusDocument, text_sha256
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.controls import (
    LABEL_NAME,
    TEXT_NAME,
    Control,
    InvalidValue,
    control_of,
    from_result_value,
)
from crocus_claims.labelstudio.export_reader import iter_tasks
from crocus_claims.records import derived_relation_id, record_types, write_records
from crocus_claims.schema import Attribute, Schema
from crocus_claims.unicode_text import describe_lone_surrogate, has_lone_surrogate, lone_surrogate, lone_surrogates
from crocus_claims.validation import Finding, validate_records
from crocus_claims.validation.validator import check_line, make_context, paused_gc
from crocus_claims.validation.findings import json_text

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # matched whole (fullmatch)


@dataclass(frozen=True)
class Problem:
    """One thing that was not converted as saved (a loss), with where it was in the export."""

    code: str
    message: str
    task_id: Any = None
    annotation_id: Any = None
    region_id: Any = None
    doc_id: str | None = None

    def where(self) -> str:
        parts = [f"task {self.task_id}", f"doc {self.doc_id}" if self.doc_id else None,
                 f"annotation {self.annotation_id}" if self.annotation_id is not None else None,
                 f"region {self.region_id}" if self.region_id is not None else None]
        return " ".join(p for p in parts if p)


@dataclass
class ConversionReport:
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (doc_id, annotator) -> (task id, annotation id), to place problems found after conversion
    origins: dict[tuple[str, str], tuple[Any, Any]] = field(default_factory=dict)

    @property
    def lossless(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"counts": dict(sorted(self.counts.items())), "problems": [asdict(p) for p in self.problems],
                "warnings": self.warnings}


def loosely_equal(saved: str, expected: str) -> bool:
    """Equal after the editor's known rewrites: `\\n` written out, runs of white space collapsed."""
    def loose(text: str) -> str:
        return " ".join(text.replace("\\n", "\n").split())
    return saved == expected or loose(saved) == loose(expected)


@dataclass
class _Context:
    """Where the converter is, so that each problem names its task, document and annotation."""

    report: ConversionReport
    task_id: Any
    doc_id: str
    annotation_id: Any = None
    surrogates: bool = False  # the task holds a lone surrogate somewhere: check each item

    def lose(self, code: str, message: str, region_id: Any = None) -> None:
        self.report.counts[code] += 1
        self.report.problems.append(Problem(code, message, self.task_id, self.annotation_id, region_id, self.doc_id))


def import_export(tasks: Any, *, schema: Schema, corpus: Mapping[str, CorpusDocument],
                  users: Mapping[int, str] | None = None,
                  drafts: bool = False) -> tuple[list[dict[str, Any]], ConversionReport]:
    """Records (JSON data, not yet validated) and the report of a full JSON export's tasks."""
    if not isinstance(tasks, list):
        raise LabelStudioError("invalid-export", "a full JSON export is a list of tasks")
    report = ConversionReport()
    records = import_tasks(tasks, report, schema=schema, corpus=corpus, users=users, drafts=drafts)
    return sorted(records, key=record_key), report


def record_key(record: Mapping[str, Any]) -> tuple[str, str]:
    """The order records are written in: by document, then annotator."""
    return record["doc_id"], record["annotator"]


def import_tasks(tasks: Iterable[Any], report: ConversionReport, *, schema: Schema,
                 corpus: Mapping[str, CorpusDocument], users: Mapping[int, str] | None = None,
                 drafts: bool = False) -> Iterator[dict[str, Any]]:
    """Records (JSON data, not yet validated), one per document and annotator, in export order, as
    the tasks come in (one task in memory at a time); `report` fills as they go. A task that cannot
    be read at all (no text, an unknown document, another corpus version, a damaged text) does not
    stop the others: once every task is read, LabelStudioError names each such task, with the
    first one's code."""
    seen: set[tuple[str, str]] = set()
    refused: list[LabelStudioError] = []
    for index, task in enumerate(tasks):
        try:
            surrogates = has_lone_surrogate(task)
        except RecursionError:  # JSON, but deeper than any reader of it goes
            refused.append(LabelStudioError("invalid-export", f"task #{index + 1}: nested too deeply to read "
                                            f"(more than about {sys.getrecursionlimit():,} levels)"))
            continue
        try:
            text, doc_id = _task_text(task, index, corpus, surrogates)
        except LabelStudioError as error:
            refused.append(error)
            continue
        for annotator, annotation_id, result, kind in _annotations(task, users or {}, drafts, report):
            context = _Context(report, task.get("id"), doc_id, annotation_id, surrogates)
            if surrogates and lone_surrogate(annotator) is not None:
                context.lose("lone-surrogate", f"the annotator's name or email {json_text(annotator)} holds "
                             f"{describe_lone_surrogate(annotator, lone_surrogate(annotator) or 0)}: "
                             "the annotation is not imported")
                continue
            key = (doc_id, annotator)
            if key in seen:
                context.lose("duplicate-annotator",
                             f"{annotator} has another {kind} of this task; only the first is kept")
                continue
            seen.add(key)
            spans, relations = _convert_result(result, text, schema, context)
            report.origins[key] = (context.task_id, annotation_id)
            report.counts[f"converted-{kind}"] += 1
            yield {"doc_id": doc_id, "schema_version": schema.version, "text_sha256": text_sha256(text),
                   "annotator": annotator, "spans": spans, "relations": relations}
    if refused:
        raise _refused_tasks(refused)


def _refused_tasks(errors: list[LabelStudioError]) -> LabelStudioError:
    """One error for every task that could not be read, with the first one's code."""
    first = errors[0]
    if len(errors) == 1:
        return first
    others = "\n".join(f"  {error.code}: {error}" for error in errors[1:])
    return LabelStudioError(first.code, f"{first}\nand {len(errors) - 1} more task(s) could not be read:\n{others}")


def import_file(export: Path, output: Path, *, schema: Schema, corpus: Mapping[str, CorpusDocument],
                users: Mapping[int, str] | None = None, drafts: bool = False,
                allow_loss: bool = False) -> tuple[ConversionReport, int]:
    """Import a full JSON export file into a records file, streamed: the export is read one task at
    a time (export_reader), each record validated as it comes (`checked_records`) and kept in a spool
    file, so memory holds one task and an offset per record, whatever the export's size. Then,
    unless something was lost and `allow_loss` is not set, the records are written to `output`
    atomically, sorted by document and annotator, in the bytes `annotations build` writes.
    Returns the report and how many records were written (0, `output` untouched, when refused).
    Raises LabelStudioError for an export, or tasks, that cannot be read (export_reader, import_tasks)."""
    report = ConversionReport()
    places: list[tuple[tuple[str, str], int, int]] = []
    with tempfile.TemporaryFile() as spool, paused_gc():
        records = import_tasks(iter_tasks(export), report, schema=schema, corpus=corpus, users=users, drafts=drafts)
        for record, line in checked_records(records, report, schema=schema, corpus=corpus):
            places.append((record_key(record), spool.tell(), len(line)))
            spool.write(line)
        if report.problems and not allow_loss:
            return report, 0
        places.sort()

        def spooled() -> Iterator[msgspec.Raw]:
            for _, offset, length in places:
                spool.seek(offset)
                yield msgspec.Raw(spool.read(length))

        return report, write_records(spooled(), output)


def checked_records(records: Iterable[dict[str, Any]], report: ConversionReport, *, schema: Schema,
                    corpus: Mapping[str, CorpusDocument]) -> Iterator[tuple[dict[str, Any], bytes]]:
    """Each record as `drop_invalid` keeps it, with its JSON line (no newline) in the bytes
    `write_records` writes. A record is validated once, on the bytes to be written
    (validator.check_line, one validation context for the run); one with any finding, or that the
    record types refuse, goes through `drop_invalid`, which reports and drops what it finds, so the
    report and records are those of every record through `drop_invalid` (tests/test_ls_import_stream.py
    compares the two on damaged exports)."""
    types = record_types(schema)
    encode = types.encode
    context = make_context(schema, corpus)
    for record in records:
        try:
            line = encode(types.convert(record))
        except msgspec.ValidationError:
            line = None
        if line is not None and not check_line(line, context)[0]:
            yield record, line
            continue
        for kept in drop_invalid([record], report, schema=schema, corpus=corpus):
            yield kept, encode(types.convert(kept))


def _task_text(task: Any, index: int, corpus: Mapping[str, CorpusDocument],
               surrogates: bool = False) -> tuple[str, str]:
    """The task's text and doc_id, refusing a task whose text is not the corpus text."""
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get(TEXT_NAME), str) or not isinstance(data.get("doc_id"), str):
        raise LabelStudioError("invalid-export", f"task #{index + 1}: no data.text and data.doc_id")
    if surrogates:
        for path, position in lone_surrogates(data, "data"):
            value = _at(task, path)
            doc = f" (doc {data['doc_id']})" if lone_surrogate(data["doc_id"]) is None else ""
            raise LabelStudioError("lone-surrogate", f"task {json_text(task.get('id'))}{doc}: {path} holds "
                                   f"{describe_lone_surrogate(value, position)}; the export is damaged: "
                                   "export the project again")
    doc_id, text = data["doc_id"], data[TEXT_NAME]
    document = corpus.get(doc_id)
    if document is None:
        raise LabelStudioError("unknown-document", f"task {task.get('id')}: doc_id {json_text(doc_id)} is not in the corpus")
    if text_sha256(text) != document.text_sha256:
        raise LabelStudioError("corpus-version-mismatch",
                               f"task {task.get('id')} (doc {doc_id}): {text_difference(text, document.text)}")
    return text, doc_id


def _at(data: Any, path: str) -> Any:
    """The value at a path from `lone_surrogates` ("data.text", "result[3].value.text")."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def _place(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, character {offset}"


def text_difference(text: str, corpus_text: str) -> str:
    """How an export's task text differs from the corpus text, and where: what the user must fix."""
    if text.replace("\r\n", "\n").replace("\r", "\n") == corpus_text:
        first = text.find("\r")
        ending = "CRLF (\\r\\n)" if text.startswith("\r\n", first) else "CR (\\r)"
        return (f"its text differs from the corpus text only in line endings: the task has {ending} where the "
                f"corpus has LF (\\n), first at {_place(text, first)}; save the export with LF line endings "
                "(or push the tasks again) and import it again")
    first = next((i for i, (a, b) in enumerate(zip(text, corpus_text)) if a != b), min(len(text), len(corpus_text)))
    return (f"its text is not the corpus text (hash {text_sha256(text)[:12]}, corpus "
            f"{text_sha256(corpus_text)[:12]}): they first differ at {_place(corpus_text, first)} (task "
            f"{json_text(text[first:first + 20])}, corpus {json_text(corpus_text[first:first + 20])}); the export "
            "is of another corpus version: push the current corpus and annotate again, or import with that corpus")


def _annotator(completed_by: Any, users: Mapping[int, str]) -> str:
    if isinstance(completed_by, dict):
        if completed_by.get("email"):
            return str(completed_by["email"])
        completed_by = completed_by.get("id")
    if isinstance(completed_by, str) and completed_by:
        return completed_by
    if isinstance(completed_by, int):
        return users.get(completed_by) or f"user-{completed_by}"
    return "user-unknown"


def _annotations(task: dict[str, Any], users: Mapping[int, str], drafts: bool,
                 report: ConversionReport) -> Iterable[tuple[str, Any, list[Any], str]]:
    """(annotator, annotation id, result, kind) of each annotation to convert, in export order."""
    annotations = task.get("annotations")
    if annotations is None:
        annotations = task.get("completions") or []  # the legacy name
    predictions = task.get("predictions")
    if predictions:
        report.counts["ignored-task-prediction"] += len(predictions) if hasattr(predictions, "__len__") else 1
    for annotation in _listed(task, annotations, "annotations"):
        if not isinstance(annotation, dict):
            raise LabelStudioError("invalid-export", f"task {task.get('id')}: an annotation is not an object")
        if annotation.get("was_cancelled"):
            report.counts["skipped-cancelled-annotation"] += 1
            continue
        yield (_annotator(annotation.get("completed_by"), users), annotation.get("id"),
               _result_of(task, annotation), "annotation")
    for draft in _listed(task, task.get("drafts") or [], "drafts"):
        if not isinstance(draft, dict):
            raise LabelStudioError("invalid-export", f"task {task.get('id')}: a draft is not an object")
        if not drafts:
            report.counts["skipped-draft"] += 1
            continue
        yield _annotator(draft.get("user"), users), f"draft-{draft.get('id')}", _result_of(task, draft), "draft"


def _listed(task: dict[str, Any], value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise LabelStudioError("invalid-export", f"task {task.get('id')}: `{key}` is not a list")
    return value


def _result_of(task: dict[str, Any], annotation: dict[str, Any]) -> list[Any]:
    result = annotation.get("result") or []
    if not isinstance(result, list):
        raise LabelStudioError("invalid-export", f"task {task.get('id')}: annotation {annotation.get('id')}: "
                               "`result` is not a list")
    return result


def _convert_result(result: list[Any], text: str, schema: Schema,
                    context: _Context) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    spans: dict[str, dict[str, Any]] = {}
    attribute_items: list[dict[str, Any]] = []
    relation_items: list[dict[str, Any]] = []
    surrogates = context.surrogates
    for index, item in enumerate(result):
        if surrogates and has_lone_surrogate(item):
            _lose_surrogate_item(item, index, context)
        elif not isinstance(item, dict):
            context.lose("invalid-result-item", f"a result item that is not an object: {json_text(item)}")
        elif item.get("type") == "relation":
            relation_items.append(item)
        elif item.get("from_name") == LABEL_NAME:
            span = _convert_region(item, text, schema, context, spans)
            if span is not None:
                spans[span["id"]] = span
        else:
            attribute_items.append(item)
    controls = _attribute_controls(schema)
    for item in attribute_items:
        _convert_attribute(item, schema, controls, context, spans)
    relations = _convert_relations(relation_items, schema, context, spans)
    return list(spans.values()), relations


def _lose_surrogate_item(item: Any, index: int, context: _Context) -> None:
    inner, position = next(lone_surrogates(item))
    value = _at(item, inner) if inner not in ("(value)", "(object)") else item
    region_id = item.get("id") if isinstance(item, dict) else None
    region_id = region_id if isinstance(region_id, str) and lone_surrogate(region_id) is None else None
    problem = describe_lone_surrogate(value, position) if isinstance(value, str) else "a lone surrogate in a key"
    path = f"result[{index}]" + ("" if inner.startswith("(") else f".{inner}")
    context.lose("lone-surrogate", f"{path} holds {problem}: the item is not imported", region_id)


def _convert_region(item: dict[str, Any], text: str, schema: Schema, context: _Context,
                    spans: Mapping[str, Any]) -> dict[str, Any] | None:
    region_id, value = item.get("id"), item.get("value") or {}
    if not isinstance(value, dict):
        context.lose("invalid-result-item", f"a labels item whose value is not an object: {json_text(value)}",
                     region_id if isinstance(region_id, str) else None)
        return None
    if not isinstance(region_id, str) or not ID_PATTERN.fullmatch(region_id):
        context.lose("invalid-region-id", f"region id {json_text(region_id)} is not [A-Za-z0-9_-]{{1,64}}",
                     region_id if isinstance(region_id, str) else None)
        return None
    if region_id in spans:
        context.lose("duplicate-region", "a second labels item for this region", region_id)
        return None
    if item.get("to_name") != TEXT_NAME or item.get("type") != "labels":
        context.lose("unknown-control", f"labels item of type {json_text(item.get('type'))} on {json_text(item.get('to_name'))}",
                     region_id)
        return None
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1:
        context.lose("label-count", f"a region needs exactly one label, it has {json_text(labels)}", region_id)
        return None
    label = labels[0]
    if not isinstance(label, str) or label not in schema.labels_by_name:
        context.lose("unknown-label", f"label {json_text(label)} is not in schema {schema.version}", region_id)
        return None
    start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        context.lose("invalid-offsets", f"offsets {json_text(start)}..{json_text(end)} are not a range in the text "
                                        f"of {len(text)} characters", region_id)
        return None
    span_text = text[start:end]
    saved = value.get("text")
    if isinstance(saved, str) and not loosely_equal(saved, span_text):
        # Kept with the text at its offsets (they are what the editor measures), but reported.
        context.lose("region-text-mismatch", f"value.text {json_text(saved)} is not the text at {start}..{end} "
                                             f"({json_text(span_text)}); offsets from another text or version?", region_id)
    context.report.counts["converted-region"] += 1
    attributes = dict.fromkeys(_label_attribute_names(schema)[label])
    return {"id": region_id, "label": label, "start": start, "end": end, "text": span_text,
            "attributes": attributes}


@functools.lru_cache(maxsize=8)
def _label_attribute_names(schema: Schema) -> dict[str, tuple[str, ...]]:
    """label -> the names of its attributes, in schema order; built once per schema."""
    return {label.name: tuple(a.name for a in schema.label_attributes(label.name)) for label in schema.labels}


@functools.lru_cache(maxsize=8)
def _attribute_controls(schema: Schema) -> dict[str, tuple[Attribute, Control]]:
    """attribute name -> (attribute, its control); built once per schema."""
    return {attribute.name: (attribute, control_of(attribute)) for attribute in schema.attributes}


def _convert_attribute(item: dict[str, Any], schema: Schema, controls: Mapping[str, tuple[Attribute, Control]],
                       context: _Context, spans: Mapping[str, dict[str, Any]]) -> None:
    get = item.get  # the hot path of an import: one call per attribute item
    region_id, name = get("id"), get("from_name")
    known = controls.get(name) if isinstance(name, str) else None
    if known is None or get("to_name") != TEXT_NAME:
        context.lose("unknown-control", f"control {json_text(name)} on {json_text(get('to_name'))} is not in the config "
                                        f"of schema {schema.version}", region_id)
        return
    attribute, control = known
    span = spans.get(region_id) if isinstance(region_id, str) else None
    if span is None:
        context.lose("orphan-attribute", f"{name} item for a region with no converted labels item", region_id)
        return
    attributes = span["attributes"]
    if name not in attributes:
        context.lose("attribute-not-for-label", f"{name} is not an attribute of {span['label']}", region_id)
        return
    if get("type") != control.result_type:
        context.lose("unknown-control", f"{name} item of type {json_text(get('type'))}, "
                                        f"expected {json_text(control.result_type)}", region_id)
        return
    if attributes[name] is not None:
        context.lose("duplicate-attribute", f"a second {name} item for this region", region_id)
        return
    value = get("value") or {}
    if not isinstance(value, dict):
        context.lose("invalid-attribute-value", f"{name}: the item's value is not an object: {json_text(value)}",
                     region_id)
        return
    stored = value.get(control.value_key)
    if stored in (None, "", []):  # a control the annotator cleared: still unknown
        context.report.counts["empty-attribute-item"] += 1
        return
    try:
        attributes[name] = from_result_value(schema, attribute, stored)
    except InvalidValue as error:
        context.lose("invalid-attribute-value", f"{name}: {error}", region_id)
        return
    context.report.counts["converted-attribute"] += 1


def _convert_relations(items: list[dict[str, Any]], schema: Schema, context: _Context,
                       spans: Mapping[str, Any]) -> list[dict[str, Any]]:
    relations: dict[str, dict[str, Any]] = {}
    for item in items:
        source, target, direction = item.get("from_id"), item.get("to_id"), item.get("direction", "right")
        where = f"{source}->{target}"
        if not (isinstance(source, str) and isinstance(target, str) and source in spans and target in spans):
            context.lose("dangling-relation", f"relation {where}: an end is not a converted region", where)
            continue
        pairs = {"right": [(source, target)], "left": [(target, source)],
                 "bi": [(source, target), (target, source)]}.get(direction) if isinstance(direction, str) else None
        if pairs is None:
            context.lose("invalid-relation-direction", f"relation {where}: direction {json_text(direction)}", where)
            continue
        labels = item.get("labels")
        if not labels:
            context.lose("unlabelled-relation", f"relation {where} has no relation type", where)
            continue
        if not isinstance(labels, list):
            context.lose("unknown-relation-type", f"relation {where}: its types {json_text(labels)} are not a list", where)
            continue
        for kind in labels:
            if not isinstance(kind, str) or kind not in schema.relations_by_name:
                context.lose("unknown-relation-type", f"relation {where}: {json_text(kind)} is not in schema "
                                                      f"{schema.version}", where)
                continue
            for head, tail in pairs:
                identifier = derived_relation_id(kind, head, tail)
                if identifier in relations:
                    context.report.counts["merged-duplicate-relation"] += 1
                    continue
                relations[identifier] = {"id": identifier, "type": kind, "head": head, "tail": tail}
                context.report.counts["converted-relation"] += 1
    return list(relations.values())


def convert_export(tasks: Any, *, schema: Schema, corpus: Mapping[str, CorpusDocument],
                   users: Mapping[int, str] | None = None,
                   drafts: bool = False) -> tuple[list[dict[str, Any]], ConversionReport]:
    """The valid records of an export, and the report of everything else (see the module)."""
    records, report = import_export(tasks, schema=schema, corpus=corpus, users=users, drafts=drafts)
    return [record for record, _ in checked_records(records, report, schema=schema, corpus=corpus)], report


def drop_invalid(records: list[dict[str, Any]], report: ConversionReport, *, schema: Schema,
                 corpus: Mapping[str, CorpusDocument]) -> list[dict[str, Any]]:
    """The records as they pass validation: a finding that names a span or relation drops only that
    item (and the relations that then dangle); a finding about the record drops the record. Each is
    reported with its finding."""
    kept = []
    for record in records:
        checked = _without_invalid_items(record, report, schema, corpus)
        if checked is not None:
            kept.append(checked)
    return kept


_ITEM = re.compile(r"(spans|relations)\[(\d+)\]")


def _without_invalid_items(record: dict[str, Any], report: ConversionReport, schema: Schema,
                           corpus: Mapping[str, CorpusDocument]) -> dict[str, Any] | None:
    task_id, annotation_id = report.origins.get((record["doc_id"], record["annotator"]), (None, None))
    while True:
        findings = validate_records([record], schema=schema, corpus=corpus)
        errors = [f for f in findings if f.severity == "error"]
        if not errors:
            for finding in findings:
                report.warnings.append(f"{record['annotator']} {finding.where()}: {finding.code}: {finding.message}")
            return record
        items = {(m.group(1), int(m.group(2))) for f in errors if (m := _ITEM.match(f.path or ""))}
        whole = [f for f in errors if not _ITEM.match(f.path or "")]
        for finding in errors:
            dropped = "the record is not written" if whole else \
                f"{'span' if finding.span_id else 'relation'} {finding.span_id or finding.relation_id} is not written"
            _report_finding(report, finding, record, dropped, task_id, annotation_id)
        if whole:
            return None
        record = {**record,
                  "spans": [s for i, s in enumerate(record["spans"]) if ("spans", i) not in items],
                  "relations": [r for i, r in enumerate(record["relations"]) if ("relations", i) not in items]}


def _report_finding(report: ConversionReport, finding: Finding, record: dict[str, Any], dropped: str,
                    task_id: Any, annotation_id: Any) -> None:
    report.counts["invalid-record"] += 1
    report.problems.append(Problem(
        "invalid-record", f"{finding.code}: {finding.message} (annotator {record['annotator']}; {dropped})",
        task_id, annotation_id, finding.span_id or finding.relation_id, record["doc_id"]))
