"""FolderWatcher against real watchdog observers on tmp_path: coalescing, stability, temp names, threads."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from photo_tagger.infra import fs_watch
from photo_tagger.infra.fs_watch import ChangeSet, FolderWatcher, is_temporary_name

DEBOUNCE, STABLE = 0.2, 0.3


class Collector:
    """The on_changes callback: keeps every ChangeSet, and the size of each changed file at delivery."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[float, ChangeSet]] = []
        self.sizes: dict[Path, int] = {}
        self._fail = fail_first
        self._lock = threading.Lock()

    def __call__(self, changes: ChangeSet) -> None:
        with self._lock:
            self.calls.append((time.monotonic(), changes))
            for p in changes.changed:
                self.sizes[p] = p.stat().st_size
            if self._fail:
                self._fail -= 1
                raise RuntimeError("callback blew up")

    def union(self, field: str) -> set[Path]:
        with self._lock:
            return set().union(*(getattr(c, field) for _, c in self.calls))

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out; got {[c for _, c in self.calls]}")
            time.sleep(0.02)

    def wait_changed(self, *paths: Path, timeout: float = 5.0) -> None:
        self.wait(lambda: set(paths) <= self.union("changed"), timeout)

    def wait_removed(self, *paths: Path, timeout: float = 5.0) -> None:
        self.wait(lambda: set(paths) <= self.union("removed"), timeout)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


@pytest.fixture
def watch(root: Path):
    """Starts a watcher on `root` (or given roots); every watcher is stopped at teardown."""
    started: list[FolderWatcher] = []

    def make(collector: Collector, roots: list[Path] | None = None, **kwargs) -> FolderWatcher:
        kwargs = {"debounce": DEBOUNCE, "stable_for": STABLE, **kwargs}
        watcher = FolderWatcher(roots or [root], collector, **kwargs)
        started.append(watcher)
        watcher.start()
        return watcher

    yield make
    for watcher in started:
        watcher.stop()


def test_create_modify_delete(root: Path, watch) -> None:
    old = root / "old.jpg"
    old.write_bytes(b"a" * 10)
    gone = root / "gone.jpg"
    gone.write_bytes(b"b")
    got = Collector()
    watch(got)

    new = root / "new.jpg"
    new.write_bytes(b"n" * 5)
    with old.open("ab") as f:
        f.write(b"more")
    gone.unlink()

    got.wait(lambda: {new, old} <= got.union("changed") and gone in got.union("removed"))
    assert got.sizes[old] == 14
    assert got.union("dirs") == set()
    assert gone not in got.union("changed")


def test_move_within_root(root: Path, watch) -> None:
    (root / "sub").mkdir()
    src = root / "a.jpg"
    src.write_bytes(b"x")
    got = Collector()
    watch(got)

    dest = root / "sub" / "b.jpg"
    os.rename(src, dest)
    got.wait(lambda: src in got.union("removed") and dest in got.union("changed"))


def test_move_out_of_root(root: Path, tmp_path: Path, watch) -> None:
    src = root / "a.jpg"
    src.write_bytes(b"x")
    album = root / "album"
    album.mkdir()
    (album / "c.jpg").write_bytes(b"c")
    got = Collector()
    watch(got)

    os.rename(src, tmp_path / "a.jpg")
    os.rename(album, tmp_path / "album")
    got.wait_removed(src, album)  # a directory moved out is one removed path: drop everything below it
    assert not got.union("changed")


def test_move_directory_in(root: Path, tmp_path: Path, watch) -> None:
    outside = tmp_path / "import"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "p.jpg").write_bytes(b"p")
    got = Collector()
    watch(got)

    os.rename(outside, root / "import")
    got.wait(lambda: root / "import" in got.union("dirs"))


def test_burst_is_coalesced_and_complete(root: Path, watch) -> None:
    got = Collector()
    watch(got)
    expected = set()
    for i in range(2000):
        path = root / f"img_{i:04d}.jpg"
        path.write_bytes(b"x" * 64)
        expected.add(path)

    got.wait(lambda: got.union("changed") >= expected, timeout=15)
    time.sleep(DEBOUNCE + STABLE)  # nothing more may trickle in
    assert got.union("changed") == expected
    assert not got.union("removed") and not got.union("dirs")
    assert len(got.calls) <= 8, [len(c.changed) for _, c in got.calls]


def test_slow_write_is_reported_once_settled(root: Path, watch) -> None:
    got = Collector()
    # Gaps between writes (0.2 s) outlast the debounce, so batches flush mid-write and only the
    # stability check (0.6 s unchanged) holds the file back.
    watch(got, debounce=0.1, stable_for=0.6)
    path = root / "big.jpg"
    with path.open("wb") as f:
        for _ in range(6):
            f.write(b"z" * 1000)
            f.flush()
            time.sleep(0.2)
    finished = time.monotonic()

    got.wait_changed(path)
    first = min(t for t, c in got.calls if path in c.changed)
    assert first >= finished
    assert got.sizes[path] == 6000
    assert sum(path in c.changed for _, c in got.calls) == 1


def test_temporary_and_ignored_names_are_not_reported(root: Path, watch) -> None:
    (root / "cache").mkdir()
    got = Collector()
    watch(got, ignore=lambda p: root / "cache" in p.parents)

    temps = [".x.jpg.swp", "x.jpg~", "x.tmp", "x.part", "x.crdownload", "4913", ".#x.jpg", "~$doc.docx"]
    for name in temps:
        (root / name).write_bytes(b"t")
    (root / ".thumbnails").mkdir()
    (root / ".thumbnails" / "t.jpg").write_bytes(b"t")
    (root / "cache" / "c.jpg").write_bytes(b"c")
    born_and_gone = root / "flash.jpg"
    born_and_gone.write_bytes(b"f")
    born_and_gone.unlink()
    # An atomic save: written under a temporary name, then renamed onto the real one.
    (root / "edit.jpg.tmp").write_bytes(b"e")
    os.rename(root / "edit.jpg.tmp", root / "edit.jpg")
    sentinel = root / "real.jpg"
    sentinel.write_bytes(b"r")

    got.wait_changed(sentinel, root / "edit.jpg")
    time.sleep(DEBOUNCE)
    assert got.union("changed") == {sentinel, root / "edit.jpg"}
    assert not got.union("removed") and not got.union("dirs")


def test_callback_exception_is_logged_and_watching_goes_on(root: Path, watch, caplog) -> None:
    got = Collector(fail_first=1)
    watch(got)
    first, second = root / "1.jpg", root / "2.jpg"
    with caplog.at_level(logging.ERROR, logger="photo_tagger.infra.fs_watch"):
        first.write_bytes(b"1")
        got.wait_changed(first)
        second.write_bytes(b"2")
        got.wait_changed(second)
    assert "on_changes failed" in caplog.text


def test_failed_root_leaves_the_others_running(root: Path, tmp_path: Path, watch, caplog) -> None:
    missing = tmp_path / "unplugged"
    got = Collector()
    with caplog.at_level(logging.WARNING, logger="photo_tagger.infra.fs_watch"):
        watcher = watch(got, roots=[missing, root])
    assert set(watcher.failed_roots) == {missing}
    assert "Cannot watch" in caplog.text
    (root / "a.jpg").write_bytes(b"a")
    got.wait_changed(root / "a.jpg")

    missing.mkdir()  # the drive came back: adding the root again retries it
    watcher.add_root(missing)
    assert watcher.failed_roots == {}
    (missing / "b.jpg").write_bytes(b"b")
    got.wait_changed(missing / "b.jpg")


def test_watch_limit_is_reported_with_a_hint(root: Path, tmp_path: Path, watch, monkeypatch) -> None:
    big = tmp_path / "big"
    big.mkdir()

    def observer_factory():
        """A real observer whose start() hits the inotify watch limit when scheduled on `big`."""
        observer, paths = real_observer(), []
        schedule, start = observer.schedule, observer.start

        def recording_schedule(handler, path, **kwargs):
            paths.append(path)
            return schedule(handler, path, **kwargs)

        def failing_start():
            if str(big) in paths:
                raise OSError(errno.ENOSPC, "inotify watch limit reached")
            start()

        observer.schedule, observer.start = recording_schedule, failing_start
        return observer

    # What one healthy root costs in threads (watchdog 7 adds a shared inotify dispatcher to its own): the failed
    # root must add none to it once its inotify thread is stopped.
    before = len(threading.enumerate())
    control = FolderWatcher([root], Collector(), debounce=DEBOUNCE, stable_for=STABLE)
    control.start()
    one_root = len(threading.enumerate()) - before
    control.stop()
    real_observer = fs_watch.Observer
    monkeypatch.setattr(fs_watch, "Observer", observer_factory)
    before = len(threading.enumerate())
    got = Collector()
    watcher = watch(got, roots=[big, root])
    assert "max_user_watches" in watcher.failed_roots[big]
    assert len(threading.enumerate()) - before <= one_root  # the failed root's inotify thread was stopped
    (root / "a.jpg").write_bytes(b"a")
    got.wait_changed(root / "a.jpg")


def test_add_and_remove_root(root: Path, tmp_path: Path, watch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    got = Collector()
    watcher = watch(got)
    watcher.add_root(other)
    (other / "o.jpg").write_bytes(b"o")
    got.wait_changed(other / "o.jpg")

    watcher.remove_root(other)
    (other / "late.jpg").write_bytes(b"l")
    (root / "sentinel.jpg").write_bytes(b"s")
    got.wait_changed(root / "sentinel.jpg")
    assert other / "late.jpg" not in got.union("changed")


def test_symlinked_root_reports_paths_under_the_link(tmp_path: Path, watch) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    got = Collector()
    watch(got, roots=[link])
    (link / "a.jpg").write_bytes(b"a")
    got.wait_changed(link / "a.jpg")


def test_stop_joins_every_thread(root: Path) -> None:
    before = set(threading.enumerate())
    got = Collector()
    with FolderWatcher([root], got, debounce=DEBOUNCE, stable_for=STABLE) as watcher:
        assert len(set(threading.enumerate()) - before) >= 2  # dispatcher + watchdog's threads
        (root / "a.jpg").write_bytes(b"a")
        got.wait_changed(root / "a.jpg")
    assert set(threading.enumerate()) == before
    watcher.stop()  # idempotent
    with pytest.raises(RuntimeError):
        watcher.start()


def test_stop_is_prompt_with_changes_pending(root: Path) -> None:
    watcher = FolderWatcher([root], Collector(), debounce=10, stable_for=10)
    watcher.start()
    (root / "a.jpg").write_bytes(b"a")
    began = time.monotonic()
    watcher.stop()
    assert time.monotonic() - began < 2


@pytest.mark.parametrize(
    ("name", "temporary"),
    [("IMG_0001.JPG", False), ("4913", True), ("photo.jpg~", True), (".#photo.jpg", True),
     ("photo.JPG.crdownload", True), ("photo.jpg.part", True), ("photo.tmp", True), ("2024.jpg", False)],
)
def test_is_temporary_name(name: str, temporary: bool) -> None:
    assert is_temporary_name(name) is temporary
