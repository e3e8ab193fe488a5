"""The catalog's text read in photos (OCR): one row per photo for the content it was read from, and an FTS5 index
of it for words, prefixes and numbers."""

from __future__ import annotations

from typing import Iterable

# status: 'text' (read, text found) | 'none' (read, nothing found) | 'unlikely' (ocr = auto judged it textless) |
# 'failed' (reason says why). A row for another content_hash is stale: that photo is read again.
TEXT_SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_text (photo_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, status TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '');
CREATE VIRTUAL TABLE IF NOT EXISTS photo_text_fts USING fts5(text, content='photo_text', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS photo_text_ai AFTER INSERT ON photo_text BEGIN
    INSERT INTO photo_text_fts (rowid, text) VALUES (new.rowid, new.text); END;
CREATE TRIGGER IF NOT EXISTS photo_text_ad AFTER DELETE ON photo_text BEGIN
    INSERT INTO photo_text_fts (photo_text_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END;
CREATE TRIGGER IF NOT EXISTS photo_text_au AFTER UPDATE ON photo_text BEGIN
    INSERT INTO photo_text_fts (photo_text_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO photo_text_fts (rowid, text) VALUES (new.rowid, new.text); END;
"""


class PhotoTextCatalog:
    """Mixed into infra.catalog.Catalog: reads of the text found in photos."""

    def photo_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The text read in each of these photos (those with any)."""
        return {i: t for i, t in self._in("SELECT photo_id, text FROM photo_text WHERE status = 'text' AND photo_id IN",
                                          ids)}

    def text_matches(self, match: str, limit: int) -> list[tuple[str, float]]:
        """Photos whose text matches an FTS5 MATCH expression, best first, with bm25's rank (lower is better)."""
        return [(i, rank) for i, rank in self._query(
            "SELECT t.photo_id, f.rank FROM photo_text_fts f JOIN photo_text t ON t.rowid = f.rowid "
            "WHERE photo_text_fts MATCH ? ORDER BY f.rank LIMIT ?", (match, limit))]

    def name_matches(self, fragment: str, limit: int) -> list[tuple[str, str]]:
        """(id, relative path) of indexed photos whose path holds `fragment` (ASCII letters in any case): the
        candidates of a search by file name, which checks the name's own words (services/search.py)."""
        import os

        return [(i, os.fsdecode(relpath)) for i, relpath in self._query(
            "SELECT id, relpath FROM photos WHERE status = 'indexed' AND instr(lower(CAST(relpath AS TEXT)), ?) > 0 "
            "LIMIT ?", (fragment.lower(), limit))]
