"""Export: the photos' tags and flags into their XMP sidecars (merged; the photos are not touched)."""

from __future__ import annotations

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.sidecars import SidecarReport, export_sidecars


def write_sidecars(
    app,
    *,
    folder: str | None,
    ids: list[str] | None = None,
    overwrite_ours: bool,
    progress: Progress,
    control: JobControl,
    sidecars=None,
) -> SidecarReport:
    """`sidecars`: a store in place of app.sidecars (the window's notes what it wrote). With the setting
    sidecar_albums, each photo's albums go in as Albums|Name keywords."""
    albums = app.catalog.albums_of if app.settings.sidecar_albums else None
    return export_sidecars(
        app.catalog,
        sidecars or app.sidecars,
        folder=folder,
        ids=ids,
        overwrite_ours=overwrite_ours,
        progress=progress,
        control=control,
        albums=albums,
    )


class NotedSidecars:
    """The app's sidecar store, noting each file it wrote in `own_writes` (the live watcher's OwnWrites): the
    watcher's report of that very write is the app's own echo, not a change to index."""

    def __init__(self, sidecars, own_writes):
        self.sidecars = sidecars
        self.own_writes = own_writes

    def read(self, photo_path: str):
        return self.sidecars.read(photo_path)

    def write(self, photo_path: str, present, ours) -> None:
        from photo_tagger.infra.xmp_sidecar import sidecar_path  # here: the XML adapter loads only when used

        self.sidecars.write(photo_path, present, ours)
        self.own_writes.note(sidecar_path(photo_path))
