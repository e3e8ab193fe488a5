"""Rough edges of a new user's first walk (issue 10): the details preview, "Edit tags", stale views, counts."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtGui import QColor, QPixmap

from photo_tagger.core.types import PhotoRecord
from photo_tagger.gui.models.photo_grid import ItemRole
from photo_tagger.services.browsing import GridItem
from photo_tagger.services.photo_details import PhotoDetails
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def details_of(name="IMG_1.jpg", tags=()) -> PhotoDetails:
    record = PhotoRecord(f"id-{name}", "/photos", name, 1234, 1_600_000_000_000_000_000, "hash", "indexed",
                         width=640, height=480, taken_at="2021-07-14T18:30:00")
    return PhotoDetails(GridItem.of(record), record, tuple((t, 0.5) for t in tags), ())


def pixmap(width, height) -> QPixmap:
    image = QPixmap(width, height)
    image.fill(QColor("#3070c0"))
    return image


def shown_size(panel):
    shown = panel.preview.pixmap()
    ratio = shown.devicePixelRatio()
    return shown.width() / ratio, shown.height() / ratio


def test_the_preview_fits_the_panel_and_follows_its_width(qtbot):
    from photo_tagger.gui.widgets.details_panel import DetailsPanel

    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.resize(270, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_details(details_of())
    panel.set_preview(pixmap(640, 480))
    width, height = shown_size(panel)
    # Not cropped: the whole photo is as wide as the room the label has, aspect ratio kept.
    assert width <= panel.preview_width() <= panel.viewport().width()
    assert width >= panel.preview_width() - 1 and abs(width / height - 640 / 480) < 0.02
    qtbot.waitUntil(lambda: panel.preview.width() >= width)

    panel.resize(420, 700)
    qtbot.waitUntil(lambda: shown_size(panel)[0] >= panel.preview_width() - 1)
    wider, taller = shown_size(panel)
    assert wider > width and abs(wider / taller - 640 / 480) < 0.02

    panel.set_preview(pixmap(300, 600))  # portrait: never taller than the panel is wide
    width, height = shown_size(panel)
    assert height <= panel.preview_width() and abs(width / height - 0.5) < 0.02


def test_edit_tags_scrolls_the_tag_field_into_view_and_focuses_it(qtbot):
    from photo_tagger.gui.widgets.details_panel import DetailsPanel

    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.resize(280, 330)  # short: the "Add a tag" field is below the fold
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.clear_preview()  # a new photo (the window's "Edit tags" on another photo than the selected one)
    panel.focus_tags()  # before the details came: applied when they come
    panel.set_details(details_of(tags=("beach", "sea", "sky", "dog", "boat")))
    qtbot.wait(50)  # the preview comes later, from its own worker, and pushes the field down
    panel.set_preview(pixmap(480, 640))

    def field_visible():
        top_left = panel.new_tag.mapTo(panel.viewport(), panel.new_tag.rect().topLeft())
        bottom = top_left.y() + panel.new_tag.height()
        return top_left.y() >= 0 and bottom <= panel.viewport().height()

    qtbot.wait(100)  # the layout settles (polling earlier would read the field's old place)
    assert panel.verticalScrollBar().value() > 0 and field_visible()
    qtbot.waitUntil(panel.new_tag.hasFocus)


# -- the window over real services


def pick_dates(window, text_start: str) -> None:
    dates = window.search_bar.dates
    dates.activated.emit(next(i for i in range(dates.count()) if dates.itemText(i).startswith(text_start)))


def choose_dates(window, since, until) -> None:
    window.search_bar.dates._ask_range = lambda current: (since, until)
    pick_dates(window, "Choose dates")


def select_row(qtbot, window, row):
    window.grid.setCurrentIndex(window.grid_model.index(row, 0))
    item = window.grid_model.item(row)
    qtbot.waitUntil(lambda: window.details.details is not None and window.details.details.item.id == item.id)
    return item


def library(tmp_path):
    """Two camera photos of 2021, a scan without EXIF modified five days ago, and one unreadable file."""
    from tests.photos import make_photo

    folder = tmp_path / "photos"
    make_photo(folder / "IMG_1.jpg", (200, 30, 30), taken="2021:07:14 18:30:00")
    make_photo(folder / "IMG_2.jpg", (30, 200, 30), taken="2021:07:20 09:00:00")
    scan = make_photo(folder / "scan.jpg", (30, 30, 200), taken=None)
    recent = (datetime.now() - timedelta(days=5)).timestamp()
    os.utime(scan, (recent, recent))
    (folder / "notes.jpg").write_text("this is not a photo\n")
    return folder


def test_skipped_files_are_counted_apart_and_never_shown_as_photos(qtbot, open_window, tiny_home, tmp_path):
    folder = library(tmp_path)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.header.text().startswith("3 photos"))
    assert sorted(i.name for i in window.grid_model.items) == ["IMG_1.jpg", "IMG_2.jpg", "scan.jpg"]
    qtbot.waitUntil(lambda: [(f.photos, f.skipped) for f in window.sidebar.folders.folders] == [(3, 1)])
    assert window.sidebar.folders.index(0, 0).data() == "All photos (3)"
    qtbot.waitUntil(lambda: window.status.skipped.text() == "1 skipped")

    window.confirm = lambda text: True
    window.folders.stop_watching(str(folder))
    wait_idle(qtbot, window)
    assert window.status.message.text() == f"Stopped watching {folder} (3 photos and 1 skipped file left the library)"


def test_a_photo_without_exif_is_dated_by_its_file_and_an_empty_grid_says_why(qtbot, open_window, tiny_home,
                                                                              tmp_path):
    folder = library(tmp_path)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3)

    pick_dates(window, "Past 30 days")
    qtbot.waitUntil(lambda: window.header.text().startswith("1 photo "))
    assert [i.name for i in window.grid_model.items] == ["scan.jpg"] and window.empty_note.isHidden()
    select_row(qtbot, window, 0)
    assert window.details.taken.text().endswith("(date from file, no capture date)")

    choose_dates(window, date(2010, 1, 1), date(2010, 12, 31))
    qtbot.waitUntil(lambda: window.empty_note.isVisible())
    assert window.grid_model.rowCount() == 0
    assert window.empty_note.text() == (f"Nothing dated 2010-01-01 to 2010-12-31: the 3 photos here are dated "
                                        f"2021-07-14 to {(date.today() - timedelta(days=5)).isoformat()}. (A photo "
                                        f"without a capture date counts by its file's date.)")
    assert window.details.details is None  # the selected photo left the grid: its details went with it

    qtbot.keyClicks(window.search_bar.edit, "a photo")
    window.search_bar.submit()
    qtbot.waitUntil(lambda: window.header.text().startswith("No photos found"), timeout=10_000)
    qtbot.waitUntil(lambda: window.empty_note.isVisible() and window.empty_note.text().startswith("Nothing dated"))

    window.search_bar.edit.clear()
    window.search_bar.submit()
    pick_dates(window, "Any date")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3)
    assert window.empty_note.isHidden()


def test_an_empty_folder_says_its_files_were_skipped(qtbot, open_window, tiny_home, tmp_path):
    folder = library(tmp_path)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "broken.jpg").write_bytes(b"")
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    window.folders.add(str(junk))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(window.sidebar.folders.folders) == 2)
    folders = window.sidebar.folders
    window.sidebar.folder_view.setCurrentIndex(folders.index(folders.row_of(str(junk)), 0))
    qtbot.waitUntil(lambda: window.empty_note.isVisible())
    assert window.empty_note.text() == ("No photos in junk: 1 file could not be read, listed under "
                                        "\u201c2 skipped\u201d in the status bar.")


def test_details_follow_the_grid_and_a_deleted_photo_is_no_error(qtbot, open_window, tiny_home, tmp_path):
    from photo_tagger.core.errors import PhotoTaggerError

    folder = library(tmp_path)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3)
    first = select_row(qtbot, window, [i.name for i in window.grid_model.items].index("IMG_1.jpg"))

    # A filter that keeps the selected photo keeps it selected and shown.
    choose_dates(window, date(2021, 7, 1), date(2021, 7, 31))
    qtbot.waitUntil(lambda: window.header.text().startswith("2 photos"))
    qtbot.waitUntil(lambda: window.grid.currentIndex().isValid())
    assert window.grid.currentIndex().data(ItemRole).id == first.id and window.details.details.item.id == first.id

    # A message about one photo goes when another one is selected.
    window.photos._details_failed(window.photos._generation, PhotoTaggerError("the store is not answering"))
    assert window.status.message.text() == "No details: the store is not answering"
    other = select_row(qtbot, window, 1 - window.grid.currentIndex().row())
    assert window.status.message.text() == "Ready"

    # The selected photo's file is deleted: the watcher drops it, the details clear, nothing is logged as an error.
    os.unlink(other.path)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 1, timeout=20_000)
    qtbot.waitUntil(lambda: window.details.details is None)
    wait_idle(qtbot, window)


def test_the_apps_own_sidecars_start_no_index_run_but_another_programs_edit_does(qtbot, open_window, tiny_home,
                                                                                  tmp_path):
    from pathlib import Path

    folder = library(tmp_path)
    window = open_window(tiny_home)
    assert window.watch
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.watcher.running and window.grid_model.rowCount() == 3)
    first = next(r for r in window.app.catalog.records() if r.path.endswith("IMG_1.jpg"))
    window.runner.write("tag", lambda progress, control: window.app.tag_edit_service.edit_tags(first.id, add=["holiday"]))
    wait_idle(qtbot, window)
    started = []
    window.runner.job_started.connect(lambda job: started.append(job.description))

    # Every batch the watcher hands the window, and what of it gets past the app's own writes to the watch loop.
    handed, passed = [], []
    watcher, loop = window.watcher._watcher, window.watcher._loop
    hand, take = watcher._on_changes, loop.on_changes
    watcher._on_changes = lambda changes: (hand(changes), handed.append(changes))
    loop.on_changes = lambda changes: (passed.append(changes), take(changes))

    window.sidecars.write(folder=str(folder))
    wait_idle(qtbot, window)
    message = window.status.message.text()
    assert " sidecars written" in message and int(message.split(" sidecars written")[0]) >= 1
    sidecar = Path(f"{first.path}.xmp")
    assert "holiday" in sidecar.read_text()
    # The watcher saw the sidecar written (after its debounce and settling time) and left it out as the app's own.
    qtbot.waitUntil(lambda: any(p.name == sidecar.name for batch in handed for p in batch.changed), timeout=10_000)
    assert passed == []
    assert [d for d in started if d.startswith("Indexing")] == []
    assert window.status.message.text() == message

    sidecar.write_text(sidecar.read_text().replace("holiday", "vacation"))  # another program edits it
    qtbot.waitUntil(lambda: any(d.startswith("Indexing") for d in started), timeout=10_000)
    wait_idle(qtbot, window)


def test_a_start_with_skipped_files_and_no_changes_says_nothing_about_them(qtbot, open_window, tiny_home, tmp_path):
    folder = library(tmp_path)
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    window.close()
    window.runner.shutdown()

    again = open_window(tiny_home)  # catches up: the unreadable file is tried again, and is still unreadable
    started = []
    again.runner.job_started.connect(lambda job: started.append(job.description))
    qtbot.waitUntil(lambda: started == ["Indexing changes"], timeout=10_000)
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.status.skipped.text() == "1 skipped")
    assert not again.status.message.text().startswith("Folder changes")

    (folder / "more-notes.jpg").write_text("not a photo either\n")  # a watched change that is skipped is news
    qtbot.waitUntil(lambda: again.status.skipped.text() == "2 skipped", timeout=15_000)
    assert again.status.message.text().startswith("Folder changes")
