"""The window's write jobs (run on the writer thread, no Qt here): index, rescan, retag, unwatch, install."""

from __future__ import annotations

import logging
from pathlib import Path

from photo_tagger.cli.library import add_roots, resolve_folder
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport, retag
from photo_tagger.core.types import IndexReport

log = logging.getLogger(__name__)


def add_folder(app, folder: str, progress: Progress, control: JobControl) -> IndexReport:
    """Watch `folder` (unless a watched folder holds it already) and index it."""
    roots, scope = add_roots(app, [resolve_folder(Path(folder))])
    return app.indexer.index(roots, scope=scope, progress=progress, control=control)


def rescan(app, root: str, folder: str, progress: Progress, control: JobControl) -> IndexReport:
    """Bring one folder of a watched root up to date with the disk."""
    return app.indexer.index([root], scope=[folder], progress=progress, control=control)


def retag_folder(app, folder: str | None, progress: Progress, control: JobControl) -> RetagReport:
    """Recompute tags and flags from stored embeddings; no image is read."""
    return retag(app.catalog, app.vector_store(), app.prepared_labels(), app.active_model().name,
                 folder=folder, progress=progress, control=control)


def stop_watching(app, root: str, progress: Progress, control: JobControl) -> int:
    """Forget a watched folder: its catalog rows and its vectors go (journaled, like the indexer's removals).
    Returns how many photos left the library. The photos on disk are untouched."""
    model = app.active_model().name
    progress.started(None, "forgetting")
    ids = app.catalog.remove_root(root)
    app.catalog.journal_add(ids, model)
    with app.catalog.transaction() as db:
        app.catalog.write(db, deletes=ids)
    app.vector_store().delete(ids)
    with app.catalog.transaction() as db:
        app.catalog.journal_clear(db, ids, model)
    progress.finished()
    log.info("stopped watching %s (%d photos forgotten)", root, len(ids))
    return len(ids)


def install_model(app, checkpoint: str, progress: Progress, control: JobControl):
    """Export a transformers CLIP checkpoint folder and make it the model in use when none is chosen."""
    progress.started(None, "exporting to ONNX and checking it against torch")
    model = app.models.install_from_checkpoint(checkpoint)
    if not app.settings.model:
        app.update_settings(model=model.name)
    progress.finished()
    return model


def describe_index(folder: str, report: IndexReport) -> str:
    if report.cancelled:
        return f"Indexing {folder} stopped: {report.new + report.updated} photos done so far"
    rate = (report.new + report.updated + report.reencoded) / report.seconds if report.seconds else 0.0
    return (f"{folder}: {report.new} new, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.moved} moved, {report.removed} removed, {len(report.skipped)} skipped "
            f"({report.seconds:.1f} s, {rate:.1f} photos/s)")
