"""Search hits in the grid keep their grade: the model exposes it, weak tiles are dimmed with "weak match" under
them, and the view draws a line between the last strong hit and the first weak one (none without both)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QPixmap

from photo_tagger.core.grading import STRONG, WEAK
from photo_tagger.gui.models.photo_grid import MatchRole, PhotoGridModel
from photo_tagger.gui.views.photo_delegate import _detail
from photo_tagger.gui.views.photo_grid_view import PhotoGridView
from photo_tagger.services.browsing import GridItem

TILE = 96


class RedThumbnails(QObject):
    """A ThumbnailProvider stand-in: every photo is a plain red square."""

    thumbnail_loaded = Signal(object)

    def __init__(self):
        super().__init__()
        self.red = QPixmap(TILE, TILE)
        self.red.fill(QColor("#ff0000"))

    def pixmap(self, path, mtime_ns):
        return self.red


def hits(n, start=0):
    return [GridItem(f"id{i}", f"/photos/IMG_{i}.jpg", i, "indexed", score=0.3 - i / 100)
            for i in range(start, start + n)]


def grid(qtbot, strong: int, weak: int, width: int = 420):
    thumbnails = RedThumbnails()
    model = PhotoGridModel(thumbnails)
    model.append(hits(strong), match=STRONG)
    model.append(hits(weak, strong), match=WEAK)
    view = PhotoGridView(model, TILE)
    view._keep = thumbnails
    qtbot.addWidget(view)
    view.resize(width, 1000)  # no scroll bar: the columns do not change under the test
    view.show()
    qtbot.waitExposed(view)
    layouts = [None]

    def settled():  # the grid fits its columns to the width, then lays out in batches: until it stops moving
        now = [view.visualRect(model.index(r, 0)).getRect() for r in range(model.rowCount())]
        still, layouts[0] = now == layouts[0] and all(w > 0 for _, _, w, _ in now), now
        return still

    # QListView re-lays out 100 ms after a resize (ResizeMode.Adjust): a layout is settled once it held longer.
    qtbot.waitUntil(lambda: qtbot.wait(150) or settled())
    return model, view


def columns(qtbot) -> int:
    model, view = grid(qtbot, 1, 12)
    top = view.visualRect(model.index(0, 0)).top()
    return sum(view.visualRect(model.index(r, 0)).top() == top for r in range(13))


def shown(view):
    view.viewport().repaint()
    return view.viewport().grab().toImage()


def is_line(image, point: QPoint, view) -> bool:
    return image.pixelColor(point).name() == view.palette().highlight().color().name()


def test_the_model_exposes_each_hits_grade(qtbot, qtmodeltester):
    model = PhotoGridModel()
    model.append(hits(2), match=STRONG)
    model.append(hits(3, 2), match=WEAK)
    assert [model.index(r, 0).data(MatchRole) for r in range(5)] == [STRONG, STRONG, WEAK, WEAK, WEAK]
    assert model.first_weak_row == 2
    assert "score 0.280, weak match" in model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)
    model.clear()
    model.append(hits(3))  # a library listing: no grades, no line
    assert model.index(0, 0).data(MatchRole) is None and model.first_weak_row is None
    model.clear()
    model.append([], match=STRONG)
    model.append(hits(3), match=WEAK)  # no strong hit: "closest", no line
    assert model.first_weak_row is None and model.index(0, 0).data(MatchRole) == WEAK
    assert "weak match" in _detail(model.item(0), weak=True)[0] and "weak" not in _detail(model.item(0))[0]


def test_the_line_steps_round_the_strong_hits_mid_row(qtbot):
    n = columns(qtbot)
    assert n >= 2
    model, view = grid(qtbot, strong=n + 1, weak=2 * n)  # the first weak tile is the second of row 2
    first, last_strong = (view.visualRect(model.index(r, 0)) for r in (n + 1, n))
    assert first.top() == last_strong.top() and first.left() > last_strong.right()
    line = view.divider()
    assert len(line) == 4  # right along the top of the weak tiles, down before the first, left under the strong
    image = shown(view)
    between = QPoint((last_strong.right() + first.left()) // 2, first.center().y())
    above = QPoint(first.center().x(), (view.visualRect(model.index(1, 0)).bottom() + first.top()) // 2)
    below = QPoint(last_strong.center().x(),
                   (last_strong.bottom() + view.visualRect(model.index(2 * n, 0)).top()) // 2)
    assert is_line(image, between, view) and is_line(image, above, view) and is_line(image, below, view)
    not_there = QPoint(view.visualRect(model.index(0, 0)).center().x(),
                       (view.visualRect(model.index(0, 0)).bottom() + view.visualRect(model.index(n, 0)).top()) // 2)
    assert not is_line(image, not_there, view)  # between two rows of strong hits: no line
    model, view = grid(qtbot, strong=1, weak=2 * n)  # in the first row: no line along the viewport's top
    line = view.divider()
    assert len(line) == 3 and line[0].x() == line[1].x() and line[1].y() == line[2].y() and line[2].x() == 0
    strong_red = image.pixelColor(view.visualRect(model.index(0, 0)).center())
    weak_red = image.pixelColor(first.center())
    assert strong_red.name() == "#ff0000" and weak_red.red() == 255 and weak_red.green() > 50  # dimmed


def test_a_straight_line_when_the_first_weak_hit_starts_a_row_and_none_without_strong_hits(qtbot):
    n = columns(qtbot)
    model, view = grid(qtbot, strong=n, weak=n + 1)
    assert view.visualRect(model.index(n, 0)).left() < view.visualRect(model.index(n - 1, 0)).left()
    line = view.divider()
    assert len(line) == 2 and line[0].y() == line[1].y()
    image = shown(view)
    y = line[0].y()
    assert all(is_line(image, QPoint(view.visualRect(model.index(c, 0)).center().x(), y), view) for c in range(n))
    model, view = grid(qtbot, strong=0, weak=2 * n)
    assert view.divider() == []
    image = shown(view)
    gap = (view.visualRect(model.index(0, 0)).bottom() + view.visualRect(model.index(n, 0)).top()) // 2
    assert not any(is_line(image, QPoint(x, gap), view) for x in range(0, view.viewport().width(), 7))
