"""The app's own photo viewer (double-click, steps in the grid's order, fit and 1:1, EXIF orientation, blurred
flagged photos, decoding off the GUI thread) and the message when the desktop has no program to open a path."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication

from photo_tagger.gui import viewer_images
from photo_tagger.gui.launcher import UnopenedDialog
from tests.photos import make_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def flag_everything(app):
    labels = app.labels()
    app.save_labels(replace(labels, moderation=tuple(replace(c, threshold=0.0) for c in labels.moderation)))


def library(qtbot, open_window, home, folder, *, flagged=False):
    window = open_window(home)
    if flagged:
        flag_everything(window.app)
    count = len(list(folder.iterdir()))
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == count and window.header.text().startswith(f"{count} "))
    return window


def double_click(qtbot, window, row):
    grid, index = window.grid, window.grid_model.index(row, 0)
    qtbot.waitUntil(lambda: grid.visualRect(index).isValid() and not grid.visualRect(index).isEmpty())
    grid.scrollTo(index)
    centre = grid.visualRect(index).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)  # QTest's double click needs a press
    qtbot.mouseDClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    viewer = window.photos.viewer
    assert viewer is not None and window.pages.currentWidget() is viewer
    return viewer


def shown(qtbot, viewer, item, timeout=10_000):
    """Waits for `item`'s picture on screen; returns it."""
    qtbot.waitUntil(lambda: viewer.item.id == item.id and viewer.picture is not None, timeout=timeout)
    return viewer.picture


def key(qtbot, viewer, key):
    qtbot.keyClick(viewer, key)


def wheel(viewer, delta):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(viewer.view.viewport().rect().center())
    event = QWheelEvent(centre, viewer.view.viewport().mapToGlobal(centre), QPoint(), QPoint(0, delta),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewer.view.viewport(), event)


@pytest.fixture
def dated_folder(tmp_path):
    """Five photos a day apart (the grid shows the most recent first)."""
    folder = tmp_path / "dated"
    for n in range(5):
        make_photo(folder / f"DAY_{n}.jpg", (50 * n, 220 - 40 * n, 60 + 30 * n), taken=f"2021:07:1{n} 12:00:00")
    return folder


def test_double_click_opens_the_photo_and_the_arrow_keys_follow_the_grid(qtbot, open_window, tiny_home,
                                                                         dated_folder):
    window = library(qtbot, open_window, tiny_home, dated_folder)
    model = window.grid_model
    order = [i.id for i in model.items]
    viewer = double_click(qtbot, window, 2)
    shown(qtbot, viewer, model.item(2))
    assert viewer.title.text() == f"{model.item(2).name}  \u2014  3 / 5"
    assert window.windowTitle().startswith(f"{model.item(2).name} (3 / 5)")

    seen = [viewer.item.id]
    for _ in range(3):  # past the end it stays on the last photo
        key(qtbot, viewer, Qt.Key.Key_Right)
        seen.append(viewer.item.id)
    assert seen == order[2:] + [order[-1]]
    key(qtbot, viewer, Qt.Key.Key_Home)
    assert viewer.item.id == order[0] and "1 / 5" in viewer.title.text()
    key(qtbot, viewer, Qt.Key.Key_Left)
    assert viewer.item.id == order[0]
    key(qtbot, viewer, Qt.Key.Key_End)
    key(qtbot, viewer, Qt.Key.Key_Left)
    assert viewer.item.id == order[3]
    shown(qtbot, viewer, model.item(3))

    key(qtbot, viewer, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.browser
    assert window.grid.currentIndex().row() == 3  # back on the photo seen last
    assert window.windowTitle().startswith("Photo Tagger")
    assert viewer.images.kept == []  # its pictures went with it


def test_steps_follow_a_filtered_search_and_neighbours_are_decoded_ahead(qtbot, open_window, tiny_home,
                                                                         dated_folder, tmp_path):
    make_photo(dated_folder / "OLD_1.jpg", (10, 10, 200), taken="2019:01:01 10:00:00")
    window = library(qtbot, open_window, tiny_home, dated_folder)
    window.search_bar.dates.range_changed.emit(date(2021, 7, 11), date(2021, 7, 13))
    qtbot.keyClicks(window.search_bar.edit, "a photo")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=10_000)
    order = [i.id for i in window.grid_model.items]
    assert len(order) == 3

    viewer = double_click(qtbot, window, 0)
    shown(qtbot, viewer, window.grid_model.item(0))
    seen = [viewer.item.id]
    for n in (1, 2):
        # the next photo was decoded while the current one was looked at
        qtbot.waitUntil(lambda n=n: viewer.images.get(viewer._key(window.grid_model.item(n))) is not None)
        key(qtbot, viewer, Qt.Key.Key_Right)
        assert viewer.picture is not None  # at once, from the neighbour decoded ahead
        seen.append(viewer.item.id)
    assert seen == order and "3 / 3" in viewer.title.text()
    wheel(viewer, 120)  # fitted, the wheel steps back
    assert viewer.item.id == order[1]
    kept = viewer.images.kept
    assert len(kept) <= 2 and all(k[2] is not None for k in kept)  # the photo and its neighbour, fitted only


def test_fit_and_actual_size(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "big"
    make_photo(folder / "BIG.jpg", (90, 140, 200), size=(3000, 2000))
    window = library(qtbot, open_window, tiny_home, folder)
    viewer = double_click(qtbot, window, 0)
    picture = shown(qtbot, viewer, window.grid_model.item(0))
    assert (picture.width, picture.height) == (3000, 2000)
    assert not picture.full and picture.image.width() < 3000  # fit needs no full decode
    view = viewer.view
    assert view.mode == "fit" and view.scale_shown < 1 and viewer.fit.isChecked()
    assert view.horizontalScrollBar().maximum() == 0 and viewer.zoom.text() == f"{round(view.scale_shown * 100)}%"

    key(qtbot, viewer, Qt.Key.Key_1)
    assert view.scale_shown == 1 and viewer.actual.isChecked() and viewer.zoom.text() == "100%"
    qtbot.waitUntil(lambda: viewer.picture.full, timeout=10_000)
    assert viewer.picture.image.width() == 3000
    assert view.horizontalScrollBar().maximum() > 0 and view.verticalScrollBar().maximum() > 0  # it pans
    scrolled = view.verticalScrollBar().value()
    wheel(viewer, -120)  # at 1:1 the wheel scrolls
    assert view.verticalScrollBar().value() > scrolled and viewer.item.id == window.grid_model.item(0).id

    key(qtbot, viewer, Qt.Key.Key_Z)
    assert view.mode == "fit" and view.scale_shown < 1
    assert all(k[2] is not None for k in viewer.images.kept)  # the full decode is let go in fit mode
    viewer.actual.click()
    assert view.mode == "1:1"


def test_exif_orientation_is_applied(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "turned"
    make_photo(folder / "TURNED.jpg", (200, 120, 40), size=(96, 64), orientation=6)
    window = library(qtbot, open_window, tiny_home, folder)
    viewer = double_click(qtbot, window, 0)
    picture = shown(qtbot, viewer, window.grid_model.item(0))
    assert (picture.width, picture.height) == (64, 96)
    assert (picture.image.width(), picture.image.height()) == (64, 96)
    assert viewer.view.sceneRect().size().toSize().toTuple() == (64, 96)


def test_a_flagged_photo_stays_blurred_until_revealed(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "flagged"
    for n in range(3):
        make_photo(folder / f"F_{n}.jpg", (30 + 100 * n, 60, 90), size=(320, 240))
    window = library(qtbot, open_window, tiny_home, folder, flagged=True)
    model = window.grid_model
    assert all(model.is_hidden(i) for i in model.items)
    viewer = double_click(qtbot, window, 0)
    assert shown(qtbot, viewer, model.item(0)).hidden
    assert viewer.veil.isVisible() and viewer.veil_text.text().startswith("Flagged: ")

    viewer.reveal_button.click()
    assert model.is_revealed(model.item(0).id)
    qtbot.waitUntil(lambda: not viewer.picture.hidden, timeout=10_000)
    assert not viewer.veil.isVisible()

    key(qtbot, viewer, Qt.Key.Key_Right)  # revealing one photo reveals only that one
    assert shown(qtbot, viewer, model.item(1)).hidden and viewer.veil.isVisible()
    corner = viewer.view.viewport().rect().center() - QPoint(120, 90)  # on the photo, beside the veil
    qtbot.mouseClick(viewer.view.viewport(), Qt.MouseButton.LeftButton, pos=corner)  # a click shows it too
    qtbot.waitUntil(lambda: not viewer.picture.hidden, timeout=10_000)

    key(qtbot, viewer, Qt.Key.Key_Right)
    assert shown(qtbot, viewer, model.item(2)).hidden
    window.blur_action.setChecked(False)  # blurring switched off while viewing
    qtbot.waitUntil(lambda: not viewer.picture.hidden, timeout=10_000)


def test_decoding_happens_off_the_gui_thread(qtbot, open_window, tiny_home, dated_folder, monkeypatch):
    threads = []
    decode = viewer_images.decode_for_view

    def recording(*args):
        threads.append(threading.current_thread())
        return decode(*args)

    monkeypatch.setattr(viewer_images, "decode_for_view", recording)
    window = library(qtbot, open_window, tiny_home, dated_folder)
    viewer = double_click(qtbot, window, 0)
    shown(qtbot, viewer, window.grid_model.item(0))
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_return_opens_the_current_photo_and_the_menu_names_both_viewers(qtbot, open_window, tiny_home, dated_folder):
    window = library(qtbot, open_window, tiny_home, dated_folder)
    window.grid.setCurrentIndex(window.grid_model.index(1, 0))
    window.grid.setFocus()
    window.activateWindow()
    qtbot.keyClick(window.grid, Qt.Key.Key_Return)
    viewer = window.photos.viewer
    assert window.pages.currentWidget() is viewer and viewer.item.id == window.grid_model.item(1).id
    viewer.back.click()
    assert window.pages.currentWidget() is window.browser

    menu = window.photos.menu([window.grid_model.item(4)])
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["View", "Open with system viewer", "Show in file manager"]
    assert menu.defaultAction().text() == "View"
    menu.defaultAction().trigger()
    assert window.pages.currentWidget() is viewer and viewer.item.id == window.grid_model.item(4).id


def test_without_a_launcher_every_open_shows_the_path(qtbot, open_window, tiny_home, dated_folder, monkeypatch):
    asked = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: asked.append(url.toLocalFile()) or False)
    window = library(qtbot, open_window, tiny_home, dated_folder)
    item = window.grid_model.item(0)

    def message_for(trigger, path):
        before = set(window.findChildren(UnopenedDialog))
        trigger()
        assert asked[-1] == path
        dialog = (set(window.findChildren(UnopenedDialog)) - before).pop()
        qtbot.waitUntil(dialog.isVisible)  # shown without blocking: the test goes on
        assert dialog.path.text() == path and dialog.path.isReadOnly()
        return dialog

    actions = {a.text(): a for a in window.photos.menu([item]).actions()}
    dialog = message_for(actions["Open with system viewer"].trigger, item.path)
    dialog.copy.click()
    assert QGuiApplication.clipboard().text() == item.path
    dialog.close()
    message_for(actions["Show in file manager"].trigger, str(dated_folder)).close()
    message_for(lambda: window.sidebar.show_requested.emit(str(dated_folder)), str(dated_folder)).close()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    log_action = next(a for a in help_menu.actions() if a.text() == "Open log folder")
    message_for(log_action.trigger, str(window.app.paths.log_dir)).close()

    two = window.photos.menu([window.grid_model.item(1), window.grid_model.item(2)])
    before = len(asked)
    next(a for a in two.actions() if a.text() == "Open 2 photos with system viewer").trigger()
    assert len(asked) == before + 1  # one message, not one per photo


def test_a_photo_that_cannot_be_read_says_why(qtbot, tmp_path):

    from photo_tagger.gui.models.photo_grid import PhotoGridModel
    from photo_tagger.gui.tasks import TaskRunner
    from photo_tagger.gui.widgets.photo_viewer import PhotoViewer
    from photo_tagger.services.browsing import GridItem

    good, bad = make_photo(tmp_path / "A.jpg"), tmp_path / "B.jpg"
    bad.write_bytes(b"not a photo at all")
    model = PhotoGridModel()
    model.append([GridItem("a", str(good), 1, "indexed"), GridItem("b", str(bad), 1, "indexed")])
    runner = TaskRunner(lambda: None)
    viewer = PhotoViewer(runner, model)
    qtbot.addWidget(viewer)
    viewer.show()
    try:
        viewer.open(0)
        shown(qtbot, viewer, model.item(0))
        key(qtbot, viewer, Qt.Key.Key_Right)
        # "Loading…" shows first, in the same place: wait for the decode's answer.
        qtbot.waitUntil(lambda: viewer.view.message.isVisible() and viewer.view.message.text() != "Loading\u2026",
                        timeout=10_000)
        assert viewer.view.message.text() == "Cannot show B.jpg:\nnot an image (or unsupported format)"
        assert viewer.picture is None and viewer.title.text() == "B.jpg  \u2014  2 / 2"
        key(qtbot, viewer, Qt.Key.Key_Left)  # and back: the good one is still kept as a neighbour
        assert viewer.picture is not None and not viewer.view.message.isVisible()
    finally:
        runner.shutdown()


def test_return_views_from_the_grid_only_and_adds_a_tag_from_the_tag_field(qtbot, open_window, tiny_home,
                                                                          dated_folder):
    """Seen on Xvfb: Return in the details panel's tag field opened the viewer (the grid's shortcut was window-wide)."""
    window = library(qtbot, open_window, tiny_home, dated_folder)
    item = window.grid_model.item(1)
    window.grid.setCurrentIndex(window.grid_model.index(1, 0))
    qtbot.waitUntil(lambda: window.details.details is not None and window.details.details.item.id == item.id)
    window.details.focus_tags()
    qtbot.keyClicks(window.details.new_tag, "holiday")
    with qtbot.waitSignal(window.runner.job_finished, timeout=20_000):
        qtbot.keyClick(window.details.new_tag, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.browser  # no viewer
    qtbot.waitUntil(lambda: "holiday" in window.grid_model.item(1).tags)

    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Return)
    assert window.photos.viewer is not None and window.pages.currentWidget() is window.photos.viewer


def test_file_dialogs_start_in_the_users_folders_not_the_working_directory(monkeypatch, tmp_path):
    from PySide6.QtCore import QDir, QStandardPaths

    from photo_tagger.gui.launcher import standard_folder

    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(pictures))
    assert standard_folder(QStandardPaths.StandardLocation.PicturesLocation) == str(pictures)
    pictures.rmdir()  # no Pictures folder: the home, not the working directory
    assert standard_folder(QStandardPaths.StandardLocation.PicturesLocation) == QDir.homePath()
