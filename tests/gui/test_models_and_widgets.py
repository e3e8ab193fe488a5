"""Item models (qtmodeltester), thumbnails on disk, the search bar's debounce."""

from __future__ import annotations

from PySide6.QtCore import Qt

from photo_tagger.core.preprocess import UnreadableImage
from photo_tagger.gui.models.photo_grid import PhotoGridModel
from photo_tagger.gui.models.sidebar_models import FolderListModel, TagListModel
from photo_tagger.gui.thumbnails import ThumbnailCache
from photo_tagger.gui.widgets.search_bar import SearchBar
from photo_tagger.services.browsing import FolderRow, GridItem
from tests.photos import make_photo


def items(n, score=None):
    return [GridItem(f"id{i}", f"/photos/IMG_{i}.jpg", 1_700_000_000_000_000_000 + i, "indexed", score=score,
                     tags=("dog",) if i % 2 else ()) for i in range(n)]


def test_grid_model_fills_in_batches(qtbot, qtmodeltester):
    model = PhotoGridModel()
    inserts = []
    model.rowsInserted.connect(lambda parent, first, last: inserts.append((first, last)))
    model.append(items(3))
    model.append([])
    model.append(items(2, score=0.25))
    assert inserts == [(0, 2), (3, 4)]
    assert model.index(4, 0).data() == "IMG_1.jpg\n0.250"
    assert "tags: dog" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_sidebar_models(qtmodeltester):
    folders = FolderListModel()
    folders.set_folders([FolderRow("/photos/2023", 10, 1), FolderRow("/photos/2024", 5)])
    assert [folders.index(r, 0).data() for r in range(3)] == ["All photos (15)", "2023 (10)", "2024 (5)"]
    assert folders.row_of("/photos/2024") == 2 and folders.row_of(None) == 0
    qtmodeltester.check(folders)
    tags = TagListModel()
    tags.set_tags([("dog", 3), ("beach", 1)], flagged=2)
    assert [tags.index(r, 0).data() for r in range(4)] == ["Any tag", "Flagged (2)", "dog (3)", "beach (1)"]
    qtmodeltester.check(tags)


def test_thumbnails_are_cached_by_path_size_and_mtime(tmp_path):
    photo = make_photo(tmp_path / "p.jpg", size=(800, 600))
    cache = ThumbnailCache(tmp_path / "thumbs", size=64)
    first = cache.ensure(str(photo), 1)
    assert first.exists() and cache.ensure(str(photo), 1) == first
    assert cache.ensure(str(photo), 2) != first  # edited photo: new thumbnail
    image = cache.load(str(photo), 1)
    assert max(image.width(), image.height()) == 64
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    try:
        cache.ensure(str(broken), 1)
    except UnreadableImage:
        pass
    else:
        raise AssertionError("a broken photo made a thumbnail")


def test_search_bar_debounces_typing_and_searches_at_once_on_enter(qtbot):
    bar = SearchBar(debounce_ms=50)
    qtbot.addWidget(bar)
    queries = []
    bar.query_changed.connect(queries.append)
    qtbot.keyClicks(bar.edit, "dog  on a beach")
    qtbot.waitUntil(lambda: bool(queries))
    qtbot.wait(100)
    assert queries == ["dog on a beach"]
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert queries == ["dog on a beach", "dog on a beach"]
