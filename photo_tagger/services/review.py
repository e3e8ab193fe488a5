"""Review: one label's or moderation category's borderline photos, most uncertain first, and the user's yes or
no on each (stored at once as an example for learning; core/review.py holds the rules)."""

from __future__ import annotations

from collections.abc import Callable

from photo_tagger.core import review
from photo_tagger.core.ports import Catalog, VectorStore
from photo_tagger.core.review import CATEGORY, LABEL, Candidate  # noqa: F401 (the kinds, for callers)
from photo_tagger.core.tagging import PreparedLabels
from photo_tagger.core.types import PhotoRecord


class ReviewService:
    """The review's lists and answers, over the catalog and the labels as they are now."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        vector_store: Callable[[], VectorStore],
        model_key: Callable[[], str],
        prepared_labels: Callable[[], PreparedLabels],
    ) -> None:
        """`prepared_labels`: the labels file's labels with their embeddings, as the file is now."""
        self._catalog = catalog
        self._vector_store = vector_store
        self._model_key = model_key
        self._prepared_labels = prepared_labels

    def candidates(self, kind: str, name: str) -> tuple[list[Candidate], dict[str, PhotoRecord]]:
        """The candidates (re-learned from the choices so far) and their records."""
        found = review.candidates(self._catalog, self._model_key(), self._prepared_labels(), kind, name)
        return found, self._catalog.get([c.photo_id for c in found])

    def decide(self, kind: str, name: str, photo_id: str, accept: bool):
        """Accept (it is `name`) or reject (it is not); PhotoTaggerError for a photo gone since the list was
        made."""
        return review.decide(self._catalog, self._vector_store(), self._model_key(), kind, name, photo_id, accept)

    def overview(self) -> list[tuple[str, str, int]]:
        """Every enabled label and category with how many photos it has to review: those with something first,
        each group in labels.toml's order (one training and scoring of the library for all of them)."""
        counts = review.to_review(self._catalog, self._model_key(), self._prepared_labels())
        ordered = sorted(counts.items(), key=lambda item: item[1] == 0)  # stable: the file's order within each group
        return [(kind, name, n) for (kind, name), n in ordered]
