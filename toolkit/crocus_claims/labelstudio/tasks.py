"""Import tasks for the corpus, and annotation records as predictions in the editor's own shape.

A task carries the text, the doc_id and the metadata in `data` (the config's header shows them),
and the schema version and text hash in `meta`, so that an export can be checked against the
corpus it was made from. A prediction is what the editor would save for the record: per span, the
`labels` item first, then one item per attribute sharing the region id; per ordered pair of
spans, one relation item carrying every relation type between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crocus_claims.corpus import CorpusDocument
from crocus_claims.labelstudio.controls import LABEL_NAME, TEXT_NAME, control_of, to_result_value
from crocus_claims.records import METADATA_FIELDS, to_builtins
from crocus_claims.schema import Schema


def task_for(document: CorpusDocument, schema: Schema) -> dict[str, Any]:
    data = document.model_dump(mode="json", include={"doc_id", *METADATA_FIELDS})
    data["heading"] = document.title or document.doc_id  # an untitled document shows its doc_id
    return {
        "data": {TEXT_NAME: document.text, **data},
        "meta": {"doc_id": document.doc_id, "schema_version": schema.version,
                 "text_sha256": document.text_sha256},
    }


def result_items(record: Any, schema: Schema) -> list[dict[str, Any]]:
    """The result items the editor saves for `record` (a record struct or its JSON data)."""
    data = record if isinstance(record, dict) else to_builtins(record)
    items: list[dict[str, Any]] = []
    for span in data["spans"]:
        region = {"start": span["start"], "end": span["end"], "text": span["text"]}
        items.append({"id": span["id"], "from_name": LABEL_NAME, "to_name": TEXT_NAME, "type": "labels",
                      "value": {**region, "labels": [span["label"]]}})
        attributes = span.get("attributes", {})
        for attribute in schema.label_attributes(span["label"]):
            value = attributes.get(attribute.name, schema.default_of(attribute))
            if value is None:
                continue  # unknown: no item (see controls)
            control = control_of(attribute)
            items.append({"id": span["id"], "from_name": attribute.name, "to_name": TEXT_NAME,
                          "type": control.result_type,
                          "value": {**region, control.value_key: to_result_value(attribute, value)}})
    pairs: dict[tuple[str, str], list[str]] = {}
    for relation in data.get("relations", []):
        pairs.setdefault((relation["head"], relation["tail"]), []).append(relation["type"])
    for (head, tail), types in pairs.items():
        items.append({"from_id": head, "to_id": tail, "type": "relation", "direction": "right", "labels": types})
    return items


def prediction_for(record: Any, schema: Schema, model_version: str | None,
                   score: float | None = None) -> dict[str, Any]:
    """The record as a prediction of `model_version`:annotator, or of exactly the annotator when
    `model_version` is None (pre-annotations: `prelabel-<version>`); `score` in [0, 1] if given."""
    data = record if isinstance(record, dict) else to_builtins(record)
    version = data["annotator"] if model_version is None else f"{model_version}:{data['annotator']}"
    prediction: dict[str, Any] = {"model_version": version, "result": result_items(data, schema)}
    if score is not None:
        prediction["score"] = score
    return prediction


class RecordMismatch(ValueError):
    code = "corpus-version-mismatch"


def build_tasks(corpus: Mapping[str, CorpusDocument], schema: Schema, records: Iterable[Any] = (),
                model_version: str = "records", scored: Iterable[tuple[Any, float]] = ()) -> list[dict[str, Any]]:
    """One task per document, with each record of that document as a prediction.

    `scored` are (record, score) pairs of a model, pre-annotations: each becomes a prediction whose
    model_version is its annotator, with its score, placed after the records' predictions. Label
    Studio pre-fills the editor only with the predictions of the project's model_version, which an
    import sets, when unset, to the last prediction imported: so these are the ones shown.
    """
    tasks = {doc_id: task_for(document, schema) for doc_id, document in sorted(corpus.items())}
    predictions: list[tuple[Any, str | None, float | None]] = [(record, model_version, None) for record in records]
    predictions += [(record, None, score) for record, score in scored]
    for record, version, score in predictions:
        data = record if isinstance(record, dict) else to_builtins(record)
        document = corpus.get(data["doc_id"])
        if document is None:
            raise RecordMismatch(f"record of {data['doc_id']!r} by {data['annotator']!r}: not in the corpus")
        if data["text_sha256"] != document.text_sha256:
            raise RecordMismatch(f"record of {data['doc_id']!r} by {data['annotator']!r}: "
                                 "text_sha256 differs from the corpus text (annotated on another version)")
        tasks[data["doc_id"]].setdefault("predictions", []).append(prediction_for(data, schema, version, score))
    return list(tasks.values())
