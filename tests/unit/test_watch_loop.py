"""The watch loop's batching: a removal waits for its arrival, whatever else arrives meanwhile (issue 11, item 1)."""

import threading
import time
from pathlib import Path

from photo_tagger.core.watching import WatchLoop
from photo_tagger.infra.fs_watch import ChangeSet


def changes(changed=(), removed=(), dirs=()) -> ChangeSet:
    return ChangeSet(frozenset(map(Path, changed)), frozenset(map(Path, removed)), frozenset(map(Path, dirs)))


class Loop:
    """A WatchLoop on its own thread, recording each index run's scope."""

    def __init__(self, **kwargs):
        self.runs: list[list[str]] = []
        self.loop = WatchLoop(self.runs.append, **kwargs)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def send(self, change_set: ChangeSet) -> None:
        self.loop.on_changes(change_set)

    def wait_runs(self, count: int, timeout: float = 5.0) -> list[list[str]]:
        deadline = time.monotonic() + timeout
        while len(self.runs) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.runs

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def test_a_rename_beside_a_new_folder_is_indexed_in_one_run():
    # `mkdir W/newdir; mv W/a.jpg W/b.jpg`: the folder and the removal come in one change set, b settles later.
    loop = Loop(move_grace=0.6)
    try:
        loop.send(changes(removed=["/W/a.jpg"], dirs=["/W/newdir"]))
        time.sleep(0.2)
        loop.send(changes(changed=["/W/b.jpg"]))
        assert loop.wait_runs(1) == [["/W/a.jpg", "/W/b.jpg", "/W/newdir"]]
        time.sleep(0.4)
        assert len(loop.runs) == 1
    finally:
        loop.close()


def test_an_arrival_that_settles_first_waits_with_the_removal():
    # A new file copied in, and another renamed 0.8 s later: the copy settles before the renamed file does.
    loop = Loop(move_grace=0.6)
    try:
        loop.send(changes(removed=["/W/a.jpg"]))
        time.sleep(0.1)
        loop.send(changes(changed=["/W/copy.jpg"]))
        time.sleep(0.2)
        loop.send(changes(changed=["/W/b.jpg"]))
        assert loop.wait_runs(1) == [["/W/a.jpg", "/W/b.jpg", "/W/copy.jpg"]]
    finally:
        loop.close()


def test_arrivals_alone_are_indexed_at_once():
    loop = Loop(move_grace=30)
    try:
        started = time.monotonic()
        loop.send(changes(changed=["/W/new.jpg"]))
        assert loop.wait_runs(1) == [["/W/new.jpg"]] and time.monotonic() - started < 2
    finally:
        loop.close()


def test_each_removal_gets_its_whole_wait_and_endless_removals_are_held_at_most_max_hold():
    loop = Loop(move_grace=0.5, max_hold=1.5)
    try:
        started = time.monotonic()
        for i in range(8):  # a removal every 0.3 s: each one's wait is not over when the next comes
            loop.send(changes(removed=[f"/W/{i}.jpg"], changed=[f"/W/n{i}.jpg"]))
            time.sleep(0.3)
        runs = loop.wait_runs(2)
        assert 1.4 < time.monotonic() - started and len(runs) >= 2
        first = runs[0]
        assert "/W/0.jpg" in first and "/W/n0.jpg" in first and len(first) < 16  # held, then let go
        assert sorted(p for run in runs for p in run) == sorted(
            [f"/W/{i}.jpg" for i in range(8)] + [f"/W/n{i}.jpg" for i in range(8)])
    finally:
        loop.close()
