"""Validation throughput and memory, against the baselines that matter.

On one file of synthetic records (made by generate.py when missing), each method runs in its own
process, several times; the best time and the largest peak memory are reported:
- read:        reading the lines, nothing else (the floor);
- orjson:      orjson parsing of each line, no checks (the target to match);
- msgspec:     typed decoding with the schema's types, no further checks (for information);
- validator:   our full validation, one process (the target: >= 0.9x orjson, peak < 64 MB);
- validator-N: our full validation on every core given;
- jsonschema:  naive per-record validation with the committed JSON Schema (target: >= 50x slower);
- pydantic:    per-record validation with the schema's pydantic models.
The slow baselines (jsonschema, pydantic) may read only the first --sample-mb of the file.

    python benchmarks/bench_validate.py --megabytes 500 [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = {"orjson_ratio": 0.9, "jsonschema_speedup": 50.0, "peak_mb": 64.0}


def iter_lines(path: Path, limit: int) -> Any:
    read = 0
    with open(path, "rb") as handle:
        for line in handle:
            read += len(line)
            if read > limit:
                return
            yield line


def measure(method: str, path: Path, limit: int) -> dict[str, Any]:
    """Run one method in this process; return bytes, seconds and peak memory."""
    size = min(path.stat().st_size, limit)
    if method.startswith("validator"):
        from crocus_claims.validation import validate_paths

        jobs = None if method == "validator-N" else 1
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
    return {"method": method, "bytes": size, "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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
    output = subprocess.run(
        [sys.executable, __file__, "--measure", method, "--file", str(path), "--limit", str(limit)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def best_of(method: str, path: Path, limit: int, repeat: int) -> dict[str, Any]:
    runs = [run_in_subprocess(method, path, limit) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    return best | {"peak_mb": max(r["peak_mb"] for r in runs), "mb_per_s": best["bytes"] / best["seconds"] / 1e6}


def report(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    orjson_speed = results["orjson"]["mb_per_s"]
    print(f"{'method':12} {'MB/s':>9} {'peak MB':>8} {'x orjson':>9}")
    for name, result in results.items():
        print(f"{name:12} {result['mb_per_s']:9.1f} {result['peak_mb']:8.1f} {result['mb_per_s'] / orjson_speed:9.2f}")
    ours = results["validator"]
    checks = {
        "orjson_ratio": ours["mb_per_s"] / orjson_speed,
        "jsonschema_speedup": ours["mb_per_s"] / results["jsonschema"]["mb_per_s"],
        "peak_mb": ours["peak_mb"],
    }
    print()
    for name, value in checks.items():
        target = TARGETS[name]
        met = value <= target if name == "peak_mb" else value >= target
        print(f"{name:20} {value:8.2f}  target {'<=' if name == 'peak_mb' else '>='} {target:<6} {'met' if met else 'MISSED'}")
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=float, default=500)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--sample-mb", type=float, default=20, help="how much the slow baselines read")
    parser.add_argument("--repeat", type=int, default=3)
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
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {os.cpu_count()} cores\n")
    sample = int(args.sample_mb * 1e6)
    results = {method: best_of(method, path, sample if method in ("jsonschema", "pydantic") else 1 << 62,
                                args.repeat)
               for method in ("read", "orjson", "msgspec", "validator", "validator-N", "jsonschema", "pydantic")}
    checks = report(results)
    missed = [name for name, value in checks.items()
              if (value > TARGETS[name] if name == "peak_mb" else value < TARGETS[name])]
    sys.exit(1 if args.check and missed else 0)


if __name__ == "__main__":
    main()
