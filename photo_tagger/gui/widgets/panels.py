"""Full-window states: no model yet (with an install button) and no folder yet (an inviting empty state)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class _Panel(QWidget):
    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title, self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton(self)
        self.button.setMinimumHeight(36)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #a03030")
        # A fixed-width column: word-wrapped labels need a width to compute their height from.
        column = QWidget(self)
        column.setFixedWidth(560)
        inner = QVBoxLayout(column)
        inner.setSpacing(14)
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        inner.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)


class NoModelPanel(_Panel):
    """Shown while no usable CLIP model is installed."""

    install_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Photo Tagger needs a CLIP model", parent)
        self.button.setText("Install from a folder...")
        self.button.clicked.connect(self.install_requested)
        self.set_problem("")

    def set_problem(self, problem: str) -> None:
        self.text.setText(
            "Photo Tagger recognizes what is in your photos with OpenAI's CLIP, running on this computer: "
            "nothing leaves it. Install a model once, from a folder holding a transformers CLIP checkpoint "
            "(for example a copy of huggingface.co/openai/clip-vit-base-patch32; exporting it to ONNX and "
            "checking it takes a minute or two), or from a model folder Photo Tagger made on another computer "
            "(models/<name> there; imported in seconds).\n\n"
            "From a terminal: photo-tagger model install (downloads it) or photo-tagger model import FOLDER.")
        self.note.setText(problem)
        self.note.setStyleSheet("color: #a03030")
        self.note.setVisible(bool(problem))

    def set_busy(self, text: str | None) -> None:
        self.button.setEnabled(text is None)
        if text:
            self.note.setText(text)
            self.note.setStyleSheet("")
            self.note.setVisible(True)


class EmptyLibraryPanel(_Panel):
    """Shown while no folder is watched."""

    add_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Bring in your photos", parent)
        self.text.setText(
            "Choose a folder of photos. Photo Tagger reads them (it never changes them) and learns what is "
            "in each one. Then just describe what you are looking for.")
        self.button.setText("Add a folder of photos")
        self.button.clicked.connect(self.add_requested)
