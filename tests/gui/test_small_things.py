"""Issue 10's smaller things: the install's status line, the labels editor's columns, the grid filling its width,
the offline hub error, Help > About and Keyboard shortcuts."""

from __future__ import annotations

import threading

import pytest

from tests.photos import make_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise")]


def test_installing_a_model_says_it_once_and_offers_no_pause(qtbot, open_window, home, model_depot):
    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    release = threading.Event()
    models, tiny = window.app.models, model_depot.folder("tiny")

    def install(source, **kwargs):  # the export is slow in life: hold it while the status bar is looked at
        release.wait(10)
        return models.import_folder(tiny)

    models.install_from_checkpoint = install
    window.model_setup.install_from_folder("/some/checkpoint")
    try:
        qtbot.waitUntil(lambda: window.status.progress.isVisible())
        text = window.status.message.text()
        assert text.lower().count("installing the model") == 1, text
        assert "((" not in text and "))" not in text, text
        # An install has no safe point to pause or stop at: neither button is offered.
        assert not window.status.pause.isVisible() and not window.status.cancel.isVisible()
        window.status.pause.toggle()  # even if reached somehow, nothing is paused
        assert not window.runner.jobs[0].control.paused
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)


def test_the_pause_button_still_shows_for_an_index_job(qtbot, open_window, tiny_home, photo_folder):
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty)
    job = window.folders.add(str(photo_folder))
    job.control.pause()  # held at its first safe point, so it is seen while it runs
    qtbot.waitUntil(lambda: window.status.progress.isVisible())
    assert window.status.pause.isVisible() and window.status.cancel.isVisible()
    job.control.resume()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)


def test_the_hub_error_offline_points_to_the_folder_button_not_a_terminal(qtbot, open_window, home, caplog):
    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    panel = window.no_model
    with qtbot.waitSignal(window.runner.job_finished, timeout=60_000):  # offline: HF_HUB_OFFLINE in conftest
        panel.hub_button.click()
    for record in caplog.get_records("call"):
        if "Installing the model failed" in record.getMessage():
            record.expected = True
    note = panel.note.text()
    assert "cannot download immich-app/ViT-B-32__openai" in note
    assert f"\u201c{panel.button.text()}\u201d" in note and "another computer" in note
    assert "photo-tagger" not in note and "model install" not in note and "terminal" not in note.lower()
    status = window.status.message.text()
    assert status.startswith("Installing the model failed: cannot download") and "photo-tagger" not in status
    assert "photo-tagger" not in panel.text.text()  # the panel speaks of its own buttons only


def columns_inside(table) -> list[tuple[str, int, int]]:
    """(header, left, right) of each column whose right edge passes the viewport or that is too narrow to read."""
    header, width = table.horizontalHeader(), table.viewport().width()
    bad = []
    for column in range(table.columnCount()):
        left, size = header.sectionViewportPosition(column), header.sectionSize(column)
        title = table.horizontalHeaderItem(column).text()
        needed = header.fontMetrics().horizontalAdvance(title) + 8
        if left < 0 or left + size > width or size < min(needed, 60):
            bad.append((title, left, left + size))
    return bad


def test_labels_editor_shows_every_column_inside_the_table_at_its_default_size(qtbot):
    from photo_tagger.core.labels import default_label_set
    from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog

    dialog = LabelsDialog(default_label_set())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for tab, table in ((0, dialog.label_table), (1, dialog.category_table)):
        dialog.tabs.setCurrentIndex(tab)
        qtbot.waitUntil(lambda table=table: table.isVisible())
        assert table.horizontalScrollBar().maximum() == 0
        assert columns_inside(table) == []
        prompts = table.columnCount() - 1  # the last prompts column (Safe prompts in moderation)
        assert table.horizontalHeader().sectionSize(prompts) >= 150
    # A long prompt list wraps within its cell (the row grows) and is whole in the tooltip.
    table = dialog.category_table
    row = 0
    long_text = " | ".join(f"a safe prompt number {i}" for i in range(12))
    before = table.rowHeight(row)
    table.item(row, 4).setText(long_text)
    qtbot.waitUntil(lambda: table.rowHeight(row) > before)
    assert table.item(row, 4).toolTip() == long_text
    assert columns_inside(table) == []


@pytest.fixture
def large_photos(tmp_path):
    folder = tmp_path / "large"
    for i in range(9):
        make_photo(folder / f"IMG_{i:05d}.jpg", ((i * 37) % 256, (i * 91) % 256, 90), size=(480, 320))
    return folder


def grid_gaps(window) -> tuple[int, int, int]:
    """(tile width, viewport width, blank strip right of the last column of the first row)."""
    grid = window.grid
    rects = [grid.visualRect(window.grid_model.index(row, 0)) for row in range(window.grid_model.rowCount())]
    first_row = [r for r in rects if r.top() == rects[0].top()]
    return rects[0].width(), grid.viewport().width(), grid.viewport().width() - max(r.right() + 1 for r in first_row)


@pytest.mark.parametrize("width", [800, 1100])
def test_large_thumbnails_fit_the_grid_and_the_columns_fill_its_width(qtbot, open_window, tiny_home, large_photos,
                                                                     width):
    window = open_window(tiny_home)
    window.resize(width, 600)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty)
    window.folders.add(str(large_photos))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 9, timeout=10_000)
    window.editors.set_thumbnail_size(240)  # View > Thumbnail size > Large
    qtbot.waitUntil(lambda: not window.runner.busy)
    spacing = window.grid.spacing()

    def fits() -> bool:
        tile, viewport, blank = grid_gaps(window)
        box = window.grid.delegate.box_size  # as large as asked for, or as the viewport allows: no smaller
        return tile <= viewport and 0 <= blank < max(spacing, 1) * 2 and box >= min(240, viewport - 2 * spacing - 30)

    qtbot.waitUntil(fits, timeout=5_000)
    # Narrower than one Large tile: the tile shrinks to the viewport, never past it.
    window.grid.setFixedWidth(200)
    qtbot.waitUntil(fits, timeout=5_000)
    tile, viewport, _ = grid_gaps(window)
    assert tile <= viewport


def test_about_shows_version_model_providers_and_paths_without_loading_a_model(qtbot, open_window, tiny_home,
                                                                               monkeypatch):
    from PySide6.QtWidgets import QApplication

    from photo_tagger import __version__
    from photo_tagger.infra import onnx_clip

    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty)
    qtbot.waitUntil(lambda: not window.runner.busy)
    loads = []
    monkeypatch.setattr(onnx_clip._LazySession, "_create", lambda self: loads.append(self.path) or 1 / 0)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text() == "About Photo Tagger")
    about.trigger()
    dialog = window.help.about_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: "CPUExecutionProvider" in dialog.text())
    text = dialog.text()
    assert f"Photo Tagger {__version__}" in text and "Model: tiny" in text
    assert str(window.app.paths.library_dir) in text and str(window.app.paths.log_dir) in text
    assert "onnxruntime 1." in text
    assert loads == []  # About reports; it never loads a session
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == text


def test_about_shows_the_licence_and_opens_the_third_party_notices(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    about = window.help.show_about()
    assert "Licence: MIT (Copyright (c) 2026 Photo Tagger contributors)" in about.text()
    about.notices_button.click()
    notices = window.help.notices_dialog
    assert notices is not None and notices.isVisible()
    qtbot.waitUntil(lambda: "GNU LESSER GENERAL PUBLIC LICENSE" in notices.text_view.toPlainText(), timeout=30000)
    text = notices.text_view.toPlainText()
    # Run from source: made from the installed packages' own files, the notices no package carries included.
    assert "Permission is hereby granted, free of charge" in text  # the app's MIT licence
    assert "https://download.qt.io/official_releases/QtForPython/" in text and "PaddleOCR" in text
    assert "onnxruntime " in text and "ThirdPartyNotices" in text
    notices.reject()
    assert window.help.notices_dialog is None


def test_keyboard_shortcuts_lists_the_windows_own_shortcuts(qtbot, open_window, tiny_home):
    from PySide6.QtGui import QKeySequence

    window = open_window(tiny_home)
    window.add_folder_action.setShortcut(QKeySequence("Ctrl+O"))
    window.labels_action.setShortcut(QKeySequence("Ctrl+Shift+L"))  # one added later is listed too
    window.help.shortcuts_action.trigger()
    dialog = window.help.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dict(dialog.rows())
    assert rows["Library > Add folder..."] == "Ctrl+O"
    assert rows["Tools > Labels..."] == "Ctrl+Shift+L"
    assert rows["Help > Keyboard shortcuts"] == QKeySequence(QKeySequence.StandardKey.HelpContents).toString(
        QKeySequence.SequenceFormat.NativeText)
    assert rows["View the selected photo"] == "Return"  # a QShortcut, not a menu item
    assert rows["Viewer: next photo"] == "Right, Space"  # the viewer's keys, while it shows a photo
    assert rows["Viewer: back to the library"] == "Esc"
