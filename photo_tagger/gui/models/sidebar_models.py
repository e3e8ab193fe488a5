"""The sidebar's item models: watched folders with photo counts, and tags with counts (plus Flagged)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from photo_tagger.services.browsing import FolderRow, folder_name

FolderRole = Qt.ItemDataRole.UserRole + 1  # the folder's path (None for "All photos")
TagRole = Qt.ItemDataRole.UserRole + 1  # a TagEntry


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
