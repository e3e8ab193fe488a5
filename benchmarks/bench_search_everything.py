"""The one search box at scale: services.search.search (meaning + text in photos + tags + names, graded) against the
window's search before it (exact meaning search, then grades), in the same run, on one synthetic library.

The library: bench_search.py's 100k records (folders, dates, tags from the 50 default labels, clustered 512-d
vectors) in a real App home with the ViT-B/32-shaped random model, and text read in 10% of the photos (receipt-like
lines with words and prices). Query texts are cached (the text encoder is timed by bench_search.py); each query
runs `--repeats` times per path, paths interleaved, medians and p95 reported with the ratio new / old.

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/bench_search_everything.py --workdir /tmp/bench-everything --keep
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.bench_search import phrases, search_library, text_model  # noqa: E402
from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.app import App  # noqa: E402
from photo_tagger.core.filters import Filters  # noqa: E402
from photo_tagger.core.tagging import TagDecision  # noqa: E402

WORDS = ["total", "cash", "change", "coffee", "milk", "bread", "ticket", "platform", "exit", "parking", "invoice",
         "thank", "you", "station", "museum", "open", "closed", "sale", "street", "avenue"]
PRICES = ["42.50", "3.20", "12.00", "7.99", "19.90", "1.05", "250.00", "0.80"]
QUERIES_WITH_WORDS = ["total", "coffee milk", '"thank you"', "parking ticket", "42.50", "beach -people",
                      "2:dog beach", "museum -closed", "tot", "dog"]


class NoStore:
    """A private library's search is exact over the matrix: Chroma is never asked (core.search.exact)."""

    shared = False
    made = True

    def query(self, *args, **kwargs):
        raise AssertionError("the store was asked")


def build(workdir: Path, n: int) -> Path:
    home = workdir / f"home-{n}"
    if (home / "READY").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    app = App.from_home(home)
    model = text_model(workdir)
    app.models.import_folder(model.path)
    app.update_settings(model=model.name)
    key = app.model_key()
    records, vectors, tags, _ = search_library(n)
    records = [replace(r, embedded_model=key) for r in records]
    rng = random.Random(5)
    catalog = app.catalog
    for root in sorted({r.root for r in records}):
        catalog.add_root(root, 0.0)
    for start in range(0, n, 5000):
        part = records[start:start + 5000]
        with catalog.transaction() as db:
            catalog.write(db, part)
            catalog.write_vectors(db, key, [r.id for r in part], vectors[start:start + 5000])
            catalog.write_decisions(db, {r.id: TagDecision(tuple((t, 0.5) for t in e.tags),
                                                           tuple((f, 0.9) for f in e.flags))
                                         for r, e in zip(part, tags[start:start + 5000])})
            for r in part:
                if rng.random() < 0.10:
                    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))) + " " +
                             rng.choice(PRICES) for _ in range(rng.randint(1, 6))]
                    catalog.set_photo_text(db, r.id, r.content_hash, "text", "\n".join(lines))
    app.close()
    (home / "READY").write_text("ok")
    return home


def old_window_search(app, query: str) -> list:
    """The window's search before issue 15: exact meaning search, then the grades."""
    hits = app.search_service.text_hits(query, Filters(), 200)
    app.search_service.grades(query, [h.record.id for h in hits])
    return hits


def new_window_search(app, query: str) -> list:
    return app.search_service.search(query, Filters(), 200, remember=False).hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20, help="plain descriptions (bench_search.py's phrases)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-everything-"))
    workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    home = build(workdir, args.n)
    build_s = time.perf_counter() - t
    app = App.from_home(home)
    app.search_store = lambda: NoStore()
    plain = phrases(args.queries)
    try:
        t = time.perf_counter()
        app.embedding_index().warm()
        warm_s = time.perf_counter() - t
        for q in plain + QUERIES_WITH_WORDS:  # text embeddings cached and every lazy part opened
            new_window_search(app, q)
            if not any(c in q for c in '-:"'):
                old_window_search(app, q)
        times = {"old: meaning + grades": [], "new: plain descriptions": [], "new: queries with text words": []}
        for _ in range(args.repeats):
            for q in plain:
                for name, fn in (("old: meaning + grades", old_window_search),
                                 ("new: plain descriptions", new_window_search)):
                    t = time.perf_counter()
                    fn(app, q)
                    times[name].append(time.perf_counter() - t)
            for q in QUERIES_WITH_WORDS:
                t = time.perf_counter()
                new_window_search(app, q)
                times["new: queries with text words"].append(time.perf_counter() - t)
        text_first = {q: [h.reasons for h in new_window_search(app, q)[:3]] for q in ("total", '"thank you"', "42.50")}
    finally:
        app.close()
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {"n": args.n, "cpu": cpu_name(), "loadavg": loadavg(), "build_s": round(build_s, 1),
              "matrix_open_s": round(warm_s, 2), "repeats": args.repeats, "text_first": text_first, "latency_ms": {}}
    for name, values in times.items():
        values = sorted(values)
        result["latency_ms"][name] = {"runs": len(values), "median": round(1000 * statistics.median(values), 1),
                                      "p95": round(1000 * values[int(0.95 * (len(values) - 1))], 1)}
    old, new = result["latency_ms"]["old: meaning + grades"], result["latency_ms"]["new: plain descriptions"]
    result["ratio_new_over_old_median"] = round(new["median"] / old["median"], 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
