"""A flagged photo is unrecognisable on every surface until the user reveals it: the grid, the details panel, the
viewer, the duplicates page and the review dialog all show the one blur (core/privacy_blur.py); its sharp edges are
gone from what is on screen. (The compare dialog: tests/gui/test_model_trial_dialog.py.)"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tests.gui.conftest import wait_idle
from tests.gui.test_viewer import double_click, flag_everything, shown

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

SHARP = 120  # grey levels between neighbouring pixels: the photos' edges are steps of 150-200
HIDDEN = 45  # what the blur leaves at any size shown here (64 px icons have the steepest slopes)


def sharpest_step(image: QImage) -> float:
    """The largest grey step between neighbouring pixels: a sharp edge of the subject, or a blur's smooth slope."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(grey.constBits(), np.uint8).reshape(grey.height(), grey.bytesPerLine())
    pixels = rows[:, :grey.width()].astype(np.int16)
    return float(max(np.abs(np.diff(pixels, axis=0)).max(), np.abs(np.diff(pixels, axis=1)).max()))


def subject_photo(path, hue: int) -> None:
    """A red disc and black-and-white stripes on a pale sky: sharp edges that no blur may leave."""
    image = Image.new("RGB", (320, 240), (210, 225, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, 200, 200), fill=(200, 30, hue))
    for x in range(220, 300, 16):
        draw.rectangle((x, 30, x + 7, 210), fill=(10, 10, 10))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=92)


@pytest.fixture
def flagged_window(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "flagged"
    for n in range(3):
        subject_photo(folder / f"F_{n}.jpg", 30 * n)
    shutil.copy2(folder / "F_0.jpg", folder / "F_0 copy.jpg")  # a duplicate, for the duplicates page
    window = open_window(tiny_home)
    flag_everything(window.app)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4 and all(i.flags for i in window.grid_model.items),
                    timeout=20_000)
    return window


def test_grid_details_and_viewer_show_a_flagged_photo_blurred_until_revealed(qtbot, flagged_window):
    window = flagged_window
    model, thumbs = window.grid_model, window.thumbnails
    item = model.item(0)
    qtbot.waitUntil(lambda: thumbs.pixmap(item.path, item.mtime_ns) is not thumbs.loading, timeout=10_000)
    assert sharpest_step(thumbs.pixmap(item.path, item.mtime_ns).toImage()) > SHARP  # the photo is sharp

    def tile():
        return model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)

    # Obscured on the thumbnail pool: the square loading tile until then (data() wraps a new QPixmap each call, so
    # the tile is told apart by its size: the photo is 4:3).
    plain = thumbs.pixmap(item.path, item.mtime_ns).size()
    qtbot.waitUntil(lambda: tile().size() == plain, timeout=10_000)
    assert sharpest_step(tile().toImage()) < HIDDEN

    window.grid.setCurrentIndex(model.index(0, 0))
    panel = window.details
    qtbot.waitUntil(lambda: panel.preview.toolTip() == "Flagged: click to show the photo", timeout=10_000)
    assert sharpest_step(panel.preview.pixmap().toImage()) < HIDDEN

    viewer = double_click(qtbot, window, 0)
    picture = shown(qtbot, viewer, item)
    assert picture.hidden and sharpest_step(picture.image) < HIDDEN
    viewer.reveal_button.click()  # revealed: sharp in the viewer, the grid and the details
    qtbot.waitUntil(lambda: not viewer.picture.hidden, timeout=10_000)
    assert sharpest_step(viewer.picture.image) > SHARP
    assert sharpest_step(tile().toImage()) > SHARP


def test_duplicates_page_and_review_dialog_show_flagged_photos_blurred(qtbot, flagged_window):
    from photo_tagger.gui.dialogs.review_dialog import ReviewDialog

    window = flagged_window
    qtbot.mouseClick(window.sidebar.duplicates_button, Qt.MouseButton.LeftButton)
    view = window.duplicates_view
    view.tier.setCurrentIndex(view.tier.findData("exact"))
    view.find()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not view.building and bool(view._cards), timeout=15_000)
    tiles = view._cards[0].tiles
    assert len(tiles) == 2
    qtbot.waitUntil(lambda: all(t.thumbnail.pixmap().cacheKey() != window.thumbnails.loading.cacheKey()
                                for t in tiles), timeout=10_000)
    assert all(sharpest_step(t.thumbnail.pixmap().toImage()) < HIDDEN for t in tiles)

    category = window.app.labels().moderation[0].name
    dialog = ReviewDialog(window.app, window.runner, window, target=("category", category))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() == 4, timeout=15_000)

    def icons():
        return [dialog.list.item(r).icon() for r in range(dialog.list.count())]

    qtbot.waitUntil(lambda: all(not i.isNull() for i in icons()), timeout=15_000)
    assert all(sharpest_step(i.pixmap(64, 64).toImage()) < HIDDEN for i in icons())
    first = dialog.list.item(0)
    assert first.toolTip() == "Flagged: double-click to show the photo"
    dialog.list.itemDoubleClicked.emit(first)  # judging a flag may need the photo itself: shown on request
    qtbot.waitUntil(lambda: sharpest_step(dialog.list.item(0).icon().pixmap(64, 64).toImage()) > SHARP,
                    timeout=10_000)
    assert dialog.list.item(0).toolTip() == ""
    dialog.close()


def test_the_text_read_in_a_flagged_photo_is_hidden_with_it_until_revealed(qtbot):
    """Its words could say what the photo shows (a sign, a caption): hidden as its preview is."""
    from dataclasses import replace

    from photo_tagger.gui.widgets.details_panel import DetailsPanel
    from tests.gui.test_first_walk_fixes import details_of

    panel = DetailsPanel()
    qtbot.addWidget(panel)
    panel.set_text_hidden(True)
    panel.set_details(replace(details_of(), text="Casino Royale entrance", text_status="read"))
    assert "Casino" not in panel.text.text() and "flagged" in panel.text.text()
    assert not panel.read_text.isVisibleTo(panel)
    panel.set_text_hidden(False)  # revealed
    assert "Casino" in panel.text.text()
