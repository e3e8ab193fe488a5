"""Renaming a label in the Labels editor: its tags and the user's choices keep the new name, then a retag."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def row_of(table, name):
    return next(row for row in range(table.rowCount()) if table.item(row, 0).text() == name)


def indexed_window(qtbot, open_window, home, folder):
    window = open_window(home)
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    return window


def choose(qtbot, window, photo_id, add=(), remove=()):
    """The user's own tag edits, on the writer like the details panel makes them."""
    with qtbot.waitSignal(window.runner.job_finished, timeout=10_000):
        window.runner.write("edit", lambda p, c: window.app.tag_edit_service.edit_tags(photo_id, add, remove))


def open_labels(qtbot, window):
    window.labels_action.trigger()
    qtbot.waitUntil(lambda: window.editors.labels_dialog is not None and window.editors.labels_dialog.isVisible())
    return window.editors.labels_dialog


def rename(qtbot, dialog, old, new):
    table = dialog.label_table
    table.setCurrentCell(row_of(table, old), 2)
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    assert table.currentColumn() == 0 and table.state() == table.State.EditingState
    table.item(table.currentRow(), 0).setText(new)


def save(qtbot, window, dialog):
    with qtbot.waitSignal(window.runner.job_finished, timeout=20_000) as finished:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    job, (report, others) = finished.args  # the retag, and what it did to the other labels
    assert job.description.startswith("Retagging") and report.photos == 6


def test_a_renamed_label_keeps_the_users_added_and_removed_tags(qtbot, open_window, tiny_home, photo_folder):
    window = indexed_window(qtbot, open_window, tiny_home, photo_folder)
    app = window.app
    first, second = sorted(r.id for r in app.catalog.records())[:2]
    choose(qtbot, window, first, add=["cat"])
    choose(qtbot, window, second, remove=["dog"])

    dialog = open_labels(qtbot, window)
    rename(qtbot, dialog, "cat", "kitty")
    rename(qtbot, dialog, "dog", "doggo")
    assert dialog.renames() == {"cat": "kitty", "dog": "doggo"}
    save(qtbot, window, dialog)

    choices = app.catalog.choices([first, second])
    assert choices[first].added == {"kitty"} and choices[second].removed == {"doggo"}
    names = {entry["name"] for entry in tomllib.loads(app.labels_file.path.read_text())["label"]}
    assert {"kitty", "doggo"} <= names and not {"cat", "dog"} & names
    counts = app.catalog.tag_counts()
    assert counts.get("kitty", 0) >= 1 and "cat" not in counts and "dog" not in counts
    qtbot.waitUntil(lambda: any(e.name == "kitty" for e in window.sidebar.tags.entries), timeout=10_000)
    assert not any(e.name == "cat" for e in window.sidebar.tags.entries)


def test_two_labels_trading_names_trade_the_users_choices(qtbot, open_window, tiny_home, photo_folder):
    window = indexed_window(qtbot, open_window, tiny_home, photo_folder)
    app = window.app
    first, second = sorted(r.id for r in app.catalog.records())[:2]
    choose(qtbot, window, first, add=["cat"])
    choose(qtbot, window, second, add=["dog"])

    dialog = open_labels(qtbot, window)
    rename(qtbot, dialog, "cat", "tmp")
    rename(qtbot, dialog, "dog", "cat")
    rename(qtbot, dialog, "tmp", "dog")
    assert dialog.renames() == {"cat": "dog", "dog": "cat"}
    save(qtbot, window, dialog)

    choices = app.catalog.choices([first, second])
    assert choices[first].added == {"dog"} and choices[second].added == {"cat"}


def test_a_new_label_and_an_unchanged_name_are_no_renames(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    dialog = open_labels(qtbot, window)
    dialog.add_label("sunflower")
    rename(qtbot, dialog, "cat", "cat ")  # spaces around a name are not a new name
    assert dialog.renames() == {}
    dialog.reject()
