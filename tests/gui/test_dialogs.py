"""The Labels... and Settings... dialogs over the real services: save, retag from embeddings, sidebar follows."""

from __future__ import annotations

import re
import tomllib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from photo_tagger.gui.dialogs.labels_dialog import LABEL_COLUMNS
from tests.gui.conftest import wait_idle

PROMPTS = len(LABEL_COLUMNS) - 1

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def open_labels(qtbot, window):
    window.labels_action.trigger()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is not None and window.editors.labels_dialog.isVisible())
    return window.editors.labels_dialog


def row_of(table, name):
    return next(row for row in range(table.rowCount()) if table.item(row, 0).text() == name)


def ok_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def tag_counts(window):
    return {e.name: e.count for e in window.sidebar.tags.entries if e.kind == "tag"}


def test_editing_and_adding_labels_saves_and_retags_without_decoding(qtbot, monkeypatch, open_window, tiny_home,
                                                                      photo_folder):
    window = open_window(tiny_home)
    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)

    def no_decoding(*args, **kwargs):
        raise AssertionError("retag decoded an image")

    monkeypatch.setattr("photo_tagger.core.indexer.load_pixels_and_info", no_decoding)
    monkeypatch.setattr("photo_tagger.core.preprocess.load_pixels_and_info", no_decoding)

    dialog = open_labels(qtbot, window)
    assert not dialog.problem.isVisible()
    table = dialog.label_table
    # Thresholds 0 and room for every label: "dog" and the new label tag all six photos, whatever the random model.
    table.item(row_of(table, "dog"), 2).setText("0")
    max_tags = table.rowCount() + 1
    dialog.max_tags.setValue(max_tags)
    dialog.best_threshold.setValue(0.0)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    new_row = table.rowCount() - 1
    assert table.item(new_row, 0).text() == "new label"
    table.item(new_row, 0).setText("sunflower")
    table.item(new_row, 2).setText("0.0")
    table.item(new_row, PROMPTS).setText("a photo of a sunflower | a sunflower field")
    assert dialog.error_text == "" and ok_button(dialog).isEnabled()

    with qtbot.waitSignal(window.runner.job_finished, timeout=20_000) as finished:
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    job, (report, others) = finished.args  # the retag, and what it did to the other labels
    assert job.description.startswith("Retagging") and report is not None and report.photos == 6

    saved = tomllib.loads(window.app.labels_file.path.read_text(encoding="utf-8"))
    labels = {entry["name"]: entry for entry in saved["label"]}
    assert labels["dog"]["threshold"] == 0.0
    assert labels["sunflower"] == {"name": "sunflower", "enabled": True, "threshold": 0.0,
                                   "prompts": ["a photo of a sunflower", "a sunflower field"]}
    assert saved["settings"]["max_tags"] == max_tags and saved["settings"]["best_threshold"] == 0.0
    qtbot.waitUntil(lambda: tag_counts(window).get("sunflower") == 6 and tag_counts(window).get("dog") == 6,
                    timeout=10_000)
    assert window.status.message.text().startswith("Labels saved; retagged 6 photos")


def test_a_duplicate_name_or_a_bad_threshold_is_refused_inline(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    dialog = open_labels(qtbot, window)
    table = dialog.label_table
    before = window.app.labels_file.path.read_text(encoding="utf-8")

    table.item(row_of(table, "cat"), 0).setText("dog")
    assert dialog.errors.isVisible() and "'dog' is defined twice" in dialog.error_text
    assert not ok_button(dialog).isEnabled()
    dialog.accept()  # Enter or a stray click: still refused
    assert dialog.isVisible() and dialog.result_labels() is None

    table.item(row_of(table, "dog"), 0).setText("cat")  # the first "dog" row (was cat) back to cat
    assert dialog.error_text == "" and ok_button(dialog).isEnabled()
    table.item(row_of(table, "cat"), 2).setText("1.5")
    assert "between 0 and 1" in dialog.error_text and not ok_button(dialog).isEnabled()
    table.item(row_of(table, "cat"), 2).setText("")

    dialog.tabs.setCurrentIndex(1)
    dialog.add_category("nudity")
    assert "'nudity' is defined twice" in dialog.error_text

    dialog.reject()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is None)
    assert not window.runner.busy
    assert window.app.labels_file.path.read_text(encoding="utf-8") == before


def test_a_broken_labels_file_is_shown_at_the_top(qtbot, caplog, open_window, tiny_home):
    window = open_window(tiny_home)
    dialog = open_labels(qtbot, window)  # the first read writes the defaults (and the last good copy)
    dialog.reject()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is None)
    path = window.app.labels_file.path
    good = tomllib.loads(path.read_text(encoding="utf-8"))["settings"]["threshold"]
    path.write_text(re.sub(r"^threshold = \S+", "threshold = 7", path.read_text(encoding="utf-8"), count=1,
                           flags=re.MULTILINE),
                    encoding="utf-8")

    dialog = open_labels(qtbot, window)
    for record in caplog.get_records("call"):
        if "using the last good labels" in record.getMessage():
            record.expected = True  # this test broke the file on purpose
    assert dialog.problem.isVisible()
    assert "threshold must be a number between 0 and 1" in dialog.problem.text()
    assert "last good labels" in dialog.problem.text()
    assert dialog.threshold.value() == pytest.approx(good)


def test_settings_dialog_writes_device_and_precision(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    assert "next time" in dialog.note.text()
    precisions = window.app.active_model().precisions
    assert dialog.precision_enabled("fp32")
    assert dialog.precision_enabled("int8") == ("int8" in precisions)

    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    if "int8" in precisions:
        dialog.precision.setCurrentIndex(dialog.precision.findData("int8"))
    dialog.blur.setChecked(False)
    dialog.accept()

    settings_file = window.app.paths.settings_file
    qtbot.waitUntil(lambda: settings_file.exists() and tomllib.loads(settings_file.read_text())["device"] == "cpu")
    saved = tomllib.loads(settings_file.read_text())
    assert saved["precision"] == ("int8" if "int8" in precisions else "fp32")
    assert not window.blur_action.isChecked() and not window.grid_model.blur_flagged
    assert window.app.settings.device == "cpu"


def test_settings_dialog_sets_fast_decoding_and_refuses_a_bad_server_address(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    dialog.fast_decode.setChecked(True)
    dialog.store_url.setText("nas.local:8000")
    dialog.accept()
    assert dialog.isVisible() and "http://nas.local:8000" in dialog.error.text()  # stays open, says why

    dialog.store_url.setText("http://127.0.0.1:8000")
    dialog.accept()
    settings_file = window.app.paths.settings_file
    qtbot.waitUntil(lambda: tomllib.loads(settings_file.read_text()).get("store_url") == "http://127.0.0.1:8000")
    saved = tomllib.loads(settings_file.read_text())
    assert saved["fast_decode"] is True and saved["store_url"] == "http://127.0.0.1:8000", saved
    qtbot.waitUntil(lambda: "apply at the next start" in window.status.message.text())


def test_the_labels_preview_counts_off_the_gui_thread_and_drops_a_stale_answer(qtbot, monkeypatch, open_window,
                                                                                tiny_home):
    """The dry run reads the store: it runs on the window's query workers ("Counting..." meanwhile), and an answer
    for labels the user has edited since is dropped (ARCHITECTURE.md, Threading)."""
    import threading

    from photo_tagger.services.label_report import LabelReportService

    calls, answered, release = [], [], threading.Event()

    def preview(reports, labels, name):
        calls.append((threading.current_thread(), labels.label(name).threshold))
        if len(calls) == 1:
            release.wait(10)  # the first count is slow: the user edits meanwhile
        answered.append(name)
        return f"{name!r}: counted at {labels.label(name).threshold}"

    monkeypatch.setattr(LabelReportService, "edit_preview", preview)
    window = open_window(tiny_home)
    dialog = open_labels(qtbot, window)
    table = dialog.label_table
    row = row_of(table, "dog")
    table.setCurrentCell(row, 0)
    table.item(row, 2).setText("0.7")
    dialog.preview_button.click()
    assert dialog.preview_text.text() == "Counting..."  # the GUI did not wait for it
    qtbot.waitUntil(lambda: len(calls) == 1)
    table.item(row, 2).setText("0.9")  # an edit while counting: that answer no longer fits
    release.set()
    qtbot.waitUntil(lambda: bool(answered), timeout=5_000)
    qtbot.wait(200)  # its delivery to the GUI thread
    assert "counted" not in dialog.preview_text.text()
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview_text.text() == "'dog': counted at 0.9", timeout=5_000)
    assert [t for t, _ in calls] and all(t is not threading.main_thread() for t, _ in calls)
    assert [threshold for _, threshold in calls] == [0.7, 0.9]
    dialog.reject()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is None)
