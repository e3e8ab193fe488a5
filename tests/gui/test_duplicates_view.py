"""The Duplicates view over a real indexed library with copies: groups side by side, keep one, the others to the
system trash (the freedesktop trash under tmp), and the library forgets them."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from PySide6.QtCore import Qt
from send2trash import TrashPermissionError

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.services.duplicates import DuplicateService
from tests.gui.conftest import wait_idle
from tests.photos import make_photo, make_photos

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


@pytest.fixture
def copies(tmp_path):
    """Four distinct photos; IMG_00000 copied byte for byte into a subfolder twice, one copy with a newer file
    time (so the original, the oldest, is the photo to keep)."""
    folder = tmp_path / "photos"
    first = make_photos(folder, 4)[0]
    (folder / "backup").mkdir()
    shutil.copy2(first, folder / "backup" / "copy_a.jpg")
    shutil.copy2(first, folder / "backup" / "copy_b.jpg")
    os.utime(folder / "backup" / "copy_b.jpg", ns=(first.stat().st_mtime_ns + 10**9,) * 2)
    return folder


def open_duplicates(qtbot, open_window, home, folder, tier="exact"):
    window = open_window(home)
    window.folders.add(str(folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() > 0)
    qtbot.mouseClick(window.sidebar.duplicates_button, Qt.MouseButton.LeftButton)
    view = window.duplicates_view
    assert window.pages.currentWidget() is view
    view.tier.setCurrentIndex(view.tier.findData(tier))
    view.find()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not view.status.text().startswith("Finding"))
    qtbot.waitUntil(lambda: not view.building)  # cards are made one per event-loop turn
    return window, view


def confirm_with(monkeypatch, window, answer=True) -> list[str]:
    asked = []
    monkeypatch.setattr(window, "confirm", lambda text: asked.append(text) or answer)
    return asked


def test_keep_this_moves_the_other_copies_to_the_trash_and_the_library_forgets_them(
        qtbot, qtmodeltester, monkeypatch, open_window, tiny_home, copies, system_trash):
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)

    assert view.status.text().startswith("1 group of exact copies: 2 photos could go.")
    qtmodeltester.check(view.model)
    group = view.model.groups[0]
    assert [os.path.basename(p.path) for p in group.photos][0] == "IMG_00000.jpg"  # the oldest of equal size
    card = view._cards[0]
    tiles = card.tiles
    assert [t.photo.id for t in tiles] == [p.id for p in group.photos]
    assert tiles[0].objectName() == "suggestedTile" and tiles[0].keep_button.text() == "Keep this (suggested)"
    assert all(t.objectName() == "photoTile" and t.keep_button.text() == "Keep this" for t in tiles[1:])
    facts = tiles[1].facts.text()
    assert "96 \u00d7 64" in facts and "bytes" in facts and "2021-07-14 18:30:00" in facts
    assert group.reasons[tiles[1].photo.id] == "same bytes" and "<i>same bytes</i>" in facts
    # Side by side: one row of three tiles at this width.
    assert {card.grid.getItemPosition(card.grid.indexOf(t))[0] for t in tiles} == {0}
    qtbot.waitUntil(lambda: all(t.key in window.thumbnails._pixmaps for t in tiles), timeout=10_000)
    assert tiles[0].thumbnail.pixmap().cacheKey() == window.thumbnails.pixmap(*tiles[0].key).cacheKey()

    asked = confirm_with(monkeypatch, window)
    qtbot.mouseClick(tiles[0].keep_button, Qt.MouseButton.LeftButton)
    assert not tiles[1].keep_button.isEnabled()  # one click per group while it moves
    wait_idle(qtbot, window)

    assert asked and "move the 2 other photos of this group to the trash" in asked[0]
    assert sorted(os.listdir(system_trash / "files")) == ["copy_a.jpg", "copy_b.jpg"]
    assert os.listdir(copies / "backup") == [] and (copies / "IMG_00000.jpg").exists()
    qtbot.waitUntil(lambda: view.status.text() == "Moved 2 photos to the trash. No group of exact copies is left.")
    assert view.model.rowCount() == 0 and view._cards == []
    app = window.app
    assert sorted(os.path.basename(r.path) for r in app.catalog.records()) == [f"IMG_0000{i}.jpg" for i in range(4)]
    assert len(app.vector_store().get_embeddings([p.id for p in group.photos])) == 1
    # The grid and the folder counts follow (seen when the user goes back).
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4)
    qtbot.waitUntil(lambda: [f.photos for f in window.sidebar.folders.folders] == [4])
    window.activateWindow()
    view.tier.setFocus()
    qtbot.keyClick(view.tier, Qt.Key.Key_Escape)  # Esc leaves the view, as it leaves the viewer
    assert window.pages.currentWidget() is window.browser


def test_keeping_a_copy_that_is_not_the_suggested_one(qtbot, monkeypatch, open_window, tiny_home, copies,
                                                      system_trash):
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    tile = next(t for t in view._cards[0].tiles if t.photo.relpath == "backup/copy_b.jpg")
    confirm_with(monkeypatch, window)
    qtbot.mouseClick(tile.keep_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert sorted(os.listdir(system_trash / "files")) == ["IMG_00000.jpg", "copy_a.jpg"]
    assert os.listdir(copies / "backup") == ["copy_b.jpg"]


def test_after_keep_this_the_header_says_how_many_groups_remain(qtbot, monkeypatch, open_window, tiny_home, copies,
                                                                system_trash):
    second = copies / "IMG_00001.jpg"
    shutil.copy2(second, copies / "backup" / "copy_c.jpg")
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    assert view.status.text().startswith("2 groups of exact copies: 3 photos could go.")
    confirm_with(monkeypatch, window)
    card = next(c for c in view._cards if len(c.group.photos) == 3)
    qtbot.mouseClick(card.tiles[0].keep_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.status.text().startswith("Moved 2 photos"))
    assert view.status.text() == "Moved 2 photos to the trash. 1 group of exact copies: 1 photo could go."


def test_no_answer_no_move(qtbot, monkeypatch, open_window, tiny_home, copies, system_trash):
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    asked = confirm_with(monkeypatch, window, answer=False)
    qtbot.mouseClick(view._cards[0].tiles[0].keep_button, Qt.MouseButton.LeftButton)
    assert asked and not window.runner.busy
    assert not system_trash.exists() and len(os.listdir(copies / "backup")) == 2
    assert view.model.rowCount() == 1


def test_without_a_system_trash_the_files_stay_and_the_view_says_so(qtbot, monkeypatch, open_window, tiny_home,
                                                                     copies, system_trash):
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)

    def no_trash(path):
        raise TrashPermissionError(path)

    monkeypatch.setattr("photo_tagger.services.trash.send2trash", no_trash)
    confirm_with(monkeypatch, window)
    qtbot.mouseClick(view._cards[0].tiles[0].keep_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)

    assert sorted(os.listdir(copies / "backup")) == ["copy_a.jpg", "copy_b.jpg"]
    assert not system_trash.exists()
    expected = ("2 photos not moved: copy_a.jpg: this disk has no trash; the file stays, nothing was deleted "
                "(and 1 more)")
    qtbot.waitUntil(lambda: view.status.text() == f"{expected}. 1 group of exact copies: 2 photos could go.")
    assert window.status.message.text() == expected
    assert view.model.rowCount() == 1 and len(view._cards[0].tiles) == 3  # nothing left the group
    assert view._cards[0].isEnabled()  # and it can be tried again
    assert len(window.app.catalog.records()) == 6


def test_a_library_without_copies_says_so(qtbot, open_window, tiny_home, tmp_path, system_trash):
    folder = tmp_path / "photos"
    make_photos(folder, 3)
    window, view = open_duplicates(qtbot, open_window, tiny_home, folder)
    assert view.status.text() == "No exact copies found."
    assert view.model.rowCount() == 0 and view._cards == []


def test_the_folder_scope_the_view_menu_and_pages_of_groups(qtbot, qtmodeltester, monkeypatch, open_window, tiny_home, copies,
                                                            tmp_path, system_trash):
    monkeypatch.setattr("photo_tagger.gui.views.duplicates_view.PAGE", 1)
    other = tmp_path / "other"
    make_photo(other / "a.jpg", (10, 200, 10))
    shutil.copy2(other / "a.jpg", other / "b.jpg")
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    window.folders.add(str(other))
    wait_idle(qtbot, window)
    view.back_button.click()
    assert window.pages.currentWidget() is window.browser
    qtbot.waitUntil(lambda: len(window.sidebar.folders.folders) == 2)

    window.duplicates_action.trigger()  # View > Duplicates
    assert window.pages.currentWidget() is view
    assert [view.folder.itemData(i) for i in range(view.folder.count())] == [None, *sorted([str(copies), str(other)])]
    view.find()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.status.text().startswith("2 groups"))
    qtbot.waitUntil(lambda: not view.building)
    assert len(view._cards) == 1 and view.more_button.text() == "Show 1 more group (1 not shown)"
    view.more_button.click()
    qtbot.waitUntil(lambda: len(view._cards) == 2)
    assert view.more_button.isHidden()
    qtmodeltester.check(view.model)

    view.folder.setCurrentIndex(view.folder.findData(str(other)))
    view.find()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.status.text().startswith("1 group of exact copies in other"))
    assert {os.path.basename(p.path) for p in view.model.groups[0].photos} == {"a.jpg", "b.jpg"}


def test_an_error_is_one_line(qtbot, monkeypatch, caplog, open_window, tiny_home, copies):
    def broken(*args, **kwargs):
        raise PhotoTaggerError("the perceptual hashes could not be read\nsecond line")

    monkeypatch.setattr(DuplicateService, "find_groups", broken)
    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    for record in caplog.get_records("call"):
        if "could not be read" in record.getMessage():
            record.expected = True  # the runner logs a failed job as a warning
    assert view.status.text() == "Could not look for duplicates: the perceptual hashes could not be read"
    assert view.model.rowCount() == 0 and view._cards == []


def test_stopping_the_search_from_the_status_bar_says_so(qtbot, monkeypatch, open_window, tiny_home, copies):
    started, release = threading.Event(), threading.Event()

    def slow(service, tier, folder=None, progress=None, control=None):
        started.set()
        release.wait(10)
        control.checkpoint()  # raises Cancelled
        return []

    window, view = open_duplicates(qtbot, open_window, tiny_home, copies)
    monkeypatch.setattr(DuplicateService, "find_groups", slow)
    view.find()
    assert started.wait(10)
    window.runner.cancel_writes()
    release.set()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: view.status.text() == "Stopped looking for duplicates.")


def test_the_groups_model_shrinks_as_photos_leave(qtmodeltester):
    from photo_tagger.core.duplicates import DuplicateGroup
    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.gui.models.duplicate_groups import DuplicateGroupsModel, GroupRole

    def photo(name):
        return PhotoRecord(name, "/pics", f"{name}.jpg", 10, 1, "h", "indexed")

    a, b, c, d, e = (photo(n) for n in "abcde")
    model = DuplicateGroupsModel()
    model.set_groups([DuplicateGroup("near", (a, b, c), {"b": "phash distance 3"}, {"b": "near", "c": "exact"}),
                      DuplicateGroup("exact", (d, e), {}), DuplicateGroup("exact", (a,), {})])
    qtmodeltester.check(model)
    assert model.rowCount() == 2  # a group of one is no group
    assert model.index(0, 0).data() == "3 photos, keep a.jpg"
    assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "/pics/d.jpg\n/pics/e.jpg"

    model.forget({"b", "e"})
    assert [[p.id for p in g.photos] for g in model.groups] == [["a", "c"]] and model.groups[0].reasons == {}
    assert model.groups[0].tiers == {"c": "exact"}
    assert model.index(0, 0).data(GroupRole).keep is a
    qtmodeltester.check(model)


def test_near_copies_are_grouped_with_their_original_and_say_why(qtbot, open_window, tiny_home, tmp_path):
    from tests.copy_sets import make_copy_sets

    sets = make_copy_sets(tmp_path / "photos", scenes=2)
    window, view = open_duplicates(qtbot, open_window, tiny_home, sets.folder, tier="near")

    assert view.status.text().startswith("2 groups of near copies")
    for card in view._cards:
        original, *copies = [t.photo.path for t in card.tiles]
        # Copies of it only (recall with the tiny random model is the duplicates tests' business).
        assert sets.kinds[original] == "original" and set(copies) <= set(sets.copies[original])
        assert sets.same_bytes[original] in copies and len(copies) >= 4
        assert card.tiles[0].keep_button.text() == "Keep this (suggested)"
        assert all(card.group.reasons[t.photo.id] in t.facts.text() for t in card.tiles[1:])


def test_similar_shots_are_told_from_copies_before_anything_moves(qtbot, monkeypatch, open_window, tiny_home,
                                                                 tmp_path):
    from tests.copy_sets import make_copy_sets

    sets = make_copy_sets(tmp_path / "photos", scenes=1)
    window, view = open_duplicates(qtbot, open_window, tiny_home, sets.folder, tier="similar")

    card = next(c for c in view._cards if "similar" in c.group.tiers.values())
    shot = next(t for t in card.tiles[1:] if card.group.tiers[t.photo.id] == "similar")
    assert f"<i>similar shot: {card.group.reasons[shot.photo.id]}</i>" in shot.facts.text()
    asked = confirm_with(monkeypatch, window, answer=False)
    qtbot.mouseClick(card.tiles[0].keep_button, Qt.MouseButton.LeftButton)
    shots = sum(t == "similar" for t in card.group.tiers.values())
    assert f"Careful: {shots} photo" in asked[0] and "not copies" in asked[0]
