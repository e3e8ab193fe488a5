"""The catalog's perceptual hashes of photos, for the near-duplicate tier (core/duplicates.py): a 64-bit phash and
a tiny thumbnail (core/frame_match.py), each for the content it was computed from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# A row for another content_hash than the photo's is stale (the file changed): it is computed again.
HASH_SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_hashes (photo_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL,
    phash INTEGER NOT NULL, thumb BLOB NOT NULL DEFAULT x'');
"""

_CURRENT = "FROM photo_hashes h JOIN photos p ON p.id = h.photo_id AND p.content_hash = h.content_hash"


def to_signed(value: int) -> int:
    """A 64-bit hash as SQLite's signed INTEGER."""
    return value - (1 << 64) if value >= 1 << 63 else value


class PhotoHashCatalog:
    """Mixed into infra.catalog.Catalog: perceptual hashes by photo."""

    def write_hashes(self, db: sqlite3.Connection, rows: Iterable[tuple[str, str, int, bytes]]) -> None:
        """Inside a transaction(): (photo id, content hash, phash as an unsigned 64-bit int, thumbnail)."""
        db.executemany("INSERT OR REPLACE INTO photo_hashes VALUES (?, ?, ?, ?)",
                       [(i, digest, to_signed(phash), thumb) for i, digest, phash, thumb in rows])

    def phashes(self, ids: Iterable[str]) -> dict[str, int]:
        """The phash (unsigned) of each of these photos that has one for its current content."""
        rows = self.rows_in(f"SELECT h.photo_id, h.phash {_CURRENT} WHERE h.photo_id IN", ids)
        return {i: h & 0xFFFFFFFFFFFFFFFF for i, h in rows}

    def hash_thumbnails(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The thumbnail (core/frame_match.py) of each of these photos that has one for its current content."""
        return {i: t for i, t in self.rows_in(f"SELECT h.photo_id, h.thumb {_CURRENT} WHERE h.photo_id IN", ids)}
