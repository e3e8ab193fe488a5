"""The virtualized thumbnail grid: fixed-size tiles laid out in batches, resized live with the thumbnail size."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from photo_tagger.gui.views.photo_delegate import PhotoDelegate


class PhotoGridView(QListView):
    """Icon mode over a PhotoGridModel; only the tiles in view are painted (and ask for thumbnails)."""

    def __init__(self, model, thumbnail_size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Photo grid")  # also names its own shortcuts in Help > Keyboard shortcuts
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
        self._fit_columns(force=True)
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.viewport().update()

    # -- columns that fill the width
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:  # the window, the splitter or the scroll bar changed its width
            self._fit_columns()
        return super().viewportEvent(event)

    def _fit_columns(self, force: bool = False) -> None:
        """Widen the tiles so that whole columns fill the viewport (no blank strip on the right), and shrink the
        thumbnail box when one tile would not fit (a Large tile in a narrow window): never wider than the view."""
        # QListView puts `spacing` before the first tile and after each one, and wraps a tile whose right edge
        # would reach the viewport's last pixel: the usable width is one less.
        spacing, width = self.spacing(), self.viewport().width() - 1
        room = max(1, width - 2 * spacing)
        box = min(self.delegate.thumbnail_size, max(16, room - self.delegate.natural_width(0)))
        natural = self.delegate.natural_width(box)
        columns = max(1, (width - spacing) // (natural + spacing))
        tile = max(natural, (width - spacing) // columns - spacing)
        if not force and (box, tile) == (self.delegate.box_size, self.delegate.tile_width):
            return
        self.delegate.box = box if box < self.delegate.thumbnail_size else None
        self.delegate.tile_width = tile
        # Uniform item sizes are cached by the view: a reset of the layout makes it ask the delegate again.
        self.setUniformItemSizes(False)
        self.setUniformItemSizes(True)
        self.doItemsLayout()
