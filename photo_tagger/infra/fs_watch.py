"""Watch photo folders with watchdog and hand coalesced, settled path changes to one callback."""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog import events as wd
from watchdog.observers import Observer

log = logging.getLogger(__name__)

# Opened / closed-no-write events are left out on purpose: the stability check and the indexer open
# files, which would otherwise feed events back in. On inotify the filter also shapes the kernel mask,
# so those events never take space in the kernel queue. DirModifiedEvent is noise (every entry change).
_EVENTS = [wd.FileCreatedEvent, wd.DirCreatedEvent, wd.FileModifiedEvent, wd.FileAttribEvent, wd.FileClosedEvent,
           wd.FileDeletedEvent, wd.DirDeletedEvent, wd.FileMovedEvent, wd.DirMovedEvent]
_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".swp", ".swx")
_MAX_UNREADABLE_WAIT = 30.0  # then report anyway, so the indexer records why it fails
_LIMIT_HINTS = {errno.ENOSPC: " (inotify watch limit: raise fs.inotify.max_user_watches)",
                errno.EMFILE: " (inotify instance limit: raise fs.inotify.max_user_instances)"}


@dataclass(frozen=True)
class ChangeSet:
    changed: frozenset[Path] = frozenset()  # files that exist now and were stable; (re)index them
    removed: frozenset[Path] = frozenset()  # gone: files or whole directories (drop everything below)
    dirs: frozenset[Path] = frozenset()  # directories created or moved in; rescan them

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.dirs)


def is_temporary_name(name: str) -> bool:
    """Names that downloaders, editors and office suites use for files that are not done yet."""
    low = name.lower()
    # Hidden (emacs ".#" locks, gedit ".goutputstream-*"), office "~$" locks, "~" backups, and bare
    # numbers: vim's "4913" write probe (and its +123 successors); no photo is named without a suffix.
    return low.startswith((".", "~$")) or low.endswith(("~", *_TEMP_SUFFIXES)) or low.isdigit()


@dataclass(slots=True)
class _Seen:
    key: tuple[int, int]  # (size, mtime_ns)
    since: float  # when this key was first observed
    born: bool  # first event was a creation: if it vanishes unreported, nobody needs to hear
    due: float  # next re-check


class _Recorder(wd.FileSystemEventHandler):
    """Runs on watchdog's thread, so it only maps and records paths."""

    def __init__(self, watched: Path, root: Path, record: Callable[[Path, Path, bool], None]) -> None:
        self._watched, self._root, self._record = watched, root, record

    def on_any_event(self, event: wd.FileSystemEvent) -> None:
        # Only "created" is a birth: a rename onto an existing file replaces something the caller knows.
        for raw, born in ((event.src_path, event.event_type == "created"), (event.dest_path, False)):
            try:
                path = Path(os.fsdecode(raw)) if raw else None
                if path and self._watched != self._root and path.is_relative_to(self._watched):
                    path = self._root / path.relative_to(self._watched)  # report under the root as configured
                if path:
                    self._record(self._root, path, born)
            except Exception:  # escaping here would kill watchdog's thread
                log.exception("Dropped file-system event %r", event)


class FolderWatcher:
    """Recursive watch of several roots; calls ``on_changes`` from its own dispatcher thread."""

    def __init__(self, roots: Iterable[Path], on_changes: Callable[[ChangeSet], None], *,
                 debounce: float = 0.5, stable_for: float = 1.0, max_delay: float = 5.0,
                 ignore: Callable[[Path], bool] | None = None) -> None:
        self._roots: list[Path] = list(dict.fromkeys(_norm(r) for r in roots))
        self._on_changes, self._ignore = on_changes, ignore
        self._debounce, self._stable_for, self._max_delay = debounce, stable_for, max_delay
        self._cond = threading.Condition()
        self._pending: dict[Path, bool] = {}  # path -> born; guarded by _cond
        self._first = self._last = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # roots, observers, failures
        self._observers: dict[Path, Any] = {}
        self._failed: dict[Path, str] = {}
        self._thread: threading.Thread | None = None

    @property
    def failed_roots(self) -> dict[Path, str]:
        """Roots that could not be watched, with the reason; a rescan is their only source of changes."""
        with self._lock:
            return dict(self._failed)

    def start(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("a stopped FolderWatcher cannot be restarted")
            if self._thread is not None:
                return
            # Daemon, so a watcher someone forgot to stop never blocks interpreter exit.
            self._thread = threading.Thread(target=self._run, name="fs-watch-dispatch", daemon=True)
            self._thread.start()
            for root in self._roots:
                self._watch(root)

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            observers, self._observers = list(self._observers.values()), {}
        for observer in observers:
            observer.stop()
        for observer in observers:
            observer.join()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()  # pending changes are dropped: the app rescans on its next start

    def add_root(self, path: Path) -> None:
        """Watch one more root; calling it again for a failed root retries it."""
        root = _norm(path)
        with self._lock:
            if root in self._observers:
                return
            if root not in self._roots:
                self._roots.append(root)
            self._failed.pop(root, None)
            if self._thread is not None and not self._stopping.is_set():
                self._watch(root)

    def remove_root(self, path: Path) -> None:
        root = _norm(path)
        with self._lock:
            if root in self._roots:
                self._roots.remove(root)
            self._failed.pop(root, None)
            observer = self._observers.pop(root, None)
        if observer is not None:
            observer.stop()
            observer.join()

    def __enter__(self) -> FolderWatcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _watch(self, root: Path) -> None:
        observer = None
        try:
            # Watched by its real path: inotify's IN_DONT_FOLLOW would otherwise watch a symlinked
            # root's link inode and miss its direct children.
            watched = Path(os.path.realpath(root))
            observer = Observer()  # on Linux this already opens an inotify instance and starts a thread
            observer.schedule(_Recorder(watched, root, self._record), str(watched), recursive=True,
                              event_filter=_EVENTS)
            observer.start()
        except OSError as exc:
            hint = _LIMIT_HINTS.get(exc.errno or 0, "")
            log.warning("Cannot watch %s: %s%s; its changes will only be found by a rescan", root, exc, hint)
            self._failed[root] = f"{exc.strerror or exc}{hint}"
            if observer is not None:
                observer.stop()  # stops the inotify reader thread the constructor started
            return
        self._observers[root] = observer

    def _record(self, root: Path, path: Path, born: bool) -> None:
        parts = path.relative_to(root).parts if path.is_relative_to(root) else (path.name,)
        if any(is_temporary_name(p) for p in parts) or (self._ignore is not None and self._ignore(path)):
            return
        now = time.monotonic()
        with self._cond:
            if not self._pending:  # only the first event of a batch wakes the dispatcher; it polls after
                self._first = now
                self._cond.notify()
            self._pending.setdefault(path, born)
            self._last = now

    def _next_batch(self, unstable: dict[Path, _Seen]) -> dict[Path, bool] | None:
        with self._cond:
            while not self._stopping.is_set():
                now = time.monotonic()
                recheck = min((s.due for s in unstable.values()), default=None)
                flush = min(self._last + self._debounce, self._first + self._max_delay) if self._pending else None
                if flush is not None and flush <= now:
                    batch, self._pending = self._pending, {}
                    return batch
                if recheck is not None and recheck <= now:
                    return {}  # re-check settling files; a batch still arriving keeps its debounce
                due = [t for t in (flush, recheck) if t is not None]
                self._cond.wait(min(due) - now if due else None)
        return None

    def _run(self) -> None:
        unstable: dict[Path, _Seen] = {}
        while (batch := self._next_batch(unstable)) is not None:
            changes = self._settle(batch, unstable, time.monotonic())
            if changes and not self._stopping.is_set():
                try:
                    self._on_changes(changes)
                except Exception:
                    log.exception("on_changes failed; the watcher keeps running")

    def _settle(self, batch: dict[Path, bool], unstable: dict[Path, _Seen], now: float) -> ChangeSet:
        changed, removed, dirs = set[Path](), set[Path](), set[Path]()
        for path in set(batch).union(p for p, s in unstable.items() if s.due <= now):
            seen = unstable.pop(path, None)
            try:
                st = os.stat(path)
            except OSError:
                if not (seen.born if seen else batch[path]):
                    removed.add(path)
                continue
            if stat.S_ISDIR(st.st_mode):
                dirs.add(path)  # only created / moved-in directories get here (no dir-modified events)
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # fifos, sockets, devices
            key = (st.st_size, st.st_mtime_ns)
            if seen is None or seen.key != key:
                born = seen.born if seen else batch[path]
                unstable[path] = _Seen(key, now, born, now + self._stable_for)
            elif now - seen.since < self._stable_for:
                seen.due = seen.since + self._stable_for
                unstable[path] = seen
            elif _readable(path) or now - seen.since >= _MAX_UNREADABLE_WAIT:
                changed.add(path)
            else:  # e.g. still locked by its writer on Windows
                seen.due = now + self._stable_for
                unstable[path] = seen
        return ChangeSet(frozenset(changed), frozenset(removed), frozenset(dirs))


def _readable(path: Path) -> bool:
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False


def _norm(path: Path | str) -> Path:
    return Path(os.path.abspath(path))
