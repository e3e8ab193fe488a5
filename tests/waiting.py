"""Waiting in tests for something that happens on another thread or in another process: poll it, up to a deadline."""

import time


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    """Return condition()'s first true value; fail naming `what` once `timeout` seconds passed without one."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(interval)
    return value
