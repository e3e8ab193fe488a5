"""The search header and the grid (issue 21 §4): text hits count as matches in the header, a text hit shows why it
matched instead of a cosine, a malformed query's message neither widens the window nor leaves the old results under
it, and a new listing starts at its top with clicks landing on the photo under the pointer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from photo_tagger.core import search_rank
from photo_tagger.gui.models.photo_grid import ItemRole, PhotoGridModel, score_shown
from photo_tagger.gui.views.photo_delegate import _detail
from photo_tagger.gui.views.photo_grid_view import PhotoGridView
from photo_tagger.services.browsing import GridItem
from tests.gui.test_search_text import give_text, library_window, search

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_a_prefix_text_hit_counts_as_a_match_in_the_header(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = window.grid_model.item(2)
    give_text(window, item, "PHARMACY\nopen 9-18")
    search(qtbot, window, "pharm")
    assert window.grid_model.item(0).id == item.id and "text" in window.grid_model.item(0).reasons
    header = window.header.text()
    assert "no photo matches well" not in header and header.startswith("6 best matches (1 strong"), header


def test_text_hits_say_by_text_and_never_show_a_negative_cosine(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = window.grid_model.item(1)
    give_text(window, item, "TOTAL 42.50")
    search(qtbot, window, '"total 42.50"')
    hit = window.grid_model.item(0)
    assert hit.id == item.id and hit.score is not None
    detail, _ = _detail(hit)
    assert detail.startswith("by text") and "-" not in detail.split("by text")[0]
    shown = window.grid_model.data(window.grid_model.index(0, 0), Qt.ItemDataRole.DisplayRole)
    assert shown == hit.name  # no cosine under the name of a photo found by its text
    quoted = GridItem("x", "/p/x.jpg", 1, "indexed", score=-0.007, reasons=("text",))
    assert score_shown(quoted) == "" and _detail(quoted)[0] == "by text"
    assert score_shown(GridItem("y", "/p/y.jpg", 1, "indexed", score=-0.02, reasons=("meaning",))) == ""
    assert score_shown(GridItem("z", "/p/z.jpg", 1, "indexed", score=0.312, reasons=("meaning", "text"))) == "0.312"
    assert search_rank.is_match("weak", ("text",)) and not search_rank.is_match("weak", ("meaning", "tag"))


def test_a_long_malformed_query_keeps_the_window_size_and_clears_the_results(qtbot, open_window, tiny_home,
                                                                              photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    window.resize(1200, 780)
    qtbot.waitUntil(lambda: window.width() == 1200)
    search(qtbot, window, "red")
    assert window.grid_model.rowCount() > 0
    bad = '"a very long unclosed quote ' + "that goes on and on " * 12
    window.search_bar.edit.setText(bad)
    window.search_bar.submit()
    qtbot.waitUntil(lambda: window.header.text().startswith("Search: unclosed quote"))
    qtbot.wait(0)  # the layout's own queued resize runs in this turn; nothing to wait for beyond it
    assert window.width() == 1200 and window.minimumSizeHint().width() < 1200
    assert window.grid_model.rowCount() == 0  # the previous search's photos are not shown under the error
    assert window.header.elided().endswith("\u2026") and window.header.toolTip() == window.header.text()


def _items(prefix: str, n: int) -> list[GridItem]:
    return [GridItem(f"{prefix}{k}", f"/photos/{prefix}{k:03d}.jpg", 1, "indexed") for k in range(n)]


def test_a_new_listing_starts_at_the_top_and_a_click_selects_the_photo_under_the_pointer(qtbot):
    model = PhotoGridModel()
    view = PhotoGridView(model, 96)
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    model.append(_items("old", 300))
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    assert view.verticalScrollBar().value() > 0

    model.clear()  # a new search: its results come in a batch right after
    model.append(_items("new", 120))
    assert view.verticalScrollBar().value() == 0
    qtbot.waitUntil(lambda: view.visualRect(model.index(4, 0)).isValid())  # the new rows laid out
    assert view.verticalScrollBar().value() == 0
    for row in (0, 2, 4):
        rect = view.visualRect(model.index(row, 0))
        assert view.viewport().rect().contains(rect.center())
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert view.currentIndex().row() == row
        assert [i.row() for i in view.selectionModel().selectedIndexes()] == [row]
    view.selectionModel().select(model.index(0, 0), QItemSelectionModel.SelectionFlag.Clear)


def test_a_new_search_starts_at_its_top_even_with_a_photo_selected_further_down(qtbot, open_window, tiny_home,
                                                                                  tmp_path):
    """The selected photo stays selected in the new results, but the grid does not scroll to it: the best matches
    are at the top, in view (seen in the walk: the grid opened on the old selection, far below them)."""
    from tests.gui.conftest import wait_idle
    from tests.photos import make_photos

    folder = tmp_path / "many"
    make_photos(folder, 40)
    window = open_window(tiny_home)
    window.resize(900, 500)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 40)
    last = window.grid_model.index(39, 0)
    window.grid.setCurrentIndex(last)
    qtbot.waitUntil(lambda: window.grid.verticalScrollBar().value() > 0)
    chosen = last.data(ItemRole).id

    search(qtbot, window, "a photo of something")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 40)
    assert window.grid.currentIndex().data(ItemRole).id == chosen
    assert window.grid.verticalScrollBar().value() == 0
