"""A smart album's update cost per new photo (issue 24 §2): after one photo is indexed, the sidebar lists the albums
again and the smart album's saved search runs again through the search service (services/albums.py). Measured
against the same search run directly (the baseline, same run, interleaved), and against listing with nothing
changed (the kept result).

The library: bench_search.py's synthetic records, tags and clustered 512-d vectors in a real App home with the ViT-B/32-shaped random model. Each repeat adds one photo (record +
vector, as the indexer's commit writes them), then times AlbumService.list(); medians of `--repeats`.

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/bench_smart_albums.py --n 20000 --workdir /tmp/bench-albums --keep
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.bench_search import search_library, text_model  # noqa: E402
from benchmarks.bench_search_everything import NoStore  # noqa: E402
from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.app import App  # noqa: E402
from photo_tagger.core.albums import SavedSearch  # noqa: E402
from photo_tagger.core.tagging import TagDecision  # noqa: E402
from photo_tagger.core.types import PhotoRecord  # noqa: E402
from photo_tagger.services.albums import SMART_LIMIT  # noqa: E402

QUERIES = ["a dog on a beach", "receipt total", "sunset -people"]


def build(workdir: Path, n: int) -> Path:
    """bench_search.py's synthetic library in a real App home (records, vectors, tag decisions)."""
    from dataclasses import replace

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
    for root in sorted({r.root for r in records}):
        app.catalog.add_root(root, 0.0)
    for start in range(0, n, 5000):
        part = records[start:start + 5000]
        with app.catalog.transaction() as db:
            app.catalog.write(db, part)
            app.catalog.write_vectors(db, key, [r.id for r in part], vectors[start:start + 5000])
            app.catalog.write_decisions(db, {r.id: TagDecision(tuple((t, 0.5) for t in e.tags),
                                                               tuple((f, 0.9) for f in e.flags))
                                             for r, e in zip(part, tags[start:start + 5000])})
    app.close()
    (home / "READY").write_text("ok")
    return home


def add_photo(app, key: str, rng) -> None:
    """One new photo, written as the indexer's commit writes it: its record and its vector in one transaction."""
    photo_id = uuid.uuid4().hex
    record = PhotoRecord(id=photo_id, root="/bench/new", relpath=f"{photo_id}.jpg", size=1, mtime_ns=1,
                         content_hash=photo_id, status="indexed", embedded_model=key, indexed_at=time.time())
    vector = rng.standard_normal((1, 512)).astype(np.float32)
    vector /= np.linalg.norm(vector)
    with app.catalog.transaction() as db:
        app.catalog.write(db, [record])
        app.catalog.write_vectors(db, key, [photo_id], vector)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-albums-"))
    workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    home = build(workdir, args.n)
    build_s = time.perf_counter() - t
    app = App.from_home(home)
    app.search_store = lambda: NoStore()
    rng = np.random.default_rng(7)
    times: dict[str, list[float]] = {"baseline: the same searches, run directly": [],
                                     "smart albums listed after 1 new photo": [],
                                     "smart albums listed, nothing changed": []}
    try:
        key = app.model_key()
        albums = app.album_service
        for i, query in enumerate(QUERIES):
            if app.catalog.album_named(f"smart {i}") is None:
                albums.create(f"smart {i}", SavedSearch(query, strong_only=i % 2 == 0))
        app.embedding_index().warm()
        albums.list()  # text embeddings cached, matrix open
        for _ in range(args.repeats):
            t = time.perf_counter()
            for query in QUERIES:
                app.search_service.search(query, limit=SMART_LIMIT, remember=False)
            times["baseline: the same searches, run directly"].append(time.perf_counter() - t)
            add_photo(app, key, rng)
            t = time.perf_counter()
            listed = albums.list()
            times["smart albums listed after 1 new photo"].append(time.perf_counter() - t)
            t = time.perf_counter()
            albums.list()
            times["smart albums listed, nothing changed"].append(time.perf_counter() - t)
        counts = {a.name: a.count for a in listed}
    finally:
        app.close()
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    medians = {name: round(1000 * statistics.median(v), 1) for name, v in times.items()}
    base, update = medians["baseline: the same searches, run directly"], medians["smart albums listed after 1 new photo"]
    print(json.dumps({"n": args.n, "smart_albums": len(QUERIES), "counts": counts, "cpu": cpu_name(),
                      "loadavg": loadavg(), "build_s": round(build_s, 1), "repeats": args.repeats,
                      "median_ms": medians, "update_per_smart_album_ms": round(update / len(QUERIES), 1),
                      "ratio_update_over_baseline": round(update / base, 2)}, indent=1))


if __name__ == "__main__":
    main()
