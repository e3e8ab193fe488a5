"""The sidebar's Events section: a timeline of years, months and events, with rename and merge in its menu."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView, QVBoxLayout, QWidget

from photo_tagger.core.event_names import Event
from photo_tagger.gui.models.event_models import EventRole, EventTreeModel

COVER_PX = 28


class EventTimeline(QWidget):
    """Emits the user's choices; gui/event_actions.py decides what they do."""

    event_selected = Signal(object)  # an Event
    rename_requested = Signal(object)  # an Event
    merge_requested = Signal(object, object)  # two Events: the first keeps its number and name

    def __init__(self, cover=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = EventTreeModel(cover, self)
        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setAccessibleName("Events")
        self.view.setIconSize(QSize(COVER_PX, COVER_PX))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setIndentation(10)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        # clicked as well as currentChanged: the event shown before a search can be chosen again
        self.view.clicked.connect(self._chosen)
        self.view.selectionModel().currentChanged.connect(lambda current, _: self._chosen(current))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def _chosen(self, index) -> None:
        event = index.data(EventRole) if index.isValid() else None
        if event is not None:
            self.event_selected.emit(event)

    def set_events(self, events: list[Event], covers: dict, selected_id) -> None:
        first = not self.model.events
        expanded = self._expanded()
        self.model.set_events(events, covers)
        if first:  # the newest year and its newest month open; older ones closed, a click away
            year = self.model.index(0, 0)
            self.view.expand(year)
            self.view.expand(self.model.index(0, 0, year))
        else:
            self._expand(expanded)
        self.select(selected_id)

    def _expanded(self) -> set[str]:
        found = set()
        for row in range(self.model.rowCount()):
            year = self.model.index(row, 0)
            if self.view.isExpanded(year):
                found.add(year.data())
            for month_row in range(self.model.rowCount(year)):
                month = self.model.index(month_row, 0, year)
                if self.view.isExpanded(month):
                    found.add(month.data())
        return {text.rsplit(" (", 1)[0] for text in found}

    def _expand(self, texts: set[str]) -> None:
        for row in range(self.model.rowCount()):
            year = self.model.index(row, 0)
            if year.data().rsplit(" (", 1)[0] in texts:
                self.view.expand(year)
            for month_row in range(self.model.rowCount(year)):
                month = self.model.index(month_row, 0, year)
                if month.data().rsplit(" (", 1)[0] in texts:
                    self.view.expand(month)

    def select(self, event_id) -> None:
        """Mark the event shown (None: none) without it counting as a new choice."""
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        index = self.model.index_of(event_id) if event_id is not None else None
        if index is None or not index.isValid():
            selection.clear()
        else:
            self.view.expand(index.parent().parent())
            self.view.expand(index.parent())
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        selection.blockSignals(False)
        self.view.viewport().update()

    def neighbours(self, event: Event) -> tuple[Event | None, Event | None]:
        """The events just before and after this one in time (never the undated photos)."""
        dated = [e for e in self.model.events if not e.undated]
        at = next((i for i, e in enumerate(dated) if e.id == event.id), None)
        if at is None:
            return None, None
        return (dated[at - 1] if at > 0 else None), (dated[at + 1] if at + 1 < len(dated) else None)

    def menu(self, event: Event | None) -> QMenu:
        """The context menu of an event (built apart from showing it, so tests can trigger it)."""
        menu = QMenu(self)
        if event is None or event.undated:
            note = menu.addAction("Photos without a capture date are not an event" if event is not None else
                                  "Right-click an event to rename or merge it")
            note.setEnabled(False)
            return menu
        menu.addAction("Rename event...", lambda: self.rename_requested.emit(event))
        before, after = self.neighbours(event)
        for other, words in ((before, "the event before"), (after, "the event after")):
            action = menu.addAction(f"Merge with {words}" + (f": \u201c{other.name}\u201d" if other else ""))
            if other is None:
                action.setEnabled(False)
            else:  # the earlier event keeps its number and name
                first, second = (other, event) if other is before else (event, other)
                action.triggered.connect(lambda _=False, a=first, b=second: self.merge_requested.emit(a, b))
        return menu

    def _show_menu(self, position: QPoint) -> None:
        menu = self.menu(self.view.indexAt(position).data(EventRole))
        menu.exec(self.view.viewport().mapToGlobal(position))
        menu.deleteLater()
