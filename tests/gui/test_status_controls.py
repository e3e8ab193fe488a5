"""The status bar: skipped files with their reasons in a copyable dialog; Pause/Resume of the running job."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.photos import make_photos

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_skipped_files_count_opens_a_dialog_listing_each_with_its_reason(qtbot, open_window, tiny_home,
                                                                        photo_folder):
    empty = photo_folder / "empty.jpg"
    empty.write_bytes(b"")
    text = photo_folder / "notes.jpg"
    text.write_text("this is not a photo\n")
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    assert not window.status.skipped.isVisible()

    window.folders.add(str(photo_folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.status.skipped.text() == "2 skipped", timeout=10_000)
    assert window.status.skipped.isVisible()

    qtbot.mouseClick(window.status.skipped, Qt.MouseButton.LeftButton)
    dialog = window.status.skipped_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dict(dialog.rows())
    assert set(rows) == {str(empty), str(text)}
    assert all(reason for reason in rows.values())
    assert dialog.table.editTriggers() == dialog.table.EditTrigger.NoEditTriggers
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert str(empty) in copied and str(text) in copied and rows[str(empty)] in copied
    dialog.close()

    # Refreshed after an index run: the broken files gone, the count goes with them.
    empty.unlink()
    text.unlink()
    window.folders.rescan(str(photo_folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: not window.status.skipped.isVisible(), timeout=10_000)
    assert window.status.skipped_rows == []


def test_pause_stops_progress_and_resume_continues(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "many"
    make_photos(folder, 300)
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    status = window.status

    job = window.folders.add(str(folder))
    qtbot.waitUntil(lambda: status.pause.isVisible() and job.done > 0, timeout=15_000)
    parked, moved_on = threading.Event(), threading.Event()  # the job at a checkpoint while paused; past it
    checkpoint = job.control.checkpoint

    def noted_checkpoint():
        paused = job.control.paused
        if paused:
            parked.set()
        checkpoint()
        if paused:
            moved_on.set()

    job.control.checkpoint = noted_checkpoint
    assert status.pause.text() == "Pause"
    qtbot.mouseClick(status.pause, Qt.MouseButton.LeftButton)
    assert job.control.paused
    assert status.pause.text() == "Resume"
    qtbot.waitUntil(parked.is_set, timeout=10_000)  # the batch under way reached its checkpoint
    QApplication.processEvents()  # progress the job sent before it
    done = job.done
    QApplication.processEvents()
    assert not moved_on.is_set() and job.done == done < job.total, "progress advanced while paused"
    assert window.runner.busy
    assert "paused" in status.message.text()

    qtbot.mouseClick(status.pause, Qt.MouseButton.LeftButton)
    assert not job.control.paused
    assert status.pause.text() == "Pause"
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    assert job.done == job.total == 300
    assert not status.pause.isVisible()
