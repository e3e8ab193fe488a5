"""A user's decisions about one photo (tags added or removed, "not sensitive"), stored and applied at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.journal import journaled
from photo_tagger.core.ports import Catalog, VectorStore
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import EffectiveTags, TagDecision


def _apply(catalog: Catalog, store: VectorStore, model_name: str, photo_id: str, write: Callable) -> EffectiveTags:
    """Store the choice; a shared store's copy of the tags follows (journaled like every dual write)."""
    if not catalog.get([photo_id]):  # e.g. another computer's photo in a shared library: its tags are its own
        raise PhotoTaggerError("this photo is not in this computer's library: change its tags where it is indexed")
    mirrored = [photo_id] if store.shared else []
    with journaled(catalog, mirrored, model_name):
        with catalog.transaction() as db:
            write(db)
        tags = photo_tags(catalog, [photo_id])[photo_id]
        store.update_metadata(mirrored, [tags.as_metadata()] * len(mirrored))
    return tags


def edit_tags(
    catalog: Catalog,
    store: VectorStore,
    model_name: str,
    photo_id: str,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> EffectiveTags:
    """Add and remove tags on a photo; the user's decision wins over automatic tags from now on."""
    add, remove = list(add), list(remove)
    return _apply(
        catalog, store, model_name, photo_id, lambda db: catalog.set_user_tags(db, photo_id, add=add, remove=remove)
    )


def put_back_tags(
    catalog: Catalog, store: VectorStore, model_name: str, photo_id: str, labels: Iterable[str]
) -> EffectiveTags:
    """Undo a removal. A tag the model gives the photo: the user's "not this tag" is forgotten and the automatic
    decision counts again (with its score). A tag only the user had given it: added by the user again."""
    labels = list(labels)
    automatic = {t for t, _ in catalog.decisions([photo_id]).get(photo_id, TagDecision()).tags}

    def write(db):
        catalog.forget_removed_tags(db, photo_id, [t for t in labels if t in automatic])
        catalog.set_user_tags(db, photo_id, add=[t for t in labels if t not in automatic])

    return _apply(catalog, store, model_name, photo_id, write)


def mark_not_sensitive(
    catalog: Catalog, store: VectorStore, model_name: str, photo_id: str, value: bool = True
) -> EffectiveTags:
    """A false positive of moderation: the photo stays unflagged across retags (until value=False)."""
    return _apply(catalog, store, model_name, photo_id, lambda db: catalog.set_not_sensitive(db, photo_id, value))


def confirm_flag(catalog, store: VectorStore, model_name: str, photo_id: str, category: str) -> EffectiveTags:
    """The user confirms a flag (review's accept): a positive example for the category; a "not sensitive" mark on
    the photo is lifted, since the user now says it is sensitive."""

    def write(db):
        catalog.confirm_flag(db, photo_id, category)
        catalog.set_not_sensitive(db, photo_id, False)

    return _apply(catalog, store, model_name, photo_id, write)


def reject_flag(catalog, store: VectorStore, model_name: str, photo_id: str, category: str) -> EffectiveTags:
    """The user says the photo is not `category` (review's reject): a negative example for that category, a near
    miss its prompt does not flag included, and the photo is "not sensitive" from now on."""

    def write(db):
        catalog.reject_flag(db, photo_id, category)
        catalog.set_not_sensitive(db, photo_id, True)

    return _apply(catalog, store, model_name, photo_id, write)
