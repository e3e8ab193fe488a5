"""Retag: recompute tags and flags from stored embeddings (the whole library, a folder, or some photos)."""

from __future__ import annotations

from collections.abc import Callable

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.retagging import RetagReport, retag
from photo_tagger.core.tagging import PreparedLabels


class RetagService:
    """Retags from stored embeddings with the labels in use (no image is read)."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        vector_store: Callable[[], VectorStore],
        prepared_labels: Callable[[], PreparedLabels],
        model_key: Callable[[], str],
        clear_retag_pending: Callable[[], None],
    ) -> None:
        self._catalog = catalog
        self._vector_store = vector_store
        self._prepared_labels = prepared_labels
        self._model_key = model_key
        self._clear_retag_pending = clear_retag_pending

    def retag_library(
        self,
        folder: str | None = None,
        ids: list[str] | None = None,
        progress: Progress | None = None,
        control: JobControl | None = None,
    ) -> RetagReport:
        """With the labels in use, calibrated and taught by the user's choices. A whole-library retag that ends
        pays off a retag a label edit owed (services/pending_retag.py)."""
        report = retag(
            self._catalog,
            self._vector_store(),
            self._prepared_labels(),
            self._model_key(),
            folder=folder,
            ids=None if ids is None else list(ids),
            progress=progress,
            control=control,
        )
        if folder is None and ids is None:  # a cancelled retag raised before here: still owed
            self._clear_retag_pending()
        return report
