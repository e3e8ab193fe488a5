"""TaskRunner and QtProgress: results and errors on the GUI thread, throttled progress, cancel, shutdown."""

from __future__ import annotations

import threading

import pytest

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import Cancelled
from photo_tagger.gui.tasks import Job, QtProgress, TaskRunner


class FakeApp:
    def __init__(self):
        self.closed = 0

    def close(self):
        self.closed += 1


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner(FakeApp().close)
    yield runner
    runner.shutdown()


def test_results_come_back_on_the_gui_thread(qtbot, runner):
    gui = threading.get_ident()
    seen = {}

    def work(progress, control):
        seen["worker"] = threading.get_ident()
        return 42

    with qtbot.waitSignal(runner.job_finished) as finished:
        runner.write("answer", work, on_done=lambda result: seen.update(result=result, thread=threading.get_ident()))
    assert finished.args[1] == 42
    assert seen == {"worker": seen["worker"], "result": 42, "thread": gui} and seen["worker"] != gui
    assert not runner.busy

    answers = []
    runner.query(lambda: threading.get_ident(), on_done=answers.append)
    qtbot.waitUntil(lambda: bool(answers))
    assert answers[0] != gui


def test_errors_are_delivered_as_errors(qtbot, runner, caplog):
    errors = []
    with qtbot.waitSignal(runner.job_failed) as failed:
        runner.write("broken", lambda p, c: (_ for _ in ()).throw(PhotoTaggerError("no such folder")),
                     on_error=errors.append)
    assert failed.args[1] == "no such folder"
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], PhotoTaggerError)

    with qtbot.waitSignal(runner.query_failed) as failed:
        runner.query(lambda: 1 / 0)
    assert failed.args[0].startswith("ZeroDivisionError")
    caplog.clear()  # logged on purpose


def test_cancel_stops_the_running_job_and_drops_queued_ones(qtbot, runner):
    started = threading.Event()
    ran = []

    def long_job(progress, control):
        started.set()
        while True:
            control.checkpoint()

    runner.write("long", long_job)
    runner.write("queued", lambda p, c: ran.append(1))
    started.wait(5)
    runner.cancel_writes()
    qtbot.waitUntil(lambda: not runner.busy)
    assert ran == []


def test_progress_is_throttled_and_reports_a_rate(qtbot):
    now = [0.0]
    job = Job("indexing")
    progress = QtProgress(job, interval=0.1, clock=lambda: now[0])
    emitted = []
    progress.progressed.connect(lambda j: emitted.append((j.done, j.total)))
    progress.started(100, "indexing")
    for done in range(1, 101):
        now[0] += 0.01
        progress.advanced(done)
    progress.finished()
    assert emitted[0] == (0, 100) and emitted[-1] == (100, 100)
    assert 10 <= len(emitted) <= 14  # one emit per 0.1 s, plus start, the last step and finish
    assert job.rate == pytest.approx(100.0)


def test_shutdown_waits_for_the_writer_then_closes_the_app_once(qtbot):
    app = FakeApp()
    runner = TaskRunner(app.close)
    started, finished = threading.Event(), threading.Event()

    def job(progress, control):
        started.set()
        try:
            while True:
                control.checkpoint()
        except Cancelled:
            finished.set()
            raise

    runner.write("forever", job)
    assert started.wait(5)
    runner.shutdown()
    runner.shutdown()
    assert finished.is_set()  # shutdown cancelled the job and waited for it
    assert app.closed == 1


def test_work_asked_for_after_shutdown_is_dropped_quietly(qtbot):
    # A last repaint of a closing window still asks for thumbnails; nothing may run or raise then.
    runner = TaskRunner(FakeApp().close)
    runner.shutdown()
    ran = []
    assert runner.thumbnail(lambda: ran.append(1)).cancelled()
    assert runner.query(lambda: ran.append(1)).cancelled()
    assert runner.write("late", lambda progress, control: ran.append(1)).cancelled
    assert ran == []
