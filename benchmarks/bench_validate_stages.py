"""Where the validator's time goes in one process: its work, stage by stage, against orjson.

Each stage does what the one before it does and one thing more, on the same lines held in memory
(so no stage pays for reading the file), with the cycle collector paused as the validator pauses
it. Each figure is the least CPU time of --rounds runs, per record and as a multiple of
orjson.loads on the same lines (the baseline of `make bench`):

- decode:     msgspec decoding into the schema's complete types, the text kept as its JSON literal
              (records.text_literal_record_types);
- + text:     and the text from its literal, hashed and checked (fast_path.inline_text);
- + keys:     and the duplicate-key count of the line's colons (duplicate_keys.keys_agree);
- + quotes:   and each span's quote against its slice of the text, white space at its ends;
- fast path, Python: every check a clean record needs (validation/fast_path.clean_record), in
              Python alone, as where the compiled helper was not built;
- fast path:  the same with the compiled helper (validation/_fast_path.c), as installed;
- validator:  the validator's loop: the fast path and the duplicate-record table (_Lines.check_all).

    python benchmarks/bench_validate_stages.py [--records 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import io
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from crocus_claims.validation.duplicate_keys import keys_agree
from crocus_claims.validation.fast_path import FastPath, clean_record, inline_text
from crocus_claims.validation.validator import _Lines, make_context

HERE = Path(__file__).resolve().parent


def stages(lines: list[bytes]) -> dict[str, Callable[[], object]]:
    ctx = make_context()
    fast, shape = ctx.fast, ctx.shape
    decode = fast.decoder.decode
    joined = b"".join(lines)

    def decoded() -> None:
        for line in lines:
            decode(line)

    def text() -> None:
        for line in lines:
            record = decode(line)
            inline_text(bytes(record.text), record, fast)

    def keys() -> None:
        for line in lines:
            record = decode(line)
            literal = bytes(record.text)
            inline_text(literal, record, fast)
            keys_agree(line, record, shape, literal)

    def quotes() -> None:
        for line in lines:
            record = decode(line)
            literal = bytes(record.text)
            text = inline_text(literal, record, fast)
            assert text is not None
            keys_agree(line, record, shape, literal)
            for span in record.spans:
                quoted = span.text
                _ = text[span.start:span.end] != quoted or quoted.strip() != quoted

    python = FastPath(ctx, compiled=False)

    def fast_path_in_python() -> None:
        for line in lines:
            clean_record(line, python)

    def fast_path() -> None:
        for line in lines:
            clean_record(line, fast)

    def validator() -> None:
        for _ in _Lines(ctx, "records.jsonl").check_all(io.BytesIO(joined)):
            pass

    def baseline() -> None:
        for line in lines:
            orjson.loads(line)

    return {"orjson": baseline, "decode": decoded, "+ text": text, "+ keys": keys, "+ quotes": quotes,
            "fast path, Python": fast_path_in_python, "fast path": fast_path, "validator": validator}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=HERE / "data" / "records-500mb.jsonl")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} is missing: make it with `python benchmarks/generate.py --megabytes 500 --output {args.file}`")
    with open(args.file, "rb") as handle:
        lines = list(itertools.islice(handle, args.records))
    runs = stages(lines)
    best = dict.fromkeys(runs, float("inf"))
    gc.disable()
    for _ in range(args.rounds):
        for name, run in runs.items():  # the stages take turns, round after round
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    print(f"{args.file.name}: {len(lines):,} records, {sum(map(len, lines)) / len(lines):,.0f} bytes each, "
          f"least CPU time of {args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"{'stage':18} {'us/record':>10} {'x orjson':>9} {'orjson / stage':>15}")
    for name, seconds in best.items():
        per_record = seconds / len(lines) * 1e6
        ratio = seconds / best["orjson"]
        print(f"{name:18} {per_record:10.2f} {ratio:9.2f} {1 / ratio:15.2f}")


if __name__ == "__main__":
    main()
