"""Write each indexed photo's tags and flags to its XMP sidecar ("tags that travel"); photos stay untouched."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from photo_tagger.core.jobs import Cancelled, JobControl
from photo_tagger.core.keywords import keywords_for, merge, with_albums
from photo_tagger.core.ports import Catalog, Progress, SidecarStore
from photo_tagger.core.scan import is_under
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import SkippedFile

log = logging.getLogger(__name__)
CHUNK = 500
EDITED_ELSEWHERE = (
    "keywords the app wrote were changed in another program since the last export, so these "
    "sidecars were left as they are (--overwrite-ours replaces the app's keywords anyway)"
)


@dataclass
class SidecarReport:
    """What an export did, counted in photos."""

    written: int = 0
    unchanged: int = 0
    edited_elsewhere: list[str] = field(default_factory=list)  # sidecars left alone (see EDITED_ELSEWHERE)
    skipped: list[SkippedFile] = field(default_factory=list)  # could not be written, with the reason
    cancelled: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        stopped = " (stopped; run again to finish)" if self.cancelled else ""
        return (
            f"{self.written} sidecars written, {self.unchanged} unchanged, {len(self.edited_elsewhere)} edited "
            f"elsewhere and left alone, {len(self.skipped)} skipped ({self.seconds:.1f} s){stopped}"
        )

    def as_dict(self) -> dict:
        return {
            "written": self.written,
            "unchanged": self.unchanged,
            "edited_elsewhere": list(self.edited_elsewhere),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


def export_sidecars(
    catalog: Catalog,
    sidecars: SidecarStore,
    *,
    folder: str | None = None,
    ids: Sequence[str] | None = None,
    overwrite_ours: bool = False,
    progress: Progress | None = None,
    control: JobControl | None = None,
    albums: Callable[[list[str]], dict[str, list[str]]] | None = None,
) -> SidecarReport:
    """Write the effective tags (as `photo-tagger tags` shows them) of every indexed photo, or those under
    `folder`, or the photos `ids`, into their sidecars, merged with what the sidecars already hold.

    `albums`: the names of the albums of each of these photo ids, written as Albums|Name keywords (None: none).
    A plain callable for a worker thread: reports through `progress`, stops at `control`'s checkpoints.
    A photo that cannot be written is a skipped entry with its reason, never an error."""
    started = time.monotonic()
    control = control or JobControl()
    records = catalog.get(ids).values() if ids is not None else catalog.records()
    records = sorted(
        (r for r in records if r.status == "indexed" and (folder is None or is_under(r.path, folder))),
        key=lambda r: (r.root, r.relpath),
    )
    report = SidecarReport()
    if progress:
        progress.started(len(records), "writing sidecars")
    try:
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            chunk_ids = [r.id for r in chunk]
            choices = catalog.choices(chunk_ids)
            tags = photo_tags(catalog, chunk_ids, choices=choices)
            albums_of = albums(chunk_ids) if albums is not None else {}
            for done, record in enumerate(chunk, start + 1):
                control.checkpoint()
                choice = choices.get(record.id)
                wanted = keywords_for(tags[record.id], choice)
                wanted = with_albums(wanted, albums_of.get(record.id, ()))
                _export_one(sidecars, record.path, wanted, overwrite_ours, report)
                if progress:
                    progress.advanced(done)
    except Cancelled:
        report.cancelled = True
    finally:
        if progress:
            progress.finished()
    report.seconds = time.monotonic() - started
    return report


def _export_one(sidecars: SidecarStore, path: str, wanted, overwrite_ours: bool, report: SidecarReport) -> None:
    if not os.path.isfile(path):
        report.skipped.append(SkippedFile(path, "the photo is not on disk (moved, deleted or on an unplugged drive)"))
        return
    try:
        result = merge(sidecars.read(path), wanted, overwrite_ours)
        if result.status == "write":
            sidecars.write(path, result.present, result.ours)
    except OSError as exc:
        report.skipped.append(SkippedFile(path, exc.strerror or str(exc)))
        return
    except Exception as exc:  # a bug on one odd sidecar must not stop the run; it is logged in full
        log.exception("unexpected error writing the sidecar of %r", path)
        report.skipped.append(SkippedFile(path, f"internal error ({type(exc).__name__})"))
        return
    if result.status == "write":
        report.written += 1
    elif result.status == "edited":
        report.edited_elsewhere.append(path)
    else:
        report.unchanged += 1
