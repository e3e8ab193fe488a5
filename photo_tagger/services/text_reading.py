"""Reading text in photos outside an index run: when the `ocr` setting changes, the photos it now covers are read."""

from __future__ import annotations

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.photo_text import TextReport


def read_text(app, progress, control: JobControl, mode: str | None = None) -> TextReport:
    """Read the photos whose text the library lacks under `mode` (the saved setting when None): the index job's
    own text stage, run on the writer. Cancelled or killed, the next run (or index) goes on from there."""
    try:
        return app.text_stage(progress, control, mode=mode)
    finally:
        progress.finished()
