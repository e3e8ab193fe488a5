"""The Duplicates window against the CLI on the same library, in the same run: the near tier of the copy sets
(tests/copy_sets.py, plain graphics included) indexed with the tiny test CLIP, found by `services.duplicates`
directly (what `photo-tagger duplicates` runs) and by the window's Duplicates page (MainWindow, its TaskRunner's
writer, progress shown in the status bar), alternating, several runs each; medians and their ratio.

    PYTHONPATH=. PHOTO_TAGGER_TEST_CACHE=/work/test-cache .venv/bin/python benchmarks/bench_duplicates_window.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build_home(root: Path, scenes: int) -> tuple[Path, Path]:
    from photo_tagger.app import App
    from photo_tagger.cli.main import run
    from tests.copy_sets import make_copy_sets
    from tests.fixture_models.checkpoints import tiny_clip

    home, depot = root / "home", root / "depot"
    home.mkdir()
    depot.mkdir()
    models = App.from_home(depot).models
    models.install_from_checkpoint(str(tiny_clip()), name="tiny", int8=True)
    app = App.from_home(home)
    app.models.import_folder(models.get("tiny").path)
    app.update_settings(model="tiny")
    sets = make_copy_sets(root / "photos", scenes=scenes, seed=1)
    assert run(["--home", str(home), "index", str(sets.folder)]) == 0
    return home, sets.folder


def time_service(home: Path) -> tuple[float, int]:
    from photo_tagger.app import App

    app = App.from_home(home)
    try:
        started = time.perf_counter()
        groups = app.duplicate_service.find_groups("near")
        return time.perf_counter() - started, len(groups)
    finally:
        app.close()


def time_window(qt, home: Path, add: Path | None = None) -> tuple[float, int]:
    """Opened on the library, or (`add`) with that folder added in the window and Duplicates opened as soon as
    its indexing ends (its thumbnails, text and warm-ups still going, as a new user does)."""
    from photo_tagger.app import App
    from photo_tagger.gui.main_window import MainWindow

    window = MainWindow(App.from_home(home))
    window.resize(1200, 780)
    window.show()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (window.runner.busy or window.grid_model.rowCount() == 0 and not add):
            qt.processEvents()  # the first scan and warm-ups settle first
        if add is not None:
            window.folders.add(str(add))
            while not window.runner.busy:
                qt.processEvents()
            while window.runner.busy:
                qt.processEvents()
        started = time.perf_counter()
        window.show_duplicates()
        view = window.duplicates_view
        while view._job is not None or view.model.rowCount() == 0 and "Finding" in view.status.text():
            qt.processEvents()
            time.sleep(0.001)
        return time.perf_counter() - started, len(view.model.groups)
    finally:
        window.runner.shutdown()
        window.close()
        window.deleteLater()
        qt.processEvents()


STAGES: dict[str, list[float]] = {}


def time_stages() -> None:
    """Each stage of core grouping timed wherever it runs (the CLI's thread or the window's writer)."""
    from photo_tagger.core import duplicates as D

    for name in ("_near", "_crops", "crop_candidates"):
        original = getattr(D, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                STAGES.setdefault(_name, []).append(time.perf_counter() - started)

        setattr(D, name, timed)


def main() -> None:
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="also: the folder added in the window, Duplicates "
                        "opened as soon as its indexing ends")
    args = parser.parse_args()
    qt = QApplication([])
    time_stages()
    with tempfile.TemporaryDirectory() as tmp:
        home, folder = build_home(Path(tmp), args.scenes)
        photos = sum(1 for _ in folder.rglob("*.*"))
        service, window = [], []
        for _ in range(args.runs):  # alternating: the shared machine's load falls on both alike
            STAGES.clear()
            seconds, groups_cli = time_service(home)
            service.append(seconds)
            print(f"service {seconds:.2f} s: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in STAGES.items()),
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
            STAGES.clear()
            seconds, groups_window = time_window(qt, home)
            window.append(seconds)
            print(f"window {seconds:.2f} s: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in STAGES.items()),
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
            assert groups_cli == groups_window, (groups_cli, groups_window)
        if args.fresh:
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as fresh:
                    new_home, _ = build_home(Path(fresh), 0)
                    STAGES.clear()
                    seconds, _ = time_window(qt, new_home, add=folder)
                    print(f"window, folder just added: {seconds:.2f} s: " +
                          ", ".join(f"{k} {v[-1]:.2f} s" for k, v in STAGES.items()),
                          f"load {os.getloadavg()[0]:.1f}", flush=True)
        cli, gui = statistics.median(service), statistics.median(window)
        print(f"{photos} photos, {groups_cli} near groups")
        print(f"service (CLI path): median {cli:.2f} s (runs {', '.join(f'{t:.2f}' for t in service)})")
        print(f"window (Duplicates page): median {gui:.2f} s (runs {', '.join(f'{t:.2f}' for t in window)})")
        print(f"window / service: {gui / cli:.2f}")


if __name__ == "__main__":
    main()
