"""Help > Keyboard shortcuts: read from the window's own actions and shortcuts, so the list cannot drift."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid


def _keys(sequences) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences if not s.isEmpty())


def _menu_path(action: QAction) -> str:
    """"Library > Add folder..." for an action in a menu; its text alone otherwise."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    names, menu = [], _menu_of(action)
    while menu is not None:
        if menu.title():  # not the menu bar's untitled overflow menu (a narrow window)
            names.insert(0, menu.title().replace("&", ""))
        menu = _menu_of(menu.menuAction())
    return " > ".join(names + [text])


def _menu_of(action: QAction) -> QMenu | None:
    return next((o for o in action.associatedObjects() if isinstance(o, QMenu)), None)


def window_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) of every QAction and QShortcut under `window` that has keys, in the order they were made."""
    rows = []
    for action in window.findChildren(QAction):
        if not isValid(action):  # a context menu's action, deleted since (its wrapper lingers)
            continue
        keys = _keys(action.shortcuts())
        if keys and action.text():
            rows.append((_menu_path(action), keys))
    for shortcut in window.findChildren(QShortcut):
        keys = _keys(shortcut.keys())
        if keys and shortcut.isEnabled():
            parent = shortcut.parent()
            where = parent.accessibleName() or parent.objectName() or type(parent).__name__
            rows.append((shortcut.whatsThis() or f"{where} (its own shortcut)", keys))
    return rows


class ShortcutsDialog(QDialog):
    """A two-column table: what, and its keys."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(460, 360)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (what, keys) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(what))
            self.table.setItem(row, 1, QTableWidgetItem(keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]
