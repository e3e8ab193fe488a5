"""Events at 100,000 photos (issue 24 §3): a full regroup (core/events.py Timeline.build) against the target of 2 s,
and the cost per new photo of the incremental update (Timeline.apply of one photo), both on synthetic photos:
shooting sessions of 5-300 photos, days to weeks apart, 60% with GPS in a dozen cities (a few with a 0,0 fix), 3%
without a capture date. Baseline in the same run: np.lexsort of the same times (the sort a regroup cannot avoid).
With --service, the same library in a real catalog: the first refresh (build + saving every photo's event), listing
(names with places and telling labels) and, per new photo, a catalog write plus EventService.refresh().

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/bench_events.py --n 100000 --repeats 5 --service
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.core.events import Timeline  # noqa: E402

CITIES = [(38.72, -9.14), (41.15, -8.61), (48.86, 2.35), (51.51, -0.13), (40.42, -3.70), (52.52, 13.40),
          (41.90, 12.50), (40.71, -74.01), (35.68, 139.69), (-33.87, 151.21), (45.46, 9.19), (50.85, 4.35)]
START = 1_400_000_000.0  # May 2014


def synthetic(n: int, seed: int = 7) -> list[tuple]:
    """(id, moment, lat, lon) rows, in no particular order (as a catalog returns them)."""
    rng = random.Random(seed)
    rows, t, k = [], START, 0
    while k < n:
        t += rng.choice([0.5, 1, 2, 4, 7, 14]) * 86400 * rng.random()
        city = rng.choice(CITIES) if rng.random() < 0.6 else None
        for _ in range(min(rng.randint(5, 300), n - k)):
            t += rng.expovariate(1 / 120)
            place = (city[0] + rng.gauss(0, 0.03), city[1] + rng.gauss(0, 0.03)) if city else (None, None)
            if city and rng.random() < 0.01:
                place = (0.0, 0.0)
            rows.append((f"p{k:07d}", None if rng.random() < 0.03 else t, *place))
            k += 1
    rng.shuffle(rows)
    return rows


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def core(n: int, repeats: int, new: int) -> dict:
    rows = synthetic(n)
    times = np.array([r[1] for r in rows if r[1] is not None])
    ids = np.array([r[0] for r in rows if r[1] is not None], dtype=object)
    build, sort = [], []
    for _ in range(repeats):  # interleaved: the machine's load falls on both alike
        sort.append(timed(lambda: np.lexsort((ids, times))))
        build.append(timed(lambda: Timeline.build(rows)))
    timeline = Timeline.build(rows)
    rng = random.Random(3)
    span = (min(times), max(times))
    arrivals = [(f"new{i}", rng.uniform(*span), *rng.choice(CITIES)) for i in range(new)]
    per_new = [timed(lambda r=r: timeline.apply(upserts=[r])) for r in arrivals]
    per_delete = [timed(lambda r=r: timeline.apply(deletes=[r[0]])) for r in arrivals]
    return {"photos": n, "events": len(Timeline.build(rows)), "undated": len(timeline.undated),
            "full_regroup_s_median": statistics.median(build), "full_regroup_s_all": build,
            "lexsort_baseline_s_median": statistics.median(sort),
            "regroup_over_sort": statistics.median(build) / statistics.median(sort),
            "per_new_photo_ms_median": 1000 * statistics.median(per_new),
            "per_new_photo_ms_p90": 1000 * float(np.percentile(per_new, 90)),
            "per_deleted_photo_ms_median": 1000 * statistics.median(per_delete),
            "new_over_full": statistics.median(per_new) / statistics.median(build)}


def service(n: int, new: int) -> dict:
    from datetime import datetime

    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.infra.places import Places
    from photo_tagger.services.events import EventService

    def record(row) -> PhotoRecord:
        taken = datetime.fromtimestamp(row[1], UTC).replace(tzinfo=None).isoformat(timespec="seconds") \
            if row[1] is not None else None
        return PhotoRecord(row[0], "/photos", f"{row[0]}.jpg", 1, 1, row[0], "indexed", taken_at=taken,
                           gps_lat=row[2], gps_lon=row[3])

    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder) / "catalog.sqlite3")
        with catalog.transaction() as db:
            catalog.write(db, upserts=[record(r) for r in synthetic(n)])
        events = EventService(catalog=catalog, places=Places())
        first = timed(events.refresh)
        listing = timed(events.list)
        listed_again = timed(events.list)
        rng = random.Random(4)
        costs = []
        for i in range(new):
            row = (f"svc{i}", START + rng.uniform(0, 86400 * 365 * 5), *rng.choice(CITIES))
            with catalog.transaction() as db:
                catalog.write(db, upserts=[record(row)])
            costs.append(timed(events.refresh))
        catalog.close()
    return {"first_refresh_s": first, "first_list_s": listing, "list_again_s": listed_again,
            "refresh_per_new_photo_ms_median": 1000 * statistics.median(costs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--new", type=int, default=200, help="single new photos timed one by one")
    parser.add_argument("--service", action="store_true", help="also through a real catalog and EventService")
    args = parser.parse_args()
    found = {"cpu": cpu_name(), "load_before": loadavg(), **core(args.n, args.repeats, args.new)}
    if args.service:
        found.update(service(args.n, min(args.new, 30)))
    found["load_after"] = loadavg()
    print(json.dumps(found, indent=1, default=lambda v: round(v, 4)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
