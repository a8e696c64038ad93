"""Validation throughput and memory, against the baselines that matter.

On one file of synthetic records (made by generate.py when missing), each method runs in its own
process; the methods take turns, round after round (A B C A B C ...), so that a machine whose speed
drifts (a shared one) slows them alike, and each ratio is taken within a round:
- read:        reading the lines, nothing else (the floor);
- orjson:      orjson parsing of each line, no checks (the baseline of every ratio);
- msgspec:     typed decoding with the schema's types, no further checks (for information);
- validator:   our full validation, one process (target: >= 0.58x orjson, peak <= 64 MB);
- validator-2: our full validation on two processes (target: >= 0.80x orjson);
- jsonschema:  naive per-record validation with the committed JSON Schema (target: >= 50x slower);
- pydantic:    per-record validation with the schema's pydantic models.
The slow baselines (jsonschema, pydantic) read only the first --sample-mb of the file. Each figure
is printed as its median and min-max over the rounds: in-process (the timed loop alone) and whole
process (start-up and imports included), with the peak resident memory (VmHWM) of the process.

    python benchmarks/bench_validate.py --megabytes 500 [--rounds 3] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
READ_BUFFER_BYTES = 1024 * 1024  # validation/validator.py's (not imported: the baselines stay bare)
METHODS = ("read", "orjson", "msgspec", "validator", "validator-2", "jsonschema", "pydantic")
SAMPLED = ("jsonschema", "pydantic")
TARGETS = {"validator x orjson": (">=", 0.58), "validator-2 x orjson": (">=", 0.80),
           "validator / jsonschema": (">=", 50.0), "validator peak MB": ("<=", 64.0)}


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def iter_lines(path: Path, limit: int) -> Any:
    """The lines of the file, up to `limit` bytes, read as the validator reads them in one process."""
    read = 0
    with open(path, "rb", buffering=READ_BUFFER_BYTES) as handle:
        for line in handle:
            read += len(line)
            if read > limit:
                return
            yield line


def measure(method: str, path: Path, limit: int) -> dict[str, Any]:
    """Run one method in this process; return bytes, seconds of the timed work and peak memory."""
    size = min(path.stat().st_size, limit)
    if method.startswith("validator"):
        from crocus_claims.validation import validate_paths

        jobs = 2 if method == "validator-2" else 1
        start = time.perf_counter()
        report = validate_paths([path], jobs=jobs)
        seconds = time.perf_counter() - start
        assert not report.errors, report.errors[:3]
    else:
        work = setup(method)
        start = time.perf_counter()
        size = 0
        for line in iter_lines(path, limit):
            size += len(line)
            work(line)
        seconds = time.perf_counter() - start
    return {"method": method, "bytes": size, "seconds": seconds, "peak_mb": peak_mb()}


def setup(method: str) -> Any:
    if method == "read":
        return lambda line: None
    if method == "orjson":
        import orjson

        return orjson.loads
    if method == "msgspec":
        from crocus_claims.records import record_types

        return record_types().decode
    if method == "jsonschema":
        import orjson

        from crocus_claims.record_schema import json_schema_path, strict_integer_validator
        from crocus_claims.schema import load_schema

        schema = json.loads(json_schema_path(load_schema().version).read_text(encoding="utf-8"))
        validator = strict_integer_validator(schema)
        return lambda line: validator.validate(orjson.loads(line))
    if method == "pydantic":
        from crocus_claims.records import record_models

        return record_models().record.model_validate_json
    raise SystemExit(f"unknown method {method}")


def run_in_subprocess(method: str, path: Path, limit: int) -> dict[str, Any]:
    start = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--measure", method, "--file", str(path), "--limit", str(limit)],
        check=True, capture_output=True, text=True,
    ).stdout
    whole = time.perf_counter() - start
    result = json.loads(output.splitlines()[-1])
    return result | {"mb_per_s": result["bytes"] / result["seconds"] / 1e6,
                     "whole_mb_per_s": result["bytes"] / whole / 1e6}


def spread(values: list[float], digits: int = 1) -> str:
    """`median (min-max)`."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def report(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, float]:
    """Print the table and the targets; return the median of each checked figure."""
    def ratios(method: str, key: str = "mb_per_s") -> list[float]:
        return [r[method][key] / r["orjson"][key] for r in rounds]

    print(f"{'method':12} {'MB/s in-process':>22} {'MB/s whole process':>22} {'peak MB':>8} "
          f"{'x orjson in-process':>22} {'x orjson whole':>18}")
    for method in METHODS:
        runs = [r[method] for r in rounds]
        print(f"{method:12} {spread([r['mb_per_s'] for r in runs]):>22} {spread([r['whole_mb_per_s'] for r in runs]):>22} "
              f"{max(r['peak_mb'] for r in runs):8.1f} {spread(ratios(method), 2):>22} "
              f"{spread(ratios(method, 'whole_mb_per_s'), 2):>18}")
    checks = {
        "validator x orjson": statistics.median(ratios("validator")),
        "validator-2 x orjson": statistics.median(ratios("validator-2")),
        "validator / jsonschema": statistics.median(
            [r["validator"]["mb_per_s"] / r["jsonschema"]["mb_per_s"] for r in rounds]),
        "validator peak MB": max(r["validator"]["peak_mb"] for r in rounds),
    }
    print()
    for name, value in checks.items():
        sign, target = TARGETS[name]
        met = value <= target if sign == "<=" else value >= target
        print(f"{name:24} {value:8.2f}  target {sign} {target:<6} {'met' if met else 'MISSED'}")
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=500)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--sample-mb", type=float, default=5, help="how much the slow baselines read")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=1 << 62, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.file, args.limit)))
        return
    path = args.file or HERE / "data" / f"records-{args.megabytes:g}mb.jsonl"
    if not path.exists():
        from generate import generate  # benchmarks/ is on sys.path when run as a script

        print(f"generating {path} ...", flush=True)
        generate(path, args.megabytes)
    sample = int(args.sample_mb * 1e6)
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {len(os.sched_getaffinity(0))} cores, "
          f"{args.rounds} interleaved rounds, {time.strftime('%Y-%m-%d')}\n", flush=True)
    rounds = []
    for number in range(args.rounds):
        rounds.append({method: run_in_subprocess(method, path, sample if method in SAMPLED else 1 << 62)
                       for method in METHODS})
        print(f"round {number + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    checks = report(rounds)
    missed = [name for name, value in checks.items()
              if not (value <= TARGETS[name][1] if TARGETS[name][0] == "<=" else value >= TARGETS[name][1])]
    sys.exit(1 if args.check and missed else 0)


if __name__ == "__main__":
    main()
