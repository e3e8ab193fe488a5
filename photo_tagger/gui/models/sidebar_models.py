"""The sidebar's item models: watched folders with photo counts, tags with counts (plus Flagged), albums."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from photo_tagger.core.albums import Album
from photo_tagger.gui.models.photo_mime import PHOTO_IDS_MIME, photo_ids_of
from photo_tagger.services.browsing import FolderRow, folder_name

FolderRole = Qt.ItemDataRole.UserRole + 1  # the folder's path (None for "All photos")
TagRole = Qt.ItemDataRole.UserRole + 1  # a TagEntry
SMART_MARK = "\u2731 "  # before a smart album's name: its photos come from a saved search


class _ListModel(QAbstractListModel):
    """A read-only list replaced as a whole (the lists are short: folders, labels)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []

    def _replace(self, rows: list) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def _row(self, index: QModelIndex | QPersistentModelIndex):
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


class FolderListModel(_ListModel):
    """"All photos" first, then each watched folder as "name (photos)"."""

    def set_folders(self, folders: list[FolderRow]) -> None:
        total = FolderRow("", sum(f.photos for f in folders), sum(f.skipped for f in folders))
        self._replace([total, *folders])

    @property
    def folders(self) -> list[FolderRow]:
        return self._rows[1:]

    def row_of(self, path: str | None) -> int:
        for row, folder in enumerate(self._rows):
            if (folder.path or None) == path:
                return row
        return -1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        folder: FolderRow | None = self._row(index)
        if folder is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            name = folder_name(folder.path) if folder.path else "All photos"
            return f"{name} ({folder.photos})"
        if role == Qt.ItemDataRole.ToolTipRole:
            skipped = f", {folder.skipped} skipped" if folder.skipped else ""
            where = folder.path or "every watched folder"
            return f"{where}\n{folder.photos} photos{skipped}"
        if role == FolderRole:
            return folder.path or None
        return None


@dataclass(frozen=True)
class TagEntry:
    kind: str  # "any" | "flagged" | "tag"
    name: str = ""
    count: int = 0


class TagListModel(_ListModel):
    """"Any tag", "Flagged (n)", then every tag in use with its photo count, most frequent first."""

    def set_tags(self, tags: list[tuple[str, int]], flagged: int) -> None:
        self._replace([TagEntry("any"), TagEntry("flagged", "Flagged", flagged),
                       *(TagEntry("tag", name, count) for name, count in tags)])

    @property
    def entries(self) -> list[TagEntry]:
        return list(self._rows)

    def row_of(self, kind: str, name: str = "") -> int:
        for row, entry in enumerate(self._rows):
            if entry.kind == kind and (kind != "tag" or entry.name == name):
                return row
        return -1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        entry: TagEntry | None = self._row(index)
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return "Any tag" if entry.kind == "any" else f"{entry.name} ({entry.count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return {"any": "Show photos whatever their tags",
                    "flagged": "Photos flagged by moderation"}.get(entry.kind, f"Photos tagged {entry.name!r}")
        if role == TagRole:
            return entry
        return None


AlbumRole = Qt.ItemDataRole.UserRole + 1  # an Album (core/albums.py)


class AlbumListModel(_ListModel):
    """Albums and smart albums by name, each "name (count)"; photos dragged from the grid drop onto a plain album,
    which `photos_dropped` reports (the window stores them on a worker)."""

    photos_dropped = Signal(object, list)  # the Album, the dropped photo ids

    def set_albums(self, albums: list[Album]) -> None:
        self._replace(albums)

    @property
    def albums(self) -> list[Album]:
        return list(self._rows)

    def row_of(self, album_id: int | None) -> int:
        return next((row for row, album in enumerate(self._rows) if album.id == album_id), -1)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        album: Album | None = self._row(index)
        if album is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{SMART_MARK if album.smart else ''}{album.name} ({album.count})"
        if role == Qt.ItemDataRole.ToolTipRole:
            count = f"{album.count} photo{'' if album.count == 1 else 's'}"
            if album.smart:
                return f"Smart album: {count} found by {album.search.describe()}\nKept up to date as photos change"
            return f"Album: {count}\nDrag photos here from the grid to add them"
        if role == AlbumRole:
            return album
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        album = self._row(index)
        if album is not None and not album.smart:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        return [PHOTO_IDS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction  # either way the photo also stays where it is

    def canDropMimeData(self, data, action, row: int, column: int, parent) -> bool:
        return self._drop_target(row, parent) is not None and bool(photo_ids_of(data))

    def dropMimeData(self, data, action, row: int, column: int, parent) -> bool:
        album, ids = self._drop_target(row, parent), photo_ids_of(data)
        if album is None or not ids or action == Qt.DropAction.IgnoreAction:
            return False
        self.photos_dropped.emit(album, ids)
        return True

    def _drop_target(self, row: int, parent) -> Album | None:
        """Onto an album (parent is its index); between rows (row >= 0 at the top level) is no album."""
        album = self._row(parent) if parent.isValid() else None
        return album if album is not None and not album.smart else None
