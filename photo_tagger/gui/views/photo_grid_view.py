"""The virtualized thumbnail grid: fixed-size tiles laid out in batches, resized live with the thumbnail size."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QDrag, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

from photo_tagger.gui.models.photo_grid import ItemRole, StackRole
from photo_tagger.gui.views.photo_delegate import PhotoDelegate

DIVIDER_WIDTH = 3  # px, in the spacing between tiles
DRAG_SIZE = 64  # px: a dragged photo's picture, small enough to leave the album under the cursor in sight


class PhotoGridView(QListView):
    """Icon mode over a PhotoGridModel; only the tiles in view are painted (and ask for thumbnails)."""

    def __init__(self, model, thumbnail_size: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(model)
        self.setAccessibleName("Photo grid")  # also names its own shortcuts in Help > Keyboard shortcuts
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setDragEnabled(True)  # after setMovement, which turns dragging off: photos drag onto an album
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setSpacing(6)  # the line between strong and weak search hits is drawn in this gap
        self.delegate = PhotoDelegate(thumbnail_size, self)
        self.setItemDelegate(self.delegate)
        self.setIconSize(QSize(thumbnail_size, thumbnail_size))
        self.setMouseTracking(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        model.modelReset.connect(self._new_listing)

    def _new_listing(self) -> None:
        """A new listing (a search, a folder) starts at its top. Its tiles are laid out at once, not in batches
        on later event-loop turns: a click before the batches caught up was mapped through the old listing's
        scroll offset and layout, and selected another photo than the one under the pointer."""
        self.verticalScrollBar().setValue(0)
        self.doItemsLayout()
        self.scrollToTop()

    # -- stacks: a click on a stack's badge opens or folds it
    def badge_at(self, position: QPoint) -> str | None:
        """The id of the stack top whose badge is under `position` (viewport coordinates), else None."""
        index = self.indexAt(position)
        stack = index.data(StackRole) if index.isValid() else None
        if stack is None or not stack[1]:
            return None
        badge = self.delegate.badge_rect(self.visualRect(index), stack[0].count, self.fontMetrics(),
                                         index.data(Qt.ItemDataRole.DecorationRole))
        return index.data(ItemRole).id if badge.contains(position) else None

    def mousePressEvent(self, event) -> None:
        top = self.badge_at(event.position().toPoint()) if event.button() == Qt.MouseButton.LeftButton else None
        if top is not None:  # the stack opens or folds, its top becomes the current photo (not the first one)
            self.model().toggle_stack(top)
            row = next(r for r, item in enumerate(self.model().items) if item.id == top)
            self.setCurrentIndex(self.model().index(row, 0))
            event.accept()
            return
        super().mousePressEvent(event)

    # -- the line between strong and weak search hits
    def startDrag(self, supported_actions) -> None:
        """Photos dragged (onto an album in the sidebar) show as a small thumbnail beside the cursor, with their
        count, instead of the whole tile over the drop target."""
        indexes = [i for i in self.selectedIndexes() if self.model().flags(i) & Qt.ItemFlag.ItemIsDragEnabled]
        if not indexes:
            return
        drag = QDrag(self)
        drag.setMimeData(self.model().mimeData(indexes))
        picture = self.currentIndex().data(Qt.ItemDataRole.DecorationRole) if self.currentIndex() in indexes \
            else indexes[0].data(Qt.ItemDataRole.DecorationRole)
        if isinstance(picture, QPixmap) and not picture.isNull():
            small = picture.scaled(DRAG_SIZE, DRAG_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
            if len(indexes) > 1:
                painter = QPainter(small)
                painter.fillRect(0, small.height() - 18, 28, 18, Qt.GlobalColor.darkBlue)
                painter.setPen(Qt.GlobalColor.white)
                painter.drawText(4, small.height() - 4, str(len(indexes)))
                painter.end()
            drag.setPixmap(small)
            drag.setHotSpot(QPoint(-12, -12))  # below and right of the cursor
        drag.exec(Qt.DropAction.CopyAction)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        line = self.divider()
        if line:
            painter = QPainter(self.viewport())
            pen = QPen(self.palette().highlight().color(), DIVIDER_WIDTH)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.drawPolyline(line)
            painter.end()

    def divider(self) -> list[QPoint]:
        """The line around the strong hits, in viewport coordinates (empty when there is none to draw): along
        the gap above the first weak tile's row from that tile to the right edge (not in the first row), down the
        gap before it, then along the gap under the strong tiles to its left (one straight line when it starts a
        row)."""
        first = getattr(self.model(), "first_weak_row", None)
        if first is None:
            return []
        rect = self.visualRect(self.model().index(first, 0))
        if not rect.isValid():
            return []
        half = max(1, self.spacing() // 2)
        top, bottom = rect.top() - half, rect.bottom() + half + 1
        left, right = rect.left() - half, self.viewport().width() - 1
        origin = self.visualRect(self.model().index(0, 0))
        if rect.left() == origin.left():  # the first tile of its row
            return [QPoint(0, top), QPoint(right, top)]
        if rect.top() == origin.top():  # in the first row: nothing above it
            return [QPoint(left, top), QPoint(left, bottom), QPoint(0, bottom)]
        return [QPoint(right, top), QPoint(left, top), QPoint(left, bottom), QPoint(0, bottom)]

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

    def _layout_width(self) -> int:
        """The width QListView lays the tiles out in: the viewport without scroll bars, less the vertical bar's
        extent when that bar shows as needed (Qt keeps room for it, shown or not)."""
        width = self.maximumViewportSize().width()
        if self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded:
            width -= self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar())
        return width

    def _fit_columns(self, force: bool = False) -> None:
        """Widen the tiles so that whole columns fill the viewport (no blank strip on the right), and shrink the
        thumbnail box when one tile would not fit (a Large tile in a narrow window): never wider than the view."""
        # QListView puts `spacing` before the first tile and after each one, and wraps a tile whose right edge
        # would reach the last pixel: the usable width is one less. It also lays out as if the vertical scroll bar
        # were there whenever it may come (QListViewPrivate::prepareItemsLayout): a few photos, no scroll bar, and
        # tiles fitted to the whole viewport came out a column short, with a blank strip on the right.
        spacing, width = self.spacing(), self._layout_width() - 1
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
