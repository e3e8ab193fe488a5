"""RAW files in the window: a tile and the viewer show the RAW upright (its preview or its decode), and a RAW + JPEG
pair is one tile whose details name both files."""

from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QColor

from tests.gui.test_viewer import double_click, shown
from tests.photos import make_photo
from tests.raw_photos import write_dng

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def near(color: QColor, rgb, tolerance=60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip((color.red(), color.green(), color.blue()), rgb))


@pytest.mark.parametrize("preview", ["jpeg", None])
def test_a_raw_is_one_tile_and_the_viewer_shows_it_upright(qtbot, open_window, tiny_home, tmp_path, preview):
    folder = tmp_path / "card"
    # Stored landscape with orientation 6: upright it is portrait, with red at the top right and blue top left.
    write_dng(folder / "DSC_0007.dng", preview=preview, orientation=6)
    make_photo(folder / "IMG_0001.JPG", (200, 120, 40), size=(256, 192))
    write_dng(folder / "IMG_0001.dng", preview="jpeg")  # the JPEG's twin: folded into its tile
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 2 and window.header.text().startswith("2 photos"))
    names = sorted(item.name for item in window.grid_model.items)
    assert names == ["DSC_0007.dng", "IMG_0001.JPG"]

    row = next(r for r, item in enumerate(window.grid_model.items) if item.name.endswith(".dng"))
    item = window.grid_model.item(row)
    # The tile: made from the RAW, upright.
    qtbot.waitUntil(lambda: window.thumbnails.pixmap(item.path, item.mtime_ns) not in (
        window.thumbnails.loading, window.thumbnails.broken), timeout=10_000)
    tile = window.thumbnails.pixmap(item.path, item.mtime_ns).toImage()
    assert tile.width() < tile.height()
    assert near(tile.pixelColor(tile.width() * 7 // 8, tile.height() // 8), (220, 30, 30))
    assert near(tile.pixelColor(tile.width() // 8, tile.height() // 8), (30, 30, 220))

    viewer = double_click(qtbot, window, row)
    picture = shown(qtbot, viewer, item)
    assert (picture.width, picture.height) == (192, 256)
    image = picture.image
    assert near(image.pixelColor(image.width() * 7 // 8, image.height() // 8), (220, 30, 30))
    assert near(image.pixelColor(image.width() // 8, image.height() * 7 // 8), (235, 235, 235))


def test_the_details_of_a_pair_name_both_files(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "pair"
    make_photo(folder / "IMG_0002.JPG", (40, 160, 200), size=(256, 192))
    raw = write_dng(folder / "IMG_0002.DNG", preview="jpeg")
    window = open_window(tiny_home)
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 1 and window.header.text().startswith("1 photo"))
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    qtbot.waitUntil(lambda: window.details.details is not None)
    assert window.details.name.text() == "IMG_0002.JPG\n+ IMG_0002.DNG"
    assert str(raw) in window.details.name.toolTip()
    assert window.details.details.companions == (os.fspath(raw),)
