"""Waiting in tests for something that happens on another thread or in another process: poll it, up to a deadline."""

import subprocess
import time


def wait_for(condition, timeout: float, what: str, interval: float = 0.05,
             running: subprocess.Popen | None = None, output: list[str] | None = None):
    """Return condition()'s first true value; fail naming `what` once `timeout` seconds passed without one, or
    (with `running`) once that process ended first, with what it wrote to `output`."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if running is not None:
            assert running.poll() is None, f"ended before {what}: {''.join(output or ())}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)
    return value
