"""Move photos to the system trash (the Duplicates view's "keep this"): never a permanent delete."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from send2trash import TrashPermissionError, send2trash

from photo_tagger.core.indexer import content_hash
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import forget_photos
from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.trash_notes import remove_orphan_notes, trash_notes

if TYPE_CHECKING:
    from photo_tagger.services.stacks import StackService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrashReport:
    """What went to the trash (and left the library) and what stayed where it was, with why."""

    moved: tuple[PhotoRecord, ...] = ()
    not_moved: tuple[tuple[PhotoRecord, str], ...] = ()

    def summary(self) -> str:
        """One line: how many moved, then the first reason one did not (the rest are alike, or in the log)."""
        parts = []
        if self.moved:
            parts.append(f"Moved {_photos(len(self.moved))} to the trash")
        if self.not_moved:
            photo, reason = self.not_moved[0]
            more = f" (and {len(self.not_moved) - 1} more)" if len(self.not_moved) > 1 else ""
            parts.append(f"{_photos(len(self.not_moved))} not moved: {os.path.basename(photo.path)}: {reason}{more}")
        return "; ".join(parts) or "Nothing to move"


class TrashService:
    """Moves photos to the system trash and out of the library; a duplicate's "keep this" also teaches the stacks'
    best shot (StackService.record_keep)."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        vector_store: Callable[[], VectorStore],
        model_key: Callable[[], str],
        stacks: StackService,
    ) -> None:
        self._catalog = catalog
        self._vector_store = vector_store
        self._model_key = model_key
        self._stacks = stacks

    def keep_one(
        self,
        keep: PhotoRecord,
        others: Sequence[PhotoRecord],
        progress: Progress | None = None,
        control: JobControl | None = None,
    ) -> TrashReport:
        """Keep `keep` and move `others` to the trash, once `keep` is checked to be on disk as it was indexed (else
        nothing moves: the group's only copy would go). A copy that is the same file as the kept one (a link)
        stays."""
        problem = _changed(keep)
        if problem:
            return TrashReport(
                not_moved=tuple((p, f"the photo to keep ({os.path.basename(keep.path)}) {problem}") for p in others)
            )
        linked = [p for p in others if p.id == keep.id or _same_file(p.path, keep.path)]
        self._learn_from(keep, [p for p in others if p not in linked])
        report = self.move_to_trash([p for p in others if p not in linked], progress, control, choices_to=keep.id)
        return TrashReport(
            report.moved, tuple((p, "the same file as the photo kept (a link)") for p in linked) + report.not_moved
        )

    def _learn_from(self, keep: PhotoRecord, others: Sequence[PhotoRecord]) -> None:
        """The choice is one a stack's best shot learns from (services/stacks.py), stored before the others leave
        the library with their measures; learning never stops the move."""
        try:
            self._stacks.record_keep(keep, others, "duplicates")
        except Exception:
            log.exception("the keep choice of %s was not recorded", keep.path)

    def move_to_trash(
        self,
        photos: Sequence[PhotoRecord],
        progress: Progress | None = None,
        control: JobControl | None = None,
        choices_to: str | None = None,
    ) -> TrashReport:
        """Each photo to the system trash, then out of the library like a deleted file (core.library.forget_photos);
        `choices_to` (the copy kept) takes over what the user said about the photos moved. A photo changed since it
        was indexed (its bytes, not only its size and time), or on a disk without a trash, stays, with its
        reason."""
        moved: list[PhotoRecord] = []
        not_moved: list[tuple[PhotoRecord, str]] = []
        if progress is not None:
            progress.started(len(photos), "moving to the trash")
        try:
            for done, photo in enumerate(photos, 1):
                if control is not None:
                    control.checkpoint()
                reason = _changed(photo) or _send(photo.path)
                if reason:
                    log.info("not moved to the trash: %s: %s", photo.path, reason)
                    not_moved.append((photo, reason))
                else:
                    log.info("moved to the trash: %s", photo.path)
                    moved.append(photo)
                if progress is not None:
                    progress.advanced(done, os.path.basename(photo.path))
        finally:
            # What reached the trash leaves the library even when the job stops half way.
            forget_photos(
                self._catalog,
                self._vector_store(),
                self._model_key(),
                [p.id for p in moved],
                choices_to=choices_to,
            )
            if progress is not None:
                progress.finished()
        return TrashReport(tuple(moved), tuple(not_moved))


def _send(path: str) -> str:
    """ "" once the file is in the trash, else why not; never deletes instead (send2trash does not either)."""
    before = trash_notes(path)
    try:
        send2trash(path)
    except TrashPermissionError:  # a disk without a trash folder, and none may be made there
        return "this disk has no trash; the file stays, nothing was deleted"
    except OSError as exc:
        if "mount point" in str(exc):  # send2trash found no disk to hold a trash for it
            return "this disk has no trash; the file stays, nothing was deleted"
        return f"could not be moved to the trash ({exc.strerror or exc}); the file stays"
    finally:
        remove_orphan_notes(path, before)
    return ""


def _changed(photo: PhotoRecord) -> str:
    """ "" when the file is on disk as indexed; else what changed (the choice of copies was made on what was
    indexed)."""
    try:
        st = os.stat(photo.path)
    except FileNotFoundError:
        return "is no longer on disk"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if st.st_size != photo.size or st.st_mtime_ns != photo.mtime_ns:
        return "changed on disk since it was indexed (rescan its folder first)"
    # Size and time can be put back by a copy or a restore: only the bytes say it is still the photo chosen on.
    try:
        with open(photo.path, "rb") as f:
            digest = content_hash(f.read())
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if photo.content_hash and digest != photo.content_hash:
        return (
            "holds other content than when it was indexed, though its size and time are the same (rescan its "
            "folder first)"
        )
    return ""


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _photos(count: int) -> str:
    return f"{count} photo{'s' if count != 1 else ''}"
