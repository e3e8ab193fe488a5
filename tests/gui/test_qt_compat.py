"""The window survives a PySide6 that drops references to None on every void call (6.12.0 on CPython 3.11)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from photo_tagger.gui.qt_compat import guard_singletons, leaks_references
leaky = leaks_references()
guard_singletons()
from PySide6.QtCore import QPoint, QRect
rect, point = QRect(0, 0, 2, 2), QPoint(1, 1)
for _ in range(300_000):  # more void calls than None has references in a fresh interpreter
    rect.moveCenter(point)
print("leaky" if leaky else "sound", "alive")
"""


def test_void_calls_cannot_deallocate_none():
    # In a child: where the binding leaks and the guard failed, the interpreter aborts (none_dealloc).
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("alive")
