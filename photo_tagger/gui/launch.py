"""Starts the desktop app (a placeholder window until the GUI lands)."""

from __future__ import annotations


def launch(app) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    qt_app = QApplication.instance() or QApplication([])
    window = QMainWindow()
    window.setWindowTitle("Photo Tagger")
    label = QLabel("Photo Tagger\n\nThe library view is coming. Use `photo-tagger --help` for the command line.")
    label.setMargin(40)
    window.setCentralWidget(label)
    window.resize(640, 400)
    window.show()
    return qt_app.exec()
