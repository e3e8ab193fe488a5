"""Old code against new in the same run: the retag (bench_search.py --skip-search) and search
(bench_search_everything.py) benchmarks run alternately from two source trees on the same libraries, medians of
each tree's runs and the ratio new / old.

    PYTHONPATH=. python benchmarks/ab_trees.py --old /work/main --new . --rounds 3 --workdir /tmp/ab --keep
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CPU_CLOCK = False  # --cpu: the benchmarks' timers read the process's CPU time instead of the wall clock
# Runs a benchmark script with time.perf_counter reading time.process_time: the other agents' load then adds
# little (only cache and memory contention), where it moves the wall clock up to 3x between runs.
ON_CPU_CLOCK = "import runpy, sys, time; time.perf_counter = time.process_time; sys.argv = sys.argv[1:]; " \
    "runpy.run_path(sys.argv[0], run_name='__main__')"


def run(tree: Path, args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-c", ON_CPU_CLOCK, *args] if CPU_CLOCK else [sys.executable, *args]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def retag_once(tree: Path, workdir: Path, n: int, repeats: int) -> dict[str, float]:
    out = workdir / f"retag-{tree.name}.json"
    run(tree, [str(tree / "benchmarks/bench_search.py"), "--skip-search", "--retag-n", str(n), "--repeats",
               str(repeats), "--workdir", str(workdir / f"retag-{tree.name}"), "--json", str(out)])
    cases = json.loads(out.read_text())["retag"]["cases"]
    return {name: statistics.median(times) for name, times in cases.items()}


def search_once(tree: Path, workdir: Path, n: int, queries: int, repeats: int) -> dict[str, float]:
    text = run(tree, [str(tree / "benchmarks/bench_search_everything.py"), "--n", str(n), "--queries", str(queries),
                      "--repeats", str(repeats), "--workdir", str(workdir / "search"), "--keep"])
    result = json.loads(text[text.index("{"):])
    return {name: row["median"] / 1000 for name, row in result["latency_ms"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, default=Path("."))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--retag-n", type=int, default=10_000)
    parser.add_argument("--search-n", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--skip-retag", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--cpu", action="store_true", help="time CPU seconds of the benchmark's process, not wall")
    args = parser.parse_args()
    global CPU_CLOCK
    CPU_CLOCK = args.cpu
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ab-trees-"))
    workdir.mkdir(parents=True, exist_ok=True)
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    if not args.skip_search:  # builds the search library once (the new tree's build), and warms both trees
        for side in ("new", "old"):
            search_once(trees[side], workdir, args.search_n, args.queries, 1)
    for k in range(args.rounds):
        for side in (("old", "new") if k % 2 == 0 else ("new", "old")):  # alternate who goes first
            rows = {}
            if not args.skip_retag:
                rows.update({f"retag: {name}": s for name, s in
                             retag_once(trees[side], workdir, args.retag_n, args.repeats).items()})
            if not args.skip_search:
                rows.update({f"search: {name}": s for name, s in
                             search_once(trees[side], workdir, args.search_n, args.queries, args.repeats).items()})
            for name, seconds in rows.items():
                runs[side].setdefault(name, []).append(seconds)
            print(f"round {k + 1} {side}: " + json.dumps({n: round(s * 1000, 1) for n, s in rows.items()}),
                  flush=True)
    print("\n| row | old median ms | new median ms | new / old |\n|---|---|---|---|")
    for name in runs["old"]:
        old, new = statistics.median(runs["old"][name]), statistics.median(runs["new"][name])
        print(f"| {name} | {old * 1000:.1f} | {new * 1000:.1f} | {new / old:.2f} |")
    # The load moves a lot between runs: each search run also times the window's search before issue 15 (meaning,
    # then grades), so each row over it in its own run is a steadier comparison. Only its hits' tags may differ
    # between trees (core/search.py local_hits), a small part of it.
    control = "search: old: meaning + grades"
    if control in runs["old"]:
        print("\n| search row / the same run's control | old median | new median | new / old |\n|---|---|---|---|")
        for name in runs["old"]:
            if name.startswith("search: new"):
                old, new = (statistics.median(a / c for a, c in zip(runs[side][name], runs[side][control]))
                            for side in ("old", "new"))
                print(f"| {name} | {old:.3f} | {new:.3f} | {new / old:.2f} |")


if __name__ == "__main__":
    main()
