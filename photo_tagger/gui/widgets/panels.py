"""Full-window states: no model yet (with an install button) and no folder yet (an inviting empty state)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


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
        self.column = inner  # panels add rows to it
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
    """Shown while no usable CLIP model is installed: install one from the hub (by id) or from a folder."""

    install_requested = Signal()  # from a local folder (the window asks which)
    hub_install_requested = Signal(str)  # a Hugging Face model id

    def __init__(self, default_hub_id: str = "openai/clip-vit-base-patch32", parent: QWidget | None = None):
        super().__init__("Photo Tagger needs a CLIP model", parent)
        self.hub_id = QLineEdit(default_hub_id, self)
        self.hub_id.setPlaceholderText(default_hub_id)
        self.hub_id.setToolTip("A Hugging Face model id of a CLIP checkpoint")
        self.hub_id.setMinimumHeight(36)
        self.hub_id.returnPressed.connect(self._hub_requested)
        self.hub_button = QPushButton("Download and install", self)
        self.hub_button.setMinimumHeight(36)
        self.hub_button.setDefault(True)
        self.hub_button.clicked.connect(self._hub_requested)
        hub_row = QHBoxLayout()
        hub_row.setSpacing(8)
        hub_row.addWidget(self.hub_id, 1)
        hub_row.addWidget(self.hub_button)
        self.column.insertLayout(self.column.indexOf(self.text) + 1, hub_row)
        self.button.setText("Install from a folder...")
        self.button.clicked.connect(self.install_requested)
        self.set_problem("")

    def _hub_requested(self) -> None:
        hub_id = self.hub_id.text().strip() or self.hub_id.placeholderText()
        if self.hub_button.isEnabled():
            self.hub_install_requested.emit(hub_id)

    def set_problem(self, problem: str) -> None:
        self.text.setText(
            "Photo Tagger recognizes what is in your photos with OpenAI's CLIP, running on this computer: "
            "nothing leaves it. Install a model once: download a ready ONNX model from the Hugging Face hub "
            "(the one below is OpenAI's ViT-B/32, about 600 MB), or install one from a folder: a ready model "
            "downloaded on another computer (huggingface.co/immich-app/ViT-B-32__openai), a model folder Photo "
            "Tagger made there (models/<name>), or a transformers CLIP checkpoint (exporting that needs "
            "torch: Photo Tagger's export extra).")
        self.note.setText(problem)
        self.note.setStyleSheet("color: #a03030")
        self.note.setVisible(bool(problem))

    def set_download_failed(self, hub_id: str, reason: str) -> None:
        """The hub could not be reached: say what to do in this window (the folder button), not in a terminal."""
        button = self.button.text().rstrip(".")
        self.set_problem(f"The model could not be installed: cannot download {hub_id} from the Hugging Face hub "
                         f"({reason}). Without network, download the model folder on another computer (or copy "
                         f"one Photo Tagger made there), bring it here and click \u201c{button}...\u201d.")

    def set_busy(self, text: str | None) -> None:
        for widget in (self.button, self.hub_button, self.hub_id):
            widget.setEnabled(text is None)
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
