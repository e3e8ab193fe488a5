"""Starts the desktop app: one QApplication, the main window, and an orderly shutdown."""

from __future__ import annotations

import logging
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photo_tagger.app import App

log = logging.getLogger(__name__)


def launch(app: App) -> int:
    """Run the GUI over `app` (an App) until the window closes; the app is closed on the way out."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from photo_tagger.gui.crash import install_excepthook
    from photo_tagger.gui.main_window import MainWindow

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    qt_app.setApplicationName("Photo Tagger")
    qt_app.setOrganizationName("photo-tagger")
    qt_app.setWindowIcon(app_icon())
    qt_app.setDesktopFileName("photo-tagger")  # Wayland app id = the .desktop entry (taskbar icon, grouping)
    window = MainWindow(app)
    # The window's own gui.ini under the app's home: QSettings() would write to the platform's store
    # (~/.config/photo-tagger/...) whatever --home says.
    settings = window.settings
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


def app_icon():
    """The icon at every packaged size (PNGs: the packaged app needs no QtSvg)."""
    from importlib import resources

    from PySide6.QtGui import QIcon, QPixmap

    assets = resources.files("photo_tagger").joinpath("gui", "assets")
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256, 512):
        pixmap = QPixmap()
        pixmap.loadFromData(assets.joinpath(f"icon-{size}.png").read_bytes(), "PNG")
        icon.addPixmap(pixmap)
    return icon
