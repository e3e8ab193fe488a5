"""The catalog's text read in photos (OCR): one row per photo for the content it was read from, and an FTS5 index
of it for words, prefixes and numbers."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from photo_tagger.core.photo_text import searchable_words

# status: 'text' (read, text found) | 'none' (read, nothing found) | 'unlikely' (ocr = auto judged it textless) |
# 'pending' (ocr = auto judged it may hold text; read by the text stage) | 'failed' (reason says why). A row for
# another content_hash is stale: that photo is read again.
# Tokens: unicode61 splits on punctuation, so "Total 42.50" indexes total, 42, 50 and the phrase "42 50" finds
# it (core/query.fts_words quotes each word: "42.50" is that phrase); diacritics folded (cafe finds café);
# prefix indexes make "pharm*" cheap. The index holds `words`: the text as read plus the words OCR ran together
# ("BakeryWelcome" also as "Bakery Welcome": core/photo_text.searchable_words); `text` is what is shown.
TEXT_SCHEMA = """
CREATE TABLE IF NOT EXISTS photo_text (photo_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, status TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '', words TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS photo_text_content ON photo_text (content_hash);
CREATE VIRTUAL TABLE IF NOT EXISTS photo_text_fts USING fts5(words, content='photo_text', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TRIGGER IF NOT EXISTS photo_text_ai AFTER INSERT ON photo_text BEGIN
    INSERT INTO photo_text_fts (rowid, words) VALUES (new.rowid, new.words); END;
CREATE TRIGGER IF NOT EXISTS photo_text_ad AFTER DELETE ON photo_text BEGIN
    INSERT INTO photo_text_fts (photo_text_fts, rowid, words) VALUES ('delete', old.rowid, old.words); END;
CREATE TRIGGER IF NOT EXISTS photo_text_au AFTER UPDATE ON photo_text BEGIN
    INSERT INTO photo_text_fts (photo_text_fts, rowid, words) VALUES ('delete', old.rowid, old.words);
    INSERT INTO photo_text_fts (rowid, words) VALUES (new.rowid, new.words); END;
"""
_LONGEST_NAME = 255  # bytes: the longest file name of the usual file systems (ext4, APFS, NTFS in UTF-16 units)
FINAL = ("text", "none", "failed")  # read (or tried): never read again for the same content


@dataclass(frozen=True)
class TextToRead:
    """An indexed photo whose text is not known for its current content."""

    photo_id: str
    path: str
    content_hash: str
    status: str  # its row's status for this content: 'pending', 'unlikely', or '' (no row, or a stale one)


class PhotoTextCatalog:
    """Mixed into infra.catalog.Catalog: reads of the text found in photos."""

    # -- writes (the text stage, core/photo_text.py, and the gate's verdicts from the indexer's batches)
    def set_photo_text(self, db, photo_id: str, content_hash: str, status: str, text: str = "",
                       reason: str = "") -> None:
        """One photo's row (an upsert: an UPDATE keeps the row's rowid, and the triggers keep the FTS index in
        step; INSERT OR REPLACE would skip the delete trigger)."""
        db.execute("INSERT INTO photo_text (photo_id, content_hash, status, text, reason, words) "
                   "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (photo_id) DO UPDATE SET "
                   "content_hash = excluded.content_hash, status = excluded.status, text = excluded.text, "
                   "reason = excluded.reason, words = excluded.words",
                   (photo_id, content_hash, status, text, reason, searchable_words(text)))

    def set_text_verdicts(self, db, verdicts: Iterable[tuple[str, str, str, str]]) -> None:
        """(photo_id, content_hash, 'pending' | 'unlikely', reason) from the gate; a photo whose text was already
        read for that content keeps it (a re-encode for a new model decodes it again)."""
        db.executemany("INSERT INTO photo_text (photo_id, content_hash, status, reason) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (photo_id) DO UPDATE SET content_hash = excluded.content_hash, "
                       "status = excluded.status, text = '', reason = excluded.reason, words = '' "
                       "WHERE photo_text.content_hash != excluded.content_hash "
                       "OR photo_text.status NOT IN ('text', 'none', 'failed')", list(verdicts))

    # -- what the text stage has to do
    def texts_to_read(self, include_unlikely: bool) -> list[TextToRead]:
        """Indexed photos without a final row for their content: no row, a stale one, 'pending', and with
        include_unlikely (ocr = all) those the gate judged textless. A scan of the photos (+p.status: the status
        index only adds a lookup per row when nearly all are indexed) with one lookup each."""
        rows = self._query(
            "SELECT p.id, p.root, p.relpath, p.content_hash, CASE WHEN t.content_hash = p.content_hash "
            "THEN t.status ELSE '' END FROM photos p LEFT JOIN photo_text t ON t.photo_id = p.id "
            "WHERE +p.status = 'indexed' AND p.content_hash != '' AND (t.photo_id IS NULL "
            "OR t.content_hash != p.content_hash OR t.status = 'pending' OR (? AND t.status = 'unlikely'))",
            (int(include_unlikely),))
        return [TextToRead(i, os.path.join(os.fsdecode(root), os.fsdecode(rel)), digest, status)
                for i, root, rel, digest, status in rows]

    def texts_of_content(self, hashes: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """content_hash -> (status, text, reason) of a final row another photo holds for it (a copy of the same
        file is not read twice)."""
        found = {}
        for digest, status, text, reason in self.rows_in(
                "SELECT content_hash, status, text, reason FROM photo_text WHERE status IN ('text', 'none', "
                "'failed') AND content_hash IN", hashes):
            found.setdefault(digest, (status, text, reason))
        return found

    def text_counts(self) -> dict[str, int]:
        """Rows by status, for photos whose row is current (status, benchmarks)."""
        return dict(self._query("SELECT t.status, count(*) FROM photo_text t JOIN photos p ON p.id = t.photo_id "
                                "AND p.content_hash = t.content_hash GROUP BY t.status"))

    # -- reads
    def photo_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """The text read in each of these photos (those with any)."""
        return {i: t for i, t in self.rows_in("SELECT photo_id, text FROM photo_text WHERE status = 'text' AND photo_id IN",
                                          ids)}

    def text_states(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """(status, reason) of each photo's text row for its current content (none: never judged or read)."""
        return {i: (status, reason) for i, status, reason in self.rows_in(
            "SELECT t.photo_id, t.status, t.reason FROM photo_text t JOIN photos p ON p.id = t.photo_id "
            "AND p.content_hash = t.content_hash WHERE t.photo_id IN", ids)}

    def text_matches(self, match: str, limit: int) -> list[tuple[str, float]]:
        """Photos whose text matches an FTS5 MATCH expression, best first, with bm25's rank (lower is better)."""
        return [(i, rank) for i, rank in self._query(
            "SELECT t.photo_id, f.rank FROM photo_text_fts f JOIN photo_text t ON t.rowid = f.rowid "
            "WHERE photo_text_fts MATCH ? ORDER BY f.rank LIMIT ?", (match, limit))]

    def name_matches(self, fragment: str, limit: int) -> list[tuple[str, str]]:
        """(id, relative path) of indexed photos whose file name holds `fragment` (ASCII letters in any case): the
        candidates of a search by file name, which checks the name's own words (services/search.py). The whole
        path is tested first with LIKE (the cheapest; `fragment` is letters and digits, never a wildcard); the
        name (rtrim to the last "/", SQLite's way to a basename) only then, so a folder named like the word does
        not bring all its photos. About 50-140 ms at 100k photos on a loaded machine (RESULTS.md)."""
        import os

        if len(os.fsencode(fragment)) > _LONGEST_NAME:  # no file name holds it (and SQLite refuses a LIKE that long)
            return []
        path = "lower(CAST(relpath AS TEXT))"
        name = f"replace({path}, rtrim({path}, replace({path}, '/', '')), '')"
        return [(i, os.fsdecode(relpath)) for i, relpath in self._query(
            "SELECT id, relpath FROM photos WHERE status = 'indexed' AND CAST(relpath AS TEXT) LIKE '%' || ?1 || "
            f"'%' AND instr({name}, ?1) > 0 LIMIT ?2", (fragment.lower(), limit))]
