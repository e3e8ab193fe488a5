"""Watched folders: adding one (or a folder inside one), forgetting one. Shared by the CLI and the GUI."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.journal import journaled
from photo_tagger.core.ports import Catalog, VectorStore
from photo_tagger.core.scan import is_under
from photo_tagger.core.tag_sources import photo_tags

log = logging.getLogger(__name__)


def resolve_folder(path: Path) -> str:
    """An existing folder's absolute path, or a one-line error."""
    resolved = path.expanduser().resolve()
    if not resolved.exists():
        raise PhotoTaggerError(f"{path}: no such folder")
    if not resolved.is_dir():
        raise PhotoTaggerError(f"{path}: not a folder (index takes folders)")
    return str(resolved)


def containing_root(roots: Iterable[str], path: str) -> str | None:
    """The innermost watched root that holds path (or is it)."""
    owners = [r for r in roots if is_under(path, r)]
    return max(owners, key=len) if owners else None


def add_roots(catalog: Catalog, folders: list[str]) -> tuple[list[str], list[str]]:
    """Watch each folder unless a watched root already holds it; returns (roots to index, scope)."""
    roots, scope = [], []
    for folder in folders:
        owner = containing_root(catalog.roots(), folder)
        if owner is None:
            catalog.add_root(folder, time.time())
            owner = folder
        roots.append(owner)
        scope.append(folder)
    return sorted(set(roots)), scope


@dataclass(frozen=True)
class Forgotten:
    """What left the library with a root: its photos, and apart from them its skipped (unreadable) files."""

    photos: int
    skipped: int = 0

    def summary(self) -> str:
        skipped = f" and {self.skipped} skipped file{'s' if self.skipped != 1 else ''}" if self.skipped else ""
        return f"{self.photos} photo{'s' if self.photos != 1 else ''}{skipped} left the library"


def forget_root(catalog: Catalog, store: VectorStore, model_name: str, root: str) -> Forgotten:
    """Stop watching a root: its records and vectors leave the library (journaled); files are untouched."""
    photos = sum(1 for r in catalog.records(root) if r.status == "indexed")
    ids = catalog.remove_root(root)
    forget_photos(catalog, store, model_name, ids)
    log.info("stopped watching %s (%d photos, %d skipped files forgotten)", root, photos, len(ids) - photos)
    return Forgotten(photos, len(ids) - photos)


def forget_photos(
    catalog: Catalog, store: VectorStore, model_name: str, ids: list[str], choices_to: str | None = None
) -> None:
    """Records and vectors leave the library together (journaled: a crash between the two is re-synced by
    Indexer.recover); the files are not touched. Deleted files, forgotten roots and trashed photos all go here.
    `choices_to`: the photo that takes over what the user said about these (the copy kept of a duplicate group:
    tags added or removed, "not sensitive", review answers), in the same transaction as the forgetting."""
    if not ids:
        return
    heir = [choices_to] if choices_to and store.shared else []  # a shared store carries effective tags
    with journaled(catalog, ids + heir, model_name):
        with catalog.transaction() as db:
            if choices_to:
                catalog.carry_choices(db, choices_to, ids)
            catalog.write(db, deletes=ids)
        store.delete(ids)
        if heir:
            store.update_metadata(heir, [photo_tags(catalog, heir)[heir[0]].as_metadata()])
