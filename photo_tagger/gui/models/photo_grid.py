"""The photo grid's item model: a flat list filled in batches, thumbnails asked for only when shown."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from photo_tagger.core.grading import STRONG, WEAK
from photo_tagger.gui.models.photo_mime import PHOTO_IDS_MIME, photo_ids_mime
from photo_tagger.services.browsing import GridItem

ItemRole = Qt.ItemDataRole.UserRole + 1  # the GridItem
PathRole = Qt.ItemDataRole.UserRole + 2
ScoreRole = Qt.ItemDataRole.UserRole + 3
MatchRole = Qt.ItemDataRole.UserRole + 4  # a search hit's grade, "strong" or "weak" (core/grading.py); None else
StackRole = Qt.ItemDataRole.UserRole + 5  # (StackTile, is its top, is expanded) for a photo in a stack; None else


@dataclass(frozen=True)
class StackTile:
    """A stack as the grid shows it: its top photo's id, every member's id (capture order) and why the top."""

    top: str
    ids: tuple[str, ...]
    reason: str

    @property
    def count(self) -> int:
        return len(self.ids)

_FLAGGED = QColor("#b02020")
_SKIPPED = QColor("#808080")


class PhotoGridModel(QAbstractListModel):
    """Rows of GridItem; `thumbnails` (a ThumbnailProvider) supplies the decoration, or None for none."""

    def __init__(self, thumbnails=None, parent=None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._items: list[GridItem] = []  # the rows shown: the listing less the members of collapsed stacks
        self._matches: list[str | None] = []  # one per row: a search hit's grade
        self._listing: list[tuple[GridItem, str | None]] = []  # every photo listed, with its grade
        self._stacks: dict[str, StackTile] = {}  # by top id
        self._stack_of: dict[str, str] = {}  # member id -> its stack's top id
        self._expanded: set[str] = set()  # tops of the stacks shown open
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
        self._listing = []
        self._stacks, self._stack_of = {}, {}
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
        self._listing.extend((item, match) for item in batch)
        self.endInsertRows()

    # -- stacks (services/stacks.py): one tile per stack, its members shown after it while expanded
    def set_stacks(self, stacks: list[StackTile]) -> None:
        """Fold these stacks of the listed photos into their tops (kept open where they were open)."""
        self.beginResetModel()
        self._stacks = {s.top: s for s in stacks}
        self._stack_of = {i: s.top for s in stacks for i in s.ids}
        self._expanded = {self._stack_of[t] for t in self._expanded if t in self._stack_of}  # followed to a new top
        shown: list[tuple[GridItem, str | None]] = []
        by_id = {item.id: (item, match) for item, match in self._listing}
        placed: set[str] = set()
        for item, match in self._listing:
            top = self._stack_of.get(item.id)
            if top is None:
                shown.append((item, match))
            elif top not in placed:  # where its first listed member was
                placed.add(top)
                shown.extend(by_id[i] for i in self._open_ids(top) if i in by_id)
        self._items = [item for item, _ in shown]
        self._matches = [match for _, match in shown]
        self._first_weak = None  # stacks fold a library listing, never a graded search
        self._reindex()
        self.endResetModel()

    def stack_of(self, photo_id: str) -> StackTile | None:
        top = self._stack_of.get(photo_id)
        return self._stacks.get(top) if top is not None else None

    def is_expanded(self, top: str) -> bool:
        return top in self._expanded

    @property
    def listed_ids(self) -> list[str]:
        """Every photo of the listing, folded stack members included."""
        return [item.id for item, _ in self._listing if item.status == "indexed"]

    @property
    def stacks(self) -> list[StackTile]:
        return list(self._stacks.values())

    def toggle_stack(self, photo_id: str) -> None:
        """Open the stack of this photo (its members follow its top), or close it (only its top stays)."""
        tile = self.stack_of(photo_id)
        if tile is None:
            return
        row = next((r for r, i in enumerate(self._items) if i.id == tile.top), None)
        if row is None:
            return
        by_id = {item.id: (item, match) for item, match in self._listing}
        members = [by_id[i] for i in tile.ids if i != tile.top and i in by_id]
        if not members:
            return
        if tile.top in self._expanded:
            self.beginRemoveRows(QModelIndex(), row + 1, row + len(members))
            del self._items[row + 1:row + 1 + len(members)]
            del self._matches[row + 1:row + 1 + len(members)]
            self._expanded.discard(tile.top)
            self._reindex()
            self.endRemoveRows()
        else:
            self.beginInsertRows(QModelIndex(), row + 1, row + len(members))
            self._items[row + 1:row + 1] = [item for item, _ in members]
            self._matches[row + 1:row + 1] = [match for _, match in members]
            self._expanded.add(tile.top)
            self._reindex()
            self.endInsertRows()
        self._changed([row], [StackRole])

    def _open_ids(self, top: str) -> list[str]:
        """The ids a stack shows: its top, then the others in capture order while it is open."""
        tile = self._stacks[top]
        return [top] + ([i for i in tile.ids if i != top] if top in self._expanded else [])

    def _reindex(self) -> None:
        self._rows = {}
        for row, item in enumerate(self._items):
            self._rows.setdefault((item.path, item.mtime_ns), []).append(row)

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
        self._listing = [(replace(item, tags=tuple(tags), flags=tuple(flags)) if item.id == photo_id else item, m)
                         for item, m in self._listing]
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
            tile = self.stack_of(item.id)
            extra = "" if tile is None else "\n" + stack_tooltip(tile, item.id == tile.top, tile.top in self._expanded)
            return _tooltip(item, self._matches[index.row()]) + extra
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
        if role == StackRole:
            tile = self.stack_of(item.id)
            return None if tile is None else (tile, item.id == tile.top, tile.top in self._expanded)
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


def stack_tooltip(tile: StackTile, is_top: bool, expanded: bool) -> str:
    if not is_top:
        return f"in a stack of {tile.count}"
    action = "fold it" if expanded else "show all"
    return f"stack of {tile.count}, on top: {tile.reason} (click the badge to {action})"
