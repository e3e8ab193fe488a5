"""Starts the desktop app: one QApplication, the main window, and an orderly shutdown."""

from __future__ import annotations

import logging
import signal
import sys

log = logging.getLogger(__name__)


def launch(app) -> int:
    """Run the GUI over `app` (an App) until the window closes; the app is closed on the way out."""
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from photo_tagger.gui.crash import install_excepthook
    from photo_tagger.gui.main_window import MainWindow

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName("Photo Tagger")
    qt_app.setOrganizationName("photo-tagger")
    window = MainWindow(app)
    settings = QSettings()  # window geometry only; user settings live in TOML
    geometry = settings.value("main_window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    window.show()
    previous_hook = install_excepthook(lambda: window)
    # Ctrl+C and SIGTERM close the window like the user would (jobs cancelled, library released).
    previous = {sig: signal.signal(sig, lambda *_: window.close()) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # Python runs signal handlers only when it gets control
    wake.start(300)
    try:
        return qt_app.exec()
    finally:
        wake.stop()
        sys.excepthook = previous_hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        settings.setValue("main_window/geometry", window.saveGeometry())
        window.runner.shutdown()  # also closes the app (idempotent after the window's closeEvent)
