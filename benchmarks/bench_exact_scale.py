"""Where exact search stops paying: one pass over the search matrix at growing library sizes.

For each size: a matrix file (core/matrix_file.py) of synthetic unit vectors, 512-d float32, opened as a new
process would (load + map), then `queries` searches' matrix part (`_View.ranked` of the 1,000 candidates a search
checks; the catalog lookups that follow add about 3-5 ms whatever the size). Also the file's size (the page cache
it takes) and the time to write it. One BLAS thread, as the app runs (photo_tagger/__main__.py).

    PYTHONPATH=. python benchmarks/bench_exact_scale.py --sizes 100000 200000 400000 800000
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as photo_tagger/__main__.py: before numpy loads

import argparse  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.core.embedding_index import _View  # noqa: E402
from photo_tagger.core.matrix_file import MatrixFile  # noqa: E402

DIM = 512
CANDIDATES = 1000  # core.search: max(limit * CANDIDATES_PER_HIT, MIN_CANDIDATES) for limit 20


def measure(folder: Path, n: int, queries: int, rng) -> dict:
    ids = [f"{k:016x}{k:016x}" for k in range(n)]
    vectors = np.empty((n, DIM), np.float32)
    for start in range(0, n, 50_000):
        part = rng.standard_normal((min(n, start + 50_000) - start, DIM)).astype(np.float32)
        vectors[start:start + len(part)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    matrix = MatrixFile(folder, f"scale-{n}")
    t = time.perf_counter()
    matrix.write_all(ids, vectors, seq=n)
    write_s = time.perf_counter() - t
    del vectors
    t = time.perf_counter()
    seq, loaded_ids, rows, live = MatrixFile(folder, f"scale-{n}").load()
    view = _View(rows, loaded_ids, live)
    open_s = time.perf_counter() - t
    qs = rng.standard_normal((queries + 5, DIM)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    first = time.perf_counter()
    view.ranked(qs[0], CANDIDATES)
    first_s = time.perf_counter() - first
    for q in qs[1:5]:
        view.ranked(q, CANDIDATES)
    times = []
    for q in qs[5:]:
        t = time.perf_counter()
        view.ranked(q, CANDIDATES)
        times.append(time.perf_counter() - t)
    size_mb = sum(p.stat().st_size for p in folder.glob(f"{matrix.stem}.*")) / 2**20
    return {"n": n, "mb": size_mb, "write_s": write_s, "open_ms": open_s * 1000, "first_ms": first_s * 1000,
            "p50": float(np.percentile(times, 50)) * 1000, "p95": float(np.percentile(times, 95)) * 1000,
            "max": max(times) * 1000}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 200_000, 400_000, 800_000])
    ap.add_argument("--queries", type=int, default=40)
    args = ap.parse_args()
    load = " ".join(f"{x:.2f}" for x in loadavg() or [])
    print(f"{cpu_name()}, {os.cpu_count()} cpus, numpy {np.__version__}, load {load}\n")
    print("| photos | matrix file MB | write s | open ms | first pass ms | pass p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(1)
    folder = Path(tempfile.mkdtemp(prefix="bench_exact_scale-"))
    try:
        for n in args.sizes:
            r = measure(folder, n, args.queries, rng)
            print(f"| {n:,} | {r['mb']:.0f} | {r['write_s']:.1f} | {r['open_ms']:.0f} | {r['first_ms']:.0f} | "
                  f"{r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.0f} |", flush=True)
            shutil.rmtree(folder)
            folder.mkdir()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = " ".join(f"{x:.2f}" for x in loadavg() or [])
    print(f"\nload {load}")


if __name__ == "__main__":
    main()
