"""Time and size of the catalog backup taken at each clean close, on a synthetic catalog of N photos.

    .venv/bin/python benchmarks/bench_catalog_backup.py [--photos 100000] [--dim 512]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.core.types import PhotoRecord  # noqa: E402
from photo_tagger.infra.catalog import Catalog  # noqa: E402
from photo_tagger.infra.catalog_backup import take_backup  # noqa: E402
from photo_tagger.infra.storage_faults import integrity_problems  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library" / "catalog.sqlite3"
        catalog = Catalog(path)
        for start in range(0, args.photos, 5000):
            records = [PhotoRecord(id=uuid.uuid4().hex, root="/photos", relpath=f"{i // 1000:03d}/IMG_{i:06d}.jpg",
                                   size=3_000_000 + i, mtime_ns=1_600_000_000_000_000_000 + i,
                                   content_hash=uuid.uuid4().hex * 2, status="indexed", embedded_model="m@0",
                                   width=4000, height=3000, taken_at="2021-07-14T18:30:00", camera_make="Cam",
                                   camera_model="One", indexed_at=time.time())
                       for i in range(start, min(start + 5000, args.photos))]
            vectors = rng.standard_normal((len(records), args.dim)).astype(np.float32)
            with catalog.transaction() as db:
                catalog.write(db, upserts=records)
                catalog.write_vectors(db, "m@0", [r.id for r in records], vectors)
                for r in records[::100]:
                    catalog.set_user_tags(db, r.id, add=["holiday"])
        catalog.close()
        size = path.stat().st_size
        started = time.perf_counter()
        backup = take_backup(path, lambda p: Catalog(p).close())
        seconds = time.perf_counter() - started
        assert not integrity_problems(backup)
        print(f"| {args.photos} photos, {args.dim}-d | catalog {size / 1e6:.0f} MB | backup {backup.stat().st_size / 1e6:.1f} MB "
              f"| {seconds:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
