"""Scrolling the desktop app's grid through 20,000 photos: frame times, event-loop stalls, memory.

What one run does:

1. Builds (once, reused) a library home under benchmarks/out/gui-scroll/: N real JPEG files on disk (400x300,
   all different, a few KB each) and their catalog rows written with the app's Catalog (the rows the indexer
   writes: indexed, dated, two automatic tags each, 1% flagged so some tiles are blurred), plus the tiny test
   model (imported from the indexing benchmark's home, else installed from the test checkpoint). No Chroma:
   listing and scrolling the grid never touch vectors, and encoding 20,000 photos is not what is measured.
2. Opens the real MainWindow (QT_QPA_PLATFORM=offscreen unless set: Qt's raster painting into an in-memory
   backing store, as on a desktop minus the compositor) at 1200x780, without the folder watcher, and waits for
   the whole listing (the grid filled in batches, as the app does).
3. Scrolls the grid from top to bottom with its scroll bar, one step per 16 ms timer tick (60 Hz), each step
   followed by a synchronous repaint of the viewport. Thumbnails are made the app's way (ThumbnailProvider:
   Pillow on the thumbnail workers, JPEG disk cache, pixmaps in an LRU) for every tile that gets painted.
   Pass 1 starts with an empty thumbnail cache (cold), pass 2 scrolls again with the disk cache filled and the
   in-memory pixmaps where the LRU kept them (warm).

Reported per pass: frame interval (time between consecutive step ticks: 16.7 ms is a perfect 60 Hz), event-loop
stall (interval minus the 16 ms timer period), paint time of a step (scroll + repaint), p50 / p95 / p99 / max;
thumbnails requested and made; RSS (process resident memory, psutil) after the listing, at the end of each
pass and its peak (sampled every step).

    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_gui_scroll.py                # 20,000 photos, page steps
    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_gui_scroll.py --step 0.25    # a slower scroll (1/4 page)
    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_gui_scroll.py --size 240     # Large thumbnails

Results also go to benchmarks/out/bench_gui_scroll.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.machine import cpu_name, loadavg  # noqa: E402

OUT = HERE / "out"
TICK_MS = 16


def _make_files(args) -> list[tuple[str, int, int]]:
    """Worker process: JPEGs start..stop, each different (a colour field, a gradient, a stripe); (relpath, size,
    mtime_ns) of each."""
    import numpy as np
    from PIL import Image

    folder, start, stop = args
    rows = []
    y, x = np.mgrid[0:300, 0:400]
    for i in range(start, stop):
        rel = f"{i // 1000:02d}/IMG_{i:05d}.jpg"
        path = Path(folder) / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            rgb = np.stack([(x * (i % 7 + 1) // 8 + i * 37) % 256, (y * (i % 5 + 1) // 4 + i * 91) % 256,
                            ((x + y) // ((i % 9) + 2) + i * 13) % 256], axis=-1).astype(np.uint8)
            rgb[(i * 17) % 260:(i * 17) % 260 + 40, :, :] = 255 - rgb[(i * 17) % 260:(i * 17) % 260 + 40, :, :]
            Image.fromarray(rgb).save(path, "JPEG", quality=80)
        stat = path.stat()
        rows.append((rel, stat.st_size, stat.st_mtime_ns))
    return rows


def _link_corpus(corpus: Path, photos: Path, count: int) -> list[tuple[str, int, int]]:
    """`count` paths hard-linked (else copied) to the corpus's camera JPEGs in turn: each path is its own
    thumbnail to make, from a real 12 MP file."""
    sources = sorted(p for p in corpus.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not sources:
        raise SystemExit(f"no JPEGs in {corpus}: run benchmarks/make_corpus.py {corpus} --count 200")
    rows = []
    for i in range(count):
        rel = f"{i // 1000:02d}/IMG_{i:05d}.jpg"
        path = photos / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(sources[i % len(sources)], path)
            except OSError:
                shutil.copy2(sources[i % len(sources)], path)
        stat = path.stat()
        rows.append((rel, stat.st_size, stat.st_mtime_ns))
    return rows


def build_home(count: int, corpus: Path | None = None) -> tuple[Path, Path]:
    """The home and its photo folder; files, catalog rows and the model are made once and reused."""
    from photo_tagger.app import App
    from photo_tagger.core.tagging import TagDecision
    from photo_tagger.core.types import PhotoRecord

    base = OUT / "gui-scroll"
    kind = "camera" if corpus else "small"
    home = base / f"home-{count}" if corpus is None else base / f"home-camera-{count}"
    photos = base / "photos" if corpus is None else base / "photos-camera"
    marker = home / "built.json"
    if marker.exists():
        return home, photos
    shutil.rmtree(home, ignore_errors=True)
    photos.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if corpus is not None:
        files = _link_corpus(corpus, photos, count)
    else:
        chunks = [(str(photos), s, min(count, s + 500)) for s in range(0, count, 500)]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            files = [row for rows in pool.map(_make_files, chunks) for row in rows]
    print(f"  {count} {kind} JPEG files in {photos} ({time.perf_counter() - started:.0f} s)", flush=True)

    app = App.from_home(home)
    tiny = OUT / "index-home-tiny" / "data" / "models" / "tiny"
    if tiny.is_dir():
        app.models.import_folder(tiny)
    else:
        from tests.fixture_models.checkpoints import tiny_clip

        app.models.install_from_checkpoint(str(tiny_clip()), name="tiny")
    app.update_settings(model="tiny")
    root = str(photos.resolve())
    labels = ["beach", "dog", "cat", "sunset", "mountain", "car", "food", "flower", "city", "snow"]
    records, decisions = [], {}
    for i, (rel, size, mtime_ns) in enumerate(files):
        photo_id = hashlib.blake2b(rel.encode(), digest_size=8).hexdigest()
        records.append(PhotoRecord(photo_id, root, rel, size, mtime_ns, photo_id * 2, "indexed",
                                   embedded_model="tiny", width=400, height=300,
                                   taken_at=f"20{10 + i % 14:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00",
                                   indexed_at=time.time()))
        decisions[photo_id] = TagDecision(((labels[i % 10], 0.6), (labels[(i * 3 + 1) % 10], 0.2)),
                                          (("violence", 0.9),) if i % 100 == 7 else ())
    catalog = app.catalog
    catalog.add_root(root, time.time())
    with catalog.transaction() as db:
        catalog.write(db, records)
        catalog.write_decisions(db, decisions)
    app.close()
    marker.write_text(json.dumps({"count": count}))
    return home, photos


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def summary(values_s: list[float]) -> dict:
    ms = [v * 1000 for v in values_s]
    return {"p50": round(statistics.median(ms), 2), "p95": round(pct(ms, 0.95), 2), "p99": round(pct(ms, 0.99), 2),
            "max": round(max(ms), 2), "n": len(ms)}


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def visible_rows(grid) -> list[int]:
    from PySide6.QtCore import QPoint

    rect = grid.viewport().rect()
    rows = set()
    for x in range(5, rect.width(), 40):
        for y in range(5, rect.height(), 40):
            index = grid.indexAt(QPoint(x, y))
            if index.isValid():
                rows.add(index.row())
    return sorted(rows)


def scroll_pass(qt_app, window, step_fraction: float) -> dict:
    """Scroll top to bottom, one step per timer tick; frame intervals, paint times, RSS, thumbnails."""
    from PySide6.QtCore import QEventLoop, QTimer

    grid = window.grid
    bar = grid.verticalScrollBar()
    bar.setValue(0)
    qt_app.processEvents()
    step = max(1, int(grid.viewport().height() * step_fraction))
    requests = {"n": 0}
    original = window.runner.thumbnail

    def counting(fn, **kwargs):
        requests["n"] += 1
        return original(fn, **kwargs)

    window.runner.thumbnail = counting
    made = {"n": 0}

    def count_made(key) -> None:
        made["n"] += 1

    window.thumbnails.thumbnail_loaded.connect(count_made)
    intervals, paints, peak = [], [], [rss_mb()]
    last = [time.perf_counter()]
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(TICK_MS)

    def tick() -> None:
        now = time.perf_counter()
        intervals.append(now - last[0])
        bar.setValue(min(bar.maximum(), bar.value() + step))
        grid.viewport().repaint()
        done = time.perf_counter()
        paints.append(done - now)
        last[0] = now
        if len(paints) % 25 == 0:
            peak.append(rss_mb())
        if bar.value() >= bar.maximum():
            timer.stop()
            loop.quit()

    timer.timeout.connect(tick)
    started = time.perf_counter()
    last[0] = started
    timer.start()
    loop.exec()
    seconds = time.perf_counter() - started
    made_during = made["n"]
    # Where the scroll stopped: how long until every tile in view shows its thumbnail, and until the workers
    # have nothing left to do.
    drain_started = time.perf_counter()
    visible_ready = None
    while (window.thumbnails._pending or visible_ready is None) and time.perf_counter() - drain_started < 600:
        qt_app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        grid.viewport().repaint()
        shown = window.thumbnails._pixmaps.keys() | window.thumbnails._failed
        if visible_ready is None and all((window.grid_model.item(row).path, window.grid_model.item(row).mtime_ns)
                                         in shown for row in visible_rows(grid)):
            visible_ready = time.perf_counter() - drain_started
        time.sleep(0.005)
    drain = time.perf_counter() - drain_started
    window.runner.thumbnail = original
    window.thumbnails.thumbnail_loaded.disconnect(count_made)
    intervals = intervals[1:]  # the first tick waited for the timer's start
    stalls = [max(0.0, i - TICK_MS / 1000) for i in intervals]
    return {
        "steps": len(paints), "step_px": step, "scroll_height_px": bar.maximum(), "seconds": round(seconds, 2),
        "frame_interval_ms": summary(intervals), "stall_ms": summary(stalls), "paint_ms": summary(paints),
        "frames_over_50ms": sum(i > 0.050 for i in intervals),
        "thumbnails_requested": requests["n"], "thumbnails_made_during_scroll": made_during,
        "thumbnail_backlog_drain_s": round(drain, 1),
        "visible_thumbnails_ready_after_stop_s": round(visible_ready, 2) if visible_ready is not None else None,
        "rss_mb_end": round(rss_mb(), 1), "rss_mb_peak": round(max(peak + [rss_mb()]), 1),
        "pixmaps_in_memory": len(window.thumbnails._pixmaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--step", type=float, default=1.0, help="scroll step per 16 ms tick, in viewport heights")
    parser.add_argument("--size", type=int, default=160, help="thumbnail size in px (112, 160, 240)")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--corpus", type=Path, help="camera JPEGs (make_corpus.py) to link the photos to, instead "
                                                    "of small generated files")
    args = parser.parse_args()

    print(f"Building or reusing the {args.count}-photo library...", flush=True)
    home, _ = build_home(args.count, args.corpus)
    from PySide6.QtWidgets import QApplication

    from photo_tagger.app import App
    from photo_tagger.gui.main_window import MainWindow

    shutil.rmtree(home / "cache" / "thumbnails", ignore_errors=True)  # pass 1 is cold
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    app = App.from_home(home)
    app.update_settings(thumbnail_size=args.size)
    rss_before = rss_mb()
    started = time.perf_counter()
    window = MainWindow(app, watch=False)
    window.resize(1200, 780)
    window.show()
    while not window.header.text().startswith(f"{args.count} photos"):
        qt_app.processEvents()
        time.sleep(0.002)
        if time.perf_counter() - started > 300:
            raise SystemExit(f"the listing did not finish: {window.header.text()!r}")
    listed = time.perf_counter() - started
    qt_app.processEvents()
    grid = window.grid
    columns = max(1, grid.viewport().width() // grid.visualRect(window.grid_model.index(0, 0)).width())
    result = {
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "loadavg_start": loadavg(),
                    "python": platform.python_version(), "qpa": os.environ.get("QT_QPA_PLATFORM")},
        "photos": args.count, "files": "camera 12 MP (links)" if args.corpus else "400x300 generated",
        "thumbnail_size": args.size, "step_viewports": args.step,
        "window": [window.width(), window.height()], "viewport": [grid.viewport().width(), grid.viewport().height()],
        "columns": columns, "listing_s": round(listed, 2),
        "rss_mb_before_window": round(rss_before, 1), "rss_mb_listed": round(rss_mb(), 1), "passes": [],
    }
    print(f"  listed {args.count} photos in {listed:.2f} s; {columns} columns; RSS {result['rss_mb_listed']:.0f} MB",
          flush=True)
    for n in range(args.passes):
        figures = scroll_pass(qt_app, window, args.step)
        figures["pass"] = "cold" if n == 0 else "warm"
        result["passes"].append(figures)
        print(f"  pass {n + 1} ({figures['pass']}): {figures['steps']} steps of {figures['step_px']} px in "
              f"{figures['seconds']} s; frame interval {figures['frame_interval_ms']}; stall {figures['stall_ms']}; "
              f"paint {figures['paint_ms']}; >50 ms: {figures['frames_over_50ms']}; thumbnails requested "
              f"{figures['thumbnails_requested']}, made during the scroll {figures['thumbnails_made_during_scroll']}, "
              f"in view after the stop in {figures['visible_thumbnails_ready_after_stop_s']} s, all done in "
              f"{figures['thumbnail_backlog_drain_s']} s; RSS end {figures['rss_mb_end']} MB, "
              f"peak {figures['rss_mb_peak']} MB; pixmaps kept {figures['pixmaps_in_memory']}", flush=True)
    result["machine"]["loadavg_end"] = loadavg()
    window.close()
    window.runner.shutdown()
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_gui_scroll.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
