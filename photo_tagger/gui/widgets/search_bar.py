"""The search field (debounced as the user types, immediate on Enter, with a clear button) and the date filter
beside it."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from photo_tagger.gui.widgets.date_filter import DateFilter


class SearchBar(QWidget):
    """Emits query_changed with the cleaned-up text once typing pauses (or on Enter)."""

    query_changed = Signal(str)

    def __init__(self, debounce_ms: int = 300, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Describe a photo: \"kids on a beach at sunset\"")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumHeight(30)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        self.dates = DateFilter(self)
        self.dates.setMinimumHeight(30)
        layout.addWidget(self.dates)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._emit)
        self._last: str | None = None
        self.edit.textChanged.connect(lambda _: self._timer.start())
        self.edit.returnPressed.connect(self.submit)

    @property
    def query(self) -> str:
        return " ".join(self.edit.text().split())

    def submit(self) -> None:
        """Search now (Enter); typing's pending debounce is dropped."""
        self._timer.stop()
        self._last = None  # Enter re-runs the same query on purpose (e.g. after indexing)
        self._emit()

    def _emit(self) -> None:
        query = self.query
        if query != self._last:
            self._last = query
            self.query_changed.emit(query)
