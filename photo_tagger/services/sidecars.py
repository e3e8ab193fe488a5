"""Export: the photos' tags and flags into their XMP sidecars (merged; the photos are not touched)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import containing_root, resolve_folder
from photo_tagger.core.ports import Progress, SidecarStore
from photo_tagger.core.sidecars import SidecarReport, export_sidecars
from photo_tagger.core.watching import OwnWrites

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog


class SidecarService:
    """Writes the photos' tags and flags into their XMP sidecars."""

    def __init__(self, *, catalog: SqliteCatalog, sidecars: SidecarStore, sidecar_albums: Callable[[], bool]) -> None:
        """`sidecar_albums`: the setting of that name, read at each export (the Settings dialog changes it)."""
        self._catalog = catalog
        self._sidecars = sidecars
        self._sidecar_albums = sidecar_albums

    def folder_in_library(self, folder: Path) -> str:
        """`folder` resolved, when it is in a watched folder (or is one); else a one-line PhotoTaggerError."""
        resolved = resolve_folder(folder)
        if containing_root(self._catalog.roots(), resolved) is None:
            raise PhotoTaggerError(f"{folder} is not in the library (photo-tagger index FOLDER adds it)")
        return resolved

    def write_sidecars(
        self,
        *,
        folder: str | None,
        ids: list[str] | None = None,
        overwrite_ours: bool,
        progress: Progress,
        control: JobControl,
        own_writes: OwnWrites | None = None,
    ) -> SidecarReport:
        """`own_writes`: the live watcher's notes, told each sidecar written (NotedSidecars: the window). With the
        setting sidecar_albums, each photo's albums go in as Albums|Name keywords."""
        albums = self._catalog.albums_of if self._sidecar_albums() else None
        sidecars = self._sidecars if own_writes is None else NotedSidecars(self._sidecars, own_writes)
        return export_sidecars(
            self._catalog,
            sidecars,
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

    def __init__(self, sidecars: SidecarStore, own_writes: OwnWrites):
        self.sidecars = sidecars
        self.own_writes = own_writes

    def read(self, photo_path: str):
        return self.sidecars.read(photo_path)

    def write(self, photo_path: str, present, ours) -> None:
        from photo_tagger.infra.xmp_sidecar import sidecar_path  # here: the XML adapter loads only when used

        self.sidecars.write(photo_path, present, ours)
        self.own_writes.note(sidecar_path(photo_path))
