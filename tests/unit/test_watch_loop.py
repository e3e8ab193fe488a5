"""The watch loop's batching: a removal waits for its arrival, whatever else arrives meanwhile (issue 11, item 1)."""

import threading
from pathlib import Path

from photo_tagger.core.watching import WatchLoop
from photo_tagger.infra.fs_watch import ChangeSet

TURN = 0.2  # the loop's thread turns at least this often (its queue's timeout)


def changes(changed=(), removed=(), dirs=()) -> ChangeSet:
    return ChangeSet(frozenset(map(Path, changed)), frozenset(map(Path, removed)), frozenset(map(Path, dirs)))


class Loop:
    """A WatchLoop turned by hand on a clock of its own: each change set is a turn, as on the loop's thread, and
    `wait` lets time pass in the turns the thread would take."""

    def __init__(self, **kwargs):
        self.now = 1000.0
        self.runs: list[list[str]] = []
        self.run_times: list[float] = []
        self.loop = WatchLoop(self._index, clock=lambda: self.now, **kwargs)

    def _index(self, scope: list[str]) -> None:
        self.runs.append(scope)
        self.run_times.append(self.now)

    def send(self, change_set: ChangeSet) -> None:
        self.loop.turn(change_set)

    def wait(self, seconds: float) -> list[list[str]]:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now = min(self.now + TURN, end)
            self.loop.turn()
        return self.runs


def test_a_rename_beside_a_new_folder_is_indexed_in_one_run():
    # `mkdir W/newdir; mv W/a.jpg W/b.jpg`: the folder and the removal come in one change set, b settles later.
    loop = Loop(move_grace=0.6)
    loop.send(changes(removed=["/W/a.jpg"], dirs=["/W/newdir"]))
    loop.wait(0.2)
    loop.send(changes(changed=["/W/b.jpg"]))
    assert loop.wait(0.3) == []  # the removal's wait is not over
    assert loop.wait(0.1) == [["/W/a.jpg", "/W/b.jpg", "/W/newdir"]]
    assert len(loop.wait(0.4)) == 1


def test_an_arrival_that_settles_first_waits_with_the_removal():
    # A new file copied in, and another renamed 0.8 s later: the copy settles before the renamed file does.
    loop = Loop(move_grace=0.6)
    loop.send(changes(removed=["/W/a.jpg"]))
    loop.wait(0.1)
    loop.send(changes(changed=["/W/copy.jpg"]))
    assert loop.wait(0.2) == []
    loop.send(changes(changed=["/W/b.jpg"]))
    assert loop.wait(0.3) == [["/W/a.jpg", "/W/b.jpg", "/W/copy.jpg"]]


def test_arrivals_alone_are_indexed_at_once():
    loop = Loop(move_grace=30)
    loop.send(changes(changed=["/W/new.jpg"]))
    assert loop.runs == [["/W/new.jpg"]]  # in the turn that brought it, no time passed


def test_the_loop_thread_indexes_what_the_watcher_reports():
    ran = threading.Event()
    runs: list[list[str]] = []
    loop = WatchLoop(lambda scope: (runs.append(scope), ran.set()), move_grace=30)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    try:
        loop.on_changes(changes(changed=["/W/new.jpg"]))
        assert ran.wait(10)  # a removal's 30 s wait would not be over by then
        assert runs == [["/W/new.jpg"]]
    finally:
        stop.set()
        thread.join()


def test_each_removal_gets_its_whole_wait_and_endless_removals_are_held_at_most_max_hold():
    loop = Loop(move_grace=0.5, max_hold=1.5)
    started = loop.now
    for i in range(8):  # a removal every 0.3 s: each one's wait is not over when the next comes
        loop.send(changes(removed=[f"/W/{i}.jpg"], changed=[f"/W/n{i}.jpg"]))
        loop.wait(0.3)
    runs = loop.wait(1.0)
    held = loop.run_times[0] - started
    assert 1.5 - 1e-6 <= held <= 1.5 + TURN + 1e-6  # held max_hold, then let go at the next turn
    assert len(runs) >= 2
    first = runs[0]
    assert "/W/0.jpg" in first and "/W/n0.jpg" in first and len(first) < 16  # held, then let go
    assert sorted(p for run in runs for p in run) == sorted(
        [f"/W/{i}.jpg" for i in range(8)] + [f"/W/n{i}.jpg" for i in range(8)])
