"""Benchmark: the claims board of a large synthetic release, and whether its pages stay small.

Generates synthetic releases (benchmarks/generate.py --release) of a small and a large number of
documents, builds the board of each with `crocus_claims.board.build_board`, and prints the best of
--runs wall clock and CPU time (of the process and its page-writing workers: on a shared machine
the wall clock includes waiting for a core) and the page sizes: the index and the list pages must
not grow with the release, a document page only with its document.

    python benchmarks/bench_board.py                       # 1,000 and 10,000 documents
    python benchmarks/bench_board.py --documents 500 2000 --runs 1
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from crocus_claims.board import build_board

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_release  # noqa: E402 - the generator beside this file


def cpu_seconds() -> float:
    """User and system CPU time of this process and of its finished children (the page writers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def page_sizes(folder: Path) -> dict[str, int]:
    sizes = {"pages": 0, "bytes": 0, "index": 0, "largest document page": 0, "largest other page": 0}
    for page in folder.glob("*.html"):
        size = page.stat().st_size
        sizes["pages"] += 1
        sizes["bytes"] += size
        if page.name == "index.html":
            sizes["index"] = size
        elif page.name.startswith("doc-"):
            sizes["largest document page"] = max(sizes["largest document page"], size)
        else:
            sizes["largest other page"] = max(sizes["largest other page"], size)
    return sizes


def bench(documents: int, runs: int, work: Path) -> dict[str, float]:
    release = work / f"release-{documents}"
    if not (release / "manifest.json").is_file():
        generate_release(release, documents)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        output = work / f"board-{documents}"
        shutil.rmtree(output, ignore_errors=True)
        start, start_cpu = time.perf_counter(), cpu_seconds()
        build_board([release], output)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, cpu_seconds() - start_cpu)
    return {"documents": documents, "seconds": best, "cpu": best_cpu, **page_sizes(work / f"board-{documents}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--runs", type=int, default=2, help="builds per size; the best is reported")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the releases here (default: a temp folder)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-board-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print("| documents | wall seconds (best) | CPU seconds (best) | pages | MB written | index KB | "
          "largest document page KB | largest list page KB |")
    print("|---|---|---|---|---|---|---|---|")
    for documents in args.documents:
        r = bench(documents, args.runs, work)
        print(f"| {r['documents']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['pages']:,} | {r['bytes'] / 1e6:.1f} | "
              f"{r['index'] / 1e3:.0f} | {r['largest document page'] / 1e3:.0f} | {r['largest other page'] / 1e3:.0f} |",
              flush=True)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
