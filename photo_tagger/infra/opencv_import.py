"""Importing OpenCV (pulled in by rapidocr-onnxruntime) without its side effect on Qt.

opencv-python's cv2/config-3.py points QT_QPA_PLATFORM_PLUGIN_PATH and QT_QPA_FONTDIR at its own bundled Qt 5 when
cv2 is first imported. Our Qt 6 already runs by then, but every child process (an external viewer, a second
photo-tagger) would inherit the Qt 5 plugin path and fail to start."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

_QT_VARIABLES = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")


@contextmanager
def qt_environment_kept() -> Iterator[None]:
    """Around an import that may load cv2: the Qt variables are as they were afterwards (absent stays absent)."""
    before = {name: os.environ.get(name) for name in _QT_VARIABLES}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
