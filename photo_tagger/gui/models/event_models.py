"""The events timeline's item model: years, their months, and each month's events (name, dates, place, count, a
cover thumbnail), newest first; the undated photos last."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from photo_tagger.core.event_names import FULL_MONTHS, Event

EventRole = Qt.ItemDataRole.UserRole + 1  # the Event of an event row (None on a year or month)


class _Node:
    __slots__ = ("children", "event", "parent", "row", "text")

    def __init__(self, parent: _Node | None, row: int, text: str = "", event: Event | None = None):
        self.parent, self.row, self.text, self.event = parent, row, text, event
        self.children: list[_Node] = []

    def add(self, text: str = "", event: Event | None = None) -> _Node:
        child = _Node(self, len(self.children), text, event)
        self.children.append(child)
        return child


class EventTreeModel(QAbstractItemModel):
    """Replaced as a whole when the events are listed again. `cover(event)` gives an event's thumbnail (a QPixmap,
    or None), from the window's thumbnail provider: `cover_loaded` (path, mtime) repaints the rows that show it."""

    def __init__(self, cover=None, parent=None):
        super().__init__(parent)
        self._root = _Node(None, 0)
        self._events: list[Event] = []
        self._cover = cover
        self._covers: dict[object, tuple[str, int]] = {}  # event id -> (path, mtime_ns) of its cover

    def set_events(self, events: list[Event], covers: dict | None = None) -> None:
        self.beginResetModel()
        self._events = list(events)
        self._covers = dict(covers or {})
        self._root = _Node(None, 0)
        year = month = None
        dated = [e for e in events if not e.undated]
        for event in sorted(dated, key=lambda e: (e.start or "", str(e.id)), reverse=True):
            start = event.start or ""  # every dated event has one
            y, m = int(start[:4]), int(start[5:7])
            if year is None or year.text != str(y):
                year, month = self._root.add(str(y)), None
            if month is None or month.text != f"{FULL_MONTHS[m - 1]} {y}":
                month = year.add(f"{FULL_MONTHS[m - 1]} {y}")
            month.add(event=event)
        for event in events:
            if event.undated:
                self._root.add(event=event)
        self.endResetModel()

    def set_cover(self, cover) -> None:
        self._cover = cover

    @property
    def events(self) -> list[Event]:
        """As listed: in time order, the undated last."""
        return list(self._events)

    def index_of(self, event_id) -> QModelIndex:
        def walk(node: _Node) -> QModelIndex:
            for child in node.children:
                if child.event is not None and child.event.id == event_id:
                    return self.createIndex(child.row, 0, child)
                found = walk(child)
                if found.isValid():
                    return found
            return QModelIndex()

        return walk(self._root)

    def cover_loaded(self, key: tuple[str, int]) -> None:
        for event_id, cover in self._covers.items():
            if cover == key:
                index = self.index_of(event_id)
                if index.isValid():
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # -- QAbstractItemModel
    def _node(self, index: QModelIndex | QPersistentModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int = 0, parent: QModelIndex | QPersistentModelIndex = QModelIndex()):
        node = self._node(parent)
        if column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 1

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalPointer().event is None:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        event = node.event
        if event is None:
            if role == Qt.ItemDataRole.DisplayRole:
                count = _count(node)
                return f"{node.text} ({count})"
            return None
        if role == Qt.ItemDataRole.DisplayRole:  # under its year already: "Lisbon, 3–7 May (42)"
            return f"{event.short_name} ({event.count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(event)
        if role == Qt.ItemDataRole.DecorationRole and self._cover is not None and event.id in self._covers:
            return QIcon(self._cover(*self._covers[event.id]))  # an icon: drawn at the view's icon size
        if role == EventRole:
            return event
        return None


def _count(node: _Node) -> int:
    return sum(c.event.count if c.event is not None else _count(c) for c in node.children)


def _tooltip(event: Event) -> str:
    if event.undated:
        return f"{event.count} photo{'' if event.count == 1 else 's'} without a capture date (or with a broken one)"
    lines = [event.name, event.dates, event.place or "no place (no GPS in these photos)",
             f"{event.count} photo{'' if event.count == 1 else 's'}"]
    if event.labels:
        lines.append("mostly: " + ", ".join(event.labels))
    if event.renamed:
        lines.append(f"named by you (automatic: {event.auto_name})")
    lines.append(f"event {event.label}; right-click to rename or merge")
    return "\n".join(lines)
