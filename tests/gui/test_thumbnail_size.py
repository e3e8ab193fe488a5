"""The thumbnail size setting: the grid reflows at once, thumbnails are cached per size, settings.toml keeps it."""

from __future__ import annotations

import tomllib

import pytest

from tests.photos import make_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


@pytest.fixture
def photo_folder(tmp_path):
    """Photos larger than the largest thumbnail (thumbnails are never upscaled)."""
    folder = tmp_path / "large"
    for i in range(6):
        make_photo(folder / f"IMG_{i:05d}.jpg", ((i * 37) % 256, (i * 91) % 256, 90), size=(480, 320))
    return folder


def thumbnail_files(window) -> set:
    return set((window.app.paths.cache_dir / "thumbnails").rglob("*.jpg"))


def tile_width(window) -> int:
    return window.grid.visualRect(window.grid_model.index(0, 0)).width()


def tiles_of(window, size: int) -> bool:
    """Thumbnails drawn at `size` in tiles at least that wide (tiles widen so the columns fill the grid)."""
    return window.grid.delegate.box_size == size and tile_width(window) >= size + 12


def test_changing_the_size_in_settings_reflows_the_grid_and_is_kept(qtbot, open_window, tiny_home, photo_folder):
    window = open_window(tiny_home)
    window.resize(1000, 700)
    window.folders.add(str(photo_folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    qtbot.waitUntil(lambda: len(thumbnail_files(window)) == 6, timeout=10_000)
    medium = thumbnail_files(window)
    assert window.grid.thumbnail_size == 160 and tiles_of(window, 160)
    window.grid.setCurrentIndex(window.grid_model.index(3, 0))

    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    assert dialog.thumbnail_size.currentData() == 160
    assert [dialog.thumbnail_size.itemData(i) for i in range(dialog.thumbnail_size.count())] == [112, 160, 240]
    dialog.thumbnail_size.setCurrentIndex(dialog.thumbnail_size.findData(240))
    dialog.accept()

    # At once: the tiles, the placeholders and the menu follow; no restart, the current photo stays current.
    assert window.grid.thumbnail_size == 240 and window.thumbnails.size == 240
    qtbot.waitUntil(lambda: tiles_of(window, 240))
    assert window.grid.iconSize().width() == 240 and window.thumbnails.loading.width() == 240
    assert [a.data() for a in window.size_actions.actions() if a.isChecked()] == [240]
    assert window.grid.currentIndex().row() == 3
    # New thumbnails of the new size, beside the old ones (switching back costs nothing).
    # The tiles on screen get thumbnails of the new size (only those are made: a 1000 px window shows one column of
    # 240 px tiles, the current photo centred).
    def on_screen() -> list[int]:
        viewport = window.grid.viewport().rect()
        return [r for r in range(6) if window.grid.visualRect(window.grid_model.index(r, 0)).intersects(viewport)]

    def large_shown(row: int) -> bool:
        icon = window.grid_model.index(row, 0).data(1)
        return icon.width() == 240 or icon.height() == 240

    qtbot.waitUntil(lambda: 3 in on_screen() and all(large_shown(r) for r in on_screen())
                    and len(thumbnail_files(window) - medium) >= len(on_screen()), timeout=10_000)
    large = thumbnail_files(window) - medium
    from PIL import Image
    assert len(large) >= len(on_screen()) and max(max(Image.open(f).size) for f in large) == 240
    assert max(max(Image.open(f).size) for f in medium) == 160

    settings_file = window.app.paths.settings_file
    qtbot.waitUntil(lambda: tomllib.loads(settings_file.read_text())["thumbnail_size"] == 240)
    assert "device" not in window.status.message.text()  # nothing needs a restart

    # The View menu does the same, in one click.
    small = next(a for a in window.size_actions.actions() if a.text() == "Small")
    small.trigger()
    assert window.grid.thumbnail_size == 112
    qtbot.waitUntil(lambda: tiles_of(window, 112))
    qtbot.waitUntil(lambda: tomllib.loads(settings_file.read_text())["thumbnail_size"] == 112)
    small_files = lambda: [f for f in thumbnail_files(window) - large - medium if max(Image.open(f).size) == 112]  # noqa: E731
    qtbot.waitUntil(lambda: len(small_files()) >= len(on_screen()), timeout=10_000)


def test_the_size_is_read_at_start_and_sizes_do_not_mix(qtbot, open_window, tiny_home, photo_folder):
    from photo_tagger.app import App

    App.from_home(tiny_home).update_settings(thumbnail_size=112)
    window = open_window(tiny_home)
    assert window.grid.thumbnail_size == 112 and window.thumbnails.size == 112
    assert [a.text() for a in window.size_actions.actions() if a.isChecked()] == ["Small"]
    window.folders.add(str(photo_folder))
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    window.grid.viewport().repaint()
    # Thumbnails still being made for the old size when the size changes are dropped, never shown.
    window.set_thumbnail_size(160)
    qtbot.waitUntil(lambda: len(thumbnail_files(window)) >= 6, timeout=10_000)
    qtbot.wait(300)
    for row in range(6):
        pixmap = window.grid_model.index(row, 0).data(1)
        assert pixmap is window.thumbnails.loading or max(pixmap.width(), pixmap.height()) == 160


def test_a_hand_edited_size_is_offered_as_custom(qtbot, open_window, tiny_home):
    from photo_tagger.app import App

    App.from_home(tiny_home).update_settings(thumbnail_size=200)
    window = open_window(tiny_home)
    assert window.grid.thumbnail_size == 200
    assert not any(a.isChecked() for a in window.size_actions.actions())
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    assert dialog.thumbnail_size.currentText() == "Custom (200 px)"
    assert dialog.changes() == {}
    dialog.reject()
