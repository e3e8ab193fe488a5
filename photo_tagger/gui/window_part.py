"""The base of the window's helpers (folders, photos, sidecars, editors, model setup)."""

from __future__ import annotations

from PySide6.QtCore import QObject


class WindowPart(QObject):
    """A part of the main window's behaviour: it reaches the services through `app`, off the GUI thread through
    `runner`, and the widgets through `window` (which owns it, so it lives as long as the window)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.app = window.app
        self.runner = window.runner
