"""Export: the photos' tags and flags into their XMP sidecars (merged; the photos are not touched)."""

from __future__ import annotations

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.sidecars import SidecarReport, export_sidecars


def write_sidecars(app, *, folder: str | None, ids: list[str] | None = None, overwrite_ours: bool,
                   progress: Progress, control: JobControl, sidecars=None) -> SidecarReport:
    """`sidecars`: a store in place of app.sidecars (the window's notes what it wrote)."""
    return export_sidecars(app.catalog, sidecars or app.sidecars, folder=folder, ids=ids,
                           overwrite_ours=overwrite_ours, progress=progress, control=control)
