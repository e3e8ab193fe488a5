"""Turn a watcher's change batches into index runs, one at a time, on the caller's thread; tell the app's own
writes (its sidecars) from other programs' changes."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class WatchLoop:
    """Queue change sets from the watcher thread; run `index(scope)` for them on the loop's thread.

    A removal waits `move_grace` seconds for its arrival: a rename or a move comes as a removal first and the
    settled new file later. Arrivals wait with it, so one run holds the removal and everything that arrived
    meanwhile, and the indexer matches them by content hash: the photo keeps its id, tags and the user's
    choices whatever else arrived (a new folder, another copy). With no removal waiting, arrivals go at once.
    Removals that never stop coming hold arrivals back at most `max_hold` seconds.
    """

    def __init__(
        self,
        index: Callable[[list[str]], object],
        *,
        move_grace: float = 3.0,
        max_hold: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._index = index
        self._queue: queue.Queue = queue.Queue()
        self.move_grace = move_grace
        self.max_hold = max_hold
        self._clock = clock  # the tests' is turned by hand
        self._arrivals: set[str] = set()
        self._removals: dict[str, float] = {}  # path -> when its wait for an arrival ends
        self._held_since = 0.0

    def on_changes(self, changes) -> None:
        """Called on the watcher's thread: only records."""
        self._queue.put(changes)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                changes = self._queue.get(timeout=0.2)
            except queue.Empty:
                changes = None
            self.turn(changes)

    def turn(self, changes=None) -> None:
        """One turn of the loop at the clock's time: take in `changes` (None: none came), and run the index for
        what waited once it is due."""
        now = self._clock()
        if changes is not None:
            self._arrivals |= {str(p) for p in (*changes.changed, *changes.dirs)}
            if changes.removed and not self._removals:
                self._held_since = now
            for path in changes.removed:
                self._removals.setdefault(str(path), now + self.move_grace)
        if not self._arrivals and not self._removals:
            return
        if self._removals and max(self._removals.values()) > now and now - self._held_since < self.max_hold:
            return
        scope = sorted(self._arrivals | set(self._removals))
        self._arrivals, self._removals = set(), {}
        try:
            self._index(scope)
        except Exception:  # keep watching; the next change or start-up scan retries
            log.exception("indexing %d changed paths failed", len(scope))


class OwnWrites:
    """Files the app itself wrote (its XMP sidecars), with the (size, mtime) it left them at. The watcher's report
    of a file still exactly so is the app's own echo: no index run, and the status line keeps the export's result.
    A file changed since (another program edited the sidecar) no longer matches and is read again.
    Thread-safe: the writer notes, the watcher's thread checks."""

    def __init__(self):
        self._lock = threading.Lock()
        self._files: dict[str, tuple[int, int]] = {}

    def note(self, path: str) -> None:
        try:
            info = os.stat(path)
        except OSError:
            return
        with self._lock:
            self._files[os.path.abspath(path)] = (info.st_size, info.st_mtime_ns)

    def is_own(self, path) -> bool:
        path = os.path.abspath(path)
        with self._lock:
            noted = self._files.get(path)
        if noted is None:
            return False
        try:
            info = os.stat(path)
        except OSError:
            info = None
        if info is not None and (info.st_size, info.st_mtime_ns) == noted:
            return True
        with self._lock:  # changed by someone else (or gone): from now on it is theirs
            if self._files.get(path) == noted:
                del self._files[path]
        return False
