"""Time `Indexer.index` on an unchanged library in this process: run it once per source tree (PYTHONPATH) and
compare, interleaved, under the same load. Usage: rescan_ab.py HOME ROOT [REPEATS] (after bench_index.py made
HOME-tiny and ROOT)."""

import statistics
import sys
import time

import photo_tagger
from photo_tagger.app import App


def main() -> int:
    home, root = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    app = App.from_home(home)
    try:
        indexer = app.indexer  # catalog, Chroma and the model opened outside the timing
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            report = indexer.index([root])
            times.append(time.perf_counter() - started)
            if report.new or report.removed or report.updated:
                raise RuntimeError(f"not a no-op re-scan: {report.as_dict()}")
    finally:
        app.close()
    print(f"{photo_tagger.__file__}: {report.unchanged} unchanged, median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
