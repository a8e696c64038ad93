"""Speed and memory of the paths that grow with a project, each against its bare-parsing baseline.

Inputs come from generate.py (made when missing, kept in benchmarks/data/): a synthetic release
of --documents documents and a Label Studio full JSON export of --tasks tasks. Every measurement
runs in a fresh process (so its peak memory is its own); each path and its baseline run one after
the other, in alternating order, for --rounds rounds. Printed per path: the median time and the
min-max, each one's peak memory (maximum resident set), and the ratio to the baseline of the same
round (median and min-max), and "added": the peak minus the memory before the work began
(imports and `load()` excluded; a peak that `load()` reached counts, though). Times are
in-process, around the work alone. bio and layered also print "resident_mb_grown": the resident
memory at the end of the work less at its start, near 0 when memory is flat in documents.

| path      | ours                                                | baseline                                  |
|-----------|-----------------------------------------------------|-------------------------------------------|
| validate  | the validator on documents.jsonl, one process       | orjson parsing of documents.jsonl (**)    |
| import    | Label Studio export -> records file (streamed)      | orjson parsing of the export file (*)     |
| load      | crocus_claims.load(): every file's checksum checked | reading every file of the release         |
| documents | iterating the typed (pydantic) documents            | orjson parsing of documents.jsonl         |
| spans     | Dataset.spans(): one row per span, as polars frame  | polars reading spans.parquet              |
| bio       | iterating to_bio() (flat BIO tags, report)          | orjson parsing of documents.jsonl         |
| layered   | iterating to_layered_bio()                          | orjson parsing of documents.jsonl         |
| hf        | to_hf(): Arrow files from a generator               | orjson parsing of documents.jsonl         |
| figures   | Dataset.figures(): the board's statement frame      | polars reading spans.parquet              |
| board     | crocus-claims board: the static site of the release | orjson parsing of documents.jsonl         |

(*) With the cycle collector paused, as the import pauses it: with it on, most of orjson's time on
a large export is the collector tracing the objects it has built.
(**) Read as the validator reads it, through a 1 MiB buffer with the collector paused (as
bench_validate.py's baselines): the other rows' paths, and their baseline, read through Python's
default buffer with the collector on.

    python benchmarks/bench_scale.py                 # default sizes: a few minutes on 2 cores
    python benchmarks/bench_scale.py --full          # the sizes the targets name (100k documents,
                                                     # 1M spans, a ~1 GB export): run once
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT = {"documents": 10_000, "tasks": 10_000}
FULL = {"documents": 100_000, "tasks": 92_000}  # 100k documents hold 1M spans; 92k tasks ~ 1.05 GB
# The board writes a page per document (100k pages take about 20 minutes here): measured at the
# default size unless named with --paths.
DEFAULT_SIZE_ONLY = ("board",)
# path -> (baseline, target ratio of time, what the target says); None: no target set
PATHS: dict[str, tuple[str, float | None, str]] = {
    "validate": ("orjson-release-buffered", None, "see make bench"),
    "import": ("orjson-export", 1.5, "time <= 1.5x orjson; peak <= 256 MB on 1 GB"),
    "load": ("read-release", None, ""),
    "documents": ("orjson-release", None, ""),
    "spans": ("polars-spans", 2.0, "time <= 2x polars reading the Parquet; memory <= 2x the frame"),
    "bio": ("orjson-release", 3.0, "time <= 3x orjson at 100k documents; memory flat"),
    "layered": ("orjson-release", 3.0, "as bio"),
    "hf": ("orjson-release", None, "Arrow on disk: memory flat"),
    "figures": ("polars-spans", None, ""),
    "board": ("orjson-release", None, ""),
}


# ---------------------------------------------------------------------------------------------
# One measurement, in its own process


def orjson_lines(path: Path, buffering: int = -1) -> None:
    import orjson

    with open(path, "rb", buffering=buffering) as handle:
        for line in handle:
            orjson.loads(line)


def work(method: str, release: Path, export: Path) -> Callable[[], dict[str, Any]]:
    """The function to time for `method`; it returns extra figures to report."""
    documents_file = release / "documents.jsonl"
    if method == "orjson-export":
        import orjson

        def parse_export() -> dict[str, Any]:  # the collector paused, as the import pauses it
            gc.disable()
            try:
                return {"items": len(orjson.loads(export.read_bytes()))}
            finally:
                gc.enable()
        return parse_export
    if method == "orjson-release":
        return lambda: orjson_lines(documents_file) or {}
    if method == "orjson-release-buffered":
        import bench_validate  # benchmarks/ is on sys.path when run as a script

        def parse_buffered() -> dict[str, Any]:  # as the validator reads: 1 MiB buffer, collector paused
            gc.disable()
            try:
                orjson_lines(documents_file, bench_validate.READ_BUFFER_BYTES)
                return {}
            finally:
                gc.enable()
        return parse_buffered
    if method == "read-release":
        def read_all() -> dict[str, Any]:
            for path in release.rglob("*"):
                if path.is_file():
                    with open(path, "rb") as handle:
                        while handle.read(1 << 20):
                            pass
            return {}
        return read_all
    if method == "polars-spans":
        import polars as pl

        return lambda: {"frame_mb": pl.read_parquet(release / "spans.parquet").estimated_size() / 1e6}
    if method == "validate":
        from crocus_claims.validation import validate_paths

        def run_validate() -> dict[str, Any]:
            report = validate_paths([documents_file], jobs=1)
            assert not report.errors, report.errors[:3]
            return {}
        return run_validate
    if method == "import":
        from crocus_claims.corpus import CorpusFile
        from crocus_claims.labelstudio.importer import import_file
        from crocus_claims.schema import load_schema

        from generate import corpus_file  # benchmarks/ is on sys.path when run as a script

        schema, output = load_schema(), Path(tempfile.mkdtemp()) / "records.jsonl"

        def run_import() -> dict[str, Any]:  # as `ls import` does it, the corpus read on demand included
            try:
                corpus = CorpusFile(corpus_file(export))
                report, count = import_file(export, output, schema=schema, corpus=corpus)
            finally:
                shutil.rmtree(output.parent)
            assert report.lossless and count, report.problems[:3]
            return {"records": count}
        return run_import
    from crocus_claims.loader import load

    if method == "load":
        return lambda: {"documents": len(load(release))}
    dataset = load(release)
    if method == "documents":
        return lambda: {"documents": sum(1 for _ in dataset)}
    if method == "spans":
        return lambda: {"frame_mb": dataset.spans().estimated_size() / 1e6}
    if method in ("bio", "layered"):
        def tag() -> dict[str, Any]:  # resident memory at the end less at the start: flat stays near 0
            before = memory_mb("VmRSS")
            result = dataset.to_bio() if method == "bio" else dataset.to_layered_bio()
            tokens = sum(len(document.tokens) for document in result)
            return {"tokens": tokens, "issues": result.report.total, "resident_mb_grown": memory_mb("VmRSS") - before}
        return tag
    if method == "hf":
        def export_hf() -> dict[str, Any]:
            cache = Path(tempfile.mkdtemp())
            try:
                return {"rows": sum(len(split) for split in dataset.to_hf(cache_dir=cache).values())}
            finally:
                shutil.rmtree(cache)
        return export_hf
    if method == "figures":
        return lambda: {"rows": dataset.figures().height}
    if method == "board":
        from crocus_claims.board.build import build_board

        def board() -> dict[str, Any]:
            output = Path(tempfile.mkdtemp()) / "board"
            try:
                build_board([release], output)
                return {"pages": sum(1 for _ in output.rglob("*.html"))}
            finally:
                shutil.rmtree(output.parent)
        return board
    raise SystemExit(f"unknown method {method}")


def memory_mb(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory. VmHWM, not ru_maxrss: on
    Linux ru_maxrss carries the parent's peak across fork and exec, hiding a small child's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(method: str, release: Path, export: Path) -> dict[str, Any]:
    run = work(method, release, export)
    before = memory_mb("VmRSS")
    start = time.perf_counter()
    extra = run()
    seconds = time.perf_counter() - start
    peak = memory_mb()
    return {"method": method, "seconds": seconds, "peak_mb": peak, "added_mb": peak - before, **extra}


def run_in_subprocess(method: str, release: Path, export: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", method, "--release", str(release), "--export", str(export)],
        check=False, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Rounds and the table


def available(path: str) -> bool:
    if path == "import":
        from crocus_claims.labelstudio import importer

        return hasattr(importer, "import_file")
    if path == "figures":
        from crocus_claims.loader import Dataset

        return hasattr(Dataset, "figures")
    if path == "board":
        import importlib.util

        return importlib.util.find_spec("crocus_claims.board") is not None
    return True


def spread(values: list[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def bench(paths: list[str], release: Path, export: Path, rounds: int) -> dict[str, Any]:
    results: dict[str, dict[str, list[dict[str, Any]]]] = {p: {"ours": [], "base": []} for p in paths}
    for number in range(rounds):
        for path in paths:
            order = ["base", "ours"] if number % 2 == 0 else ["ours", "base"]
            for side in order:
                method = path if side == "ours" else PATHS[path][0]
                results[path][side].append(run_in_subprocess(method, release, export))
        print(f"  round {number + 1}/{rounds} done", file=sys.stderr, flush=True)
    return results


def report(results: dict[str, Any], sizes: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    print(f"{'path':10} {'ours s median (min-max)':>26} {'baseline s':>22} {'ratio':>20} "
          f"{'peak MB ours':>12} {'base':>6} {'added':>6}  target")
    for path, sides in results.items():
        baseline, target, says = PATHS[path]
        ours = [r["seconds"] for r in sides["ours"]]
        base = [r["seconds"] for r in sides["base"]]
        ratios = [o / b for o, b in zip(ours, base, strict=True)]
        peak, base_peak = max(r["peak_mb"] for r in sides["ours"]), max(r["peak_mb"] for r in sides["base"])
        added = max(r["added_mb"] for r in sides["ours"])
        verdict = ""
        if target is not None:
            verdict = f"<= {target}x: {'met' if statistics.median(ratios) <= target else 'MISSED'}"
        print(f"{path:10} {spread(ours):>26} {spread(base):>22} {spread(ratios):>20} {peak:12.0f} {base_peak:6.0f}"
              f" {added:6.0f}  {verdict}")
        extra = {k: v for k, v in sides["ours"][-1].items() if k not in ("method", "seconds", "peak_mb", "added_mb")}
        rows.append({"path": path, "baseline": baseline, "seconds": ours, "baseline_seconds": base,
                     "ratios": ratios, "peak_mb": peak, "baseline_peak_mb": base_peak, "added_mb": added,
                     "target": says, **extra})
    print()
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in ("path", "baseline", "seconds", "baseline_seconds",
                                                          "ratios", "peak_mb", "baseline_peak_mb", "added_mb",
                                                          "target")}
        if extra:
            print(f"{row['path']:10} " + ", ".join(f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v:,}"
                                                 for k, v in extra.items()))
    return rows


def inputs(documents: int, tasks: int) -> tuple[Path, Path]:
    from generate import generate_ls_export, generate_release

    release = DATA / f"release-{documents}"
    export = DATA / f"ls-export-{tasks}.json"
    if not (release / "manifest.json").is_file():
        print(f"generating {release} ...", file=sys.stderr, flush=True)
        generate_release(release, documents)
    if not export.is_file():
        print(f"generating {export} ...", file=sys.stderr, flush=True)
        generate_ls_export(export, tasks)
    return release, export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the target sizes: 100k documents, a ~1 GB export")
    parser.add_argument("--documents", type=int, help="documents in the synthetic release")
    parser.add_argument("--tasks", type=int, help="tasks in the synthetic Label Studio export")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--paths", nargs="+", choices=list(PATHS), help="only these paths")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--release", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.release, args.export)))
        return
    sizes = dict(FULL if args.full else DEFAULT)
    sizes.update({k: v for k, v in (("documents", args.documents), ("tasks", args.tasks)) if v})
    release, export = inputs(sizes["documents"], sizes["tasks"])
    default_paths = [p for p in PATHS if not (args.full and p in DEFAULT_SIZE_ONLY)]
    paths = [p for p in (args.paths or default_paths) if available(p)]
    manifest = json.loads((release / "manifest.json").read_text())
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.rounds} rounds, alternating")
    print(f"release: {manifest['counts']['documents']:,} documents, {manifest['counts']['spans']:,} spans, "
          f"documents.jsonl {(release / 'documents.jsonl').stat().st_size / 1e6:,.0f} MB; "
          f"export: {sizes['tasks']:,} tasks, {export.stat().st_size / 1e6:,.0f} MB\n")
    rows = report(bench(paths, release, export, args.rounds), sizes)
    if args.json:
        args.json.write_text(json.dumps({"sizes": sizes, "rows": rows}, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
