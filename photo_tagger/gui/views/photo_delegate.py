"""Draws one grid tile: the thumbnail centred in a fixed box, the name and score below, badges for flags; a weak
search hit dimmed, with "weak match" under it (the grid view draws the line before the first one)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from photo_tagger.core.grading import WEAK
from photo_tagger.gui.models.photo_grid import (
    ItemRole,
    MatchRole,
    StackRole,
    score_shown,
)

PAD = 6
_FLAG = QColor("#c62828")
_MUTED = QColor("#707070")
_STACK = QColor("#1f5fa8")
BADGE_HEIGHT = 20
WEAK_OPACITY = 0.6  # a weak hit's thumbnail: still recognisable, plainly behind the strong ones


class PhotoDelegate(QStyledItemDelegate):
    """Fixed-size tiles: every row of the grid lines up whatever the photos' shapes."""

    def __init__(self, thumbnail_size: int, parent=None):
        super().__init__(parent)
        self.thumbnail_size = thumbnail_size  # the size asked for (the thumbnails' size)
        self.box: int | None = None  # the drawn size, smaller in a grid narrower than one tile; None: thumbnail_size
        self.tile_width: int | None = None  # set by the grid so its columns fill its width; None: the natural width

    @property
    def box_size(self) -> int:
        return self.box or self.thumbnail_size

    def natural_width(self, box: int | None = None) -> int:
        """A tile's width around a thumbnail box of `box` pixels (the drawn one by default)."""
        return (self.box_size if box is None else box) + 2 * PAD

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        line = QFontMetrics(option.font).height()
        box = self.box_size
        return QSize(self.tile_width or self.natural_width(), box + 2 * line + 3 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item = index.data(ItemRole)
        if item is None:
            return super().paint(painter, option, index)
        painter.save()
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(rect.adjusted(1, 1, -1, -1), palette.highlight())
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect.adjusted(1, 1, -1, -1), palette.alternateBase())
        box = self.thumbnail_box(rect)
        stack = index.data(StackRole)
        weak = index.data(MatchRole) == WEAK
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        target = picture_rect(box, pixmap)
        if stack is not None and stack[1] and not stack[2]:  # a folded stack: cards peek out behind its top
            painter.setPen(QPen(_MUTED, 1))
            painter.setBrush(palette.base())
            for step in (6, 3):
                painter.drawRect(target.translated(step, -step).adjusted(0, 0, -1, -1))
        if pixmap is not None and not pixmap.isNull():
            if weak and not selected:
                painter.setOpacity(WEAK_OPACITY)
            painter.drawPixmap(target, pixmap)
            painter.setOpacity(1.0)
            if item.flags:
                painter.setPen(QPen(_FLAG, 3))
                painter.drawRect(target.adjusted(1, 1, -2, -2))
        if stack is not None:
            self._paint_stack(painter, option, rect, stack, target)
        line = option.fontMetrics.height()
        text_rect = QRect(rect.x() + PAD, box.bottom() + PAD, rect.width() - 2 * PAD, line)
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        painter.setPen(text_color)
        name = option.fontMetrics.elidedText(item.name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, name)
        detail, color = _detail(item, weak)
        if stack is not None and stack[1]:  # why this photo is on top: "sharpest of 7"
            detail, color = stack[0].reason, _STACK
        if detail:
            painter.setPen(text_color if selected else color)
            detail = option.fontMetrics.elidedText(detail, Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(text_rect.translated(0, line), Qt.AlignmentFlag.AlignHCenter, detail)
        painter.restore()


    def thumbnail_box(self, rect: QRect) -> QRect:
        side = self.box_size
        return QRect(rect.x() + (rect.width() - side) // 2, rect.y() + PAD, side, side)

    def badge_rect(self, rect: QRect, count: int, font_metrics: QFontMetrics, pixmap=None) -> QRect:
        """Where a stack's badge (its count; a click opens or folds it) lies in a tile at `rect`: the top right
        corner of its picture (`pixmap`, the one drawn; None: of the whole box)."""
        return _badge_in(picture_rect(self.thumbnail_box(rect), pixmap), count, font_metrics)

    def _paint_stack(self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, stack,
                     picture: QRect) -> None:
        tile, is_top, expanded = stack
        if not is_top:  # an open stack's other photos: a bar along their picture's left edge
            painter.fillRect(QRect(picture.x() - 6, picture.y(), 3, picture.height()), _STACK)
            return
        badge = _badge_in(picture, tile.count, option.fontMetrics)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_STACK)
        painter.drawRoundedRect(badge, 9, 9)
        painter.setPen(QColor("white"))
        arrow = "\u25be" if expanded else "\u25b8"  # open: pointing down; folded: pointing right
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, f"{tile.count} {arrow}")


def _badge_in(picture: QRect, count: int, font_metrics: QFontMetrics) -> QRect:
    width = font_metrics.horizontalAdvance(f"{count} \u25be") + 12
    return QRect(picture.right() - width - 3, picture.top() + 3, width, BADGE_HEIGHT)


def picture_rect(box: QRect, pixmap) -> QRect:
    """Where a thumbnail is drawn in its box: centred, at its own size, scaled down to fit (never up)."""
    if pixmap is None or pixmap.isNull():
        return QRect(box)
    size = pixmap.deviceIndependentSize().toSize()
    if size.width() > box.width() or size.height() > box.height():  # never upscaled: small stays sharp
        size = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(box.center())
    return target


def _detail(item, weak: bool = False) -> tuple[str, QColor]:
    """The second line: why a file was skipped, its flags, its score (and "weak match" for a weak hit)."""
    if item.status != "indexed":
        return f"skipped: {item.skip_reason}", _MUTED
    parts = []
    if score := score_shown(item):
        parts.append(score)
    if set(item.reasons) - {"meaning"}:  # found by its text, tag or name: say so (its score is meaning's alone)
        parts.append("by " + "+".join(item.reasons))
    if weak:
        parts.append("weak match")
    if item.flags:
        parts.append("flagged: " + ", ".join(item.flags))
        return "  ".join(parts), _FLAG
    if item.tags:
        parts.append(", ".join(item.tags[:3]))
    return "  ".join(parts), _MUTED
