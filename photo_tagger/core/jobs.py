"""Cancel and pause for long jobs, shared by the CLI and the GUI's workers."""

from __future__ import annotations

import threading


class Cancelled(Exception):
    """Raised inside a job at a safe point after cancel() was called."""


class JobControl:
    """Set from any thread; the job calls checkpoint() between units of work."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # a paused job must wake up to notice it was cancelled

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def checkpoint(self) -> None:
        """Block while paused; raise Cancelled once cancelled."""
        self._running.wait()
        if self._cancel.is_set():
            raise Cancelled()
