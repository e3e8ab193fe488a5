"""Why the photo grid is empty, in the middle of the grid itself (a header line or a tooltip is easily missed)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel


class EmptyNote(QLabel):
    """A label over the view's viewport, shown only while a reason is set and the model has no rows."""

    def __init__(self, view: QAbstractItemView):
        super().__init__(view.viewport())
        self.view = view
        self.setObjectName("emptyNote")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet("font-size: 11pt; padding: 24px")
        model = view.model()
        model.rowsInserted.connect(self._update)
        model.modelReset.connect(self.clear)  # a new listing: its own reason (if any) comes when it is done
        view.viewport().installEventFilter(self)
        self.hide()

    def set_reason(self, text: str) -> None:
        """Say why the grid is empty ("" for nothing to say, e.g. while loading)."""
        self.setText(text)
        self._update()

    def clear(self) -> None:
        self.set_reason("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        self.setGeometry(self.view.viewport().rect())

    def _update(self, *args) -> None:
        shown = bool(self.text()) and self.view.model().rowCount() == 0
        if shown:
            self._place()
            self.raise_()
        self.setVisible(shown)
