"""Text in photos with RapidOCR (PP-OCR's detection, angle and recognition ONNX models, shipped in its wheel), run on
the app's onnxruntime: one engine, made on first use, bounded in size, boxes and time for any input."""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
from PIL import Image

from photo_tagger.core.photo_text import TextEngineUnavailable, TextRead
from photo_tagger.infra.opencv_import import environment_kept

log = logging.getLogger(__name__)

MAX_SIDE = 1280  # larger photos are scaled down: text a person reads on a screen stays readable; detection
# costs grow with the pixels (about 4x from 800x600 to 1600x1200)
MIN_SIDE = 16  # smaller than this holds no readable text
MAX_BOXES = 300  # a page of thousands of words is read in its largest boxes only
MAX_SECONDS = 10.0  # recognition stops after this (checked between slices of boxes)
REC_SLICE = 48  # boxes recognised between time checks
MIN_SCORE = 0.5  # recognition confidence under this is noise (RapidOCR's own default)


class RapidOcrEngine:
    """core.photo_text.TextEngine over RapidOCR. Thread-safe (one reader at a time); the models load on the first
    read, so commands that never read text never pay for them."""

    def __init__(self, device: str = "auto", threads: int = 0):
        self.device = device
        self.threads = threads
        self._engine = None
        self._lock = threading.Lock()

    def _load(self):
        with environment_kept():  # rapidocr imports cv2 (infra/opencv_import.py)
            from rapidocr_onnxruntime import RapidOCR

        _no_spinning()
        threads = self.threads or min(4, os.cpu_count() or 1)
        options = {"intra_op_num_threads": threads, "inter_op_num_threads": 1, "text_score": MIN_SCORE}
        if self.device != "cpu" and _has_cuda():
            options.update(det_use_cuda=True, cls_use_cuda=True, rec_use_cuda=True)
        started = time.monotonic()
        engine = RapidOCR(**options)
        for name in ("RapidOCR", "OrtInferSession"):  # its loggers print to stderr at DEBUG: route them to ours
            quiet = logging.getLogger(name)
            for handler in list(quiet.handlers):
                quiet.removeHandler(handler)
            quiet.setLevel(logging.WARNING)
        log.info("loaded RapidOCR with %d threads in %.1f s", threads, time.monotonic() - started)
        return engine

    def read(self, image: Image.Image) -> TextRead:
        """The text in an upright RGB image, lines in reading order; empty text with a reason when there is nothing
        to read or the reading was cut short."""
        w, h = image.size
        if min(w, h) < MIN_SIDE:
            return TextRead("", f"too small to hold readable text ({w}x{h})")
        scale = MAX_SIDE / max(w, h)
        if scale < 1:
            image = image.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BILINEAR)
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        with self._lock:
            if self._engine is None:
                try:
                    self._engine = self._load()
                except Exception as exc:  # a broken install: every photo would fail the same way
                    raise TextEngineUnavailable(f"the text reader (RapidOCR) did not load: {exc}") from exc
            return self._read(self._engine, bgr)

    @staticmethod
    def _read(engine, bgr: np.ndarray) -> TextRead:
        """RapidOCR.__call__'s steps, with a cap on boxes and time between detection and recognition."""
        started = time.monotonic()
        img, _, _ = engine.preprocess(bgr)
        img, _ = engine.maybe_add_letterbox(img, {})
        boxes, _ = engine.auto_text_det(img)
        if boxes is None or len(boxes) == 0:
            return TextRead("", "")
        reason = ""
        if len(boxes) > MAX_BOXES:  # the largest boxes, kept in reading order
            areas = [cv_area(b) for b in boxes]
            keep = sorted(np.argsort(areas)[::-1][:MAX_BOXES])
            reason = f"{len(boxes)} text boxes: the {MAX_BOXES} largest read"
            boxes = [boxes[i] for i in keep]
        crops = engine.get_crop_img_list(img, boxes)
        crops, _, _ = engine.text_cls(crops)  # upside-down lines turned (angle classifier)
        lines = []
        for start in range(0, len(crops), REC_SLICE):
            if time.monotonic() - started > MAX_SECONDS:
                reason = f"stopped after {MAX_SECONDS:.0f} s: {start} of {len(crops)} text boxes read"
                break
            recognised, _ = engine.text_rec(crops[start:start + REC_SLICE])
            lines += [text.strip() for text, score in recognised if score >= MIN_SCORE and text.strip()]
        return TextRead("\n".join(lines), reason)


def cv_area(box) -> float:
    """A detected quadrilateral's area (shoelace)."""
    x, y = np.asarray(box, dtype=np.float64).T
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def _has_cuda() -> bool:
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


def _no_spinning() -> None:
    """RapidOCR makes its own onnxruntime sessions; give them the app's option that idle threads do not spin
    (infra/onnx_clip.py): a reader between photos must not hold the cores the window and the encoder need."""
    with environment_kept():
        from rapidocr_onnxruntime.utils import infer_engine

    session = infer_engine.OrtInferSession
    if getattr(session, "_photo_tagger_patched", False):
        return
    original = session._init_sess_opts

    def init_sess_opts(config):
        options = original(config)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    session._init_sess_opts = staticmethod(init_sess_opts)
    session._photo_tagger_patched = True
