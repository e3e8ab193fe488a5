"""The Settings dialog: device, image-encoder precision, blurring flagged photos."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from photo_tagger.config import Settings

DEVICES = (("Auto", "auto"), ("CPU", "cpu"), ("GPU", "gpu"))
PRECISIONS = (("fp32 (full precision)", "fp32"), ("int8 (faster on CPU, slightly less exact)", "int8"))


class SettingsDialog(QDialog):
    """Shows `settings`; `changes()` is what to pass to App.update_settings; `blur_flagged()` is the view option."""

    def __init__(self, settings: Settings, precisions: tuple[str, ...], blur_flagged: bool,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.device = QComboBox(self)
        for text, value in DEVICES:
            self.device.addItem(text, value)
        self.device.setCurrentIndex(self.device.findData(settings.device))
        self.device.setToolTip("Auto uses a GPU when onnxruntime has one, else the CPU")
        self.precision = QComboBox(self)
        for text, value in PRECISIONS:
            self.precision.addItem(text, value)
            if value not in precisions:
                item = self.precision.model().item(self.precision.count() - 1)
                item.setEnabled(False)
                item.setToolTip("The model in use has no int8 image encoder (reinstall it with --int8)")
        index = self.precision.findData(settings.precision)
        self.precision.setCurrentIndex(index if settings.precision in precisions else self.precision.findData("fp32"))
        self.blur = QCheckBox("Blur flagged photos", self)
        self.blur.setChecked(blur_flagged)
        note = QLabel("Device and precision apply the next time Photo Tagger starts: the encoders are created once "
                      "per session.", self)
        note.setWordWrap(True)
        self.note = note
        form = QFormLayout()
        form.addRow("Device", self.device)
        form.addRow("Model precision", self.precision)
        form.addRow("", self.blur)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   Qt.Orientation.Horizontal, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def precision_enabled(self, precision: str) -> bool:
        return self.precision.model().item(self.precision.findData(precision)).isEnabled()

    def changes(self) -> dict:
        """The settings.toml fields that differ from the ones shown."""
        chosen = {"device": self.device.currentData(), "precision": self.precision.currentData()}
        return {key: value for key, value in chosen.items() if getattr(self.settings, key) != value}

    def blur_flagged(self) -> bool:
        return self.blur.isChecked()
