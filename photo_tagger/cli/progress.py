"""Progress on the terminal with tqdm (files/s and ETA), behind the core Progress protocol."""

from __future__ import annotations

import sys

from tqdm import tqdm


class TerminalProgress:
    """A tqdm bar on stderr; silent when stderr is not a terminal unless forced."""

    def __init__(self, unit: str = "file", enabled: bool | None = None):
        self.unit = unit
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: tqdm | None = None
        self._done = 0

    def started(self, total: int | None, what: str) -> None:
        if self.enabled and total:
            self._bar = tqdm(total=total, desc=what, unit=self.unit, file=sys.stderr, dynamic_ncols=True,
                             smoothing=0.1)
        self._done = 0

    def advanced(self, done: int, detail: str = "") -> None:
        if self._bar is not None:
            self._bar.update(done - self._done)
            if detail:
                self._bar.set_postfix_str(detail)
        self._done = done

    def status(self, text: str | None) -> None:
        """A state shown beside the bar until cleared with None ("store unreachable, retrying")."""
        if self._bar is not None:
            self._bar.set_postfix_str(text or "")

    def finished(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
