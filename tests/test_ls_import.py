"""Label Studio tasks, predictions and the export importer, offline.

The round trip is a property over records generated from the schema (tests/strategies.py):
record -> task with prediction -> the annotation the editor saves from it -> full JSON export
-> import gives back the same spans, offsets, attributes and relations.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from crocus_claims.corpus import CorpusDocument, load_corpus, text_sha256
from crocus_claims.labelstudio import LabelStudioError
from crocus_claims.labelstudio.importer import convert_export, import_export
from crocus_claims.records import derived_relation_id
from crocus_claims.labelstudio.tasks import build_tasks, result_items
from crocus_claims.records import record_types, to_builtins
from crocus_claims.schema import load_schema
from hypothesis import HealthCheck, given, settings
from labelstudio_server import export_annotation, export_task
from strategies import records

SCHEMA = load_schema()


def document(doc_id: str, text: str) -> CorpusDocument:
    return CorpusDocument(doc_id=doc_id, title=None, outlet=None, publication_date=None, byline=None,
                          wire_source=None, source_file=f"{doc_id}.txt", stripped_prefix="",
                          text_sha256=text_sha256(text), text=text)


def corpus_of(record: dict[str, Any]) -> dict[str, CorpusDocument]:
    return {record["doc_id"]: document(record["doc_id"], record["text"])}


def normalized(record: dict[str, Any]) -> dict[str, Any]:
    """A record as its typed form sees it (absent optional attributes take their defaults),
    without the inline text and with relations as a set (their ids are not in Label Studio)."""
    data = to_builtins(record_types(SCHEMA).convert({k: v for k, v in record.items() if k != "text"}))
    data["relations"] = sorted((r["type"], r["head"], r["tail"]) for r in data["relations"])
    return data


def saved_as_annotation(record: dict[str, Any], corpus: dict[str, CorpusDocument]) -> list[dict[str, Any]]:
    """The full JSON export of one task whose annotation the editor saved from the record's prediction."""
    (task,) = build_tasks(corpus, SCHEMA, [record])
    (prediction,) = task.pop("predictions")
    annotation = export_annotation(prediction["result"], {"id": 7, "email": record["annotator"]})
    return json.loads(json.dumps([export_task(task, [annotation])]))  # through JSON, as a file would


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_round_trip_through_label_studio_is_exact(record: dict[str, Any]) -> None:
    corpus = corpus_of(record)
    imported, report = convert_export(saved_as_annotation(record, corpus), schema=SCHEMA, corpus=corpus)
    assert report.problems == []
    assert [normalized(r) for r in imported] == [normalized(record)]


@settings(max_examples=50, deadline=None)
@given(records())
def test_relation_ids_are_deterministic_and_valid(record: dict[str, Any]) -> None:
    corpus = corpus_of(record)
    first, _ = import_export(saved_as_annotation(record, corpus), schema=SCHEMA, corpus=corpus)
    second, _ = import_export(saved_as_annotation(record, corpus), schema=SCHEMA, corpus=corpus)
    assert first == second
    for relation in first[0]["relations"]:
        assert relation["id"] == derived_relation_id(relation["type"], relation["head"], relation["tail"])
        assert len(relation["id"]) <= 64


# ---------------------------------------------------------------------------------------------
# Hand-made exports on a corpus document


@pytest.fixture(scope="module")
def corpus() -> dict[str, CorpusDocument]:
    return load_corpus()


@pytest.fixture(scope="module")
def doc(corpus: dict[str, CorpusDocument]) -> CorpusDocument:
    return next(iter(corpus.values()))


def words(text: str, count: int) -> list[tuple[int, int]]:
    """(start, end) of the first `count` words of the text."""
    spans, start = [], None
    for index, char in enumerate(text + " "):
        if not char.isspace() and start is None:
            start = index
        elif char.isspace() and start is not None:
            spans.append((start, index))
            start = None
        if len(spans) == count:
            break
    return spans


def region(doc: CorpusDocument, region_id: str, start: int, end: int, label: str) -> list[dict[str, Any]]:
    """A labels item and a valid item for every attribute of the label (first allowed value)."""
    record = {"spans": [{"id": region_id, "label": label, "start": start, "end": end, "text": doc.text[start:end],
                         "attributes": {a.name: SCHEMA.allowed_values(a)[0] for a in SCHEMA.label_attributes(label)}}],
              "relations": []}
    return result_items(record, SCHEMA)


def richest_pair() -> tuple[str, str, list[str]]:
    """The (head label, tail label) that the most relation types connect, among labels whose
    attributes are all enums (so that `region` can fill them), with those types."""
    simple = [label.name for label in SCHEMA.labels
              if all(a.type == "enum" for a in SCHEMA.label_attributes(label.name))]
    return max(((head, tail, [r.name for r in SCHEMA.relations if head in r.head and tail in r.tail])
                for head in simple for tail in simple if head != tail), key=lambda pair: len(pair[2]))


def two_regions(doc: CorpusDocument) -> tuple[list[dict[str, Any]], list[str]]:
    """Regions a1 (a head) and b2 (its tail), and the relation types allowed from a1 to b2."""
    head, tail, kinds = richest_pair()
    (a, b) = words(doc.text, 2)
    return region(doc, "a1", *a, head) + region(doc, "b2", *b, tail), kinds


def task_of(doc: CorpusDocument) -> dict[str, Any]:
    return build_tasks({doc.doc_id: doc}, SCHEMA)[0]


def run(doc: CorpusDocument, annotations: list[dict[str, Any]], **options: Any) -> tuple[list[dict], Any]:
    task = export_task(task_of(doc), annotations, task_id=11)
    return convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc}, **options)


def test_a_clean_annotation_converts_without_problems(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    imported, report = run(doc, [export_annotation(result, 3)])
    assert report.problems == []
    assert [s["id"] for s in imported[0]["spans"]] == ["a1", "b2"]
    assert report.counts["converted-region"] == 2


def test_annotators_are_emails_or_user_ids(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    annotations = [export_annotation(result, {"id": 1, "email": "ann@example.org"}, 1),
                   export_annotation(result, 2, 2), export_annotation(result, 3, 3)]
    imported, report = run(doc, annotations, users={2: "bob@example.org"})
    assert report.problems == []
    assert sorted(r["annotator"] for r in imported) == ["ann@example.org", "bob@example.org", "user-3"]


def test_cancelled_annotations_are_skipped_and_counted(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    imported, report = run(doc, [export_annotation(result, 1, 1),
                                 export_annotation([], 2, 2, was_cancelled=True)])
    assert [r["annotator"] for r in imported] == ["user-1"]
    assert report.counts["skipped-cancelled-annotation"] == 1
    assert report.problems == []


def test_drafts_are_imported_only_on_request(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    task = export_task(task_of(doc), [])
    task["drafts"] = [{"id": 5, "user": "drafter@example.org", "result": result}]
    skipped, report = convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc})
    assert skipped == [] and report.counts["skipped-draft"] == 1
    taken, report = convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc}, drafts=True)
    assert [r["annotator"] for r in taken] == ["drafter@example.org"]
    assert report.counts["converted-draft"] == 1


def test_the_legacy_completions_key_is_read(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    task = export_task(task_of(doc), [])
    task["completions"] = [export_annotation(result, 4)]
    del task["annotations"]
    imported, report = convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc})
    assert [len(r["spans"]) for r in imported] == [2] and report.problems == []


def test_the_prediction_copy_inside_an_annotation_is_ignored(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    annotation = export_annotation(result, 1)
    annotation["prediction"] = {"result": copy.deepcopy(result) + [{"type": "nonsense"}]}
    imported, report = run(doc, [annotation])
    assert report.problems == [] and len(imported[0]["spans"]) == 2


@pytest.mark.parametrize(("source", "target", "direction", "expected"), [
    ("a1", "b2", "right", [("a1", "b2")]),
    ("b2", "a1", "left", [("a1", "b2")]),
    ("a1", "b2", "bi", [("a1", "b2"), ("b2", "a1")]),
])
def test_relation_directions_and_several_types_on_one_pair(doc: CorpusDocument, source: str, target: str,
                                                           direction: str, expected: list[tuple[str, str]]) -> None:
    result, kinds = two_regions(doc)
    assert len(kinds) >= 2  # the schema has pairs with several relation types: test one
    result.append({"from_id": source, "to_id": target, "type": "relation", "direction": direction,
                   "labels": kinds})
    task = export_task(task_of(doc), [export_annotation(result, 1)])
    imported, report = import_export([task], schema=SCHEMA, corpus={doc.doc_id: doc})  # conversion only
    assert report.problems == []
    got = sorted((r["type"], r["head"], r["tail"]) for r in imported[0]["relations"])
    assert got == sorted((kind, head, tail) for kind in kinds for head, tail in expected)


def test_the_editors_text_rewrites_are_tolerated_and_other_disagreements_reported(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    first = result[0]["value"]
    first["text"] = first["text"].replace("\n", "\\n") + "  "  # newline written out, spaces added
    imported, report = run(doc, [export_annotation(copy.deepcopy(result), 1)])
    assert report.problems == []
    result[0]["value"]["text"] = "something else entirely"
    imported, report = run(doc, [export_annotation(result, 1)])
    assert [(p.code, p.task_id, p.annotation_id, p.region_id) for p in report.problems] == \
        [("region-text-mismatch", 11, 1, "a1")]
    assert imported[0]["spans"][0]["text"] == doc.text[first["start"]:first["end"]]  # kept, from the text


def test_every_loss_is_reported_with_task_annotation_and_region(doc: CorpusDocument) -> None:
    result, kinds = two_regions(doc)
    label = result[0]["value"]["labels"][0]
    enum_attribute = SCHEMA.label_attributes(label)[0]
    other_label = next(name for name in SCHEMA.labels_by_name if enum_attribute.name not in
                       SCHEMA.labels_by_name[name].attributes)
    (_, _, c) = words(doc.text, 3)
    result += [
        {"id": "c3", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": c[0], "end": c[1], "labels": ["NO_SUCH_LABEL"]}},
        {"id": "zz", "from_name": enum_attribute.name, "to_name": "text", "type": "choices",
         "value": {"choices": [SCHEMA.allowed_values(enum_attribute)[0]]}},
        {"id": "d4", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": c[0], "end": c[1], "labels": [other_label]}},
        {"id": "d4", "from_name": enum_attribute.name, "to_name": "text", "type": "choices",
         "value": {"choices": [SCHEMA.allowed_values(enum_attribute)[0]]}},
        {"id": "e5", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 5, "end": 10 ** 6, "labels": [label]}},
        {"id": "a1", "from_name": "no_such_control", "to_name": "text", "type": "choices", "value": {"choices": ["x"]}},
        {"from_id": "a1", "to_id": "c3", "type": "relation", "direction": "right", "labels": kinds[:1]},
        {"from_id": "a1", "to_id": "b2", "type": "relation", "direction": "right", "labels": ["no_such_type"]},
        {"from_id": "b2", "to_id": "a1", "type": "relation", "direction": "right", "labels": []},
    ]
    duplicate = next(item for item in result if item.get("id") == "b2" and item["type"] != "labels")
    result.append(copy.deepcopy(duplicate))
    result[1]["value"]["choices"] = ["not-a-value"]
    imported, report = run(doc, [export_annotation(result, 1, 21)], users={1: "x@example.org"})
    found = {(p.code, p.region_id) for p in report.problems}
    assert found == {
        ("unknown-label", "c3"), ("orphan-attribute", "zz"), ("attribute-not-for-label", "d4"),
        ("invalid-offsets", "e5"), ("unknown-control", "a1"), ("dangling-relation", "a1->c3"),
        ("unknown-relation-type", "a1->b2"), ("unlabelled-relation", "b2->a1"),
        ("duplicate-attribute", "b2"), ("invalid-attribute-value", "a1"),
        # required attributes left missing (a1's was invalid, d4 has none): those spans are not written
        ("invalid-record", "a1"), ("invalid-record", "d4"),
    }
    assert all(p.task_id == 11 and p.doc_id == doc.doc_id for p in report.problems)
    assert {p.annotation_id for p in report.problems} == {21}
    # a finding that names a span drops that span (and relations it leaves dangling), not the record
    (record,) = imported
    assert {s["id"] for s in record["spans"]} == {"b2"}
    assert all("a1" not in (r["head"], r["tail"]) for r in record["relations"])


def test_an_export_of_another_corpus_version_is_refused(doc: CorpusDocument) -> None:
    task = export_task(task_of(doc), [])
    task["data"]["text"] = doc.text + " (corrected)"
    with pytest.raises(LabelStudioError) as caught:
        convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc})
    assert caught.value.code == "corpus-version-mismatch"
    assert doc.doc_id in str(caught.value)


def test_a_second_annotation_by_the_same_annotator_is_reported(doc: CorpusDocument) -> None:
    result, _ = two_regions(doc)
    imported, report = run(doc, [export_annotation(result, 1, 1), export_annotation(result, 1, 2)])
    assert len(imported) == 1
    assert [(p.code, p.annotation_id) for p in report.problems] == [("duplicate-annotator", 2)]


def test_a_cleared_control_leaves_the_attribute_unknown(doc: CorpusDocument) -> None:
    label, attribute = next((label.name, attribute) for label in SCHEMA.labels
                            for attribute in SCHEMA.label_attributes(label.name)
                            if not attribute.required and attribute.type == "integer")
    (a,) = words(doc.text, 1)
    item = {"id": "n1", "from_name": attribute.name, "to_name": "text", "type": "number",
            "value": {"start": a[0], "end": a[1], "number": None}}
    labels = {"id": "n1", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": a[0], "end": a[1], "labels": [label]}}
    imported, report = import_export([export_task(task_of(doc), [export_annotation([labels, item], 1)])],
                                     schema=SCHEMA, corpus={doc.doc_id: doc})
    assert imported[0]["spans"][0]["attributes"][attribute.name] is None
    assert report.counts["empty-attribute-item"] == 1 and report.problems == []


@pytest.mark.parametrize(("item", "code"), [
    ({"id": "a1", "from_name": "label", "to_name": "text", "type": "labels", "value": 7}, "invalid-result-item"),
    ({"id": "c3", "from_name": "label", "to_name": "text", "type": "labels",
      "value": {"start": 0, "end": 2, "labels": [[SCHEMA.labels[0].name]]}}, "unknown-label"),
    ({"id": ["a1"], "from_name": SCHEMA.attributes[0].name, "to_name": "text", "type": "choices",
      "value": {"choices": ["x"]}}, "orphan-attribute"),
    ({"from_id": ["a1"], "to_id": "b2", "type": "relation", "labels": ["x"]}, "dangling-relation"),
    ({"from_id": "a1", "to_id": "b2", "type": "relation", "direction": ["right"], "labels": ["x"]},
     "invalid-relation-direction"),
    ({"from_id": "a1", "to_id": "b2", "type": "relation", "labels": 3}, "unknown-relation-type"),
    ({"from_id": "a1", "to_id": "b2", "type": "relation", "labels": [["x"]]}, "unknown-relation-type"),
])
def test_result_items_of_the_wrong_shape_are_reported_not_a_crash(doc: CorpusDocument, item: dict[str, Any],
                                                                  code: str) -> None:
    result, _ = two_regions(doc)
    _, report = run(doc, [export_annotation(result + [item], 1, 21)])
    assert [p.code for p in report.problems] == [code]


@pytest.mark.parametrize("key", ["annotations", "drafts"])
def test_annotations_that_are_not_a_list_refuse_the_task_by_name(doc: CorpusDocument, key: str) -> None:
    task = export_task(task_of(doc), [], task_id=11) | {key: 5}
    with pytest.raises(LabelStudioError, match=f"task 11: `{key}` is not a list") as refused:
        convert_export([task], schema=SCHEMA, corpus={doc.doc_id: doc})
    assert refused.value.code == "invalid-export"
