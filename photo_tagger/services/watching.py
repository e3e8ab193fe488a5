"""Watching: a folder watcher over the library's roots that leaves the app's own folders out (for `watch` and
the window's live watching; core/watching.py turns its batches into index runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from photo_tagger.core.scan import is_under


def folder_watcher(app, roots, on_changes: Callable, debounce: float):
    """An infra.fs_watch.FolderWatcher (not started) over `roots`, blind to the app's config, data, cache and log
    folders when they sit under a root (its own writes there are not photos)."""
    from photo_tagger.infra.fs_watch import FolderWatcher  # here: watchdog only for the commands that watch

    app_dirs = tuple(str(d) for d in app.paths.app_dirs())
    return FolderWatcher([Path(r) for r in roots], on_changes, debounce=debounce,
                         ignore=lambda p: any(is_under(str(p), d) for d in app_dirs))
