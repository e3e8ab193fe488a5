"""Watching: a folder watcher over the library's roots that leaves the app's own folders out (for `watch` and
the window's live watching; core/watching.py turns its batches into index runs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.scan import is_under

if TYPE_CHECKING:
    from photo_tagger.infra.fs_watch import FolderWatcher


def folder_watcher(
    app_dirs: Iterable[Path], roots: Iterable[str], on_changes: Callable, debounce: float
) -> FolderWatcher:
    """An infra.fs_watch.FolderWatcher (not started) over `roots`, blind to the app's config, data, cache and log
    folders when they sit under a root (its own writes there are not photos)."""
    from photo_tagger.infra.fs_watch import FolderWatcher  # here: watchdog only for the commands that watch

    own = tuple(str(d) for d in app_dirs)
    return FolderWatcher(
        [Path(r) for r in roots], on_changes, debounce=debounce, ignore=lambda p: any(is_under(str(p), d) for d in own)
    )
