"""PP-OCR's text detector alone (the ONNX model RapidOCR's wheel ships), as a cheap second look for the text gate:
does a photo hold any line of text? No recognition, no OpenCV: onnxruntime over a small copy of the photo."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import numpy as np
from PIL import Image

DETECT_SIDE = 480  # the copy's long side (multiples of 32 for the model): 1.5% high text of a photo is still found
TEXT_PROBABILITY = 0.5  # a pixel of the detector's map above this is text
MIN_TEXT_PIXELS = 40  # of the map (at DETECT_SIDE): about one short word at the smallest size read


def detector_model_file() -> Path | None:
    """The detection model inside the installed RapidOCR package (rapidocr 3.x: models/PP-OCRv*_det_*.onnx), found
    without importing it (its import loads OpenCV)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder, "models").glob("*_det_*.onnx"))
        if found:
            return found[-1]
    return None


class TextDetector:
    """core.photo_text.TextDetector: `text_pixels(image)` is how much of a photo the detector sees as text. Loaded on
    first use; one photo at a time (thread-safe)."""

    def __init__(self, threads: int = 0, model_file: Path | None = None):
        self.threads = threads
        self.model_file = model_file or detector_model_file()
        self._session = None
        self._lock = threading.Lock()

    def _load(self):
        import onnxruntime as ort

        if self.model_file is None:
            raise FileNotFoundError("the text detector model (rapidocr) is not installed")
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads leave the cores
        return ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])

    def text_pixels(self, image: Image.Image) -> int:
        """Pixels of the detector's map (at DETECT_SIDE on the long side) that are text."""
        w, h = image.size
        scale = DETECT_SIDE / max(w, h)
        size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
        rgb = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
        # PP-OCR's preprocessing: BGR, scaled to -1..1, channels first.
        pixels = (np.asarray(rgb, np.float32)[:, :, ::-1] / 127.5 - 1.0).transpose(2, 0, 1)[None]
        with self._lock:
            if self._session is None:
                self._session = self._load()
            session = self._session
            probability = session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(pixels)})[0]
        return int((probability > TEXT_PROBABILITY).sum())
