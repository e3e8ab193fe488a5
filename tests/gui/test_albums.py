"""Albums in the window (issue 24 §1, §2): the sidebar's section with counts, create/rename/delete from its menu,
photos dropped onto an album, the grid's Add to album / Remove from album, and a search saved as a smart album."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from photo_tagger.core.grading import WEAK
from photo_tagger.gui.models.photo_grid import MatchRole
from photo_tagger.gui.models.photo_mime import PHOTO_IDS_MIME, photo_ids_of
from tests.gui.conftest import wait_idle


def _ready(qtbot, open_window, home, folder):
    window = open_window(home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    return window


def _counts(window) -> dict[str, int]:
    return {a.name: a.count for a in window.sidebar.albums.albums}


def _album_row_index(window, name):
    row = next(r for r, a in enumerate(window.sidebar.albums.albums) if a.name == name)
    return window.sidebar.albums.index(row, 0)


def test_create_then_drop_photos_onto_an_album_and_view_it(qtbot, qtmodeltester, open_window, tiny_home,
                                                          photo_folder):
    window = _ready(qtbot, open_window, tiny_home, photo_folder)
    names = iter(["Holiday", "Trip 2026"])
    window.albums.ask_name = lambda title, label, text="": next(names)
    menu = {a.text(): a for a in window.sidebar.album_menu(None).actions()}
    menu["New album..."].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {"Holiday": 0})
    assert "Created the album" in window.status.message.text()

    # Drag three photos from the grid: the grid's model packs their ids, the album's drop adds them.
    items = window.grid_model.items[:3]
    data = window.grid_model.mimeData([window.grid_model.index(r, 0) for r in range(3)])
    assert photo_ids_of(data) == [i.id for i in items]
    assert window.grid_model.flags(window.grid_model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    view = window.sidebar.album_view
    target = view.visualRect(_album_row_index(window, "Holiday")).center()
    enter = QDragEnterEvent(target, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(target, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {"Holiday": 3})
    assert "Added 3 photos" in window.status.message.text()
    # Between rows or on nothing: no album takes them.
    assert not window.sidebar.albums.canDropMimeData(data, Qt.DropAction.CopyAction, 0, 0, QModelIndex())
    qtmodeltester.check(window.sidebar.albums)

    # Clicking the album shows its photos.
    view.clicked.emit(_album_row_index(window, "Holiday"))
    qtbot.waitUntil(lambda: window.header.text().startswith("Album \u201cHoliday\u201d: 3 photos"))
    assert [i.id for i in window.grid_model.items] == [i.id for i in items]

    # The grid's menu: Remove from the album shown, Add to another (a new one).
    window.grid.selectionModel().clear()
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    actions = {a.text(): a for a in window.photos.menu(window.selected_items()).actions()}
    actions["Remove from \u201cHoliday\u201d"].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 2 and _counts(window) == {"Holiday": 2})
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    add_menu = {a.text(): a for a in window.photos.menu(window.selected_items()).actions()}
    add = add_menu["Add to album"].menu()
    {a.text(): a for a in add.actions()}["New album..."].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {"Holiday": 2, "Trip 2026": 1})

    # A folder chosen in the sidebar takes the grid back.
    window.sidebar.folder_view.clicked.emit(window.sidebar.folders.index(0, 0))  # "All photos", current already
    qtbot.waitUntil(lambda: window.header.text().startswith("6 photos"))
    assert not window.albums.showing


def test_rename_and_delete_from_the_sidebar_keep_the_photos(qtbot, open_window, tiny_home, photo_folder):
    window = _ready(qtbot, open_window, tiny_home, photo_folder)
    service = window.app.album_service
    service.create("Old name")
    service.add("Old name", [i.id for i in window.grid_model.items[:2]])
    window.refresh_sidebar()
    qtbot.waitUntil(lambda: _counts(window) == {"Old name": 2})
    album = window.sidebar.albums.albums[0]
    window.sidebar.album_view.setCurrentIndex(window.sidebar.albums.index(0, 0))  # shown while renamed
    qtbot.waitUntil(lambda: window.header.text().startswith("Album \u201cOld name\u201d: 2 photos"))
    window.albums.ask_name = lambda title, label, text="": "New name"
    {a.text(): a for a in window.sidebar.album_menu(album).actions()}["Rename album..."].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {"New name": 2})
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 2)  # still shown, not lost with its old name
    assert "could not" not in window.header.text().lower()
    window.confirm = lambda text: "stay in the library" in text
    {a.text(): a for a in window.sidebar.album_menu(window.sidebar.albums.albums[0]).actions()}["Delete album"].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {})
    assert len(window.app.catalog.records()) == 6 and len(list(photo_folder.iterdir())) == 6


def test_a_search_saved_as_a_smart_album_in_one_click(qtbot, open_window, tiny_home, photo_folder):
    window = _ready(qtbot, open_window, tiny_home, photo_folder)
    assert not window.save_search_button.isVisibleTo(window)
    qtbot.keyClicks(window.search_bar.edit, "a red photo")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=10_000)
    assert window.save_search_button.isVisibleTo(window)
    asked = []
    window.albums.ask_name = lambda title, label, text="": asked.append(text) or "Reds"
    window.save_search_button.click()
    wait_idle(qtbot, window)
    assert asked == ["a red photo"]  # the name offered is the search
    qtbot.waitUntil(lambda: "Reds" in _counts(window))
    smart = window.sidebar.albums.albums[0]
    strong = window.grid_model.rowCount() - len([i for i in range(window.grid_model.rowCount())
                                                 if window.grid_model.index(i, 0).data(MatchRole) == WEAK])
    assert smart.smart and smart.search.query == "a red photo" and smart.search.strong_only
    assert smart.count == strong  # what the grid shows above the line
    # The button's arrow: the weaker matches too, as the grid shows them all.
    window.albums.ask_name = lambda title, label, text="": "Reds, all"
    window.save_search_button.menu().actions()[0].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window).get("Reds, all") == 6)
    assert window.sidebar.albums.data(_album_row_index(window, "Reds")).startswith(f"\u2731 Reds ({strong})")
    # Photos cannot be dropped onto a smart album.
    data = window.grid_model.mimeData([window.grid_model.index(0, 0)])
    assert data.hasFormat(PHOTO_IDS_MIME)
    assert not window.sidebar.albums.canDropMimeData(data, Qt.DropAction.CopyAction, -1, -1,
                                                     _album_row_index(window, "Reds"))

    # Choosing it empties the search and shows its photos; the grid's menu offers no "Remove from".
    window.sidebar.album_view.clicked.emit(_album_row_index(window, "Reds"))
    qtbot.waitUntil(lambda: window.header.text().startswith(f"Smart album \u201cReds\u201d: {strong} photo"),
                    timeout=10_000)
    assert window.search_bar.edit.text() == "" and window.albums.showing
    window.sidebar.album_view.clicked.emit(_album_row_index(window, "Reds, all"))
    qtbot.waitUntil(lambda: window.header.text().startswith("Smart album \u201cReds, all\u201d: 6 photos"))
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    texts = [a.text() for a in window.photos.menu(window.selected_items()).actions()]
    assert "Add to album" in texts and not any(t.startswith("Remove from") for t in texts)


def test_a_smart_album_shown_follows_new_photos(qtbot, open_window, tiny_home, photo_folder):
    from photo_tagger.core.albums import SavedSearch
    from tests.photos import make_photo

    window = _ready(qtbot, open_window, tiny_home, photo_folder)
    window.app.album_service.create("Everything red", SavedSearch("a red photo"))  # all matches: every photo
    window.refresh_sidebar()
    qtbot.waitUntil(lambda: _counts(window) == {"Everything red": 6})
    window.sidebar.album_view.setCurrentIndex(_album_row_index(window, "Everything red"))
    qtbot.waitUntil(lambda: window.header.text().startswith("Smart album \u201cEverything red\u201d: 6 photos"))

    make_photo(photo_folder / "new.jpg", (220, 20, 20))
    window.folders.rescan(str(photo_folder))  # as the watcher's indexing of a new file ends
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: _counts(window) == {"Everything red": 7}, timeout=10_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 7, timeout=10_000)
    assert "new.jpg" in {i.name for i in window.grid_model.items}
