"""Reading text in photos outside an index run: when the `ocr` setting changes, the photos it now covers are read;
one photo on the user's request, whatever the gate said; and what reading all photos would take."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.indexer import content_hash
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.photo_text import TextRead, TextReport, TextStage, read_one
from photo_tagger.core.preprocess import read_bytes

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog

log = logging.getLogger(__name__)
# Seconds per photo for an estimate before any photo was read in this library: the reader's median on a textless
# 800x600 photo and a text photo lie around 0.5-1 s on 2 cores (benchmarks/RESULTS.md, "Text in photos").
DEFAULT_SECONDS_PER_PHOTO = 0.8


@dataclass(frozen=True)
class ReadingEstimate:
    photos: int  # photos "all" would read that are not read now
    seconds_per_photo: float
    measured: bool  # seconds_per_photo was measured on this library's photos (else DEFAULT_SECONDS_PER_PHOTO)

    @property
    def seconds(self) -> float:
        return self.photos * self.seconds_per_photo


class TextReadingService:
    """Text in photos read outside an index run, through the library's text stage (core/photo_text.py)."""

    def __init__(self, *, catalog: SqliteCatalog, text_stage: Callable[[], TextStage]) -> None:
        """`text_stage`: made on first use (its OCR engine is built then; its models load on the first read)."""
        self._catalog = catalog
        self._text_stage = text_stage

    def read_text(self, progress, control: JobControl, mode: str | None = None) -> TextReport:
        """Read the photos whose text the library lacks under `mode` (the saved setting when None): the index
        job's own text stage, run on the writer. Cancelled or killed, the next run (or index) goes on from
        there."""
        try:
            return self._text_stage()(progress, control, mode=mode)
        finally:
            progress.finished()

    def read_photo_text(self, photo_id: str) -> TextRead:
        """Read one photo's text now (the user asked: the gate's verdict does not count) and store it; on the
        writer. Its time is counted into the library's reading-time measure (reading_estimate)."""
        import time

        catalog = self._catalog
        record = catalog.get([photo_id]).get(photo_id)
        if record is None:
            raise PhotoTaggerError("this photo is no longer in the library")
        if content_hash(read_bytes(record.path)) != record.content_hash:
            raise PhotoTaggerError("the photo changed since it was indexed: its text is read after the next index")
        stage = self._text_stage()
        started = time.monotonic()
        read = read_one(stage.engine, record.path)
        stage.note_read_time(time.monotonic() - started)
        with catalog.transaction() as db:
            catalog.set_photo_text(
                db, photo_id, record.content_hash, "text" if read.text else "none", read.text, read.reason
            )
        log.info("text of %r read on request: %d characters", record.path, len(read.text))
        return read

    def reading_estimate(self, mode: str = "all") -> ReadingEstimate:
        """How many photos switching to `mode` would read, and how long that takes at the reading time measured
        in this process (the median of the photos read so far), else DEFAULT_SECONDS_PER_PHOTO. A query: reads
        only."""
        todo = self._catalog.texts_to_read(include_unlikely=mode == "all") if mode != "off" else []
        measured = self._text_stage().seconds_per_read()
        return ReadingEstimate(len(todo), measured or DEFAULT_SECONDS_PER_PHOTO, measured is not None)
