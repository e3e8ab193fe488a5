"""The photo viewer: one photo over the whole window, fitted or at 1:1, stepped through in the grid's order."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeyEvent, QKeySequence, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.gui.viewer_images import Key, ViewerImages
from photo_tagger.services.browsing import GridItem

FIT, ACTUAL = "fit", "1:1"
_BACKGROUND = QColor("#1c1c1c")


class ImageView(QGraphicsView):
    """The picture in a scene the size of the full photo: fit scales the view down (never up), 1:1 shows one
    photo pixel per screen pixel and pans by dragging. A fitted picture stands in, scaled, until the full one
    comes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setBackgroundBrush(_BACKGROUND)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the viewer takes the keys (arrows step, not scroll)
        self.mode = FIT
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #d0d0d0; font-size: 15px;")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

    def show_picture(self, pixmap: QPixmap | None, width: int, height: int) -> None:
        """Show `pixmap` as the photo of `width` x `height` (None: an empty scene of that size)."""
        self.item.setPixmap(pixmap or QPixmap())
        self.item.setScale(width / pixmap.width() if pixmap is not None and pixmap.width() else 1.0)
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self.apply_mode()

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self._place_message()

    def set_mode(self, mode: str) -> None:
        centre = self.mapToScene(self.viewport().rect().center())
        self.mode = mode
        self.apply_mode()
        if mode == ACTUAL:
            self.centerOn(centre)  # zoom in where the eye was

    def apply_mode(self) -> None:
        rect = self.sceneRect()
        if self.mode == FIT and rect.width() > 0 and rect.height() > 0:
            view = self.viewport().size()
            scale = min(1.0, view.width() / rect.width(), view.height() / rect.height())
            self.setTransform(QTransform.fromScale(scale, scale))
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
        else:
            self.setTransform(QTransform())
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if self.mode == ACTUAL
                             else QGraphicsView.DragMode.NoDrag)

    @property
    def scale_shown(self) -> float:
        return self.transform().m11()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.mode == FIT:
            self.apply_mode()
        self._place_message()

    def _place_message(self) -> None:
        self.message.setGeometry(self.viewport().rect().adjusted(40, 40, -40, -40))


class PhotoViewer(QWidget):
    """Shows model rows one at a time; the rows are the grid's, in its current order, whatever it shows
    (a search, a filter). Keys: Left/Right (Backspace/Space) step, Home/End, F fit, 1 actual size, Z toggles,
    Esc closes; the wheel steps when fitted and scrolls at 1:1."""

    closed = Signal(int)  # the row shown last (-1 when its photo left the grid)
    reveal_requested = Signal(object)  # GridItem
    title_changed = Signal(str)

    def __init__(self, runner, model, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = model
        self.images = ViewerImages(runner, self)
        self.images.loaded.connect(self._image_loaded)
        self.images.failed.connect(self._image_failed)
        self.item: GridItem | None = None
        self.row = -1
        self._shown = None  # the ViewImage on screen
        self._asked = None  # the key of the current photo's fitted picture (blurred or not)
        self._wheel = 0  # wheel turn not yet stepped on
        self._pressed_at = QPointF()
        self.box = (1280, 800)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view = ImageView(self)
        self.view.viewport().installEventFilter(self)
        self._make_bar()
        self._make_veil()
        self._make_key_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.view, 1)
        model.modelReset.connect(self._rows_changed)
        model.rowsInserted.connect(self._rows_changed)
        model.rowsRemoved.connect(self._rows_changed)
        model.dataChanged.connect(self._data_changed)

    def _make_bar(self) -> None:
        self.bar = QWidget(self)
        bar = QHBoxLayout(self.bar)
        bar.setContentsMargins(6, 4, 6, 4)

        def button(text: str, tip: str, slot, checkable: bool = False) -> QToolButton:
            made = QToolButton(self.bar)
            made.setText(text)
            made.setToolTip(tip)
            made.setCheckable(checkable)
            made.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            made.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            made.clicked.connect(slot)
            bar.addWidget(made)
            return made

        self.back = button("\u2190 Library", "Back to the grid (Esc)", self.close_viewer)
        self.previous = button("\u2039 Previous", "Previous photo (Left)", lambda: self.step(-1))
        self.next = button("Next \u203a", "Next photo (Right)", lambda: self.step(1))
        self.title = QLabel(self.bar)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.title, 1)
        self.fit = button("Fit", "Fit the photo to the window (F)", lambda: self.set_mode(FIT), True)
        self.actual = button("1:1", "Actual size: one photo pixel per screen pixel; drag to pan (1)",
                             lambda: self.set_mode(ACTUAL), True)
        self.zoom_group = QButtonGroup(self)
        self.zoom_group.addButton(self.fit)
        self.zoom_group.addButton(self.actual)
        self.fit.setChecked(True)
        self.zoom = QLabel(self.bar)
        self.zoom.setMinimumWidth(self.zoom.fontMetrics().horizontalAdvance("100%") + 8)
        bar.addWidget(self.zoom)

    def _make_veil(self) -> None:
        """Over a blurred flagged photo: what it was flagged for, and the way to see it."""
        self.veil = QFrame(self.view)
        self.veil.setStyleSheet("QFrame { background: rgba(0, 0, 0, 170); border-radius: 8px; }"
                                "QLabel { color: white; background: transparent; }")
        layout = QVBoxLayout(self.veil)
        self.veil_text = QLabel(self.veil)
        self.veil_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reveal_button = QPushButton("Show the photo", self.veil)
        self.reveal_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reveal_button.clicked.connect(self.reveal)
        layout.addWidget(self.veil_text)
        layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.veil.hide()

    # -- showing a photo
    def open(self, row: int) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:  # fitted pictures are made for the whole screen: a maximised window stays sharp
            size, ratio = screen.size(), screen.devicePixelRatio()
            self.box = (max(640, round(size.width() * ratio)), max(480, round(size.height() * ratio)))
        self.show_row(row)
        self.setFocus()

    def show_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        self.row, self.item, self._shown = row, self.model.item(row), None
        self.view.show_picture(None, 1, 1)
        self.view.set_message("")
        self._load()
        self._update_title()

    def step(self, delta: int) -> None:
        row = self.current_row()
        if row < 0:
            row = min(self.row, self.model.rowCount())  # the photo left the grid: go on from where it was
            row -= 1 if delta > 0 else 0
        self.show_row(max(0, min(self.model.rowCount() - 1, row + delta)))

    def current_row(self) -> int:
        """The shown photo's row in the grid now (-1 if gone): the grid may have been reloaded meanwhile."""
        if self.item is None:
            return -1
        if 0 <= self.row < self.model.rowCount() and self.model.item(self.row).id == self.item.id:
            return self.row
        found = next((r for r, i in enumerate(self.model.items) if i.id == self.item.id), -1)
        if found >= 0:
            self.row = found
        return found

    @property
    def picture(self):
        """The ViewImage on screen (None while the current photo loads)."""
        return self._shown

    def hidden(self) -> bool:
        return self.item is not None and self.model.is_hidden(self.item)

    def _key(self, item: GridItem, full: bool = False) -> Key:
        return (item.path, item.mtime_ns, None if full else self.box, self.model.is_hidden(item))

    def _load(self) -> None:
        """Ask for the current photo (fitted, plus full size at 1:1) and its neighbours fitted; nothing else
        is kept."""
        item = self.item
        if item is None:
            self.images.want([])
            return
        fitted = self._asked = self._key(item)
        keys = [fitted]
        shown = self.images.get(fitted)
        if self.view.mode == ACTUAL and (shown is None or not shown.full):
            keys.append(self._key(item, full=True))
        row = self.current_row()
        for neighbour in (row + 1, row - 1):
            if row >= 0 and 0 <= neighbour < self.model.rowCount():
                keys.append(self._key(self.model.item(neighbour)))
        self.images.want(keys)
        self._show_best()

    def _show_best(self) -> None:
        item = self.item
        if item is None:
            return
        full, fitted = self.images.get(self._key(item, full=True)), self.images.get(self._key(item))
        best = full if full is not None and self.view.mode == ACTUAL else fitted or full
        error = self.images.error(self._key(item))
        if best is not None:
            if best is not self._shown:
                first = self._shown is None
                self._shown = best
                self.view.show_picture(QPixmap.fromImage(best.image), best.width, best.height)
                if first and self.view.mode == ACTUAL:
                    self.view.centerOn(self.view.sceneRect().center())
            self.view.set_message("")
        elif error:
            self.view.set_message(f"Cannot show {item.name}:\n{error}")
        else:
            self.view.set_message("Loading\u2026")
        self._update_veil()
        self._update_zoom()

    def _image_loaded(self, key: Key) -> None:
        if self.item is not None and key[:2] == (self.item.path, self.item.mtime_ns):
            self._show_best()

    def _image_failed(self, key: Key, reason: str) -> None:
        self._image_loaded(key)

    def _update_veil(self) -> None:
        hidden = self.hidden()
        if hidden:
            self.veil_text.setText("Flagged: " + ", ".join(self.item.flags))
            self.veil.adjustSize()
            self.veil.move((self.view.width() - self.veil.width()) // 2, (self.view.height() - self.veil.height()) // 2)
        self.veil.setVisible(hidden)

    def _update_title(self) -> None:
        if self.item is None:
            return
        row, count = self.current_row(), self.model.rowCount()
        text = f"{self.item.name}  \u2014  {row + 1} / {count}" if row >= 0 else self.item.name
        self.title.setText(text)
        self.previous.setEnabled(row > 0)
        self.next.setEnabled(0 <= row < count - 1)
        self.title_changed.emit(f"{self.item.name} ({row + 1} / {count})" if row >= 0 else self.item.name)

    def _update_zoom(self) -> None:
        self.fit.setChecked(self.view.mode == FIT)
        self.actual.setChecked(self.view.mode == ACTUAL)
        self.zoom.setText(f"{round(self.view.scale_shown * 100)}%")

    # -- actions
    def set_mode(self, mode: str) -> None:
        self.view.set_mode(mode)
        self._load()  # 1:1 wants the full picture

    def toggle_mode(self) -> None:
        self.set_mode(ACTUAL if self.view.mode == FIT else FIT)

    def reveal(self) -> None:
        if self.hidden():
            self.reveal_requested.emit(self.item)

    def close_viewer(self) -> None:
        row = self.current_row()
        self.item, self.row, self._shown = None, -1, None
        self.images.want([])  # the pictures go with the viewer
        self.view.show_picture(None, 1, 1)
        self.closed.emit(row)

    def _make_key_actions(self) -> None:
        """The viewer's keys as named actions, live while the viewer has focus (Help > Keyboard shortcuts lists
        them)."""
        for text, keys, slot in (
            ("Viewer: previous photo", (Qt.Key.Key_Left, Qt.Key.Key_Backspace), lambda: self.step(-1)),
            ("Viewer: next photo", (Qt.Key.Key_Right, Qt.Key.Key_Space), lambda: self.step(1)),
            ("Viewer: first photo", (Qt.Key.Key_Home,), lambda: self.show_row(0)),
            ("Viewer: last photo", (Qt.Key.Key_End,), lambda: self.show_row(self.model.rowCount() - 1)),
            ("Viewer: fit to window", (Qt.Key.Key_F,), lambda: self.set_mode(FIT)),
            ("Viewer: actual size (1:1)", (Qt.Key.Key_1,), lambda: self.set_mode(ACTUAL)),
            ("Viewer: switch fit / 1:1", (Qt.Key.Key_Z,), self.toggle_mode),
            ("Viewer: back to the library", (Qt.Key.Key_Escape,), self.close_viewer),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # -- Qt overrides and model signals
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.view.keyPressEvent(event)  # pan at 1:1
        else:
            super().keyPressEvent(event)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            self._pressed_at = event.position()
        elif event.type() == QEvent.Type.MouseButtonRelease and self.hidden() and \
                (event.position() - self._pressed_at).manhattanLength() < QApplication.startDragDistance():
            self.reveal()  # a click (not a drag) on the blurred photo shows it, as in the details panel
        elif event.type() == QEvent.Type.Resize:
            self._update_veil()
            self._update_zoom()
        elif event.type() == QEvent.Type.Wheel and self.view.mode == FIT:  # nothing to scroll: the wheel steps
            self._wheel += event.angleDelta().y()
            if abs(self._wheel) >= 120:  # a notch (a touchpad sends many small deltas)
                self.step(-1 if self._wheel > 0 else 1)
                self._wheel = 0
            return True
        return False

    def _rows_changed(self, *args) -> None:
        if self.item is not None:
            self._update_title()

    def _data_changed(self, top, bottom, roles=()) -> None:
        row = self.current_row()
        if row >= 0 and top.row() <= row <= bottom.row():
            self.item = self.model.item(row)  # new tags or flags; revealed, or blurring switched
            if self._key(self.item) != self._asked:
                self._load()
            else:
                self._update_veil()
