"""The search field (debounced as the user types, immediate on Enter, with a clear button; its tooltip explains the
query language) and the date filter beside it."""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from photo_tagger.core.query import HELP as QUERY_HELP
from photo_tagger.gui.widgets.date_filter import DateFilter


def tooltip() -> str:
    """The search language (core/query.py), as rich text: a table of examples, then how hits are ranked."""
    rows, notes = [], []
    examples, _, rest = QUERY_HELP.partition("\n\n")
    for line in examples.splitlines():
        example, _, meaning = line.strip().partition("  ")
        rows.append(f"<tr><td><code>{html.escape(example)}</code></td><td>{html.escape(meaning.strip())}</td></tr>")
    notes.append(html.escape(rest.strip()))
    notes.append("Finds photos by what they show, by the text in them, by tag and by file name. Photos whose text "
                 "holds every word come first, then strong matches, then the closest weaker ones.")
    return ("<b>Search</b><table cellspacing=4>" + "".join(rows) + "</table>" +
            "".join(f"<p>{n}</p>" for n in notes))


class SearchBar(QWidget):
    """Emits query_changed with the cleaned-up text once typing pauses (or on Enter)."""

    query_changed = Signal(str)

    def __init__(self, debounce_ms: int = 300, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Describe a photo: \"kids on a beach at sunset\"")
        self.edit.setToolTip(tooltip())
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
