"""The watchers skip the app's own folders, and only those: a sibling sharing a name prefix is a photo folder."""

from __future__ import annotations

import argparse

import pytest

from photo_tagger.app import App
from photo_tagger.core.scan import is_under


def _paths(home):
    app = App.from_home(home)
    data = str(app.paths.data_dir)
    return app, data + "/thumbnails/x.jpg", data + "2/holiday/beach.jpg"  # inside; a sibling sharing a prefix


def test_is_under_tells_a_sibling_with_a_common_prefix_from_a_subfolder():
    assert is_under("/photos/2024/a.jpg", "/photos")
    assert not is_under("/photos2/a.jpg", "/photos")
    assert not is_under("/photos2", "/photos")


class _Captured(Exception):
    pass


def test_cli_watch_ignores_app_folders_but_not_their_prefix_siblings(home, monkeypatch):
    from photo_tagger.cli import library
    from photo_tagger.infra import fs_watch

    app, inside, sibling = _paths(home)
    app.catalog.add_root(str(home), 0.0)
    seen = {}

    def fake_watcher(roots, on_changes, *, debounce, ignore):
        seen["ignore"] = ignore
        raise _Captured

    monkeypatch.setattr(fs_watch, "FolderWatcher", fake_watcher)
    try:
        with pytest.raises(_Captured):
            library._watch(app, argparse.Namespace(debounce=0.5))
    finally:
        app.close()
    assert seen["ignore"](inside)
    assert not seen["ignore"](sibling)


def test_window_watcher_ignores_app_folders_but_not_their_prefix_siblings(home, qtbot, monkeypatch):
    from photo_tagger.gui import live_watch
    from photo_tagger.infra import fs_watch

    app, inside, sibling = _paths(home)
    seen = {}

    class FakeWatcher:
        def __init__(self, roots, on_changes, *, debounce, ignore):
            seen["ignore"] = ignore
            self.failed_roots = {}

        def start(self):
            pass

        def stop(self):
            pass

    class Runner:
        def add_shutdown_step(self, step):
            pass

    monkeypatch.setattr(fs_watch, "FolderWatcher", FakeWatcher)  # services/watching.py builds both watchers
    watcher = live_watch.LiveWatcher(app.folder_service, Runner())
    try:
        watcher.set_roots([str(home)])
    finally:
        watcher.stop()
    assert seen["ignore"](inside)
    assert not seen["ignore"](sibling)
