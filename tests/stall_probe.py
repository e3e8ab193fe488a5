"""How long the Qt event loop stalls: used by the GUI responsiveness test and benchmark."""

from __future__ import annotations

import time

TICK_MS = 10


class StallProbe:
    """A QTimer ticking every few ms on the GUI thread; the gaps between ticks are how long the loop stalled."""

    def __init__(self, interval_ms: int = TICK_MS):
        from PySide6.QtCore import QTimer

        self.interval = interval_ms / 1000
        self.last = 0.0
        self.ticks: list[tuple[float, float]] = []  # (when, gap since the tick before)
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append((now, now - self.last))
        self.last = now

    @property
    def gaps(self) -> list[float]:
        return [gap for _, gap in self.ticks]

    def stall(self, q: float) -> float:
        """The q-quantile of the stalls, in seconds."""
        gaps = sorted(self.gaps)
        return gaps[min(len(gaps) - 1, int(q * len(gaps)))] - self.interval if gaps else 0.0

    @property
    def longest(self) -> float:
        return max(self.gaps, default=self.interval) - self.interval

    def stalls_ms(self) -> list[float]:
        return [max(0.0, gap - self.interval) * 1000 for gap in self.gaps]
