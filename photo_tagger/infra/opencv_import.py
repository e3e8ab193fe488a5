"""Importing OpenCV (pulled in by rapidocr-onnxruntime; the duplicate aligner uses it too) without its side effects.

opencv-python's cv2/config-3.py points QT_QPA_PLATFORM_PLUGIN_PATH and QT_QPA_FONTDIR at its own bundled Qt 5 and
prepends to LD_LIBRARY_PATH when cv2 is first imported. Our Qt 6 already runs by then, but every child process (an
external viewer, a second photo-tagger) would inherit them and load the wrong plugins and libraries."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def environment_kept() -> Iterator[None]:
    """Around an import that may load cv2: os.environ is as it was afterwards (added variables removed, changed
    ones put back)."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


def import_cv2():
    """cv2, imported with environment_kept()."""
    with environment_kept():
        import cv2
    return cv2
