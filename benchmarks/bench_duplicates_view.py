"""The Duplicates view's cost on the GUI thread: making a page of group cards (30 groups of 2, 3 and 9 photos).

The cards are widgets (a thumbnail, a rich-text label and a button per photo), made one card per event-loop turn
(gui/views/duplicates_view.py). Measured offscreen with a window stand-in (thumbnails are ready placeholder
pixmaps: making thumbnails is the thumbnail pool's work, not the GUI thread's): the time until every card of the
page exists, and the longest single event-loop turn meanwhile (what a click or a scroll could wait for).
5 runs per size; medians and the worst turn.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_duplicates_view.py
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget  # noqa: E402

from photo_tagger.core.duplicates import DuplicateGroup  # noqa: E402
from photo_tagger.core.types import PhotoRecord  # noqa: E402
from photo_tagger.gui.thumbnails import placeholder  # noqa: E402
from photo_tagger.gui.views.duplicates_view import DuplicatesView  # noqa: E402

RUNS = 5


class Thumbnails(QObject):
    """The ThumbnailProvider's interface, every thumbnail ready."""

    thumbnail_loaded = Signal(object)
    size = 160

    def __init__(self):
        super().__init__()
        self.tile = placeholder(self.size)

    def pixmap(self, path, mtime_ns):
        return self.tile

    blurred_pixmap = pixmap


class Runner(QObject):
    job_finished = Signal(object, object)


class Grid:
    blur_flagged = True


class Window(QWidget):
    """What the view reads of the main window."""

    def __init__(self):
        super().__init__()
        self.thumbnails, self.runner, self.grid_model = Thumbnails(), Runner(), Grid()
        self.pages = QStackedWidget(self)
        self.browser = QWidget()
        self.no_model = self.empty = None
        self.resize(1200, 780)


def groups(count: int, size: int) -> list[DuplicateGroup]:
    made = []
    for g in range(count):
        photos = tuple(PhotoRecord(f"{g}-{i}", "/pics", f"s{g}/copy_{i}.jpg", 60_000, 10**18, "h", "indexed",
                                   width=640, height=480, taken_at="2024-05-01T09:00:00") for i in range(size))
        made.append(DuplicateGroup("near", photos, {p.id: "phash distance 2, cosine 0.99" for p in photos[1:]},
                                   {p.id: "near" for p in photos[1:]}))
    return made


def page(app: QApplication, view: DuplicatesView, data: list[DuplicateGroup]) -> tuple[float, float]:
    """(ms until every card exists, ms of the longest event-loop turn)."""
    start = time.perf_counter()
    view.model.set_groups(data)
    app.processEvents()
    longest = time.perf_counter() - start
    while view.building:
        turn = time.perf_counter()
        app.processEvents()
        longest = max(longest, time.perf_counter() - turn)
    total = time.perf_counter() - start
    view.model.set_groups([])
    app.processEvents()
    return total * 1000, longest * 1000


def main() -> None:
    app = QApplication([])
    window = Window()
    view = DuplicatesView(window)
    window.pages.setCurrentWidget(view)
    window.show()
    for size in (2, 3, 9):
        runs = [page(app, view, groups(30, size)) for _ in range(RUNS)]
        print(f"30 groups of {size}: every card in {statistics.median(r[0] for r in runs):.0f} ms (median), "
              f"longest event-loop turn {statistics.median(r[1] for r in runs):.0f} ms (median), "
              f"{max(r[1] for r in runs):.0f} ms (worst of {RUNS})")


if __name__ == "__main__":
    main()
