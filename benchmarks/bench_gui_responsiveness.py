"""The desktop app's responsiveness with a real-sized model: event-loop stalls while indexing camera photos, and
startup time to a visible window.

What one run measures:

1. Startup: a fresh Python process (`--startup-child`) imports the app, builds App + MainWindow over a home with
   the ViT-B/32-shaped model installed and a library of --count photos, shows the window and processes events
   until it is visible. Reported: seconds from the child's first line (interpreter start, before any import) and
   from the parent's spawn, to the visible window, and to the library page with its first photos; median of
   --startup-runs.
2. Indexing: in this process, the real MainWindow over a fresh library (the model stays installed), offscreen
   (QT_QPA_PLATFORM=offscreen unless set). A QTimer ticks every 10 ms on the GUI thread (the probe of
   tests/gui/test_responsiveness.py); the gaps between ticks minus 10 ms are the event-loop stalls. The window
   adds the corpus folder (--count camera-like 12 MP JPEGs from benchmarks/make_corpus.py, hard links into a
   folder of their own), and while it indexes, a query is typed into the search bar (results as you type, text
   encoder on a query worker). Reported: longest stall, p99, p95, ticks, indexing seconds and photos/s, how long
   the query took to answer while indexing; and which GUI-thread handlers took longest (timed wrappers around the
   window's grid/sidebar/thumbnail callbacks), to say where the stalls come from.

The model is the random-weight checkpoint in the exact OpenAI ViT-B/32 shape (speed does not depend on the
weights) that bench_encoder.py installs under benchmarks/out/models/; it is imported into this benchmark's home
once (benchmarks/out/gui-responsiveness/).

    /work/venv/bin/python benchmarks/make_corpus.py /tmp/corpus --count 200     # once
    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_gui_responsiveness.py --corpus /tmp/corpus --count 150

Results also go to benchmarks/out/bench_gui_responsiveness.json.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the child's interpreter is up; nothing imported yet

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = HERE / "out"
BASE = OUT / "gui-responsiveness"
TICK_MS = 10
QUERY = "kids on a beach at sunset"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def prepare(corpus: Path, count: int) -> tuple[Path, Path]:
    """(home with the ViT-B/32-shaped model, folder with `count` photos of the corpus)."""
    from photo_tagger.app import App

    files = sorted(p for p in corpus.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))[:count]
    if len(files) < count:
        raise SystemExit(f"{corpus} has {len(files)} JPEGs, fewer than --count {count}: "
                         f"run benchmarks/make_corpus.py {corpus} --count {count}")
    photos = BASE / f"photos-{count}"
    if not photos.is_dir() or len(list(photos.iterdir())) != count:
        shutil.rmtree(photos, ignore_errors=True)
        photos.mkdir(parents=True)
        for f in files:
            try:
                os.link(f, photos / f.name)
            except OSError:
                shutil.copy2(f, photos / f.name)
    home = BASE / "home"
    app = App.from_home(home)
    if "vit-b32-random" not in app.models.names():
        source = OUT / "models" / "vit-b32-random"
        if not (source / "manifest.json").is_file():
            from benchmarks.bench_encoder import install

            install(OUT / "models")
        app.models.import_folder(source)
    app.update_settings(model="vit-b32-random", thumbnail_size=160)
    app.close()
    return home, photos


def fresh_library(home: Path) -> None:
    shutil.rmtree(home / "data" / "library", ignore_errors=True)
    shutil.rmtree(home / "cache", ignore_errors=True)


class HandlerTimes:
    """Wraps GUI-thread callbacks of the window and records how long each call took."""

    def __init__(self):
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.spans: list[tuple[float, float, str]] = []
        self._originals: list = []

    def wrap(self, cls, name: str) -> None:
        """Wrap cls.name (before any instance connects it to a signal); undone by restore()."""
        original = getattr(cls, name)
        label = f"{cls.__name__}.{name}"
        calls, spans = self.calls, self.spans

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                calls[label].append(ended - started)
                spans.append((started, ended, label))

        self._originals.append((cls, name, original))
        setattr(cls, name, timed)

    def restore(self) -> None:
        for cls, name, original in reversed(self._originals):
            setattr(cls, name, original)
        self._originals.clear()

    def top(self, n: int = 8) -> list[dict]:
        rows = [{"handler": k, "calls": len(v), "max_ms": round(max(v) * 1000, 1),
                 "total_ms": round(sum(v) * 1000, 1)} for k, v in self.calls.items()]
        return sorted(rows, key=lambda r: -r["max_ms"])[:n]

    def during(self, start: float, end: float) -> list[str]:
        return sorted({label for s, e, label in self.spans if s < end and e > start})


def measure_indexing(home: Path, photos: Path, count: int) -> dict:
    from PySide6.QtWidgets import QApplication

    from photo_tagger.app import App
    from photo_tagger.gui.folder_actions import FolderActions
    from photo_tagger.gui.main_window import MainWindow
    from photo_tagger.gui.thumbnails import ThumbnailProvider
    from photo_tagger.gui.widgets.status_panel import StatusPanel

    fresh_library(home)
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    times = HandlerTimes()
    for name in ("refresh_sidebar", "refresh_grid", "_batch_loaded", "_folders_loaded", "_tags_loaded",
                 "_skipped_loaded", "_search_done", "_library_done", "_live_refresh", "_current_changed"):
        times.wrap(MainWindow, name)
    times.wrap(ThumbnailProvider, "_loaded")
    times.wrap(StatusPanel, "show_job")
    times.wrap(FolderActions, "_indexed")
    window = MainWindow(App.from_home(home), watch=True)
    window.resize(1200, 780)
    window.show()
    deadline = time.perf_counter() + 60
    while window.pages.currentWidget() is not window.empty and time.perf_counter() < deadline:
        qt_app.processEvents()
        time.sleep(0.005)
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:
        qt_app.processEvents()
        time.sleep(0.005)

    from tests.stall_probe import StallProbe

    probe = StallProbe(TICK_MS)
    probe.start()
    started = time.perf_counter()
    window.folders.add(str(photos))
    typed_at = answered_at = None
    answered_while_indexing = None
    while True:
        qt_app.processEvents()
        now = time.perf_counter()
        jobs = window.runner.jobs
        if typed_at is None and jobs and jobs[0].done >= max(8, count // 10):
            window.search_bar.edit.setText(QUERY)  # as typed: the bar debounces and searches
            typed_at = now
        if typed_at and answered_at is None and ("best match" in window.header.text()
                                                 or "No photos found" in window.header.text()):
            answered_at = now
            answered_while_indexing = window.runner.busy
        if not window.runner.busy and answered_at is not None:
            break
        if now - started > 1800:
            raise SystemExit("indexing did not finish in 30 minutes")
        time.sleep(0.001)
    indexing_s = time.perf_counter() - started
    settle = time.perf_counter() + 0.5  # the final refresh lands while the probe still runs
    while time.perf_counter() < settle:
        qt_app.processEvents()
        time.sleep(0.002)
    probe.stop()
    stalls = probe.stalls_ms()
    worst = sorted(probe.ticks, key=lambda g: -g[1])[:5]
    indexed = window.app.catalog.counts().get("indexed", 0)
    result = {
        "photos": count, "indexed": indexed, "indexing_s": round(indexing_s, 1),
        "photos_per_s": round(indexed / indexing_s, 2) if indexing_s else None,
        "ticks": len(stalls), "longest_stall_ms": round(max(stalls), 1), "p99_stall_ms": round(pct(stalls, 0.99), 1),
        "p95_stall_ms": round(pct(stalls, 0.95), 1), "p50_stall_ms": round(statistics.median(stalls), 2),
        "stalls_over_50ms": sum(s > 50 for s in stalls), "stalls_over_100ms": sum(s > 100 for s in stalls),
        "query_answer_s": round(answered_at - typed_at, 2) if typed_at and answered_at else None,
        "query_answered_while_indexing": answered_while_indexing,
        "slowest_gui_handlers": times.top(),
        "worst_stalls": [{"ms": round((gap - TICK_MS / 1000) * 1000, 1), "at_s": round(when - started, 2),
                          "gui_handlers_then": times.during(when - gap, when)} for when, gap in worst],
    }
    window.close()
    window.runner.shutdown()
    times.restore()
    return result


def startup_child(home: Path) -> None:
    """Runs in a fresh interpreter: prints one JSON line with the startup timings."""
    from PySide6.QtWidgets import QApplication

    from photo_tagger.app import App
    from photo_tagger.gui.main_window import MainWindow

    imported = time.perf_counter()
    qt_app = QApplication(sys.argv[:1])
    window = MainWindow(App.from_home(home))
    window.resize(1200, 780)
    window.show()
    qt_app.processEvents()
    visible = time.perf_counter()
    assert window.isVisible()
    while window.grid_model.rowCount() == 0 and time.perf_counter() - visible < 60:
        qt_app.processEvents()
        time.sleep(0.002)
    filled = time.perf_counter()
    print(json.dumps({"imports_s": imported - _STARTED, "visible_s": visible - _STARTED,
                      "first_photos_s": filled - _STARTED, "page": type(window.pages.currentWidget()).__name__,
                      "rows": window.grid_model.rowCount(), "wall_visible": time.time()}), flush=True)
    window.close()
    window.runner.shutdown()


def measure_startup(home: Path, runs: int) -> dict:
    rows = []
    for _ in range(runs):
        spawned = time.time()
        child = subprocess.run([sys.executable, __file__, "--startup-child", str(home)], capture_output=True,
                               text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
        line = next((text for text in child.stdout.splitlines() if text.startswith("{")), None)
        if child.returncode != 0 or line is None:
            raise SystemExit(f"startup child failed: {child.stderr[-2000:]}")
        row = json.loads(line)
        row["spawn_to_visible_s"] = row.pop("wall_visible") - spawned
        rows.append(row)

    def median(key):
        return round(statistics.median(r[key] for r in rows), 3)

    return {"runs": runs, "spawn_to_visible_s": median("spawn_to_visible_s"), "visible_s": median("visible_s"),
            "imports_s": median("imports_s"), "first_photos_s": median("first_photos_s"),
            "rows_at_first_photos": rows[0]["rows"], "each": rows}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--startup-child":
        startup_child(Path(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/corpus"))
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=2, help="indexing runs (each from an empty library)")
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()

    from benchmarks.machine import cpu_name, loadavg

    home, photos = prepare(args.corpus, args.count)
    result = {"machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "loadavg_start": loadavg(),
                          "python": platform.python_version(), "qpa": os.environ.get("QT_QPA_PLATFORM")},
              "model": "vit-b32-random (OpenAI ViT-B/32 shape), fp32", "indexing": []}
    for n in range(args.repeats):
        figures = measure_indexing(home, photos, args.count)
        result["indexing"].append(figures)
        print(f"indexing run {n + 1}: {json.dumps({k: v for k, v in figures.items() if k != 'worst_stalls'})}",
              flush=True)
    result["startup"] = measure_startup(home, args.startup_runs)  # the library indexed by the last run
    print(f"startup: {json.dumps({k: v for k, v in result['startup'].items() if k != 'each'})}", flush=True)
    result["machine"]["loadavg_end"] = loadavg()
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_gui_responsiveness.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
