"""Stacks in the grid (issue 24 §4): bursts fold into one tile showing its count and why its top is the best shot;
a click on the badge opens and folds it; another photo made the top is kept; stacking turns off from the View
menu. Photos are measured on the writer, never on the GUI thread."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from photo_tagger.gui.models.photo_grid import ItemRole, StackRole
from photo_tagger.gui.views.photo_delegate import _STACK
from tests.burst_photos import make_bursts
from tests.gui.conftest import wait_idle

FOLDED = 3 + 3  # three bursts (7, 3 and 4 frames), three lone photos


def _row_of(window, path) -> int:
    return next(r for r, item in enumerate(window.grid_model.items) if item.path == str(path))


def _stacked_window(qtbot, open_window, home, folder):
    window = open_window(home, stacks=True)
    window.app.update_settings(ocr="off")  # busy generated scenes look like text to the gate: not what is tested
    window.resize(1300, 800)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == FOLDED and all(
        not s.reason.startswith("first of") for s in window.grid_model.stacks), timeout=30_000)
    wait_idle(qtbot, window)
    return window


def test_bursts_fold_into_a_tile_with_count_and_reason_and_open_with_one_click(qtbot, qtmodeltester, open_window,
                                                                              tiny_home, tmp_path):
    made = make_bursts(tmp_path / "photos")
    window = _stacked_window(qtbot, open_window, tiny_home, made.folder)
    model, grid = window.grid_model, window.grid
    qtmodeltester.check(model)
    assert window.header.text() == "17 photos, most recent first \u00b7 3 stacks of 14 photos"
    tops = {tile.top for tile in model.stacks}
    assert {model.items[r].path for r in range(model.rowCount()) if model.items[r].id in tops} == \
        {str(p) for p in made.best}
    row = _row_of(window, made.best[0])
    tile, is_top, expanded = model.index(row, 0).data(StackRole)
    assert (tile.count, tile.reason, is_top, expanded) == (7, "sharpest of 7", True, False)
    assert "stack of 7, on top: sharpest of 7" in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)

    # The tile is drawn with its badge: the badge's colour where the view says it is (on the thumbnail).
    index = model.index(row, 0)
    qtbot.waitUntil(lambda: (str(made.best[0]), index.data(ItemRole).mtime_ns) in window.thumbnails._pixmaps)
    grid.scrollTo(index)
    badge = grid.delegate.badge_rect(grid.visualRect(index), 7, grid.fontMetrics(),
                                     index.data(Qt.ItemDataRole.DecorationRole))
    picture = grid.viewport().grab().toImage()
    assert QColor(picture.pixel(badge.center().x() - badge.width() // 3, badge.center().y())) == _STACK

    # One click on the badge opens the stack (its six other frames after it), a second folds it.
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=badge.center())
    assert model.rowCount() == FOLDED + 6
    assert [model.items[r].path for r in range(row + 1, row + 7)] == [str(p) for p in made.bursts[0]
                                                                       if p != made.best[0]]
    assert model.index(row + 1, 0).data(StackRole)[1:] == (False, True)
    qtmodeltester.check(model)
    index = model.index(row, 0)
    badge = grid.delegate.badge_rect(grid.visualRect(index), 7, grid.fontMetrics(),
                                     index.data(Qt.ItemDataRole.DecorationRole))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=badge.center())
    assert model.rowCount() == FOLDED
    # A click on the photo itself selects it, as before; S opens and folds its stack from the keyboard.
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualRect(model.index(row, 0)).center())
    assert model.rowCount() == FOLDED and grid.currentIndex().row() == row
    qtbot.keyClick(grid, Qt.Key.Key_S)
    assert model.rowCount() == FOLDED + 6 and grid.currentIndex().row() == row
    grid.setCurrentIndex(model.index(row + 3, 0))  # from one of its other photos too
    qtbot.keyClick(grid, Qt.Key.Key_S)
    assert model.rowCount() == FOLDED and grid.currentIndex().row() == row


def test_another_top_is_kept_and_stacking_turns_off(qtbot, open_window, tiny_home, tmp_path):
    made = make_bursts(tmp_path / "photos")
    window = _stacked_window(qtbot, open_window, tiny_home, made.folder)
    model = window.grid_model
    model.toggle_stack(model.stack_of(model.items[_row_of(window, made.best[1])].id).top)
    blurred = made.bursts[1][1]
    item = model.index(_row_of(window, blurred), 0).data(ItemRole)
    window.stacks.make_top(item)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: any(t.top == item.id and t.reason == "your pick" for t in model.stacks))
    assert model.is_expanded(item.id)  # still open, with the new top first
    row = _row_of(window, blurred)
    assert model.index(row, 0).data(StackRole)[1] is True
    assert all(p.exists() for p in made.bursts[1])  # nothing moved or deleted

    # Kept across a restart of the window; photos without measures (indexed before they existed) are measured in
    # the background, and their stacks topped again.
    window.runner.shutdown()
    catalog = next(tiny_home.rglob("catalog.sqlite3"))
    with sqlite3.connect(catalog) as db:
        db.execute("DELETE FROM photo_quality")
    again = _stacked_window(qtbot, open_window, tiny_home, made.folder)
    assert any(t.top == item.id and t.reason == "your pick" for t in again.grid_model.stacks)
    assert {t.reason for t in again.grid_model.stacks} == {"your pick", "sharpest of 7", "sharpest of 4"}
    with sqlite3.connect(catalog) as db:
        assert db.execute("SELECT count(*) FROM photo_quality").fetchone()[0] == 14

    again.stacks.action.setChecked(False)  # View > Stack bursts and similar shots
    wait_idle(qtbot, again)
    qtbot.waitUntil(lambda: again.grid_model.rowCount() == 17)
    assert again.grid_model.stacks == []
    assert again.settings.value("view/stack_photos", type=bool) is False
