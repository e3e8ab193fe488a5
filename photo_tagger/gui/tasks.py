"""Background work for the GUI: one writer, a few query workers, results delivered on the GUI thread."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import Cancelled, JobControl

log = logging.getLogger(__name__)

Callback = Callable[..., Any] | None


@dataclass(eq=False)
class Job:
    """A write job as the GUI sees it: what it is, how far it got, and how to stop it."""

    description: str
    control: JobControl = field(default_factory=JobControl)
    what: str = ""
    done: int = 0
    total: int | None = None
    rate: float = 0.0  # units per second since the job's work started
    started_at: float | None = None
    state: str | None = None  # a condition it waits on ("store unreachable, retrying"), shown until cleared
    pausable: bool = True  # False for a job that never calls control.checkpoint() (an install): no Pause/Cancel

    def cancel(self) -> None:
        self.control.cancel()

    @property
    def cancelled(self) -> bool:
        return self.control.cancelled


class QtProgress(QObject):
    """The core Progress protocol for one job; thread-safe, emits at most every `interval` seconds."""

    progressed = Signal(object)  # the Job, its counters updated
    # (emitted from worker threads; receivers in the GUI thread get them queued)

    def __init__(self, job: Job, interval: float = 0.1, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.job = job
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_emit = float("-inf")

    def started(self, total: int | None, what: str) -> None:
        with self._lock:
            self.job.total, self.job.what, self.job.done, self.job.rate = total, what, 0, 0.0
            self.job.started_at = self._clock()
            self._last_emit = self._clock()
        self.progressed.emit(self.job)

    def status(self, text: str | None) -> None:
        """What the job is waiting on, or None once it goes on (shown in the status bar at once)."""
        self.job.state = text
        self.progressed.emit(self.job)

    def advanced(self, done: int, detail: str = "") -> None:
        with self._lock:
            now = self._clock()
            self.job.done = done
            elapsed = now - self.job.started_at if self.job.started_at is not None else 0.0
            self.job.rate = done / elapsed if elapsed > 0 else 0.0
            if now - self._last_emit < self.interval and done != self.job.total:
                return
            self._last_emit = now
        self.progressed.emit(self.job)

    def finished(self) -> None:
        self.progressed.emit(self.job)


class TaskRunner(QObject):
    """Runs callables off the GUI thread and calls back on it.

    The writer (one thread) owns indexing, retagging, installs and every store write; queries (text encoding,
    search, listings) run beside it; thumbnails have a pool of their own. Callbacks run on the GUI thread
    and are dropped once shutdown() has begun.
    """

    job_started = Signal(object)  # Job
    job_progressed = Signal(object)  # Job
    job_finished = Signal(object, object)  # Job, its result (None when it failed or was cancelled)
    job_failed = Signal(object, str)  # Job, a one-line message
    query_failed = Signal(str)
    _delivered = Signal(object)

    def __init__(self, close_library: Callable[[], None], *, query_workers: int = 2, thumbnail_workers: int = 2,
                 parent: QObject | None = None):
        """`close_library`: called once on the writer's thread at shutdown, after every job (App.close)."""
        super().__init__(parent)
        self._close_library = close_library
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="writer")
        self._queries = ThreadPoolExecutor(query_workers, thread_name_prefix="query")
        self._thumbnails = ThreadPoolExecutor(thumbnail_workers, thread_name_prefix="thumbnail")
        self._jobs: list[Job] = []  # queued or running write jobs, oldest first
        self._closing = False
        self._closed = False
        self._shutdown_steps: list[Callable[[], None]] = []
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    # -- delivery to the GUI thread
    def call_in_gui(self, callback: Callable, *args) -> None:
        """Thread-safe: run callback(*args) soon on the GUI thread (never after shutdown began)."""
        self._delivered.emit((callback, args))

    @Slot(object)
    def _deliver(self, item) -> None:
        callback, args = item
        if self._closing:
            return
        try:
            callback(*args)
        except Exception:  # a bug: the crash dialog, like any other uncaught error (logging it alone left the
            sys.excepthook(*sys.exc_info())  # window waiting, "Searching..." for ever)

    # -- write jobs
    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs)

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def write(self, description: str, fn: Callable[[QtProgress, JobControl], Any], *,
              on_done: Callback = None, on_error: Callback = None, pausable: bool = True) -> Job:
        """Queue fn(progress, control) on the writer; on_done(result) / on_error(exc) run on the GUI thread."""
        job = Job(description, pausable=pausable)
        progress = QtProgress(job)
        progress.progressed.connect(self._forward_progress, Qt.ConnectionType.QueuedConnection)
        self._jobs.append(job)

        def run():
            if job.cancelled:
                raise Cancelled()
            self.call_in_gui(self.job_started.emit, job)
            return fn(progress, job.control)

        def done(future: Future) -> None:
            self.call_in_gui(self._write_done, job, progress, future, on_done, on_error)

        if self._closing:
            job.cancel()
            return job
        future = self._writer.submit(run)
        future.add_done_callback(done)
        return job

    @Slot(object)
    def _forward_progress(self, job: Job) -> None:
        if not self._closing:
            self.job_progressed.emit(job)

    def _write_done(self, job: Job, progress: QtProgress, future: Future, on_done: Callback, on_error: Callback):
        if job in self._jobs:
            self._jobs.remove(job)
        progress.deleteLater()
        exc = future.exception() if not future.cancelled() else Cancelled()
        if exc is None:
            result = future.result()
            self.job_finished.emit(job, result)
            if on_done is not None:
                on_done(result)
            return
        if isinstance(exc, Cancelled):
            job.control.cancel()
            self.job_finished.emit(job, None)
            return
        if isinstance(exc, PhotoTaggerError):  # a user-facing problem: its message says it all
            log.warning("%s failed: %s", job.description, exc)
        else:
            log.error("%s failed", job.description, exc_info=exc)
        self.job_failed.emit(job, _message(exc))
        self.job_finished.emit(job, None)
        if on_error is not None:
            on_error(exc)

    def cancel_writes(self) -> None:
        """Stop the running write job at its next safe point and drop the queued ones."""
        # Newest first: once the running job stops, the writer must find the queued ones cancelled already.
        for job in reversed(self._jobs):
            job.cancel()

    # -- queries and thumbnails
    def query(self, fn: Callable[[], Any], *, on_done: Callback = None, on_error: Callback = None) -> Future:
        """fn() on a query worker; on_done(result) or on_error(exc) on the GUI thread."""
        return self._submit(self._queries, fn, on_done, on_error, report=True)

    def warm(self, fn: Callable[[], Any]) -> Future:
        """fn() on a query worker for what it leaves behind (the search matrix opened before the first search
        needs it); a failure is only logged: the query that needs the thing meets the problem itself."""
        def run():
            try:
                fn()
            except Exception as exc:
                log.info("warming up %s failed: %s", getattr(fn, "__name__", fn), exc)

        return self._submit(self._queries, run, None, None, report=False)

    def thumbnail(self, fn: Callable[[], Any], *, on_done: Callback = None, on_error: Callback = None) -> Future:
        return self._submit(self._thumbnails, fn, on_done, on_error, report=False)

    def _submit(self, executor, fn, on_done, on_error, report: bool) -> Future:
        def done(future: Future) -> None:
            if future.cancelled():
                return
            exc = future.exception()
            if exc is None:
                if on_done is not None:
                    self.call_in_gui(on_done, future.result())
                return
            if report:
                log.error("background query failed", exc_info=exc)
            if on_error is not None:
                self.call_in_gui(on_error, exc)
            elif report:
                self.call_in_gui(self.query_failed.emit, _message(exc))

        if self._closing:  # the window is closing (a last repaint asks for thumbnails): no new work
            future: Future = Future()
            future.cancel()
            return future
        future = executor.submit(fn)
        future.add_done_callback(done)
        return future

    # -- the end
    def add_shutdown_step(self, step: Callable[[], None]) -> None:
        """step() runs first at shutdown, before the executors stop (e.g. stop a watcher feeding them)."""
        self._shutdown_steps.append(step)

    def shutdown(self) -> None:
        """Run the shutdown steps, cancel the write jobs, wait for every worker, then close the app's stores (once)."""
        if self._closed:
            return
        self._closing = True
        for step in self._shutdown_steps:
            try:
                step()
            except Exception:
                log.exception("a shutdown step failed")
        self.cancel_writes()
        for executor in (self._thumbnails, self._queries, self._writer):
            executor.shutdown(wait=True, cancel_futures=True)
        self._closed = True
        self._close_library()


def _message(exc: BaseException) -> str:
    if isinstance(exc, PhotoTaggerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (details in the log file)"
