"""The window's write jobs (run on the writer thread, no Qt here): index, rescan, retag, tag edits, unwatch,
install."""

from __future__ import annotations

from pathlib import Path

from photo_tagger.core import choices
from photo_tagger.core.library import Forgotten, add_roots, forget_root, resolve_folder
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport, retag
from photo_tagger.core.scan import is_under
from photo_tagger.core.sidecars import SidecarReport, export_sidecars
from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import IndexReport


def _index(app, roots: list[str], scope: list[str], progress, control: JobControl) -> IndexReport:
    """An index run that waits out a shared store's outages (shown in the status bar) until cancelled."""
    with app.store_retry.patient(None, on_state=progress.status, stop=lambda: control.cancelled):
        return app.indexer.index(roots, scope=scope, progress=progress, control=control)


def add_folder(app, folder: str, progress, control: JobControl) -> IndexReport:
    """Watch `folder` (unless a watched folder holds it already) and index it."""
    roots, scope = add_roots(app.catalog, [resolve_folder(Path(folder))])
    return _index(app, roots, scope, progress, control)


def rescan(app, root: str, folder: str, progress, control: JobControl) -> IndexReport:
    """Bring one folder of a watched root up to date with the disk."""
    return _index(app, [root], [folder], progress, control)


def retag_folder(app, folder: str | None, progress: Progress, control: JobControl) -> RetagReport:
    """Recompute tags and flags from stored embeddings; no image is read."""
    return retag(app.catalog, app.vector_store(), app.prepared_labels(), app.model_key(),
                 folder=folder, progress=progress, control=control)


def stop_watching(app, root: str, progress: Progress, control: JobControl) -> Forgotten:
    """Forget a watched folder: its catalog rows and its vectors go (journaled, like the indexer's removals).
    Returns how many photos (and skipped files) left the library. The photos on disk are untouched."""
    progress.started(None, "forgetting")
    forgotten = forget_root(app.catalog, app.vector_store(), app.model_key(), root)
    progress.finished()
    return forgotten


def install_model(app, folder: str, progress: Progress, control: JobControl):
    """Install a model from a folder and make it the one in use when none is chosen: a model folder exported by
    Photo Tagger elsewhere is imported (no torch needed: the packaged app), a transformers checkpoint is exported."""
    # What the status bar adds after the job's description ("Installing the model"): not the description again.
    progress.started(None, "a checkpoint is exported to ONNX and checked: a minute or two")
    model = app.models.install_folder(Path(folder))
    if not app.settings.model:
        app.update_settings(model=model.name)
    progress.finished()
    return model


def install_from_hub(app, hub_id: str, progress: Progress, control: JobControl):
    """Download a CLIP checkpoint from the Hugging Face hub, export and check it (what `photo-tagger model install
    HUB_ID` does, same service) and make it the one in use when none is chosen. Without network the model store
    raises one ModelError saying what to do instead."""
    progress.started(None, f"downloading {hub_id} from the Hugging Face hub, then exporting it to ONNX and checking "
                           "it: a few minutes")
    model = app.models.install(hub_id)  # a ready ONNX model (Immich's layout) needs no torch; a checkpoint is exported
    if not app.settings.model:
        app.update_settings(model=model.name)
    progress.finished()
    return model


def write_sidecars(app, *, folder: str | None, ids: list[str] | None, overwrite_ours: bool, progress: Progress,
                   control: JobControl, sidecars=None) -> SidecarReport:
    """Write the photos' tags and flags to their XMP sidecars (merged; the photos are not touched); `sidecars`:
    a store in place of app.sidecars (the window's notes what it wrote)."""
    return export_sidecars(app.catalog, sidecars or app.sidecars, folder=folder, ids=ids,
                           overwrite_ours=overwrite_ours, progress=progress, control=control)


def retag_photos(app, ids: list[str], progress: Progress, control: JobControl) -> RetagReport:
    return retag(app.catalog, app.vector_store(), app.prepared_labels(), app.model_key(), ids=list(ids),
                 progress=progress, control=control)


def edit_tags(app, photo_id: str, add=(), remove=()) -> EffectiveTags:
    return choices.edit_tags(app.catalog, app.vector_store(), app.model_key(), photo_id, add=add,
                             remove=remove)


def mark_not_sensitive(app, photo_id: str) -> EffectiveTags:
    return choices.mark_not_sensitive(app.catalog, app.vector_store(), app.model_key(), photo_id)


def index_changes(app, scope: list[str], progress: Progress, control: JobControl) -> IndexReport | None:
    """Index what the folder watcher saw change, under the roots watched now (None when none is left)."""
    roots = app.catalog.roots()
    under = [p for p in scope if any(is_under(p, r) for r in roots)]
    if not roots or (scope and not under):
        return None
    return _index(app, roots, under, progress, control)


def save_labels_and_retag(app, labels, progress: Progress, control: JobControl,
                          renames: dict[str, str] | None = None) -> RetagReport:
    """Write labels.toml, carry renamed labels' tags and the user's choices to their new names, then retag the
    whole library from stored embeddings (as `photo-tagger labels` does)."""
    app.save_labels(labels)
    rename_labels(app, renames or {})
    return retag_folder(app, None, progress, control)


def rename_labels(app, renames: dict[str, str]) -> set[str]:
    """Each label in the catalog under its new name (user_tags and automatic tags); returns the photos touched.
    Names that trade places (a -> b, b -> a) go through temporary names first."""
    renames = {old: new for old, new in renames.items() if old != new}
    steps = list(renames.items())
    if set(renames) & set(renames.values()):
        temporary = {old: f"\0renaming {n}\0{old}" for n, old in enumerate(renames)}
        steps = [(old, temporary[old]) for old in renames] + [(temporary[old], new) for old, new in renames.items()]
    touched: set[str] = set()
    for old, new in steps:
        touched.update(app.catalog.rename_label(old, new))
    store = app.vector_store() if touched else None
    if store is not None and store.shared:
        # A shared store keeps a copy of the tags: it follows here, journaled, since the retag after this sees
        # the moved tags as unchanged and leaves those photos alone.
        for photo_id in sorted(touched):
            choices.edit_tags(app.catalog, store, app.model_key(), photo_id)
    return touched
