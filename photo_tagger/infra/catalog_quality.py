"""The catalog's measures of how good a shot is (core/quality.py), the user's choices of a stack's top, and the
keep choices the best shot learns from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from photo_tagger.core.quality import Quality

# A measure for another content_hash than the photo's is stale (the file changed): it is measured again.
# keep_choices holds each choice's measures, not photo ids: the photos passed over often leave the library (the
# Duplicates view trashes them), and what was learned from them stays.
QUALITY_SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_quality (photo_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL,
    sharpness REAL NOT NULL, highlights REAL NOT NULL, shadows REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stack_tops (photo_id TEXT PRIMARY KEY, chosen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS keep_choices (chosen_at REAL NOT NULL, source TEXT NOT NULL,
    kept_sharpness REAL NOT NULL, kept_highlights REAL NOT NULL, kept_shadows REAL NOT NULL,
    other_sharpness REAL NOT NULL, other_highlights REAL NOT NULL, other_shadows REAL NOT NULL);
"""

_CURRENT = "FROM photo_quality q JOIN photos p ON p.id = q.photo_id AND p.content_hash = q.content_hash"


class PhotoQualityCatalog:
    """Mixed into infra.catalog.Catalog: measures by photo, stack tops, keep choices."""

    def write_quality(self, db: sqlite3.Connection, rows: Iterable[tuple[str, str, Quality]]) -> None:
        """Inside a transaction(): (photo id, content hash, measures)."""
        db.executemany("INSERT OR REPLACE INTO photo_quality VALUES (?, ?, ?, ?, ?)",
                       [(i, digest, q.sharpness, q.highlights, q.shadows) for i, digest, q in rows])

    def qualities(self, ids: Iterable[str]) -> dict[str, Quality]:
        """The measures of each of these photos that has them for its current content."""
        rows = self.rows_in(f"SELECT q.photo_id, q.sharpness, q.highlights, q.shadows {_CURRENT} WHERE q.photo_id IN",
                        ids)
        return {i: Quality(s, h, d) for i, s, h, d in rows}

    def set_stack_top(self, db: sqlite3.Connection, photo_id: str, now: float) -> None:
        db.execute("INSERT OR REPLACE INTO stack_tops VALUES (?, ?)", (photo_id, now))

    def stack_tops(self) -> dict[str, float]:
        """Photos the user made the top of their stack, with when (the latest choice in a stack wins)."""
        return dict(self._query("SELECT photo_id, chosen_at FROM stack_tops"))

    def add_keep_choices(self, db: sqlite3.Connection, source: str, now: float,
                         pairs: Iterable[tuple[Quality, Quality]]) -> None:
        """Inside a transaction(): (kept, passed over) measures of one choice; `source` says where it was made."""
        db.executemany("INSERT INTO keep_choices VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(now, source, k.sharpness, k.highlights, k.shadows, o.sharpness, o.highlights, o.shadows)
                        for k, o in pairs])

    def keep_choices(self) -> list[tuple[Quality, Quality]]:
        return [(Quality(*row[:3]), Quality(*row[3:])) for row in self._query(
            "SELECT kept_sharpness, kept_highlights, kept_shadows, other_sharpness, other_highlights, other_shadows "
            "FROM keep_choices ORDER BY rowid")]
