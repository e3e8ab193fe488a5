"""The window's search: the query language in the bar's tooltip, text in photos found first and shown in details with
the search's words marked, and "Like this photo, but..." from the photo menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

TEXT = "Corner <b>Shop</b> & Co\nTOTAL 42.50\nthank you"


def library_window(qtbot, open_window, home, folder):
    window = open_window(home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    return window


def give_text(window, item, text: str) -> None:
    """What OCR would have stored for this photo."""
    catalog = window.app.catalog
    record = catalog.get([item.id])[item.id]
    with catalog.transaction() as db:
        catalog.set_photo_text(db, record.id, record.content_hash, "text", text)


def search(qtbot, window, query: str) -> None:
    window.search_bar.edit.setText(query)
    window.search_bar.submit()
    qtbot.waitUntil(lambda: f"\u201c{query}\u201d" in window.header.text() and "Searching" not in window.header.text(),
                    timeout=15_000)


def test_the_search_bar_tooltip_explains_the_query_language(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    tip = window.search_bar.edit.toolTip()
    for example in ("beach -people", "2:dog beach", "&quot;total 42.50&quot;", "-2:people", "12:30"):
        assert example in tip
    assert "text in them" in tip and "file name" in tip


def test_a_photo_with_the_words_comes_first_and_details_mark_them(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = window.grid_model.item(4)
    give_text(window, item, TEXT)

    search(qtbot, window, "total 42.50")
    assert window.grid_model.item(0).id == item.id  # its text holds the words: first, and a strong match
    assert "strong" in window.header.text() and "text" in window.grid_model.item(0).reasons
    tip = window.grid_model.data(window.grid_model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "matched by " in tip and "text" in tip.split("matched by ")[1]
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    panel = window.details
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.item.id == item.id)
    assert panel.text.isVisible() and panel.text_title.isVisible()
    shown = panel.text.text()
    assert "&lt;b&gt;Shop&lt;/b&gt; &amp; Co" in shown  # the photo's text is text, never markup
    marked = '<span style="font-weight: bold; background-color: #ffe37a; color: #000000">'
    assert f"{marked}TOTAL</span> {marked}42.50</span>" in shown and shown.count(marked) == 2
    assert "<br>" in shown  # its lines kept

    search(qtbot, window, '"total 42.50" -dog')  # quoted text is marked too; the minus term is not
    assert [window.grid_model.item(r).id for r in range(window.grid_model.rowCount())] == [item.id]
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.item.id == item.id)
    assert f"{marked}TOTAL 42.50</span>" in panel.text.text()

    window.search_bar.edit.clear()
    window.search_bar.submit()
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6 and not window.query)
    panel.set_search("")
    assert marked not in panel.text.text() and "TOTAL 42.50" in panel.text.text()

    row = next(r for r in range(6) if window.grid_model.item(r).id != item.id)
    other = window.grid_model.item(row)
    window.grid.setCurrentIndex(window.grid_model.index(row, 0))
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.item.id == other.id)
    assert panel.text.isHidden() and panel.text_title.isHidden()  # no text read in it: no section

    give_text(window, other, "word " * 2000 + "TOTAL 42.50")  # thousands of boxes: the start is shown
    window.photos.show(other)
    qtbot.waitUntil(lambda: panel.details is not None and len(panel.details.text) > 10_000)
    assert "... and 7,011 more characters" in panel.text.text() and len(panel.text.text()) < 3500


def test_a_malformed_query_says_what_is_wrong(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    window.search_bar.edit.setText("beach x2:dog")
    window.search_bar.submit()
    assert window.header.text().startswith("Search: 'x2:dog': the weight 'x2' is not a number")
    assert "\n" not in window.header.text() and window.grid_model.rowCount() == 0  # no old results under it
    search(qtbot, window, "beach 2:dog")  # put right: it runs
    assert window.grid_model.rowCount() == 6


def test_like_this_photo_but_shows_photos_like_it_as_the_words_say(qtbot, open_window, tiny_home, photo_folder):
    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    item = window.grid_model.item(2)
    asked = []
    window.photos.ask_words = lambda photo: asked.append(photo.id) or "a red photo"
    actions = {a.text(): a for a in window.photos.menu([item]).actions() if a.text()}
    actions["Like this photo, but..."].trigger()
    assert asked == [item.id]
    qtbot.waitUntil(lambda: window.header.text() ==
                    f"5 photos most like {item.name}, but \u201ca red photo\u201d, best first", timeout=15_000)
    like = window.grid_model.items
    assert item.id not in {i.id for i in like} and all(i.score is not None for i in like)
    assert [i.score for i in like] == sorted((i.score for i in like), reverse=True)
    window.photos.ask_words = lambda photo: "a red photo -green -blue"  # minus terms push photos down: the score
    actions["Like this photo, but..."].trigger()  # shown is the one they are ordered by
    qtbot.waitUntil(lambda: "-green -blue\u201d, best first" in window.header.text(), timeout=15_000)
    like = window.grid_model.items
    assert like and [i.score for i in like] == sorted((i.score for i in like), reverse=True)

    window.photos.ask_words = lambda photo: ""  # cancelled: nothing runs
    actions["Like this photo, but..."].trigger()
    assert window.header.text().endswith("best first") and not window.runner.busy

    window.photos.ask_words = lambda photo: "-"
    actions["Like this photo, but..."].trigger()
    assert window.status.message.text() == ("Like this photo, but: a lone '-': put the term to leave out right after "
                                            "it, e.g. -people")
    assert window.header.text().endswith("best first") and not window.runner.busy


def test_the_window_parses_a_query_once_for_the_grid_the_details_and_the_search(qtbot, open_window, tiny_home,
                                                                               photo_folder, monkeypatch):
    from photo_tagger.core import query as query_module

    window = library_window(qtbot, open_window, tiny_home, photo_folder)
    parsed = []
    real = query_module._parse
    monkeypatch.setattr(query_module, "_parse", lambda text: parsed.append(text) or real(text))
    search(qtbot, window, "total 42.50 -dog")
    assert parsed == ["total 42.50 -dog"]  # the check, the details panel's marks and the search: one parse
    assert window.details._needles == ("total", "42.50")
    window.scope = window.scope  # a refresh of the same search (a folder picked, say) parses nothing again
    window.refresh_grid()
    qtbot.waitUntil(lambda: "Searching" not in window.header.text(), timeout=15_000)
    assert parsed == ["total 42.50 -dog"]
