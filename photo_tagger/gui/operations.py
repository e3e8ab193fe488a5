"""The window's write jobs (run on the writer thread, no Qt here): index, rescan, retag, tag edits, unwatch,
install."""

from __future__ import annotations

import os
from pathlib import Path

from photo_tagger.core import choices
from photo_tagger.core.library import add_roots, forget_root, resolve_folder
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport, retag
from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import IndexReport


def add_folder(app, folder: str, progress: Progress, control: JobControl) -> IndexReport:
    """Watch `folder` (unless a watched folder holds it already) and index it."""
    roots, scope = add_roots(app.catalog, [resolve_folder(Path(folder))])
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
    progress.started(None, "forgetting")
    forgotten = forget_root(app.catalog, app.vector_store(), app.active_model().name, root)
    progress.finished()
    return forgotten


def install_model(app, folder: str, progress: Progress, control: JobControl):
    """Install a model from a folder and make it the one in use when none is chosen: a model folder exported by
    Photo Tagger elsewhere is imported (no torch needed: the packaged app), a transformers checkpoint is exported."""
    progress.started(None, "installing the model (a checkpoint is exported to ONNX and checked: a minute or two)")
    model = app.models.install_folder(Path(folder))
    if not app.settings.model:
        app.update_settings(model=model.name)
    progress.finished()
    return model


def retag_photos(app, ids: list[str], progress: Progress, control: JobControl) -> RetagReport:
    return retag(app.catalog, app.vector_store(), app.prepared_labels(), app.active_model().name, ids=list(ids),
                 progress=progress, control=control)


def edit_tags(app, photo_id: str, add=(), remove=()) -> EffectiveTags:
    return choices.edit_tags(app.catalog, app.vector_store(), app.active_model().name, photo_id, add=add,
                             remove=remove)


def mark_not_sensitive(app, photo_id: str) -> EffectiveTags:
    return choices.mark_not_sensitive(app.catalog, app.vector_store(), app.active_model().name, photo_id)


def index_changes(app, scope: list[str], progress: Progress, control: JobControl) -> IndexReport | None:
    """Index what the folder watcher saw change, under the roots watched now (None when none is left)."""
    roots = app.catalog.roots()
    under = [p for p in scope if any(p == r or p.startswith(r.rstrip(os.sep) + os.sep) for r in roots)]
    if not roots or (scope and not under):
        return None
    return app.indexer.index(roots, scope=under, progress=progress, control=control)


def save_labels_and_retag(app, labels, progress: Progress, control: JobControl) -> RetagReport:
    """Write labels.toml, then retag the whole library from stored embeddings (as `photo-tagger labels` does)."""
    app.save_labels(labels)
    return retag_folder(app, None, progress, control)
