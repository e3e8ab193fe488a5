"""Duplicate groups in tiers (core/duplicates.py) for the CLI's `duplicates` and the window's Duplicates view: the
library's photos (or a folder's), their perceptual hashes (computed here for photos indexed before hashes existed)
and embeddings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from photo_tagger.core import duplicates
from photo_tagger.core.duplicates import TIERS, DuplicateGroup, PhotoFacts
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import resolve_folder
from photo_tagger.core.ports import Catalog as PortCatalog
from photo_tagger.core.ports import Progress
from photo_tagger.core.preprocess import UnreadableImage
from photo_tagger.core.scan import is_under
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.services.backfill import backfill

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog

log = logging.getLogger(__name__)


class DuplicateService:
    """Duplicate groups of the library's photos (or a folder's) in tiers, from the catalog's facts."""

    def __init__(self, *, catalog: SqliteCatalog, model_key: Callable[[], str]) -> None:
        self._catalog = catalog
        self._model_key = model_key

    def find_groups(
        self, tier: str, folder: str | None = None, progress: Progress | None = None, control: JobControl | None = None
    ) -> list[DuplicateGroup]:
        """The duplicate groups of `tier` among the library's photos (under `folder` when given), largest first;
        the suggested photo to keep first in each. One-line PhotoTaggerError for an unknown tier or folder."""
        if tier not in TIERS:
            raise PhotoTaggerError(f"unknown tier {tier!r}: choose one of {', '.join(TIERS)}")
        control = control or JobControl()
        scope = self._scope_folder(folder)
        model = self._model_key()
        ids = Filters(folder=scope).catalog_ids(self._catalog, model)
        records = list(self._catalog.get(ids).values())
        computed = self._hash_missing(records, progress, control) if tier != "exact" else {}
        facts = self._facts(records, model, tier, computed)
        groups = duplicates.find_groups(tier, facts, control.checkpoint, progress)
        log.info("%d %s duplicate groups among %d photos", len(groups), tier, len(records))
        return groups

    def flagged(self, groups: Sequence[DuplicateGroup]) -> set[str]:
        """The photos of these groups that are flagged (the window blurs them, like in the grid)."""
        ids = [p.id for g in groups for p in g.photos]
        return {i for i, tags in photo_tags(self._catalog, ids).items() if tags.flags}

    def _scope_folder(self, folder: str | None) -> str | None:
        if folder is None:
            return None
        path = resolve_folder(Path(folder))
        roots = self._catalog.roots()
        if not any(is_under(path, root) or is_under(root, path) for root in roots):
            raise PhotoTaggerError(f"{folder}: not a watched folder, nor inside or above one (photo-tagger folders)")
        return path

    def _facts(self, records: list[PhotoRecord], model: str, tier: str, computed: dict) -> PhotoFacts:
        catalog = self._catalog
        ids = [r.id for r in records]
        found = {**catalog.phashes(ids), **{i: h.phash for i, h in computed.items()}} if tier != "exact" else {}
        phashes = np.array([found.get(i, 0) for i in ids], dtype=np.uint64)
        hashed = np.array([i in found for i in ids], dtype=bool)
        embeddings = None
        if tier != "exact" and ids:
            embeddings = embeddings_of(catalog, model, ids)

        def thumbnails(wanted: list[str]) -> dict[str, bytes]:
            return {**catalog.hash_thumbnails(wanted), **{i: computed[i].thumb for i in wanted if i in computed}}

        return PhotoFacts(records, phashes, hashed, embeddings, thumbnails, _aligner() if tier != "exact" else None)

    def _hash_missing(self, records: list[PhotoRecord], progress: Progress | None, control: JobControl) -> dict:
        """Photos indexed before perceptual hashes existed (or whose hash is of older content) are decoded once, at
        draft size, in a small pool, and their hashes stored (kept in memory only on a full disk); a photo that
        cannot be read is left out of near. Returns the hashes computed, by photo id."""
        from photo_tagger.infra.perceptual_hash import hash_file

        catalog = self._catalog
        have = catalog.phashes([r.id for r in records])

        def store(batch):
            with catalog.transaction() as db:
                catalog.write_hashes(db, [(r.id, r.content_hash, h.phash, h.thumb) for r, h in batch])

        found = backfill(
            [r for r in records if r.id not in have],
            hash_file,
            None if catalog.read_only else store,
            what="perceptual hash",
            doing="hashing photos indexed before duplicates",
            progress=progress,
            control=control,
        )
        return {r.id: h for r, h in found}


def _aligner():
    """Lines two photos up for the crop check (infra/image_alignment.py), each decoded once while its pairs are
    compared; a photo that cannot be decoded is logged once with its reason and left out of the crop check."""
    from photo_tagger.infra.image_alignment import FeatureCache, align

    cache = FeatureCache()
    unreadable: set[str] = set()

    def features(record):
        if record.path in unreadable:
            return None
        try:
            return cache.get(record.path)
        except UnreadableImage as exc:
            log.warning("not compared for crops: %s: %s", record.path, exc.reason)
        except Exception as exc:  # a broken file must not stop the other comparisons
            log.warning("not compared for crops: %s: %s", record.path, exc)
        unreadable.add(record.path)
        return None

    def aligned(a, b):
        first, second = features(a), features(b)
        if first is None or second is None:
            return None
        try:
            return align(first, second, accept=duplicates.crop_verdict)
        except Exception as exc:  # OpenCV refusing an odd pair must not stop the others
            log.warning("not compared for crops: %s and %s: %s", a.path, b.path, exc)
            return None

    return aligned


def embeddings_of(catalog: PortCatalog, model: str, ids: list[str]) -> np.ndarray:
    """Each photo's embedding (normalized), read from the catalog, the truth the search matrix is a copy of."""
    vectors = catalog.vectors(model, ids)
    first = next(iter(vectors.values()), None)
    width = len(first) if first is not None else 1
    matrix = np.zeros((len(ids), width), np.float32)
    for n, photo_id in enumerate(ids):
        if photo_id in vectors:
            matrix[n] = vectors[photo_id]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
