"""The catalog's perceptual hashes of photos, for the near-duplicate tier (core/duplicates.py)."""

from __future__ import annotations

HASH_SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_hashes (photo_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, phash INTEGER NOT NULL);
"""


class PhotoHashCatalog:
    """Mixed into infra.catalog.Catalog: perceptual hashes by photo."""
