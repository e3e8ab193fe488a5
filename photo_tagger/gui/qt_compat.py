"""A guard against PySide6 builds that drop references to None/True/False on CPython < 3.12 (6.12.0 does)."""

from __future__ import annotations

import ctypes
import logging
import platform
import sys

log = logging.getLogger(__name__)

# What CPython 3.12 gives these objects anyway (PEP 683, immortal objects): a count no leak can exhaust.
_RESERVE = 1 << 40
_guarded = False


def leaks_references() -> bool:
    """True when a void Qt method returns None without a reference of its own: PySide6 6.12.0 on CPython 3.11
    does, and each call then takes one from None until the interpreter aborts (`none_dealloc`), after a few
    minutes of scrolling the grid. Measured, not looked up by version: fixed releases pass."""
    from PySide6.QtCore import QPoint, QRect

    rect, point = QRect(0, 0, 2, 2), QPoint(1, 1)
    before = sys.getrefcount(None)
    for _ in range(64):
        rect.moveCenter(point)  # void
    return sys.getrefcount(None) <= before - 32


def guard_singletons() -> bool:
    """Once per process, on an affected PySide6 under CPython < 3.12: give None, True and False the reference
    count 3.12 makes them immortal with. Returns whether the guard was applied (now or before)."""
    global _guarded
    if _guarded:
        return True
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython" or not leaks_references():
        return False
    import PySide6

    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _RESERVE  # ob_refcnt is the object's first field
    _guarded = True
    log.info("PySide6 %s drops references to None/True/False on Python %s: guarded them (upgrade PySide6, or "
             "use Python 3.12+, to do without)", PySide6.__version__, platform.python_version())
    return True
