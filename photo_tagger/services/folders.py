"""Watched folders: add and index one, rescan, index what the watcher saw, stop watching, count their photos."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import Forgotten, add_roots, forget_root, resolve_folder
from photo_tagger.core.ports import Progress
from photo_tagger.core.scan import is_under
from photo_tagger.core.types import IndexReport

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog

log = logging.getLogger(__name__)


def refuse_read_only(library_dir: Path) -> None:
    """Indexing writes the catalog at every step: a library on a read-only disk is refused before any work."""
    from photo_tagger.infra.storage_faults import ReadOnlyDisk, is_read_only, read_only_message

    if library_dir.is_dir() and is_read_only(library_dir):
        raise ReadOnlyDisk(read_only_message(library_dir))


def index_folders(
    app, roots: list[str], scope: list[str], progress, control: JobControl, patience: float | None = None
) -> IndexReport:
    """An index run that waits out a shared store's outages (`patience` seconds, None: until cancelled); the
    waiting is said through progress.status (the status bar, the terminal)."""
    with app.store_retry.patient(patience, on_state=progress.status, stop=lambda: control.cancelled):
        report = app.indexer.index(roots, scope=scope, progress=progress, control=control)
        if report.new or report.updated or report.removed or report.reencoded or report.encoded_again:
            settle_tags(app)
        if report.new or report.updated or report.removed or report.moved:
            update_events(app)
        return report


def update_events(app) -> None:
    app.event_service.update_events()


def settle_tags(app) -> None:
    """The library changed: decide every photo again from stored embeddings (no image is read) with the
    calibration a retag uses, so the tags an index run leaves are exactly those a retag gives (core/retagging.py;
    a retag with nothing edited changes nothing). Only photos whose tags differ are written."""
    import logging

    from photo_tagger.infra.storage_faults import is_nearly_full

    if app.catalog.read_only or is_nearly_full(app.paths.library_dir):  # the index step's own tags stay
        return
    try:
        app.retag_service.retag_library()
    except Exception:  # the photos are indexed and tagged already; the next retag settles them
        logging.getLogger(__name__).exception("settling the tags after indexing failed")


def add_folders(
    app, folders: list[str], progress, control: JobControl, patience: float | None = None
) -> tuple[list[str], IndexReport]:
    """Watch each folder (unless a watched folder holds it already) and index it; returns (roots, report)."""
    roots, scope = add_roots(app.catalog, folders)
    remove_orphans(app)
    return roots, index_folders(app, roots, scope, progress, control, patience)


def remove_orphans(app) -> dict[str, int]:
    """Rows left for photos the catalog no longer holds (older versions' watcher replaced records under new ids)
    go, once per explicit index run, `watch` start or repair, not per watched change: a scan of each photo table.
    The vector store's copies of them go when it is next opened (its count no longer matches the catalog's)."""
    return remove_orphan_rows(app.catalog)


def remove_orphan_rows(catalog: SqliteCatalog) -> dict[str, int]:
    """remove_orphans with the catalog alone (library repair); nothing on a read-only catalog."""
    if catalog.read_only:
        return {}
    removed = catalog.remove_orphans()
    if removed:
        log.warning(
            "removed rows of photos no longer in the library: %s",
            ", ".join(f"{n} {table}" for table, n in removed.items()),
        )
    return removed


def add_folder(app, folder: str, progress, control: JobControl) -> IndexReport:
    return add_folders(app, [resolve_folder(Path(folder))], progress, control)[1]


def rescan(app, root: str, folder: str, progress, control: JobControl) -> IndexReport:
    """Bring one folder of a watched root up to date with the disk."""
    return index_folders(app, [root], [folder], progress, control)


def index_changes(app, scope: list[str], progress: Progress, control: JobControl) -> IndexReport | None:
    """Index what the folder watcher saw change, under the roots watched now (None when none is left), then settle
    the tags as every index run does: `watch` and the window's live watching (scope [] : a catch-up of every root).
    A shared store's outage is waited out until `control` is cancelled."""
    roots = app.catalog.roots()
    under = [p for p in scope if any(is_under(p, r) for r in roots)]
    if not roots or (scope and not under):
        return None
    return index_folders(app, roots, under, progress, control)


def stop_watching(app, root: str, progress: Progress | None = None, control: JobControl | None = None) -> Forgotten:
    """Forget a watched folder: its catalog rows and its vectors go (journaled, like the indexer's removals).
    Returns how many photos (and skipped files) left the library. The photos on disk are untouched."""
    if progress is not None:
        progress.started(None, "forgetting")
    forgotten = forget_root(app.catalog, app.vector_store(), app.model_key(), root)
    update_events(app)
    if progress is not None:
        progress.finished()
    return forgotten


@dataclass
class FolderCounts:
    """One watched folder's files: photos encoded by the model in use, skipped files, photos to re-encode."""

    indexed: int = 0
    skipped: int = 0
    stale: int = 0

    @property
    def photos(self) -> int:
        return self.indexed + self.stale


def folder_counts(catalog, model_key: str | None = None) -> dict[str, FolderCounts]:
    """Every watched folder (and any folder the catalog still holds records of) with its counts; without a
    model key (the window's sidebar, which needs no model) every photo counts as indexed."""
    counts = {root: FolderCounts() for root in catalog.roots()}
    for record in catalog.records():
        row = counts.setdefault(record.root, FolderCounts())
        if record.status == "skipped":
            row.skipped += 1
        elif model_key is None or record.embedded_model == model_key:
            row.indexed += 1
        else:
            row.stale += 1
    return counts
