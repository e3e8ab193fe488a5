"""Retag: recompute tags and flags from stored embeddings (the whole library, a folder, or some photos)."""

from __future__ import annotations

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.retagging import RetagReport, retag


def retag_library(
    app,
    folder: str | None = None,
    ids: list[str] | None = None,
    progress: Progress | None = None,
    control: JobControl | None = None,
) -> RetagReport:
    """No image is read; with the labels in use, calibrated and taught by the user's choices. A whole-library
    retag that ends pays off a retag a label edit owed (services/pending_retag.py)."""
    from photo_tagger.services.pending_retag import clear_retag_pending

    report = retag(
        app.catalog,
        app.vector_store(),
        app.prepared_labels(),
        app.model_key(),
        folder=folder,
        ids=None if ids is None else list(ids),
        progress=progress,
        control=control,
    )
    if folder is None and ids is None:  # a cancelled retag raised before here: still owed
        clear_retag_pending(app)
    return report
