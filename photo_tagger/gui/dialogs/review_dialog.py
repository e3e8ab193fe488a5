"""Review one label or moderation category: the photos it would tag (or flag), borderline first; Y / N (or the
buttons) accept or reject the selected photo at once, and the list is re-learned from that choice."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.services import review
from photo_tagger.services.labels import dry_run
from photo_tagger.services.retagging import retag_library

PhotoIdRole = Qt.ItemDataRole.UserRole + 1
ICON = 64  # px; thumbnails are read only for the rows shown first, once each
ICONS_AT_ONCE = 12


class ReviewDialog(QDialog):
    """Over an App: its catalog, vector store, model key and prepared labels. `reviewed` carries the number of
    choices made so far; closing after any choice retags the library (learning reaches every photo)."""

    reviewed = Signal(int)

    def __init__(self, app, parent: QWidget | None = None, target: tuple[str, str] | None = None):
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Review tags and flags")
        self.resize(640, 620)
        self.choices_made = 0
        self._icons: dict[str, QIcon | None] = {}
        labels = app.labels()
        self.targets = [(review.LABEL, l.name) for l in labels.enabled_labels] + \
                       [(review.CATEGORY, c.name) for c in labels.moderation if c.enabled]
        self.picker = QComboBox(self)
        for kind, name in self.targets:
            self.picker.addItem(f"{'Label' if kind == review.LABEL else 'Moderation'}: {name}")
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setStyleSheet("color: #a05a00;")
        self.status.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setIconSize(QSize(ICON, ICON))
        self.yes = QPushButton("Yes, it is (Y)", self)
        self.no = QPushButton("No, it is not (N)", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.yes)
        buttons.addWidget(self.no)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        for widget in (self.picker, self.header, self.list):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.yes.clicked.connect(lambda: self.answer(True))
        self.no.clicked.connect(lambda: self.answer(False))
        for key, value in (("Y", True), ("N", False)):
            QShortcut(QKeySequence(key), self, activated=lambda v=value: self.answer(v))
        self.picker.currentIndexChanged.connect(lambda _: self.refresh())
        if target in self.targets:
            self.picker.setCurrentIndex(self.targets.index(target))
        self.refresh()

    @property
    def target(self) -> tuple[str, str] | None:
        index = self.picker.currentIndex()
        return self.targets[index] if 0 <= index < len(self.targets) else None

    def refresh(self) -> None:
        """Re-learn from the choices so far and list what is left, borderline first."""
        self.list.clear()
        if self.target is None:
            self.header.setText("No enabled label or moderation category to review.")
            return
        kind, name = self.target
        found, records = review.candidates(self.app, kind, name)
        verb = "tags" if kind == review.LABEL else "flags"
        self.header.setText(f"{sum(c.tagged for c in found)} photos {name!r} {verb} now, and "
                            f"{sum(not c.tagged for c in found)} near misses; the most uncertain first. "
                            f"Y: it is {name!r}, N: it is not.")
        for row, candidate in enumerate(found):
            record = records.get(candidate.photo_id)
            path = record.path if record else candidate.photo_id
            state = verb if candidate.tagged else "near miss"
            item = QListWidgetItem(f"{candidate.confidence:.2f}  {candidate.source:7}  {state:9}  "
                                   f"{os.path.basename(path)}\n{os.path.dirname(path)}")
            item.setData(PhotoIdRole, candidate.photo_id)
            if row < ICONS_AT_ONCE and record:
                icon = self._icon(candidate.photo_id, path)
                if icon is not None:
                    item.setIcon(icon)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.yes.setEnabled(bool(found))
        self.no.setEnabled(bool(found))

    def _icon(self, photo_id: str, path: str) -> QIcon | None:
        """A small thumbnail, decoded at reduced size (JPEG draft) once per photo for the dialog's life."""
        if photo_id not in self._icons:
            self._icons[photo_id] = None
            try:
                from PIL import Image, ImageOps

                with Image.open(path) as image:
                    image.draft("RGB", (ICON, ICON))
                    image = ImageOps.exif_transpose(image).convert("RGB")
                    image.thumbnail((ICON, ICON))
                    data = image.tobytes()
                    qimage = QImage(data, image.width, image.height, 3 * image.width, QImage.Format.Format_RGB888)
                    self._icons[photo_id] = QIcon(QPixmap.fromImage(qimage.copy()))
            except OSError:  # unreadable now: the row still shows its name
                pass
        return self._icons[photo_id]

    def answer(self, accept: bool) -> None:
        """Store the choice for the selected photo (one click or key), then re-learn and refresh."""
        item = self.list.currentItem()
        if item is None or self.target is None:
            return
        kind, name = self.target
        try:
            review.decide(self.app, kind, name, item.data(PhotoIdRole), accept)
        except PhotoTaggerError as exc:
            self.status.setText(str(exc))
            self.list.takeItem(self.list.row(item))
            return
        self.status.setText("")
        self.choices_made += 1
        self.reviewed.emit(self.choices_made)
        self.refresh()

    def done(self, result: int) -> None:
        if self.choices_made:  # learning reaches every photo, not only the reviewed ones
            retag_library(self.app)
        super().done(result)


def label_preview(app, labels, name: str) -> str:
    """The labels editor's dry run: what saving `labels` would do to label `name` (services/labels.py)."""
    change = dry_run(app, labels, name)
    return (f"{name!r}: {len(change.gain)} photos would gain it, {len(change.lose)} would lose it "
            f"({change.total} would have it)")
