"""The catalog's albums: named sets of photos (membership keyed by photo id, so it follows a photo through moves
and renames, and leaves with it) and smart albums (a saved search, its photos computed by the search service)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from photo_tagger.core.albums import Album, SavedSearch

# `name_key` is the name casefolded: two albums never differ only by case. A smart album's search is its query
# text, its filters (JSON, core/albums.py) and whether only strong matches count; a plain album has query NULL.
ALBUM_SCHEMA = """
CREATE TABLE IF NOT EXISTS albums (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, query TEXT, filters TEXT NOT NULL DEFAULT '{}',
    strong_only INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS album_photos (album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    photo_id TEXT NOT NULL, added_at REAL NOT NULL, PRIMARY KEY (album_id, photo_id));
CREATE INDEX IF NOT EXISTS album_photos_photo ON album_photos (photo_id);
"""

_ALBUM_COLUMNS = "a.id, a.name, a.created_at, a.query, a.filters, a.strong_only"


def _album(row: tuple, count: int) -> Album:
    album_id, name, created_at, query, filters, strong_only = row
    search = SavedSearch.of(query, filters, bool(strong_only)) if query is not None else None
    return Album(album_id, name, created_at, count, search)


class AlbumCatalog:
    """Mixed into infra.catalog.Catalog: albums and their photos. A photo deleted from the catalog (Catalog.write's
    deletes) leaves every album, in the same transaction."""

    def albums(self) -> list[Album]:
        """Every album, by name (case-insensitive), each with its count of photos still in the catalog (a smart
        album's count is the search service's: 0 here)."""
        rows = self._query(f"SELECT {_ALBUM_COLUMNS}, COUNT(p.photo_id) FROM albums a LEFT JOIN album_photos p "
                           "ON p.album_id = a.id GROUP BY a.id ORDER BY a.name_key")
        return [_album(r[:6], r[6]) for r in rows]

    def album_named(self, name: str) -> Album | None:
        rows = self._query(f"SELECT {_ALBUM_COLUMNS}, (SELECT COUNT(*) FROM album_photos p WHERE p.album_id = a.id) "
                           "FROM albums a WHERE a.name_key = ?", (name.casefold(),))
        return _album(rows[0][:6], rows[0][6]) if rows else None

    def create_album(self, db: sqlite3.Connection, name: str, now: float, search: SavedSearch | None = None) -> int:
        """Inside a transaction(): a new album (sqlite3.IntegrityError when its name clashes); returns its id."""
        cursor = db.execute("INSERT INTO albums (name, name_key, created_at, query, filters, strong_only) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (name, name.casefold(), now, search.query if search else None,
                             search.filters_json() if search else "{}", int(search.strong_only) if search else 0))
        return int(cursor.lastrowid)

    def rename_album(self, db: sqlite3.Connection, album_id: int, name: str) -> None:
        db.execute("UPDATE albums SET name = ?, name_key = ? WHERE id = ?", (name, name.casefold(), album_id))

    def delete_album(self, db: sqlite3.Connection, album_id: int) -> None:
        """The album and its membership rows; the photos stay."""
        db.execute("DELETE FROM album_photos WHERE album_id = ?", (album_id,))
        db.execute("DELETE FROM albums WHERE id = ?", (album_id,))

    def add_to_album(self, db: sqlite3.Connection, album_id: int, photo_ids: Iterable[str], now: float) -> int:
        """Returns how many were not in it already."""
        before = db.total_changes
        db.executemany("INSERT OR IGNORE INTO album_photos VALUES (?, ?, ?)",
                       [(album_id, i, now) for i in photo_ids])
        return db.total_changes - before

    def remove_from_album(self, db: sqlite3.Connection, album_id: int, photo_ids: Iterable[str]) -> int:
        before = db.total_changes
        db.executemany("DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?",
                       [(album_id, i) for i in photo_ids])
        return db.total_changes - before

    def album_photo_ids(self, album_id: int) -> list[str]:
        """The album's photos, oldest addition first."""
        return [r[0] for r in self._query("SELECT photo_id FROM album_photos WHERE album_id = ? "
                                          "ORDER BY added_at, rowid", (album_id,))]

    def albums_of(self, photo_ids: Iterable[str]) -> dict[str, list[str]]:
        """The names of the (plain) albums each of these photos is in, by name."""
        found: dict[str, list[str]] = {}
        rows = self.rows_in("SELECT p.photo_id, a.name FROM album_photos p JOIN albums a ON a.id = p.album_id "
                        "WHERE p.photo_id IN", photo_ids)
        for photo_id, name in sorted(rows, key=lambda r: r[1].casefold()):
            found.setdefault(photo_id, []).append(name)
        return found

    def generation(self) -> int:
        """Grows with every change this process made to the catalog (one connection, and the library lock keeps
        other processes out): a smart album computed at one generation is still right at the same one."""
        with self._lock:
            return self._db.total_changes
