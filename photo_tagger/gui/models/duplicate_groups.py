"""The Duplicates view's item model: one row per group of copies, shrinking as photos go to the trash."""

from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from photo_tagger.core.duplicates import DuplicateGroup

GroupRole = Qt.ItemDataRole.UserRole + 1  # the DuplicateGroup


class DuplicateGroupsModel(QAbstractListModel):
    """Groups as found (the suggested photo to keep first); forget() takes trashed photos out."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.groups: list[DuplicateGroup] = []

    def set_groups(self, groups: list[DuplicateGroup]) -> None:
        self.beginResetModel()
        self.groups = [g for g in groups if len(g.photos) > 1]
        self.endResetModel()

    def forget(self, photo_ids: set[str]) -> None:
        """These photos left the library: out of their groups; a group left with one photo is no group."""
        for row in reversed(range(len(self.groups))):
            group = self.groups[row]
            left = tuple(p for p in group.photos if p.id not in photo_ids)
            if len(left) == len(group.photos):
                continue
            if len(left) < 2:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.groups[row]
                self.endRemoveRows()
            else:
                self.groups[row] = replace(group, photos=left, reasons=_without(group.reasons, photo_ids),
                                           tiers=_without(group.tiers, photo_ids))
                self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.groups)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.column() != 0 or not 0 <= index.row() < len(self.groups):
            return None
        group = self.groups[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{len(group.photos)} photos, keep {os.path.basename(group.keep.path)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(p.path for p in group.photos)
        if role == GroupRole:
            return group
        return None


def _without(by_id: dict[str, str], ids: set[str]) -> dict[str, str]:
    return {i: v for i, v in by_id.items() if i not in ids}
