"""Text in photos: the `ocr` setting, the gate's verdict from each decoded photo (ocr = auto), and the index job's
text stage that reads the photos needing it one by one (resumable, cancellable, keyed by content)."""

from __future__ import annotations

import logging
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.preprocess import UnreadableImage, open_rgb, read_bytes
from photo_tagger.core.text_gate import text_score

log = logging.getLogger(__name__)

MIN_RUN = 1  # text_score (cells in a line) from which ocr = auto looks closer (benchmarks/RESULTS.md, "Text in photos")
GATE_DECODE_SIDE = 448  # a photo judged by the text stage itself is decoded as the indexer decodes (224 x 2)
OCR_DECODE_SIDE = 960  # JPEGs decode at the smallest DCT scale keeping the short side >= this (the reader's size)
READ_TIMES_KEPT = 50  # reading times kept for the estimate of reading all photos
MIN_TEXT_PIXELS = 40  # of the detector's map (infra/text_detector.py) from which ocr = auto reads a photo


@dataclass(frozen=True)
class TextRead:
    text: str  # lines in reading order, "\n" between them; empty when none was found
    reason: str = ""  # why the reading found nothing or was cut short (too small, too many boxes, too long)


class TextEngine(Protocol):
    def read(self, image: Image.Image) -> TextRead: ...


class TextDetector(Protocol):
    """The second look of ocr = auto: how many pixels of a small copy of the photo a text detector sees as text."""

    def text_pixels(self, image: Image.Image) -> int: ...


class TextEngineUnavailable(PhotoTaggerError):
    """The reader cannot run at all (its models failed to load): the photos wait for a later run."""


# PP-OCR's recogniser often drops the space between two words of one line ("BakeryWelcome"): a lower-case letter
# then a capital starting a word of 3+ letters is taken as a boundary, but only after 3 letters ("McDonald", "iPhone"
# stay whole).
_RUN_TOGETHER = re.compile(r"(?<=[^\W\d_]{3})(?<=[a-z\u00df-\u00ff])(?=[A-Z\u00c0-\u00de][a-z\u00df-\u00ff]{2})")


def searchable_words(text: str) -> str:
    """What the full-text index holds for a photo's text: the text as read and, where OCR ran words together, the
    text again with them apart (both are found: "bakerywelcome", "welcome", the phrase "error code 264")."""
    apart = _RUN_TOGETHER.sub(" ", text)
    return text if apart == text else text + "\n" + apart


def gate_verdict(score: float) -> tuple[str, str]:
    if score >= MIN_RUN:
        return "pending", ""
    return "unlikely", f"no lines of text seen (score {score:.0f} < {MIN_RUN})"


def detector_verdict(pixels: int) -> tuple[str, str]:
    if pixels >= MIN_TEXT_PIXELS:
        return "pending", ""
    return "unlikely", f"the text detector found no text ({pixels} < {MIN_TEXT_PIXELS} pixels)"


class TextGate:
    """A PhotoAnalyzer (core/photo_analysis.py): under ocr = auto, whether each newly decoded photo may hold text,
    stored with its record as 'pending' (the text stage reads it) or 'unlikely' (it is not read)."""

    name = "text"

    def __init__(self, mode: Callable[[], str], on_new_content: Callable[[], None] = lambda: None):
        self.mode = mode  # read per photo: a setting changed in the window applies to the next photos
        self.on_new_content = on_new_content  # tells the text stage there may be work (TextStage.note_new_content)

    def analyze(self, image: Image.Image, content_hash: str) -> float | None:
        self.on_new_content()
        return text_score(image) if self.mode() == "auto" else None

    def store(self, catalog, db, results) -> None:
        catalog.set_text_verdicts(
            db, [(photo_id, record.content_hash, *gate_verdict(score)) for photo_id, (record, score) in results.items()]
        )


def texts_waiting(catalog, mode: str) -> int:
    """Indexed photos the text stage would still look at under this `ocr` setting (`status`'s pending work)."""
    return 0 if mode == "off" else len(catalog.texts_to_read(include_unlikely=mode == "all"))


@dataclass
class TextReport:
    read: int = 0  # photos the reader ran on
    with_text: int = 0
    copied: int = 0  # the same content read before for another photo (a copy): not read again
    judged_unlikely: int = 0  # judged textless now (the detector's look, or the gate's for photos from before it)
    failed: int = 0
    skipped: int = 0  # changed or unreadable since indexed: left for a later run


class TextStage:
    """Runs after an index job's encoding, on its thread: every indexed photo whose text is not known for its
    content is read (ocr = all) or, under auto, read when the gate says it may hold text. Each result is committed
    on its own, so a killed run loses at most one photo's reading; an unchanged photo is never read again."""

    def __init__(self, catalog, engine: TextEngine, mode: Callable[[], str], detector: TextDetector | None = None):
        self.catalog = catalog
        self.engine = engine
        self.mode = mode
        self.detector = detector  # ocr = auto: the second look at the photos the gate passed (None: read them all)
        self._read_times: list[float] = []  # seconds of the last reads (the estimate for reading all photos)
        # The setting under which a pass left nothing to read, while no new content came since: the next index
        # runs (a watched folder's, every few seconds) skip the library-wide look for work (0.3-1 s at 100k photos).
        self._done_under: str | None = None

    def note_new_content(self) -> None:
        """A photo was decoded for new content (from the indexer's decode pool, via TextGate)."""
        self._done_under = None

    def __call__(self, progress, control: JobControl, mode: str | None = None) -> TextReport:
        """`mode`: the ocr setting to read under (its current value when None)."""
        report = TextReport()
        mode = mode or self.mode()
        if mode == "off" or mode == self._done_under:
            return report
        todo = self.catalog.texts_to_read(include_unlikely=mode == "all")
        if not todo:
            self._done_under = mode
        todo = self._copy_known(todo, mode, report)
        if not todo:
            return report
        progress.started(len(todo), "reading text")
        try:
            for done, item in enumerate(todo, 1):
                control.checkpoint()
                outcome = self._one(item, mode, report)
                if outcome is not None:
                    with self.catalog.transaction() as db:
                        self.catalog.set_photo_text(db, item.photo_id, item.content_hash, *outcome)
                progress.advanced(done)
            self._done_under = mode if not report.skipped else None
        except TextEngineUnavailable as exc:
            log.warning("text in photos not read: %s (the photos wait for the next run)", exc)
        finally:
            log.info(
                "text stage: %d photos read (%d with text), %d copies, %d judged textless, %d failed",
                report.read,
                report.with_text,
                report.copied,
                report.judged_unlikely,
                report.failed,
            )
        return report

    def _copy_known(self, todo, mode: str, report: TextReport):
        """A photo whose content was read for another photo (a copy of the file) takes that reading."""
        known = self.catalog.texts_of_content({t.content_hash for t in todo})
        copies = [t for t in todo if t.content_hash in known]
        if copies:
            with self.catalog.transaction() as db:
                for item in copies:
                    self.catalog.set_photo_text(db, item.photo_id, item.content_hash, *known[item.content_hash])
            report.copied += len(copies)
        return [t for t in todo if t.content_hash not in known]

    def _one(self, item, mode: str, report: TextReport) -> tuple[str, str, str] | None:
        """(status, text, reason) for one photo; None when its file changed since it was indexed (the next index
        run sees the change, and this photo is read then)."""
        from photo_tagger.core.indexer import content_hash  # the indexer's own digest: rows are keyed by it

        try:
            data = read_bytes(item.path)
        except UnreadableImage as exc:  # gone or unreadable now (an unplugged drive): left for a later run
            log.info("text of %r not read: %s", item.path, exc.reason)
            report.skipped += 1
            return None
        if content_hash(data) != item.content_hash:
            report.skipped += 1
            return None
        try:
            if mode == "auto" and not item.status:  # indexed before the gate (or under another setting)
                status, reason = gate_verdict(text_score(open_rgb(item.path, min_side=GATE_DECODE_SIDE)))
                if status == "unlikely":
                    report.judged_unlikely += 1
                    return status, "", reason
            image = open_rgb(item.path, min_side=OCR_DECODE_SIDE)
            if mode == "auto" and self.detector is not None:
                status, reason = self._detected(image)
                if status == "unlikely":
                    report.judged_unlikely += 1
                    return status, "", reason
            report.read += 1
            started = time.monotonic()
            read = self.engine.read(image)
            self.note_read_time(time.monotonic() - started)
        except TextEngineUnavailable:
            raise
        except UnreadableImage as exc:
            report.failed += 1
            return "failed", "", exc.reason
        except Exception as exc:  # a bug on one odd photo must not stop the others; logged in full
            log.exception("reading the text in %r failed", item.path)
            report.failed += 1
            return "failed", "", f"text reader failed ({type(exc).__name__})"
        report.with_text += bool(read.text)
        return ("text" if read.text else "none"), read.text, read.reason

    def note_read_time(self, seconds: float) -> None:
        self._read_times = (self._read_times + [seconds])[-READ_TIMES_KEPT:]

    def seconds_per_read(self) -> float | None:
        """The median reading time of the last photos read in this process; None before the first."""
        return statistics.median(self._read_times) if self._read_times else None

    def _detected(self, image: Image.Image) -> tuple[str, str]:
        """The detector's verdict; a detector that fails (a broken install) leaves the photo to the reader."""
        try:
            assert self.detector is not None, "asked only where there is a detector"
            return detector_verdict(self.detector.text_pixels(image))
        except Exception:
            log.exception("the text detector failed: the photo is read")
            return "pending", ""


def read_one(engine: TextEngine, path: str) -> TextRead:
    """One photo's text, read whatever the gate said (the user asked for it): decoded as the text stage decodes."""
    return engine.read(open_rgb(path, min_side=OCR_DECODE_SIDE))
