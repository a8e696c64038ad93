"""Where the time of `to_bio()` goes, stage by stage, against orjson parsing the same lines.

Each row adds one stage to the one above and is timed over every document of a release (CPU time
of this process, the best of --rounds passes, in microseconds per document):

| stage                 | what the pass does per line of documents.jsonl                          |
|-----------------------|--------------------------------------------------------------------------|
| read                  | reads the line                                                           |
| orjson                | + orjson.loads (the baseline of bench_scale.py's bio path)               |
| decode                | + decodes what tagging reads (TagRecord: text, spans), not orjson        |
| split                 | + cuts the text at spaces: the token strings of plain words              |
| token columns, Python | + every token and its two offsets (regex_token_columns)                  |
| token columns         | the same, as installed: the compiled helper where it was built           |
| tags, Python          | + tags and alignment issues (BioDocument), all in Python (tag_tiled)     |
| tags                  | the same, as installed: one document of to_bio()                         |
| tags, spans aligned   | the same with every span on the token boundaries it touches (moved before) |
| layered tags          | one document of to_layered_bio(): a tag list per label                   |
| to_bio()              | iterating to_bio() (reading, decoding, tagging, the report)              |
| to_layered_bio()      | iterating to_layered_bio()                                               |

    python benchmarks/bench_bio_stages.py                  # the 10,000-document release of bench_scale.py
    python benchmarks/bench_bio_stages.py --documents 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def aligned_spans(record: Any) -> list[Any]:
    """The spans of `record`, each moved to the start and end of the first and last token it touches."""
    from crocus_claims.loader.bio import TagSpan, regex_token_columns

    _, starts, ends = regex_token_columns(record.text)
    spans = []
    for span in record.spans:
        first, stop = bisect_right(ends, span.start), bisect_left(starts, span.end)
        spans.append(TagSpan(span.id, span.label, starts[first], ends[stop - 1]) if first < stop else span)
    return spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=10_000, help="documents in the synthetic release")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import orjson

    from crocus_claims.loader import load
    from crocus_claims.loader.bio import (TAG_RECORD_DECODER, BioDocument, default_token_columns,
                                          flat_document, layered_document, regex_token_columns, tag_tiled)

    sys.path.insert(0, str(HERE))
    from bench_scale import DATA
    from generate import generate_release

    release = DATA / f"release-{args.documents}"  # bench_scale.py's, made the same way when missing
    if not (release / "manifest.json").is_file():
        print(f"generating {release} ...", file=sys.stderr, flush=True)
        generate_release(release, args.documents)
    dataset = load(release)
    labels = [label.name for label in dataset.schema.labels]
    decode = TAG_RECORD_DECODER.decode
    with open(dataset.documents_path, "rb") as handle:
        moved = [aligned_spans(decode(line)) for line in handle]
    gc.freeze()  # what set-up keeps alive is not traversed by the collections the passes cause

    def with_aligned_spans(line: bytes, number: int) -> Any:
        record = decode(line)
        record.spans = moved[number]
        return record

    stages: dict[str, Callable[[bytes, int], object]] = {
        "read": lambda line, number: None,
        "orjson": lambda line, number: orjson.loads(line),
        "decode": lambda line, number: decode(line),
        "split": lambda line, number: decode(line).text.split(" "),
        "token columns, Python": lambda line, number: regex_token_columns(decode(line).text),
        "token columns": lambda line, number: default_token_columns(decode(line).text),
        "tags, Python": lambda line, number: python_flat_document(decode(line)),
        "tags": lambda line, number: flat_document(decode(line), None, labels),
        "tags, spans aligned": lambda line, number: flat_document(with_aligned_spans(line, number), None, labels),
        "layered tags": lambda line, number: layered_document(decode(line), None, labels),
    }

    def python_flat_document(record: Any) -> BioDocument:
        tokens, starts, ends = regex_token_columns(record.text)
        tags, issues = tag_tiled(record.doc_id, starts, ends, record.spans)
        return BioDocument(record.doc_id, record.split, tokens, starts, ends, tags, tuple(issues))

    def per_line(stage: Callable[[bytes, int], object]) -> Callable[[], object]:
        def run() -> None:
            with open(dataset.documents_path, "rb") as handle:
                for number, line in enumerate(handle):
                    stage(line, number)
        return run

    def whole(layered: bool) -> Callable[[], None]:
        def run() -> None:
            for _ in dataset.to_layered_bio() if layered else dataset.to_bio():
                pass
        return run

    runs = {name: per_line(stage) for name, stage in stages.items()} | {
        "to_bio()": whole(layered=False), "to_layered_bio()": whole(layered=True)}
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    documents = len(dataset)
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {documents:,} documents, best of {args.rounds} rounds, CPU time")
    print(f"{'stage':22} {'us/document':>12} {'x orjson':>9}")
    for name, seconds in best.items():
        print(f"{name:22} {seconds / documents * 1e6:12.1f} {seconds / best['orjson']:9.2f}")
    with open(dataset.documents_path, "rb") as handle:
        moved_issues = sum(len(flat_document(with_aligned_spans(line, number), None, labels).issues)
                           for number, line in enumerate(handle))
    issues = sum(len(document.issues) for document in dataset.to_bio())
    print(f"alignment issues per document: {issues / documents:.2f} as generated, "
          f"{moved_issues / documents:.2f} with the spans aligned")


if __name__ == "__main__":
    main()
