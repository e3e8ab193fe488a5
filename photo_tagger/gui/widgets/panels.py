"""Full-window states: no model yet (ready models to download, or a folder) and no folder yet (an empty state)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)


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
        self.column_widget = column
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
    """Shown while no usable model is installed: a short list of ready models (with download sizes, filled in when
    the hub answers) to download and install with progress and Cancel, another hub id, or a folder."""

    install_requested = Signal()  # from a local folder (the window asks which)
    hub_install_requested = Signal(str)  # a Hugging Face model id
    cancel_requested = Signal()
    first_shown = Signal()  # the window asks the hub for the sizes then, once

    INTRO = ("Photo Tagger recognizes what is in your photos with a CLIP model that runs on this computer: your "
             "photos never leave it. Choose one to download, once. Without network, install one from a folder: a "
             "ready model downloaded on another computer, a model folder Photo Tagger made there, or a transformers "
             "CLIP checkpoint (that needs torch).")

    def __init__(self, default_hub_id: str = "", parent: QWidget | None = None, *,
                 title: str = "Photo Tagger needs a model", intro: str = INTRO):
        super().__init__(title, parent)
        self.intro = intro
        self.column_widget.setFixedWidth(640)
        self.choices = QButtonGroup(self)
        self.sizes: dict[str, QLabel] = {}
        self._shown = False
        self._busy_text = ""  # what set_busy said: the note under a download's bar
        self.listing = listing = QVBoxLayout()
        listing.setSpacing(10)
        self.hub_id = QLineEdit(default_hub_id, self)
        self.hub_id.setPlaceholderText(default_hub_id)
        self.hub_id.setToolTip("The Hugging Face id of the model to download: one above, or another ready ONNX model "
                               "in Immich's layout (huggingface.co/immich-app)")
        self.hub_id.setMinimumHeight(30)
        self.hub_id.textEdited.connect(self._id_typed)
        self.hub_id.returnPressed.connect(self._hub_requested)
        other = QHBoxLayout()
        other.addWidget(QLabel("Model id:", self))
        other.addWidget(self.hub_id, 1)
        listing.addLayout(other)
        self.column.insertLayout(self.column.indexOf(self.text) + 1, listing)
        self.hub_button = QPushButton("Download and install", self)
        self.hub_button.setMinimumHeight(36)
        self.hub_button.setDefault(True)
        self.hub_button.clicked.connect(self._hub_requested)
        self.button.setText("Install from a folder...")
        self.button.clicked.connect(self.install_requested)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.column.removeWidget(self.button)
        buttons.addWidget(self.hub_button)
        buttons.addWidget(self.button)
        buttons.addStretch(1)
        self.column.insertLayout(self.column.indexOf(self.note), buttons)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", self)
        for widget in (self.progress, self.cancel_button):  # the page does not jump when they come and go
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        self.cancel_button.setToolTip("Stop the download; nothing is installed, and what was downloaded is kept so "
                                      "that installing it again goes on from there")
        self.cancel_button.clicked.connect(self._cancel_clicked)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.column.insertLayout(self.column.indexOf(self.note), progress_row)
        self.show_progress(None)
        self.set_problem("")

    def set_ready_models(self, ready_models) -> None:
        """The models to offer (services.models.ready_models()), above the id field; the one in it is chosen."""
        for ready in ready_models:
            row = self._model_row(ready, ready.repo_id == self.hub_id.text())
            self.listing.insertLayout(self.listing.count() - 1, row)

    def _model_row(self, ready, checked: bool) -> QGridLayout:
        choice = QRadioButton(ready.title, self)
        choice.setChecked(checked)
        choice.setToolTip(ready.repo_id)
        choice.setProperty("repo_id", ready.repo_id)
        choice.toggled.connect(lambda on, repo_id=ready.repo_id: on and self.hub_id.setText(repo_id))
        self.choices.addButton(choice)
        size = QLabel("size: asking the hub...", self)
        size.setToolTip("What installing it downloads (the hub's own figure)")
        size.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sizes[ready.repo_id] = size
        about = QLabel(f"{html.escape(ready.good_for, quote=False)}. Searches in {html.escape(ready.languages, quote=False)}.<br>Weights: {html.escape(ready.licence, quote=False)} "
                       f"(<a href=\"{ready.model_card}\">model card</a>)", self)
        about.setWordWrap(True)
        about.setTextFormat(Qt.TextFormat.RichText)
        about.setOpenExternalLinks(True)
        about.setStyleSheet("color: palette(placeholder-text)")
        about.setIndent(choice.style().pixelMetric(choice.style().PixelMetric.PM_ExclusiveIndicatorWidth) + 6)
        row = QGridLayout()
        row.setVerticalSpacing(2)
        row.addWidget(choice, 0, 0)
        row.addWidget(size, 0, 1)
        row.addWidget(about, 1, 0, 1, 2)
        row.setColumnStretch(0, 1)
        return row

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.first_shown.emit()

    def mark_installed(self, sources: set[str]) -> None:
        """Models of the list already installed cannot be chosen again; the first one that is not becomes chosen."""
        for choice in self.choices.buttons():
            installed = choice.property("repo_id") in sources
            choice.setEnabled(not installed)
            choice.setText(choice.text().removesuffix(" (installed)") + (" (installed)" if installed else ""))
        if self.choices.checkedButton() is None or not self.choices.checkedButton().isEnabled():
            free = [c for c in self.choices.buttons() if c.isEnabled()]
            if free:
                free[0].setChecked(True)

    def set_size(self, repo_id: str, text: str) -> None:
        if repo_id in self.sizes:
            self.sizes[repo_id].setText(text)

    def _id_typed(self, text: str) -> None:
        """Typing another id clears the choice above; typing one of theirs chooses it."""
        self.choices.setExclusive(False)
        for choice in self.choices.buttons():
            choice.setChecked(choice.property("repo_id") == text.strip())
        self.choices.setExclusive(True)

    def _hub_requested(self) -> None:
        hub_id = self.hub_id.text().strip() or self.hub_id.placeholderText()
        if self.hub_button.isEnabled():
            self.hub_install_requested.emit(hub_id)

    def _cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress.setFormat("Stopping...")
        self.cancel_requested.emit()

    def set_problem(self, problem: str) -> None:
        self.text.setText(self.intro)
        self.note.setText(problem)
        self.note.setStyleSheet("color: #a03030")
        self.note.setVisible(bool(problem))

    def set_note(self, text: str) -> None:
        """A plain message (not a problem): what happened, e.g. a cancelled download."""
        self.note.setText(text)
        self.note.setStyleSheet("")
        self.note.setVisible(bool(text))

    def set_download_failed(self, hub_id: str, reason: str) -> None:
        """The hub could not be reached: say what to do in this window (the folder button), not in a terminal."""
        button = self.button.text().rstrip(".")
        self.set_problem(f"The model could not be installed: cannot download {hub_id} from the Hugging Face hub "
                         f"({reason}). Without network, download the model folder on another computer (or copy "
                         f"one Photo Tagger made there), bring it here and click \u201c{button}...\u201d.")

    def set_busy(self, text: str | None) -> None:
        for widget in (self.button, self.hub_button, self.hub_id):
            widget.setEnabled(text is None)
        for choice in self.choices.buttons():
            choice.setEnabled(text is None and not choice.text().endswith(" (installed)"))
        self._busy_text = text or ""
        if text:
            self.set_note(text)
        if text is None:
            self.show_progress(None)

    def show_progress(self, done: int | None, total: int | None = None, text: str = "",
                      cancellable: bool = False) -> None:
        """done=None hides the bar; total=None (or 0) shows a busy bar; `text` is written on it."""
        visible = done is not None
        self.progress.setVisible(visible)
        self.cancel_button.setVisible(visible)
        if not visible:
            return
        self.cancel_button.setEnabled(cancellable)
        if total:
            # In kB: a QProgressBar holds 32-bit values, and models pass 2 GB.
            self.progress.setRange(0, max(1, total // 1000))
            self.progress.setValue(min(done, total) // 1000)
            self.progress.setFormat(text)
            self.set_note(self._busy_text)
        else:  # a busy bar shows no text in most styles: the step is said below it
            self.progress.setRange(0, 0)
            self.progress.setFormat("")
            self.set_note(text)


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
