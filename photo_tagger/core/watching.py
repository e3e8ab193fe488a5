"""Turn a watcher's change batches into index runs, one at a time, on the caller's thread."""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)


class WatchLoop:
    """Queue change sets from the watcher thread; run `index(scope)` for them on the loop's thread.

    Removals wait `move_grace` seconds for a matching arrival: a move across folders comes as a removal
    first and the settled new file later, and indexing both together keeps the photo's embedding.
    """

    def __init__(self, index: Callable[[list[str]], object], *, move_grace: float = 3.0):
        self._index = index
        self._queue: queue.Queue = queue.Queue()
        self.move_grace = move_grace

    def on_changes(self, changes) -> None:
        """Called on the watcher's thread: only records."""
        self._queue.put(changes)

    def run(self, stop: threading.Event) -> None:
        waiting_removals: set[str] = set()
        deadline = None
        while not stop.is_set():
            try:
                changes = self._queue.get(timeout=0.2)
            except queue.Empty:
                changes = None
            arrivals: set[str] = set()
            if changes is not None:
                arrivals = {str(p) for p in (*changes.changed, *changes.dirs)}
                removed = {str(p) for p in changes.removed}
                if removed and not arrivals:
                    waiting_removals |= removed
                    deadline = deadline or time.monotonic() + self.move_grace
                    continue
                arrivals |= removed
            if arrivals or (waiting_removals and deadline and time.monotonic() >= deadline):
                scope = sorted(arrivals | waiting_removals)
                waiting_removals, deadline = set(), None
                try:
                    self._index(scope)
                except Exception:  # keep watching; the next change or start-up scan retries
                    log.exception("indexing %d changed paths failed", len(scope))
