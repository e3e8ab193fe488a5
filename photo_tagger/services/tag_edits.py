"""A user's own decisions about one photo: tags added or removed, "not sensitive"."""

from __future__ import annotations

from collections.abc import Iterable

from photo_tagger.core import choices
from photo_tagger.core.labels import checked_name
from photo_tagger.core.tagging import EffectiveTags


def edit_tags(app, photo_id: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> EffectiveTags:
    """A tag added must be a name (not blank, no control characters); any tag may be removed, a bad one too."""
    add = [checked_name(name, "tag") for name in add]
    return choices.edit_tags(app.catalog, app.vector_store(), app.model_key(), photo_id, add=add, remove=remove)


def put_back_tags(app, photo_id: str, names: Iterable[str]) -> EffectiveTags:
    """Undo the user's removal of these tags (core.choices.put_back_tags)."""
    return choices.put_back_tags(app.catalog, app.vector_store(), app.model_key(), photo_id, names)


def mark_not_sensitive(app, photo_id: str) -> EffectiveTags:
    return choices.mark_not_sensitive(app.catalog, app.vector_store(), app.model_key(), photo_id)
