"""The library catalog in SQLite: every photo file's facts and status, the source of truth beside Chroma.

Chroma holds the vectors (one collection per model) with a copy of the metadata searches filter on.
Writes that touch both go through the journal: ids are journaled before the vector store changes and
cleared in the same transaction as the catalog change, so after a crash `pending_journal` says which
vectors to re-sync with the catalog.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from photo_tagger.core.types import PhotoRecord

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS roots (path BLOB PRIMARY KEY, added_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS photos (
    id TEXT PRIMARY KEY,
    root BLOB NOT NULL,
    relpath BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    skip_reason TEXT NOT NULL DEFAULT '',
    embedded_model TEXT NOT NULL DEFAULT '',
    width INTEGER, height INTEGER, taken_at TEXT, camera_make TEXT, camera_model TEXT,
    gps_lat REAL, gps_lon REAL,
    indexed_at REAL NOT NULL DEFAULT 0,
    UNIQUE (root, relpath)
);
CREATE INDEX IF NOT EXISTS photos_hash ON photos (content_hash);
CREATE INDEX IF NOT EXISTS photos_status ON photos (status, embedded_model);
CREATE TABLE IF NOT EXISTS journal (id TEXT NOT NULL, model TEXT NOT NULL, PRIMARY KEY (id, model));
"""
_COLUMNS = ("id", "root", "relpath", "size", "mtime_ns", "content_hash", "status", "skip_reason",
            "embedded_model", "width", "height", "taken_at", "camera_make", "camera_model", "gps_lat",
            "gps_lon", "indexed_at")


def _encode_path(path: str) -> bytes:
    return os.fsencode(path)  # bytes keep non-UTF-8 names exact; SQLite TEXT cannot hold them


def _row_to_record(row: tuple) -> PhotoRecord:
    values = dict(zip(_COLUMNS, row))
    values["root"] = os.fsdecode(values["root"])
    values["relpath"] = os.fsdecode(values["relpath"])
    return PhotoRecord(**values)


def _record_to_row(record: PhotoRecord) -> tuple:
    values = [getattr(record, c) for c in _COLUMNS]
    values[1], values[2] = _encode_path(record.root), _encode_path(record.relpath)
    return tuple(values)


class Catalog:
    """One SQLite file in WAL mode; safe to share between threads (one connection, one lock)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: consistent after a crash
        with self._lock:
            self._db.executescript(_SCHEMA)  # idempotent; executescript manages its own transaction
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    # -- roots
    def add_root(self, root: str, now: float) -> bool:
        with self.transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO roots VALUES (?, ?)", (_encode_path(root), now))
            return cursor.rowcount == 1

    def remove_root(self, root: str) -> list[str]:
        """Forget a root and its photos; returns the photo ids whose vectors must go too."""
        ids = [r[0] for r in self._query("SELECT id FROM photos WHERE root = ?", (_encode_path(root),))]
        with self.transaction() as db:
            db.execute("DELETE FROM roots WHERE path = ?", (_encode_path(root),))
        return ids

    def roots(self) -> list[str]:
        return [os.fsdecode(r[0]) for r in self._query("SELECT path FROM roots ORDER BY path")]

    # -- photos
    def records(self, root: str | None = None) -> list[PhotoRecord]:
        if root is None:
            rows = self._query(f"SELECT {', '.join(_COLUMNS)} FROM photos")
        else:
            rows = self._query(f"SELECT {', '.join(_COLUMNS)} FROM photos WHERE root = ?", (_encode_path(root),))
        return [_row_to_record(r) for r in rows]

    def get(self, ids: Iterable[str]) -> dict[str, PhotoRecord]:
        ids = list(ids)
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"SELECT {', '.join(_COLUMNS)} FROM photos WHERE id IN ({marks})", chunk):
                found[row[0]] = _row_to_record(row)
        return found

    def find_by_path(self, root: str, relpath: str) -> PhotoRecord | None:
        rows = self._query(f"SELECT {', '.join(_COLUMNS)} FROM photos WHERE root = ? AND relpath = ?",
                           (_encode_path(root), _encode_path(relpath)))
        return _row_to_record(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        return dict(self._query("SELECT status, COUNT(*) FROM photos GROUP BY status"))

    def count_embedded(self, model: str) -> int:
        return self._query("SELECT COUNT(*) FROM photos WHERE status = 'indexed' AND embedded_model = ?",
                           (model,))[0][0]

    def skipped(self) -> list[PhotoRecord]:
        rows = self._query(f"SELECT {', '.join(_COLUMNS)} FROM photos WHERE status = 'skipped' ORDER BY root, relpath")
        return [_row_to_record(r) for r in rows]

    def write(self, db: sqlite3.Connection, upserts: Iterable[PhotoRecord] = (), deletes: Iterable[str] = ()) -> None:
        """Inside a transaction(): insert or replace records, delete ids."""
        db.executemany(f"INSERT OR REPLACE INTO photos ({', '.join(_COLUMNS)}) VALUES "
                       f"({', '.join('?' * len(_COLUMNS))})", [_record_to_row(r) for r in upserts])
        db.executemany("DELETE FROM photos WHERE id = ?", [(i,) for i in deletes])

    # -- journal
    def journal_add(self, ids: Iterable[str], model: str) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO journal VALUES (?, ?)", [(i, model) for i in ids])

    def journal_clear(self, db: sqlite3.Connection, ids: Iterable[str], model: str) -> None:
        db.executemany("DELETE FROM journal WHERE id = ? AND model = ?", [(i, model) for i in ids])

    def pending_journal(self, model: str) -> list[str]:
        return [r[0] for r in self._query("SELECT id FROM journal WHERE model = ?", (model,))]
