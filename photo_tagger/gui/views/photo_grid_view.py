"""The virtualized thumbnail grid: fixed-size tiles laid out in batches, resized live with the thumbnail size."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from photo_tagger.gui.views.photo_delegate import PhotoDelegate


class PhotoGridView(QListView):
    """Icon mode over a PhotoGridModel; only the tiles in view are painted (and ask for thumbnails)."""

    def __init__(self, model, thumbnail_size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setSpacing(6)
        self.delegate = PhotoDelegate(thumbnail_size, self)
        self.setItemDelegate(self.delegate)
        self.setIconSize(QSize(thumbnail_size, thumbnail_size))
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    @property
    def thumbnail_size(self) -> int:
        return self.delegate.thumbnail_size

    def set_thumbnail_size(self, size: int) -> None:
        """Reflow at once, keeping the current photo in view (the model answers with the new thumbnails)."""
        if size == self.delegate.thumbnail_size:
            return
        current = self.currentIndex()
        self.delegate.thumbnail_size = size
        self.setIconSize(QSize(size, size))
        # Uniform item sizes are cached by the view: a reset of the layout makes it ask the delegate again.
        self.setUniformItemSizes(False)
        self.setUniformItemSizes(True)
        self.doItemsLayout()
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.viewport().update()
