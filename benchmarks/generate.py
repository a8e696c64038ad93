"""Generate schema-valid synthetic data at any scale, for the benchmarks.

Each record carries its own text of about 3,000 characters (30% of them with emoji or other
astral characters), about ten spans with attributes drawn from the schema, and a few relations
the schema allows. Seeded, so the same arguments give the same bytes. Three shapes:

    python benchmarks/generate.py --megabytes 500 --output records.jsonl   # annotation records
    python benchmarks/generate.py --release DIR --documents N    # a release folder: `release verify`
                                                                 # and `crocus_claims.load(DIR)` accept it
    python benchmarks/generate.py --ls-export FILE --documents N # a Label Studio full JSON export, and
                                                                 # beside it FILE's corpus (corpus_file())
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any

import msgspec

from crocus_claims import __version__
from crocus_claims.atomic import atomic_directory, atomic_write
from crocus_claims.corpus import CorpusDocument
from crocus_claims.labelstudio.tasks import result_items, task_for
from crocus_claims.records import record_types
from crocus_claims.release.build import FOLDER_MODE, complete_release
from crocus_claims.release.counts import release_counts
from crocus_claims.release.documents import DOCUMENTS_FILE, ENCODER, release_record
from crocus_claims.release.facts import ReleaseFacts, build_time, document_facts
from crocus_claims.schema import Attribute, Schema, load_schema

WORDS = ("the", "attack", "on", "Crocus", "City", "Hall", "killed", "at", "least", "140", "people", "Moscow",
         "officials", "said", "Islamic", "State", "claimed", "responsibility", "Ukraine", "denied", "Iran",
         "warned", "Russia", "about", "a", "major", "terrorist", "operation", "sources", "reported")
ASTRAL = ("😀", "👩‍👩‍👧", "🇷🇺", "𝔘", "🕯️")
TEXT_CHARS = 3000
SPANS_PER_RECORD = 10
RELATIONS_PER_RECORD = 3


def make_text(rng: random.Random, astral: bool) -> str:
    words = []
    size = 0
    while size < TEXT_CHARS:
        word = rng.choice(ASTRAL) if astral and rng.random() < 0.03 else rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def attribute_value(rng: random.Random, schema: Schema, attribute: Attribute) -> Any:
    if attribute.type == "enum":
        return rng.choice(schema.allowed_values(attribute) or ())
    if attribute.type == "integer":
        return rng.randint(attribute.minimum or 0, attribute.maximum or 10_000)
    if attribute.type == "boolean":
        return rng.random() < 0.5
    if attribute.type == "date":
        return (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 700))).isoformat()
    return rng.choice(WORDS)


def interval_attributes(rng: random.Random, schema: Schema, label: str) -> dict[str, Any]:
    """Qualifier, value and bounds that obey the label's interval rule in the schema."""
    interval = schema.labels_by_name[label].interval
    if interval is None:
        return {}
    qualifier = rng.choice(schema.allowed_values(schema.attributes_by_name[interval.qualifier]) or ())
    rule = interval.rules[qualifier]
    value = rng.randint(1, 1000) if rule.value == "required" else None
    derived = {"value": 0, "value+1": 1, "value-1": -1}
    low, high = (value + derived[rule.minimum] if rule.minimum in derived and value is not None else None,
                 value + derived[rule.maximum] if rule.maximum in derived and value is not None else None)
    if rule.minimum == "required" or rule.maximum == "required":
        low, high = sorted((rng.randint(1, 500), rng.randint(500, 1000)))
    return {interval.qualifier: qualifier, interval.value: value, interval.minimum: low, interval.maximum: high}


def make_record(rng: random.Random, schema: Schema, number: int) -> dict[str, Any]:
    text = make_text(rng, astral=rng.random() < 0.3)
    labels = [label.name for label in schema.labels]
    spans, used = [], set()
    while len(spans) < SPANS_PER_RECORD:
        label = rng.choice(labels)
        start = rng.randrange(0, len(text) - 40)
        while text[start].isspace():
            start += 1
        end = start + rng.randint(3, 30)
        while text[end - 1].isspace():
            end -= 1
        if (label, start, end) in used:
            continue
        used.add((label, start, end))
        attributes = {a.name: attribute_value(rng, schema, a) for a in schema.label_attributes(label)}
        attributes.update(interval_attributes(rng, schema, label))
        spans.append({"id": f"s{len(spans)}", "label": label, "start": start, "end": end,
                      "text": text[start:end], "attributes": attributes})
    relations, seen = [], set()
    for attempt in range(50):
        if len(relations) == RELATIONS_PER_RECORD:
            break
        relation = rng.choice(schema.relations)
        heads = [s for s in spans if s["label"] in relation.head]
        tails = [s for s in spans if s["label"] in relation.tail]
        if not heads or not tails:
            continue
        head, tail = rng.choice(heads), rng.choice(tails)
        taken = sum(1 for kind, h, _ in seen if kind == relation.name and h == head["id"])
        if head is tail or (relation.name, head["id"], tail["id"]) in seen or \
                (relation.max_per_head is not None and taken >= relation.max_per_head):
            continue
        seen.add((relation.name, head["id"], tail["id"]))
        relations.append({"id": f"r{attempt}", "type": relation.name, "head": head["id"], "tail": tail["id"]})
    return {"doc_id": f"synthetic-{number:08d}", "schema_version": schema.version,
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "annotator": "generator",
            "spans": spans, "relations": relations, "text": text}


def generate(path: Path, megabytes: float, seed: int = 2024, schema: Schema | None = None) -> int:
    """Write records until the file holds `megabytes`; returns the number of records."""
    schema = schema or load_schema()
    rng = random.Random(seed)
    encoder = msgspec.json.Encoder()
    target, written, count = int(megabytes * 1024 * 1024), 0, 0
    with atomic_write(path, "wb") as handle:
        while written < target:
            line = encoder.encode(make_record(rng, schema, count)) + b"\n"
            handle.write(line)
            written += len(line)
            count += 1
    return count


SYNTHETIC_RELEASE = "0.0.0"
OUTLETS = ("Synthetic Wire", "Example Herald", "Placeholder Post")


def synthetic_document(rng: random.Random, schema: Schema, number: int) -> tuple[dict[str, Any], CorpusDocument]:
    """A gold record and the corpus document it annotates (made-up metadata: synthetic data)."""
    record = make_record(rng, schema, number)
    text = record.pop("text")
    document = CorpusDocument(
        doc_id=record["doc_id"], title=f"Synthetic article {number}", outlet=rng.choice(OUTLETS),
        publication_date=dt.date(2024, 3, 22) + dt.timedelta(days=number % 700), byline=None, wire_source=None,
        source_file=f"synthetic/{number:08d}.txt", stripped_prefix="", text_sha256=record["text_sha256"], text=text,
    )
    return record, document


def generate_release(folder: Path, documents: int, seed: int = 2024, schema: Schema | None = None,
                     first: int = 0) -> Path:
    """Write a complete release of `documents` synthetic documents, numbered from `first` (so that
    parts of one large dataset have distinct doc_ids), to `folder`, streamed (memory
    does not grow with the number of documents, except one small summary per document for the
    datasheet), with the release builder's own canonical form, tables, datasheet and manifest."""
    schema = schema or load_schema()
    rng = random.Random(seed)
    record_type = record_types(schema).record
    kept: list[Any] = []

    def released(handle: Any) -> Any:
        for number in range(first, first + documents):
            record, document = synthetic_document(rng, schema, number)
            struct = msgspec.json.decode(msgspec.json.encode(record), type=record_type)
            line = ENCODER.encode(release_record(struct, {document.doc_id: document})) + b"\n"
            handle.write(line)
            data = msgspec.json.decode(line)
            kept.append(document_facts(data, {}))
            yield data

    with atomic_directory(Path(folder)) as staging:
        staging.chmod(FOLDER_MODE)
        with open(staging / DOCUMENTS_FILE, "wb") as handle:
            counts = release_counts(schema, released(handle))
        facts = ReleaseFacts(
            release_version=SYNTHETIC_RELEASE, schema=schema, toolkit_version=__version__, created=build_time(),
            counts=counts, documents=tuple(kept), inputs={}, agreement=None, agreement_method=None,
            not_released=(),
        )
        complete_release(staging, facts, schema)
    return Path(folder)


def corpus_file(export: Path) -> Path:
    """Where --ls-export writes the corpus its tasks were made from (corpus/documents.jsonl's form)."""
    return export.with_name(export.stem + ".corpus.jsonl")


def generate_ls_export(path: Path, documents: int, seed: int = 2024, schema: Schema | None = None) -> Path:
    """Write a Label Studio full JSON export (one task per document, one submitted annotation each,
    with the result items the editor saves) to `path`, and its corpus to corpus_file(path);
    streamed, so any size fits in memory. Returns the corpus file."""
    schema = schema or load_schema()
    rng = random.Random(seed)
    corpus_path = corpus_file(Path(path))
    with atomic_write(Path(path), "wb") as export, atomic_write(corpus_path, "wb") as corpus:
        export.write(b"[")
        for number in range(documents):
            record, document = synthetic_document(rng, schema, number)
            corpus.write(document.model_dump_json().encode("utf-8") + b"\n")
            stamp = (dt.datetime(2024, 4, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=number)).isoformat()
            task = task_for(document, schema) | {
                "id": number + 1, "project": 1, "inner_id": number + 1, "created_at": stamp, "updated_at": stamp,
                "annotations": [{
                    "id": number + 1, "completed_by": {"id": 1 + number % 3, "email": f"annotator-{number % 3}@example.org"},
                    "result": result_items(record, schema), "was_cancelled": False, "ground_truth": False,
                    "created_at": stamp, "updated_at": stamp, "lead_time": 60.0 + number % 600, "task": number + 1,
                }],
                "drafts": [], "predictions": [], "total_annotations": 1, "cancelled_annotations": 0,
            }
            export.write((b",\n" if number else b"\n") + msgspec.json.encode(task))
        export.write(b"\n]\n")
    return corpus_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    shape = parser.add_mutually_exclusive_group(required=True)
    shape.add_argument("--output", type=Path, help="annotation records (JSON lines), --megabytes of them")
    shape.add_argument("--release", type=Path, help="a release folder of --documents documents")
    shape.add_argument("--ls-export", type=Path, help="a Label Studio full JSON export of --documents tasks")
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--first", type=int, default=0, help="number of the first document (--release)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    if args.release:
        generate_release(args.release, args.documents, args.seed, first=args.first)
        print(f"wrote a release of {args.documents} documents to {args.release}")
    elif args.ls_export:
        corpus = generate_ls_export(args.ls_export, args.documents, args.seed)
        print(f"wrote a Label Studio export of {args.documents} tasks to {args.ls_export}, its corpus to {corpus}")
    else:
        count = generate(args.output, args.megabytes, args.seed)
        print(f"wrote {count} records ({args.megabytes} MB) to {args.output}")


if __name__ == "__main__":
    main()
