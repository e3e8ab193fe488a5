"""The uncaught-exception dialog: a copyable report instead of a silent failure."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


def crash_report(exc_type, exc, tb) -> str:
    from PySide6 import __version__ as pyside_version

    from photo_tagger import __version__

    lines = [f"Photo Tagger {__version__}", f"Python {platform.python_version()} on {platform.platform()}",
             f"PySide6 {pyside_version}", ""]
    return "\n".join(lines) + "".join(traceback.format_exception(exc_type, exc, tb))


class CrashDialog(QDialog):
    def __init__(self, report: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Photo Tagger: something went wrong")
        self.resize(640, 420)
        intro = QLabel("Photo Tagger hit an unexpected error. Your photos and library are safe; the app keeps "
                       "running, but the last action may not have finished. Please include this report when "
                       "you tell us about it.", self)
        intro.setWordWrap(True)
        self.report = QPlainTextEdit(report, self)
        self.report.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy = buttons.addButton("Copy report", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.report.toPlainText()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)


def install_excepthook(parent: Callable[[], QWidget | None]) -> Callable:
    """Show uncaught exceptions (Qt slots included) in a CrashDialog; returns the hook it replaced."""
    previous = sys.excepthook
    dialogs: list[CrashDialog] = []

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
        try:
            dialog = CrashDialog(crash_report(exc_type, exc, tb), parent())
            dialogs[:] = [d for d in dialogs if d.isVisible()] + [dialog]  # keep them alive while shown
            dialog.show()
        except Exception:  # a hook that raises would hide the original error
            log.exception("the crash dialog failed")

    hook.dialogs = dialogs
    sys.excepthook = hook
    return previous
