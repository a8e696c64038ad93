"""Generate schema-valid synthetic annotation records at any scale, for the benchmarks.

Each record carries its own text of about 3,000 characters (30% of them with emoji or other
astral characters), about ten spans with attributes drawn from the schema, and a few relations
the schema allows. Seeded, so the same arguments give the same file.

    python benchmarks/generate.py --megabytes 500 --output benchmarks/data/records-500mb.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
from pathlib import Path
from typing import Any

import msgspec

from crocus_claims.atomic import atomic_write
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    count = generate(args.output, args.megabytes, args.seed)
    print(f"wrote {count} records ({args.megabytes} MB) to {args.output}")


if __name__ == "__main__":
    main()
