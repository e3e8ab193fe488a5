"""Live folder watching for the window: watchdog records, a WatchLoop batches, the writer indexes."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from photo_tagger.core.watching import OwnWrites, WatchLoop

if TYPE_CHECKING:
    from photo_tagger.services.folders import FolderService
    from photo_tagger.services.watching import FolderWatcher

log = logging.getLogger(__name__)


class LiveWatcher(QObject):
    """Watches the library's roots while the window is open; stopped by the runner's shutdown, first.

    Threads: watchdog's (records paths only), the loop's (waits out moves, then asks for an index run),
    the GUI thread (queues the run) and the writer (runs it, like every other store write).
    """

    changes_indexed = Signal(object)  # an IndexReport that changed something

    def __init__(self, folders: FolderService, runner, *, debounce: float = 0.5, move_grace: float = 3.0,
                 parent=None):
        super().__init__(parent)
        self.folders = folders  # made on the GUI thread: it opens nothing until a run (services/folders.py)
        self.runner = runner
        self.debounce = debounce
        self.move_grace = move_grace
        self.roots: tuple[str, ...] = ()
        self._watcher: FolderWatcher | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.own_writes = OwnWrites()
        self._loop: WatchLoop | None = None
        runner.add_shutdown_step(self.stop)

    @property
    def running(self) -> bool:
        return self._watcher is not None and not self._stop.is_set()

    def set_roots(self, roots) -> None:
        """Watch exactly these roots (starts the watcher on the first call with any)."""
        roots = tuple(dict.fromkeys(roots))
        if self._stop.is_set() or roots == self.roots:
            return
        if self._watcher is None:
            if roots:
                self._start(roots)
        else:
            for root in set(self.roots) - set(roots):
                self._watcher.remove_root(Path(root))
            for root in set(roots) - set(self.roots):
                self._watcher.add_root(Path(root))
        self.roots = roots
        for root, reason in (self._watcher.failed_roots.items() if self._watcher else ()):
            log.warning("not watching %s: %s", root, reason)

    def _start(self, roots: tuple[str, ...]) -> None:
        loop = self._loop = WatchLoop(self._index_requested, move_grace=self.move_grace)
        self._watcher = self.folders.watcher(roots, self._on_changes, self.debounce)
        self._watcher.start()
        self._thread = threading.Thread(target=loop.run, args=(self._stop,), name="watch-loop", daemon=True)
        self._thread.start()
        log.info("watching %d folder(s) for changes", len(roots))

    def _on_changes(self, changes) -> None:
        """On the watcher's thread: the app's own writes are left out before the loop sees the batch."""
        changed = frozenset(p for p in changes.changed if not self.own_writes.is_own(p))
        if changed != changes.changed:
            log.debug("left out %d file(s) the app wrote itself", len(changes.changed) - len(changed))
            changes = replace(changes, changed=changed)
        if changes and self._loop is not None:
            self._loop.on_changes(changes)

    def catch_up(self) -> None:
        """Index what changed while the app was closed (and re-encode for a new model), like `watch` does."""
        if not self._stop.is_set():
            self._queue_index([])

    def _index_requested(self, scope: list[str]) -> None:
        """On the loop's thread: hand the run to the GUI thread, which queues it on the writer."""
        self.runner.call_in_gui(self._queue_index, scope)

    def _queue_index(self, scope: list[str]) -> None:
        if self._stop.is_set():
            return
        self.runner.write("Indexing changes",
                          lambda progress, control: self.folders.index_changes(scope, progress, control),
                          on_done=partial(self._indexed, bool(scope)))

    def _indexed(self, watched: bool, report) -> None:
        if report is None:
            return
        # A catch-up scan retries every skipped file: still skipped is no news. A watched change that ends up
        # skipped (a broken file arrived) is.
        if report.new or report.updated or report.moved or report.removed or (watched and report.skipped):
            self.changes_indexed.emit(report)

    def stop(self) -> None:
        """Idempotent; joins the watcher's and the loop's threads (what they had pending is dropped)."""
        self._stop.set()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
