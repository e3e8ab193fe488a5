"""Text in photos with RapidOCR (PP-OCR's detection, angle and recognition ONNX models, shipped in its wheel), run on
the app's onnxruntime: one engine, made on first use, bounded in size, boxes and time for any input."""
# rapidocr 3.x needs only opencv-python-headless: no second Qt, and cv2 leaves os.environ alone. Its models are package
# data (rapidocr/models/*.onnx, checked by SHA-256), so nothing is downloaded: the app reads text offline.

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np
from PIL import Image

from photo_tagger.core.photo_text import TextEngineUnavailable, TextRead

log = logging.getLogger(__name__)

MAX_SIDE = 1280  # larger photos are scaled down: text a person reads on a screen stays readable; detection
# costs grow with the pixels (about 4x from 800x600 to 1600x1200)
MIN_SIDE = 16  # smaller than this holds no readable text
MAX_BOXES = 300  # a page of thousands of words is read in its largest boxes only
MAX_SECONDS = 10.0  # recognition stops after this (checked between slices of boxes)
REC_SLICE = 48  # boxes recognised between time checks
MIN_SCORE = 0.5  # recognition confidence under this is noise (RapidOCR's own default)
DET_SIDE = 64  # detection runs at the photo's own size (only a short side under 64 px is scaled up), as PaddleOCR
# runs PP-OCRv6: RapidOCR's default scales the short side to 736, where PP-OCRv6's small detector merges close lines
# into boxes that recognition cannot read (benchmarks/RESULTS.md, "Text reader after issue 22")


class RapidOcrEngine:
    """core.photo_text.TextEngine over RapidOCR. Thread-safe (one reader at a time); the models load on the first
    read, so commands that never read text never pay for them."""

    def __init__(self, device: str = "auto", threads: int = 0):
        self.device = device
        self.threads = threads
        self._engine = None
        self._lock = threading.Lock()

    def _load(self):
        from rapidocr import RapidOCR

        _no_spinning()
        threads = self.threads or min(4, os.cpu_count() or 1)
        params = {"Global.text_score": MIN_SCORE, "Global.log_level": "warning", "Det.limit_side_len": DET_SIDE,
                  "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                  "EngineConfig.onnxruntime.inter_op_num_threads": 1}
        if self.device != "cpu" and _has_cuda():
            params["EngineConfig.onnxruntime.use_cuda"] = True
        started = time.monotonic()
        engine = RapidOCR(params=params)
        quiet = logging.getLogger("RapidOCR")  # its logger prints to stderr with its own handler: route it to ours
        for handler in list(quiet.handlers):
            quiet.removeHandler(handler)
        quiet.setLevel(logging.WARNING)
        quiet.propagate = True
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
        from rapidocr.main import RapidOCRError
        from rapidocr.utils.process_img import apply_vertical_padding

        started = time.monotonic()
        img, op_record = engine.preprocess_img(bgr)
        if engine.cfg.Global.use_vertical_padding:  # short wide lines get room above and below, as RapidOCR does
            img, op_record = apply_vertical_padding(img, op_record, engine.width_height_ratio, engine.min_height)
        boxes = engine._load_det_model()(img).boxes
        if boxes is None or len(boxes) == 0:
            return TextRead("", "")
        reason = ""
        if len(boxes) > MAX_BOXES:  # the largest boxes, kept in reading order
            areas = [cv_area(b) for b in boxes]
            keep = sorted(np.argsort(areas)[::-1][:MAX_BOXES])
            reason = f"{len(boxes)} text boxes: the {MAX_BOXES} largest read"
            boxes = boxes[keep]
        crops = engine.crop_text_regions(img, boxes)
        try:
            crops, _ = engine.cls_and_rotate(crops)  # upside-down lines turned (angle classifier)
        except RapidOCRError as exc:  # the classifier gave nothing back: read the crops as they are
            log.debug("text angle classifier: %s", exc)
        lines = []
        for start in range(0, len(crops), REC_SLICE):
            if time.monotonic() - started > MAX_SECONDS:
                reason = f"stopped after {MAX_SECONDS:.0f} s: {start} of {len(crops)} text boxes read"
                break
            try:
                recognised = engine.recognize_txt(crops[start:start + REC_SLICE])
            except RapidOCRError:  # nothing recognised in this slice
                continue
            lines += [text.strip() for text, score in zip(recognised.txts, recognised.scores)
                      if score >= MIN_SCORE and text.strip()]
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
    from rapidocr.inference_engine.onnxruntime.main import OrtInferSession

    if getattr(OrtInferSession, "_photo_tagger_patched", False):
        return
    original = OrtInferSession._init_sess_opts

    def init_sess_opts(config):
        options = original(config)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    OrtInferSession._init_sess_opts = staticmethod(init_sess_opts)
    OrtInferSession._photo_tagger_patched = True
