"""The details panel, tag edits, blurred flagged photos, the photo menu, live watching, Help and the crash dialog."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QGuiApplication

from tests.photos import make_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def flag_everything(app):
    """Moderation that flags every photo (the tiny random model's scores are arbitrary)."""
    labels = app.labels()
    app.save_labels(replace(labels, moderation=tuple(replace(c, threshold=0.0) for c in labels.moderation)))


def library_window(qtbot, open_window, home, folder, *, flagged=False):
    window = open_window(home)
    if flagged:
        flag_everything(window.app)
    opened = window.opened = []  # record instead of launching viewers
    window.open_url = lambda url: opened.append(url) or True
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6 and window.header.text().startswith("6 photos"))
    return window


def select(qtbot, window, row):
    window.grid.setCurrentIndex(window.grid_model.index(row, 0))
    item = window.grid_model.item(row)
    qtbot.waitUntil(lambda: window.details.details is not None and window.details.details.item.id == item.id)
    return item


def row_of(window, predicate):
    return next(r for r, item in enumerate(window.grid_model.items) if predicate(item))


def test_details_show_the_photo_and_tags_are_added_and_removed(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = select(qtbot, window, row_of(window, lambda i: not i.flags))
    panel = window.details
    assert panel.name.text() == item.name and panel.path.text() == str(photo_folder)
    assert "px" in panel.size.text() and panel.flag_box.isHidden()
    qtbot.waitUntil(lambda: panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull())
    assert max(panel.preview.pixmap().width(), panel.preview.pixmap().height()) <= 320

    qtbot.keyClicks(panel.new_tag, "Holiday  trip")
    qtbot.mouseClick(panel.add, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "holiday trip" in window.grid_model.item(row_of(window, lambda i: i.id == item.id)).tags)
    qtbot.waitUntil(lambda: any(panel.tags.item(r).text() == "holiday trip    (added by you)"
                                for r in range(panel.tags.count())))
    assert "holiday trip" in window.app.catalog.choices([item.id])[item.id].added
    qtbot.waitUntil(lambda: any(t.name == "holiday trip" for t in window.sidebar.tags.entries))

    added = next(panel.tags.item(r) for r in range(panel.tags.count()) if "holiday" in panel.tags.item(r).text())
    panel.tag_menu(added).actions()[0].trigger()  # "Remove \u201choliday trip\u201d"
    qtbot.waitUntil(lambda: "holiday trip" not in window.grid_model.item(row_of(window, lambda i: i.id == item.id)).tags)
    # Shown as removed (struck through), not gone without a trace; and the removal can be undone.
    qtbot.waitUntil(lambda: any(panel.tags.item(r).text() == "holiday trip    removed by you"
                                for r in range(panel.tags.count())))
    removed = next(panel.tags.item(r) for r in range(panel.tags.count()) if "holiday" in panel.tags.item(r).text())
    assert removed.font().strikeOut() and "holiday trip" in window.app.catalog.choices([item.id])[item.id].removed
    panel.tags.setCurrentItem(removed)
    assert panel.remove.text() == "Put back tag" and panel.remove.isEnabled()
    assert panel.tag_menu(removed).actions()[0].text().startswith("Put back \u201choliday trip\u201d")
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "holiday trip" in window.grid_model.item(row_of(window, lambda i: i.id == item.id)).tags)
    qtbot.waitUntil(lambda: any(panel.tags.item(r).text() == "holiday trip    (added by you)"
                                for r in range(panel.tags.count())))
    assert not window.app.catalog.choices([item.id])[item.id].removed


def test_flagged_photos_are_blurred_until_shown_and_not_sensitive_unflags(qtbot, open_window, tiny_home,
                                                                         photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder, flagged=True)
    model, thumbs = window.grid_model, window.thumbnails
    assert all(i.flags for i in model.items)
    row = 0
    item = model.item(row)
    qtbot.waitUntil(lambda: thumbs.pixmap(item.path, item.mtime_ns) is not thumbs.loading, timeout=10_000)
    sharp = thumbs.pixmap(item.path, item.mtime_ns)
    # Obscured on the thumbnail pool (data() wraps a new QPixmap each call: told apart from the loading tile by key).
    qtbot.waitUntil(lambda: model.index(row, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey()
                    != thumbs.loading.cacheKey(), timeout=10_000)
    shown = model.index(row, 0).data(Qt.ItemDataRole.DecorationRole)
    assert model.is_hidden(item) and shown.cacheKey() != sharp.cacheKey()
    assert shown.cacheKey() == thumbs.blurred_pixmap(item.path, item.mtime_ns).cacheKey()

    select(qtbot, window, row)
    panel = window.details
    assert panel.flag_box.isVisible() and panel.flags.text().startswith("Flagged: ")
    qtbot.waitUntil(lambda: panel.preview.toolTip() == "Flagged: click to show the photo")
    qtbot.mouseClick(panel.preview, Qt.MouseButton.LeftButton)  # reveal
    assert not model.is_hidden(item)
    assert model.index(row, 0).data(Qt.ItemDataRole.DecorationRole).cacheKey() == sharp.cacheKey()
    qtbot.waitUntil(lambda: panel.preview.toolTip() == "")

    qtbot.mouseClick(panel.not_sensitive, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not model.item(row).flags)
    qtbot.waitUntil(lambda: panel.flag_box.isHidden())
    assert window.app.catalog.choices([item.id])[item.id].not_sensitive
    assert item.id not in window.app.catalog.flagged_ids()


def test_the_blur_setting_is_a_view_menu_checkbox_kept_in_settings(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder, flagged=True)
    assert window.blur_action.isChecked() and window.grid_model.blur_flagged
    window.blur_action.setChecked(False)
    assert not window.grid_model.blur_flagged
    assert not any(window.grid_model.is_hidden(i) for i in window.grid_model.items)
    window.settings.sync()
    stored = QSettings(str(window.app.paths.config_dir / "gui.ini"), QSettings.Format.IniFormat)
    assert stored.value("view/blur_flagged", type=bool) is False


def test_photo_menu_finds_similar_opens_retags_and_edits(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = window.grid_model.item(2)
    actions = {a.text(): a for a in window.photos.menu([item]).actions() if a.text()}
    assert {"View", "Open with system viewer", "Show in file manager", "Find similar", "Edit tags",
            "Retag"} <= set(actions)

    actions["Open with system viewer"].trigger()
    actions["Show in file manager"].trigger()
    assert window.opened == [QUrl.fromLocalFile(item.path), QUrl.fromLocalFile(str(photo_folder))]

    actions["Find similar"].trigger()
    qtbot.waitUntil(lambda: window.header.text() == f"5 photos most like {item.name}, best first", timeout=10_000)
    similar = window.grid_model.items
    assert item.id not in {i.id for i in similar} and all(i.score is not None for i in similar)
    assert [i.score for i in similar] == sorted((i.score for i in similar), reverse=True)

    with qtbot.waitSignal(window.runner.job_finished, timeout=10_000) as finished:
        actions["Retag"].trigger()
    assert finished.args[1].photos == 1
    qtbot.waitUntil(lambda: window.status.message.text().startswith(f"Retagged 1 photos in {item.name}"))

    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    target = window.grid_model.item(1)
    next(a for a in window.photos.menu([target]).actions() if a.text() == "Edit tags").trigger()
    qtbot.waitUntil(lambda: window.details.details is not None and window.details.details.item.id == target.id)


def test_a_photo_copied_into_a_watched_folder_appears_by_itself(qtbot, open_window, tiny_home, photo_folder, tmp_path):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    qtbot.waitUntil(lambda: window.watcher.running and window.watcher.roots == (str(photo_folder),))
    made = make_photo(tmp_path / "elsewhere" / "NEW_00001.jpg", (10, 200, 30))
    shutil.copy(made, photo_folder / "NEW_00001.jpg")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 7, timeout=30_000)
    assert any(i.name == "NEW_00001.jpg" for i in window.grid_model.items)
    qtbot.waitUntil(lambda: [f.photos for f in window.sidebar.folders.folders] == [7], timeout=10_000)
    assert "1 new" in window.status.message.text()

    window.runner.shutdown()  # the watcher goes first, before the executors
    assert not window.watcher.running and window.watcher._thread is None


def test_help_opens_the_log_folder(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    opened = []
    window.open_url = lambda url: opened.append(url) or True
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Open log folder").trigger()
    assert opened == [QUrl.fromLocalFile(str(window.app.paths.log_dir))]


def test_an_uncaught_exception_shows_a_copyable_report(qtbot, caplog):
    from photo_tagger.gui.crash import install_excepthook

    previous = install_excepthook(lambda: None)
    hook = sys.excepthook
    try:
        try:
            raise ValueError("something odd")
        except ValueError:
            hook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    dialog = hook.dialogs[-1]
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    report = dialog.report.toPlainText()
    assert report.startswith("Photo Tagger ") and "ValueError: something odd" in report and "Traceback" in report
    dialog.copy.click()
    assert QGuiApplication.clipboard().text() == report
    assert any(r.levelname == "CRITICAL" for r in caplog.records)
    caplog.clear()  # logged on purpose


def test_opening_the_window_catches_up_on_changes_made_while_it_was_closed(qtbot, open_window, tiny_home,
                                                                          photo_folder, tmp_path):
    first = library_window(qtbot, open_window, tiny_home, photo_folder)
    first.runner.shutdown()  # the app is closed...
    (photo_folder / "IMG_00000.jpg").unlink()  # ...while the user edits the folder
    make_photo(photo_folder / "LATE_00001.jpg", (250, 10, 90))
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: sorted(i.name for i in window.grid_model.items) ==
                    sorted(p.name for p in photo_folder.iterdir()), timeout=30_000)


def test_the_header_and_the_sidebar_count_a_tag_from_one_source(qtbot, open_window, tiny_home, photo_folder):
    from photo_tagger.gui.models.sidebar_models import TagEntry
    from photo_tagger.services import browsing

    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    app = window.app
    ids = [i.id for i in window.grid_model.items]
    for photo_id in ids[:3]:
        window.runner.write("tag", lambda p, c, photo_id=photo_id: browsing_edit(app, photo_id, add=["interior"]))
    window.runner.write("untag", lambda p, c: browsing_edit(app, ids[0], remove=["interior"]))
    qtbot.waitUntil(lambda: not window.runner.busy)
    with app.catalog.transaction() as db:  # a tagged photo that became unreadable: a skipped file, not a photo
        db.execute("UPDATE photos SET status = 'skipped', skip_reason = 'unreadable' WHERE id = ?", (ids[1],))
    window.refresh_sidebar()
    qtbot.waitUntil(lambda: any(t.name == "interior" and t.count == 1 for t in window.sidebar.tags.entries))
    window._tag_selected(TagEntry("tag", "interior", 1))
    qtbot.waitUntil(lambda: window.header.text().startswith("1 photo tagged interior"))
    assert browsing.tag_counts(app.catalog)["interior"] == 1 == window.grid_model.rowCount()


def browsing_edit(app, photo_id, add=(), remove=()):
    return app.tag_edit_service.edit_tags(photo_id, add, remove)
