"""Events in the window (issue 24 §3): the sidebar's timeline by year and month, an event's photos in the grid,
rename and merge from its menu, and back to the library from a folder."""

from __future__ import annotations

from photo_tagger.gui.models.event_models import EventRole
from tests.gui.conftest import wait_idle
from tests.photos import make_photo

LISBON, PARIS = (38.7223, -9.1393), (48.8566, 2.3522)
FIRST_LISTING_MS = 30_000  # the first listing loads GeoNames' cities to name places: seconds on a busy machine


def _library(folder):
    for i, taken in enumerate(("2026:05:03 20:00:00", "2026:05:04 12:00:00", "2026:05:05 04:00:00")):
        make_photo(folder / f"lisbon{i}.jpg", (40 * i, 90, 200), taken=taken, gps=LISBON)
    make_photo(folder / "paris.jpg", (200, 90, 10), taken="2026:05:05 20:00:00", gps=PARIS)
    make_photo(folder / "home.jpg", (10, 200, 10), taken="2025:12:24 18:00:00")
    make_photo(folder / "scan.jpg", (120, 120, 120), taken=None)


def _names(window) -> list[str]:
    return [e.name for e in window.sidebar.events.model.events]


def _tree(model, parent=None) -> list:
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    return [(model.index(r, 0, parent).data(), _tree(model, model.index(r, 0, parent)))
            for r in range(model.rowCount(parent))]


def test_timeline_shows_events_by_year_and_month_and_their_photos(qtbot, qtmodeltester, open_window, tiny_home,
                                                                  tmp_path):
    folder = tmp_path / "photos"
    _library(folder)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    timeline = window.sidebar.events
    qtbot.waitUntil(lambda: _names(window) == ["24 December 2025", "Lisbon, 3\u20135 May 2026", "Paris, 5 May 2026",
                                               "Undated"], timeout=FIRST_LISTING_MS)
    qtmodeltester.check(timeline.model)
    assert _tree(timeline.model) == [
        ("2026 (4)", [("May 2026 (4)", [("Paris, 5 May (1)", []), ("Lisbon, 3\u20135 May (3)", [])])]),
        ("2025 (1)", [("December 2025 (1)", [("24 Dec (1)", [])])]),
        ("Undated (1)", [])]
    lisbon = timeline.model.index_of(timeline.model.events[1].id)
    assert "Lisbon" in lisbon.data(0x03) and "3 photos" in lisbon.data(0x03)  # the tooltip: place, count

    timeline.view.clicked.emit(lisbon)
    qtbot.waitUntil(lambda: window.header.text().startswith("Event \u201cLisbon, 3\u20135 May 2026\u201d: 3 photos"))
    assert sorted(i.name for i in window.grid_model.items) == ["lisbon0.jpg", "lisbon1.jpg", "lisbon2.jpg"]
    undated = timeline.model.index_of("undated")
    timeline.view.clicked.emit(undated)
    qtbot.waitUntil(lambda: window.header.text().startswith("Undated: 1 photo"))
    assert [i.name for i in window.grid_model.items] == ["scan.jpg"]
    assert not timeline.menu(undated.data(EventRole)).actions()[0].isEnabled()  # no rename, no merge

    # A folder chosen in the sidebar takes the grid back.
    window.sidebar.folder_view.clicked.emit(window.sidebar.folders.index(0, 0))
    qtbot.waitUntil(lambda: window.header.text().startswith("6 photos"))
    assert not window.events.showing and not timeline.view.selectionModel().hasSelection()


def test_rename_and_merge_from_the_menu(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    _library(folder)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    timeline = window.sidebar.events
    qtbot.waitUntil(lambda: len(_names(window)) == 4, timeout=FIRST_LISTING_MS)
    lisbon = timeline.model.events[1]
    timeline.view.clicked.emit(timeline.model.index_of(lisbon.id))  # shown while renamed and merged
    qtbot.waitUntil(lambda: window.header.text().startswith("Event \u201cLisbon"))

    window.events.ask_name = lambda event: "Portugal"
    actions = {a.text(): a for a in timeline.menu(lisbon).actions()}
    actions["Rename event..."].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _names(window)[1] == "Portugal")
    qtbot.waitUntil(lambda: window.header.text().startswith("Event \u201cPortugal\u201d: 3 photos"))

    window.confirm = lambda text: True
    actions = {a.text(): a for a in timeline.menu(timeline.model.events[1]).actions()}
    assert list(actions) == ["Rename event...", "Merge with the event before: \u201c24 December 2025\u201d",
                             "Merge with the event after: \u201cParis, 5 May 2026\u201d"]
    actions["Merge with the event after: \u201cParis, 5 May 2026\u201d"].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _names(window) == ["24 December 2025", "Portugal", "Undated"])
    qtbot.waitUntil(lambda: window.header.text().startswith("Event \u201cPortugal\u201d: 4 photos"))
    assert "Merged into \u201cPortugal\u201d (4 photos)" in window.status.message.text()


def test_a_listing_skipped_while_a_job_writes_is_made_once_the_writer_is_done(qtbot, open_window, tiny_home,
                                                                               monkeypatch):
    """While a job writes, the timeline is listed at most every LIST_WHILE_BUSY_S; the listing skipped then comes
    when the writer has nothing left (before, an index run followed by another job left the timeline stale)."""
    import threading

    window = open_window(tiny_home)
    wait_idle(qtbot, window)
    events, listed, gate = window.events, [], threading.Event()
    monkeypatch.setattr(events, "_listed", lambda generation, found: listed.append(generation))
    events.monotonic = lambda: 1000.0  # the clock stands still: every listing while busy is within the interval
    events.refresh(force=True)
    qtbot.waitUntil(lambda: len(listed) == 1)
    window.runner.write("a job that writes", lambda progress, control: gate.wait(10))
    window.runner.write("and another after it", lambda progress, control: None)
    events.refresh()  # skipped: a job writes, and the timeline was listed "a moment ago"
    gate.set()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(listed) == 2)
