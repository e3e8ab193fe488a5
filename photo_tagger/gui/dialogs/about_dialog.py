"""Help > About Photo Tagger: version, licence, model, onnxruntime providers, where the library and the log are;
copyable; and the third-party notices."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photo_tagger import __version__
from photo_tagger.services.diagnostics import DiagnosticsService
from photo_tagger.services.notices import APP_LICENCE, COPYRIGHT


@dataclass(frozen=True)
class AboutFacts:
    """What About shows; model, providers and onnxruntime stay empty until a query worker has read them."""

    version: str
    paths: tuple[tuple[str, str], ...]
    model: str = ""
    providers: str = ""
    onnxruntime: str = ""
    python: str = ""

    def text(self) -> str:
        lines = [f"Photo Tagger {self.version}", f"Licence: {APP_LICENCE} ({COPYRIGHT})", ""]
        lines.append(f"Model: {self.model or 'reading...'}")
        lines.append(f"onnxruntime providers: {self.providers or 'reading...'}")
        if self.onnxruntime:
            lines.append(f"onnxruntime {self.onnxruntime}")
        lines.append(f"PySide6 {pyside_version}")
        if self.python:
            lines.append(self.python)
        lines.append("")
        lines.extend(f"{name}: {path}" for name, path in self.paths)
        return "\n".join(lines)


def quick_facts(diagnostics: DiagnosticsService) -> AboutFacts:
    """What is known without touching a file (shown at once)."""
    return AboutFacts(__version__, diagnostics.about_paths())


def runtime_facts(diagnostics: DiagnosticsService) -> AboutFacts:
    """On a query worker: the same facts `photo-tagger doctor` reports (services/diagnostics.py), without ever
    loading a model session."""
    facts = diagnostics.runtime_facts()
    return AboutFacts(__version__, diagnostics.about_paths(), facts.model, facts.providers, facts.onnxruntime,
                      facts.python)


class AboutDialog(QDialog):
    """Selectable text and a Copy button: what a bug report needs; a button for the third-party notices."""

    notices_requested = Signal()

    def __init__(self, facts: AboutFacts, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Photo Tagger")
        self.resize(620, 360)
        title = QLabel("Photo Tagger", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        blurb = QLabel("Tags, searches and moderates your photos by meaning with OpenAI's CLIP, on this computer.",
                       self)
        blurb.setWordWrap(True)
        licence = QLabel(f"Free software under the {APP_LICENCE} licence. {COPYRIGHT}. It runs on third-party "
                         "software and models under their own licences.", self)
        licence.setWordWrap(True)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy these details (for a bug report)")
        self.copy_button.clicked.connect(lambda: QApplication.clipboard().setText(self.text()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.notices_button = QPushButton("Third-party licences...", self)
        self.notices_button.setToolTip("The licences of the software and models Photo Tagger uses, in full")
        self.notices_button.clicked.connect(self.notices_requested)
        buttons.addButton(self.notices_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addWidget(licence)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.set_facts(facts)

    def set_facts(self, facts: AboutFacts) -> None:
        self.details.setPlainText(facts.text())

    def text(self) -> str:
        return self.details.toPlainText()


class NoticesDialog(QDialog):
    """The third-party notices (services/notices.py), read-only and selectable; filled in once a worker has read them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Third-party licences")
        self.resize(760, 560)
        self.text_view = QPlainTextEdit(self)
        self.text_view.setReadOnly(True)
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # licence texts keep their own lines
        self.text_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))  # its tables line up
        self.text_view.setPlainText("Reading the licences...")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text_view, 1)
        layout.addWidget(buttons)

    def set_text(self, text: str) -> None:
        self.text_view.setPlainText(text)
