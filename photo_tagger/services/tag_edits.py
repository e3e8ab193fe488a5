"""A user's own decisions about one photo: tags added or removed, "not sensitive"."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from photo_tagger.core import choices
from photo_tagger.core.labels import checked_name
from photo_tagger.core.ports import Catalog, VectorStore
from photo_tagger.core.tagging import EffectiveTags


class TagEditService:
    """The user's tag choices on one photo, written to the catalog and (journaled) to a shared store."""

    def __init__(
        self, *, catalog: Catalog, vector_store: Callable[[], VectorStore], model_key: Callable[[], str]
    ) -> None:
        self._catalog = catalog
        self._vector_store = vector_store
        self._model_key = model_key

    def edit_tags(self, photo_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> EffectiveTags:
        """A tag added must be a name (not blank, no control characters); any tag may be removed, a bad one too."""
        add = [checked_name(name, "tag") for name in add]
        return choices.edit_tags(
            self._catalog, self._vector_store(), self._model_key(), photo_id, add=add, remove=remove
        )

    def put_back_tags(self, photo_id: str, names: Iterable[str]) -> EffectiveTags:
        """Undo the user's removal of these tags (core.choices.put_back_tags)."""
        return choices.put_back_tags(self._catalog, self._vector_store(), self._model_key(), photo_id, names)

    def mark_not_sensitive(self, photo_id: str) -> EffectiveTags:
        return choices.mark_not_sensitive(self._catalog, self._vector_store(), self._model_key(), photo_id)
