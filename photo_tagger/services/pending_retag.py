"""A retag owed after a label edit: marked on disk before labels.toml changes, finished at the next start or run.

A kill between saving labels.toml and the end of the retag left the new labels with the old tags, and nothing
said so. The marker is written (and synced) before the labels file changes and removed only once a whole-library
retag has finished, so every interruption in between leaves it: `status` shows it as pending, and `index`,
`watch`, `retag` and the window's start finish it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport

log = logging.getLogger(__name__)
MARKER = "retag-pending"


class Retag(Protocol):
    """The whole library's retag (services/retagging.py retag_library, bound to one library)."""

    def __call__(self, *, progress: Progress | None = None, control: JobControl | None = None) -> RetagReport: ...


class PendingRetagService:
    """The marker of a retag a label edit owes (in the library folder), and the retag that pays it off."""

    def __init__(self, *, library_dir: Path, retag: Retag) -> None:
        self._marker = library_dir / MARKER
        self._retag = retag

    def mark_retag_pending(self, why: str) -> None:
        """Written and synced (file and folder) before labels.toml changes: it outlives a SIGKILL or a power
        cut."""
        path = self._marker
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(why + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def retag_pending(self) -> str:
        """What left a retag undone ("" when none is owed)."""
        try:
            return self._marker.read_text(encoding="utf-8").strip() or "a label change"
        except FileNotFoundError:
            return ""
        except OSError as exc:
            log.warning("cannot read %s: %s", self._marker, exc)
            return ""

    def clear_retag_pending(self) -> None:
        """After a whole-library retag finished: the tags follow the labels in use."""
        try:
            self._marker.unlink(missing_ok=True)
        except OSError as exc:  # a read-only library: nothing could have been marked there since it became one
            log.info("cannot remove %s: %s", self._marker, exc, extra={"console": False})

    def finish_pending_retag(
        self, progress: Progress | None = None, control: JobControl | None = None
    ) -> RetagReport | None:
        """Retag the whole library when a label edit was interrupted before its retag ended; None when none is
        owed."""
        if not self.retag_pending():
            return None
        log.info("finishing the retag of an interrupted label edit (%s)", self.retag_pending())
        return self._retag(progress=progress, control=control)
