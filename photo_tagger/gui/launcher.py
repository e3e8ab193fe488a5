"""The desktop's programs and places: opening a file or folder with its own programs (saying so, with the path,
when there are none), and the user's standard folders for file dialogs to start in."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from PySide6.QtCore import QDir, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)


def standard_folder(location: QStandardPaths.StandardLocation) -> str:
    """The user's Pictures, Downloads... folder, or their home where it does not exist; never the directory the
    app was started from (a file dialog's default)."""
    folder = QStandardPaths.writableLocation(location)
    return folder if folder and os.path.isdir(folder) else QDir.homePath()


class UnopenedDialog(QDialog):
    """Non-modal: the path in a selectable field with a Copy button, so the user can open it by hand."""

    def __init__(self, path: str, what: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Photo Tagger")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message = QLabel(f"<b>Could not open the {what}.</b><br>No program to open it was found on this "
                              f"desktop. Open it yourself; its path is:", self)
        self.message.setWordWrap(True)
        self.path = QLineEdit(path, self)
        self.path.setReadOnly(True)
        self.path.setMinimumWidth(min(640, max(320, self.path.fontMetrics().horizontalAdvance(path) + 24)))
        self.path.selectAll()
        self.copy = QPushButton("Copy", self)
        self.copy.clicked.connect(self._copy)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.path.text())
        self.copy.setText("Copied")


def open_externally(parent: QWidget | None, path: str, what: str,
                    opener: Callable[[QUrl], bool] | None = None) -> bool:
    """Open `path` with the desktop's default program; when that fails (Qt returns False, e.g. no launcher on a
    bare X session), show the path in a non-modal dialog and return False. `what` names it: "photo", "folder"."""
    opener = opener or QDesktopServices.openUrl
    if opener(QUrl.fromLocalFile(path)):
        return True
    log.info("no program opened the %s %s", what, path)
    dialog = UnopenedDialog(path, what, parent)
    dialog.show()  # not exec(): nothing waits on it, and the window stays usable
    return False
