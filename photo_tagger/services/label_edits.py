"""Label edits: read the labels in use, save an edited set and retag, rename labels with their tags."""

from __future__ import annotations

from photo_tagger.core import choices
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport
from photo_tagger.services.retagging import retag_library


def labels_state(app):
    """(the labels in use, why labels.toml is not in use or "")."""
    labels = app.labels()
    return labels, app.labels_file.problem


def save_labels_and_retag(app, labels, progress: Progress | None = None, control: JobControl | None = None,
                          renames: dict[str, str] | None = None) -> RetagReport:
    """Write labels.toml, carry renamed labels' tags and the user's choices to their new names, then retag the
    whole library from stored embeddings."""
    app.save_labels(labels)
    rename_labels(app, renames or {})
    return retag_library(app, progress=progress, control=control)


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
