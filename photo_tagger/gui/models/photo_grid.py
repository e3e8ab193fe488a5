"""The photo grid's item model: a flat list filled in batches, thumbnails asked for only when shown."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from photo_tagger.core.grading import STRONG, WEAK
from photo_tagger.gui.models.photo_mime import PHOTO_IDS_MIME, photo_ids_mime
from photo_tagger.services.browsing import GridItem

ItemRole = Qt.ItemDataRole.UserRole + 1  # the GridItem
PathRole = Qt.ItemDataRole.UserRole + 2
ScoreRole = Qt.ItemDataRole.UserRole + 3
MatchRole = Qt.ItemDataRole.UserRole + 4  # a search hit's grade, "strong" or "weak" (core/grading.py); None else

_FLAGGED = QColor("#b02020")
_SKIPPED = QColor("#808080")


class PhotoGridModel(QAbstractListModel):
    """Rows of GridItem; `thumbnails` (a ThumbnailProvider) supplies the decoration, or None for none."""

    def __init__(self, thumbnails=None, parent=None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._items: list[GridItem] = []
        self._matches: list[str | None] = []  # one per row: a search hit's grade
        self._first_weak: int | None = None
        self._rows: dict[tuple[str, int], list[int]] = {}
        self.blur_flagged = True
        self._revealed: set[str] = set()  # ids of flagged photos the user chose to see
        if thumbnails is not None:
            thumbnails.thumbnail_loaded.connect(self._thumbnail_loaded)

    @property
    def items(self) -> list[GridItem]:
        return list(self._items)

    def clear(self) -> None:
        self.beginResetModel()
        self._items = []
        self._matches = []
        self._first_weak = None
        self._rows = {}
        self.endResetModel()

    def append(self, batch: list[GridItem], match: str | None = None) -> None:
        """One beginInsertRows per batch: the view lays out once, however many photos came. `match`: the
        batch's grade when it holds search hits (strong ones are appended before weak ones)."""
        if not batch:
            return
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
        for offset, item in enumerate(batch):
            self._rows.setdefault((item.path, item.mtime_ns), []).append(first + offset)
        if match == WEAK and self._first_weak is None and self._matches and self._matches[-1] == STRONG:
            self._first_weak = first
        self._items.extend(batch)
        self._matches.extend([match] * len(batch))
        self.endInsertRows()

    @property
    def first_weak_row(self) -> int | None:
        """The row of the first weak hit after at least one strong one: where the grid draws its divider."""
        return self._first_weak

    def is_hidden(self, item: GridItem) -> bool:
        """Shown blurred: flagged, blurring on, and not revealed by the user."""
        return bool(item.flags) and self.blur_flagged and item.id not in self._revealed

    def set_blur_flagged(self, on: bool) -> None:
        if on != self.blur_flagged:
            self.blur_flagged = on
            self._changed(range(len(self._items)), [Qt.ItemDataRole.DecorationRole])

    def reveal(self, photo_id: str) -> None:
        self._revealed.add(photo_id)
        self._changed([r for r, i in enumerate(self._items) if i.id == photo_id], [Qt.ItemDataRole.DecorationRole])

    def is_revealed(self, photo_id: str) -> bool:
        return photo_id in self._revealed

    def update_tags(self, photo_id: str, tags, flags) -> None:
        """A photo's tags changed (an edit): its cells are redrawn where they are, the scroll is kept."""
        rows = [r for r, i in enumerate(self._items) if i.id == photo_id]
        for row in rows:
            self._items[row] = replace(self._items[row], tags=tuple(tags), flags=tuple(flags))
        self._changed(rows, [])

    def _changed(self, rows, roles) -> None:
        rows = list(rows)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0), roles)

    def item(self, row: int) -> GridItem:
        return self._items[row]

    # -- Qt overrides
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items) or index.column() != 0:
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            shown = score_shown(item)
            return f"{item.name}\n{shown}" if shown else item.name
        if role == Qt.ItemDataRole.DecorationRole:
            if self.thumbnails is None:
                return None
            if item.status != "indexed":
                return self.thumbnails.broken
            if self.is_hidden(item):
                return self.thumbnails.blurred_pixmap(item.path, item.mtime_ns)
            return self.thumbnails.pixmap(item.path, item.mtime_ns)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(item, self._matches[index.row()])
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.flags:
                return _FLAGGED
            return _SKIPPED if item.status != "indexed" else None
        if role == ItemRole:
            return item
        if role == PathRole:
            return item.path
        if role == ScoreRole:
            return item.score
        if role == MatchRole:
            return self._matches[index.row()]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if self._items[index.row()].status == "indexed":  # photos drag onto an album in the sidebar
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [PHOTO_IDS_MIME]

    def mimeData(self, indexes) -> QMimeData:
        """The dragged photos' ids (only this app reads them: a drop elsewhere moves no file)."""
        ids = list(dict.fromkeys(self._items[i.row()].id for i in indexes if i.isValid()))
        return photo_ids_mime(ids)

    def _thumbnail_loaded(self, key: tuple[str, int]) -> None:
        for row in self._rows.get(key, ()):
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def score_shown(item: GridItem) -> str:
    """The cosine a tile shows, where it says something: only for a photo found by its meaning (a photo found by
    its text, tag or name says "by text" instead: its cosine may be anything, even below 0) and never below 0
    (a cosine under 0 is no likeness at all); "" else."""
    if item.score is None or item.score <= 0 or (item.reasons and "meaning" not in item.reasons):
        return ""
    return f"{item.score:.3f}"


def _tooltip(item: GridItem, match: str | None = None) -> str:
    lines = [item.path]
    shown = score_shown(item)
    if shown or match:
        lines.append(", ".join(([f"score {shown}"] if shown else []) + ([f"{match} match"] if match else [])))
    if item.reasons:
        lines.append("matched by " + ", ".join(item.reasons))
    if item.status != "indexed":
        lines.append(f"skipped: {item.skip_reason}")
    if item.date is not None:
        lines.append(f"taken {item.date.shown()}")
    if item.tags:
        lines.append("tags: " + ", ".join(item.tags))
    if item.flags:
        lines.append("FLAGGED: " + ", ".join(item.flags))
    return "\n".join(lines)
