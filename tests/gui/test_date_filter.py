"""The date filter beside the search bar narrows both the library view and searches to when photos were taken."""

from __future__ import annotations

from datetime import date

import pytest

from tests.gui.conftest import wait_idle
from tests.photos import make_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def pick(dates, text_start: str) -> None:
    dates.activated.emit(next(i for i in range(dates.count()) if dates.itemText(i).startswith(text_start)))


def test_dates_narrow_the_library_and_searches(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    for n, taken in enumerate(("2021:07:14 18:30:00", "2021:07:20 09:00:00", "2023:01:02 10:00:00", None)):
        make_photo(folder / f"IMG_{n}.jpg", (40 * n, 200 - 40 * n, 90), taken=taken)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4)
    dates = window.search_bar.dates

    asked = []
    dates._ask_range = lambda current: asked.append(current) or (date(2021, 7, 1), date(2021, 7, 31))
    pick(dates, "Choose dates")
    qtbot.waitUntil(lambda: window.header.text().startswith("2 photos"))
    assert asked == [(None, None)] and "taken 2021-07-01 to 2021-07-31" in window.header.text()
    assert dates.currentText() == "01 Jul 2021 \u2013 31 Jul 2021"
    assert sorted(i.name for i in window.grid_model.items) == ["IMG_0.jpg", "IMG_1.jpg"]

    qtbot.keyClicks(window.search_bar.edit, "a photo")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=10_000)
    assert sorted(i.name for i in window.grid_model.items) == ["IMG_0.jpg", "IMG_1.jpg"]

    dates._ask_range = lambda current: None  # cancelling the dialog keeps the range in use
    pick(dates, "01 Jul 2021")
    assert dates.range() == (date(2021, 7, 1), date(2021, 7, 31))

    pick(dates, "Any date")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4, timeout=10_000)
    assert dates.itemText(dates.count() - 1) == "Choose dates..."
