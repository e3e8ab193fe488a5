"""Duplicate groups in tiers (core/duplicates.py) for the CLI's `duplicates` and the window's Duplicates view: the
library's photos (or a folder's), their perceptual hashes (computed here for photos indexed before hashes existed)
and embeddings."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from photo_tagger.core import duplicates
from photo_tagger.core.duplicates import TIERS, DuplicateGroup, PhotoFacts
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import resolve_folder
from photo_tagger.core.preprocess import UnreadableImage
from photo_tagger.core.scan import is_under
from photo_tagger.services.backfill import backfill

log = logging.getLogger(__name__)


def find_groups(
    app, tier: str, folder: str | None = None, progress=None, control: JobControl | None = None
) -> list[DuplicateGroup]:
    """The duplicate groups of `tier` among the library's photos (under `folder` when given), largest first; the
    suggested photo to keep first in each. One-line PhotoTaggerError for an unknown tier or folder."""
    if tier not in TIERS:
        raise PhotoTaggerError(f"unknown tier {tier!r}: choose one of {', '.join(TIERS)}")
    control = control or JobControl()
    scope = _scope_folder(app, folder)
    model = app.model_key()
    ids = Filters(folder=scope).catalog_ids(app.catalog, model)
    records = list(app.catalog.get(ids).values())
    computed = _hash_missing(app, records, progress, control) if tier != "exact" else {}
    facts = _facts(app, records, model, tier, computed)
    groups = duplicates.find_groups(tier, facts, control.checkpoint, progress)
    log.info("%d %s duplicate groups among %d photos", len(groups), tier, len(records))
    return groups


def _scope_folder(app, folder: str | None) -> str | None:
    if folder is None:
        return None
    path = resolve_folder(Path(folder))
    roots = app.catalog.roots()
    if not any(is_under(path, root) or is_under(root, path) for root in roots):
        raise PhotoTaggerError(f"{folder}: not a watched folder, nor inside or above one (photo-tagger folders)")
    return path


def _facts(app, records, model: str, tier: str, computed: dict) -> PhotoFacts:
    ids = [r.id for r in records]
    found = {**app.catalog.phashes(ids), **{i: h.phash for i, h in computed.items()}} if tier != "exact" else {}
    phashes = np.array([found.get(i, 0) for i in ids], dtype=np.uint64)
    hashed = np.array([i in found for i in ids], dtype=bool)
    embeddings = None
    if tier != "exact" and ids:
        embeddings = embeddings_of(app, model, ids)

    def thumbnails(wanted: list[str]) -> dict[str, bytes]:
        return {**app.catalog.hash_thumbnails(wanted), **{i: computed[i].thumb for i in wanted if i in computed}}

    return PhotoFacts(records, phashes, hashed, embeddings, thumbnails, _aligner() if tier != "exact" else None)


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


def embeddings_of(app, model: str, ids: list[str]) -> np.ndarray:
    """Each photo's embedding (normalized), read from the catalog, the truth the search matrix is a copy of."""
    vectors = app.catalog.vectors(model, ids)
    first = next(iter(vectors.values()), None)
    width = len(first) if first is not None else 1
    matrix = np.zeros((len(ids), width), np.float32)
    for n, photo_id in enumerate(ids):
        if photo_id in vectors:
            matrix[n] = vectors[photo_id]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def _hash_missing(app, records, progress, control: JobControl) -> dict:
    """Photos indexed before perceptual hashes existed (or whose hash is of older content) are decoded once, at
    draft size, in a small pool, and their hashes stored (kept in memory only on a full disk); a photo that cannot
    be read is left out of near. Returns the hashes computed, by photo id."""
    from photo_tagger.infra.perceptual_hash import hash_file

    catalog = app.catalog
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
