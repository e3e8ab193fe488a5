"""The library catalog in SQLite: every photo file's facts and status, and its vectors: the source of truth.

Chroma's collections (one per model) and the search matrix are indexes derived from the `vectors` table
(core/index_sync.py). Writes that touch both go through the journal: ids are journaled before the vector store
changes and cleared in the same transaction as the catalog change, so after a crash `pending_journal` says which
ids the index must catch up with the catalog.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from photo_tagger.core.dates import DateBounds
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog_albums import ALBUM_SCHEMA, AlbumCatalog
from photo_tagger.infra.catalog_events import EVENT_SCHEMA, EventCatalog
from photo_tagger.infra.catalog_hashes import HASH_SCHEMA, PhotoHashCatalog
from photo_tagger.infra.catalog_quality import QUALITY_SCHEMA, PhotoQualityCatalog
from photo_tagger.infra.catalog_schema import SCHEMA_VERSION, CatalogTooNew, migrate  # noqa: F401
from photo_tagger.infra.catalog_tags import TagCatalog
from photo_tagger.infra.catalog_text import TEXT_SCHEMA, PhotoTextCatalog
from photo_tagger.infra.storage_faults import (
    DamagedFile,
    DiskFull,
    ReadOnlyDisk,
    disk_full_message,
    is_damaged,
    is_disk_full,
    is_read_only,
    read_only_message,
)

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
-- Tagging, keyed by photo id: survives renames, re-indexing and model changes.
CREATE TABLE IF NOT EXISTS auto_tags (photo_id TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (photo_id, label));
CREATE TABLE IF NOT EXISTS auto_flags (photo_id TEXT NOT NULL, category TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (photo_id, category));
CREATE TABLE IF NOT EXISTS user_tags (photo_id TEXT NOT NULL, label TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove')), PRIMARY KEY (photo_id, label));
CREATE TABLE IF NOT EXISTS user_not_sensitive (photo_id TEXT PRIMARY KEY);
-- Where an automatic tag (kind 'tag') or flag ('flag') came from when not from its prompt: 'learned' from the
-- user's choices. A table of its own (no row = 'prompt') so that older catalogs gain it without a migration step.
CREATE TABLE IF NOT EXISTS auto_sources (photo_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    source TEXT NOT NULL, PRIMARY KEY (photo_id, kind, name));
-- Flags the user confirmed in review: positive examples for the category's learning.
CREATE TABLE IF NOT EXISTS user_flag_confirmed (photo_id TEXT NOT NULL, category TEXT NOT NULL,
    PRIMARY KEY (photo_id, category));
-- Categories the user rejected for a photo in review: negative examples for that category, near misses included.
CREATE TABLE IF NOT EXISTS user_flag_rejected (photo_id TEXT NOT NULL, category TEXT NOT NULL,
    PRIMARY KEY (photo_id, category));
CREATE INDEX IF NOT EXISTS auto_tags_label ON auto_tags (label);
CREATE INDEX IF NOT EXISTS photos_taken ON photos (taken_at);
-- Each photo's embedding per model (float32 bytes), written with its record: filtered searches and retags
-- score these in process; Chroma holds the same vectors for nearest-neighbour search. `seq` grows with every
-- write, so a resident copy refreshes by reading only rows newer than the last it saw.
CREATE TABLE IF NOT EXISTS vectors (seq INTEGER PRIMARY KEY AUTOINCREMENT, photo_id TEXT NOT NULL,
    model TEXT NOT NULL, embedding BLOB NOT NULL, UNIQUE (photo_id, model));
""" + TEXT_SCHEMA + HASH_SCHEMA + ALBUM_SCHEMA + EVENT_SCHEMA + QUALITY_SCHEMA
_PHOTO_TABLES = ("photos", "auto_tags", "auto_flags", "user_tags", "user_not_sensitive", "vectors", "auto_sources",
                 "user_flag_confirmed", "user_flag_rejected", "photo_text", "photo_hashes", "album_photos",
                 "event_photos", "photo_quality", "stack_tops")
_COLUMNS = ("id", "root", "relpath", "size", "mtime_ns", "content_hash", "status", "skip_reason",
            "embedded_model", "width", "height", "taken_at", "camera_make", "camera_model", "gps_lat",
            "gps_lon", "indexed_at")


# Effective tag and flag tests, as one list the query computes once (for scanning a tag's photos) or
# per row through the tables' primary keys (for checking a few candidate photos).
_HAS_TAG = ("id IN (SELECT photo_id FROM auto_tags WHERE label = ? EXCEPT SELECT photo_id FROM user_tags "
            "WHERE label = ? AND action = 'remove' UNION SELECT photo_id FROM user_tags WHERE label = ? AND "
            "action = 'add')")
_HAS_TAG_OF_ROW = (
    "((EXISTS (SELECT 1 FROM auto_tags a WHERE a.photo_id = photos.id AND a.label = ?) AND NOT EXISTS "
    "(SELECT 1 FROM user_tags u WHERE u.photo_id = photos.id AND u.label = ? AND u.action = 'remove')) OR "
    "EXISTS (SELECT 1 FROM user_tags u WHERE u.photo_id = photos.id AND u.label = ? AND u.action = 'add'))")
_FLAGGED = "id IN (SELECT photo_id FROM auto_flags EXCEPT SELECT photo_id FROM user_not_sensitive)"
_FLAGGED_ROW = ("(EXISTS (SELECT 1 FROM auto_flags f WHERE f.photo_id = photos.id) AND NOT EXISTS "
                "(SELECT 1 FROM user_not_sensitive n WHERE n.photo_id = photos.id))")


def _dated(dates: DateBounds, plus: str = "") -> tuple[str, list]:
    """core.dates' rule as SQL: the capture date in range, or, for a photo without one, its file time in range
    (each half walks an index: taken_at's range, and its NULLs)."""
    halves = []
    args: list = []
    for known, column, low, high in (("IS NOT NULL", "taken_at", dates.taken_from, dates.taken_before),
                                     ("IS NULL", "mtime_ns", dates.mtime_from, dates.mtime_before)):
        terms = [f"{plus}taken_at {known}"]
        for op, value in ((">=", low), ("<", high)):
            if value is not None:
                terms.append(f"{plus}{column} {op} ?")
                args.append(value)
        halves.append(f"({' AND '.join(terms)})")
    return f"({' OR '.join(halves)})", args


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


class Catalog(TagCatalog, PhotoTextCatalog, PhotoHashCatalog, AlbumCatalog, EventCatalog, PhotoQualityCatalog):
    """One SQLite file in WAL mode; safe to share between threads (one connection, one lock)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.RLock()
        self.read_only = ""  # why writes are refused (the disk is full or read-only), "" when they are not
        if is_read_only(path.parent):
            self._open_on_read_only_disk()
            self._opened_changes = self._db.total_changes
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if is_damaged(exc):
                raise DamagedFile(path, str(exc)) from None
            if not is_disk_full(exc, path.parent):
                raise
            self._open_read_only()
        self._opened_changes = self._db.total_changes

    def _open(self) -> None:
        # Asking first: a WAL file stays WAL, and setting it again on a full disk fails for nothing.
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: consistent after a crash
        with self._lock:
            try:  # refuse a newer catalog, migrate an older one forward (catalog_schema.py)
                migrate(self._db, self.path, _SCHEMA)
            except CatalogTooNew:
                self._db.close()
                raise

    def _open_read_only(self) -> None:
        """On a full disk SQLite cannot grow the WAL's shared-memory index: an exclusive connection keeps that
        index in process memory instead, so reads still work (the library lock makes this the only process)."""
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self.read_only = disk_full_message(self.path.parent)
        try:
            self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise DiskFull(self.read_only) from exc

    def _open_on_read_only_disk(self) -> None:
        """SQLite reads a WAL database on a read-only disk through its -shm file when that is there; without one
        (a clean close leaves none) no WAL holds anything, and `immutable` reads the file without locks."""
        self.read_only = read_only_message(self.path.parent)
        if not self.path.exists():
            raise ReadOnlyDisk(f"{self.read_only}, and it has no catalog yet")
        uri = self.path.resolve().as_uri()
        has_wal = Path(f"{self.path}-wal").exists() and Path(f"{self.path}-shm").exists()
        self._db = sqlite3.connect(f"{uri}?mode=ro" if has_wal else f"{uri}?immutable=1", uri=True,
                                   check_same_thread=False, isolation_level=None, timeout=30)
        try:
            found = self._db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if is_damaged(exc):
                raise DamagedFile(self.path, str(exc)) from None
            raise ReadOnlyDisk(f"{self.read_only} (the catalog cannot be read: {exc})") from None
        if found != SCHEMA_VERSION:  # an older catalog would need migrating first, a newer one is refused
            self._db.close()
            raise ReadOnlyDisk(f"{self.read_only}; its catalog (schema {found}) needs upgrading by this version "
                               f"(schema {SCHEMA_VERSION}), which cannot write it")

    def written(self) -> bool:
        """Whether this process changed the catalog since opening it (App.close backs it up then)."""
        with self._lock:
            return self._db.total_changes > self._opened_changes

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:
            raise (ReadOnlyDisk if is_read_only(self.path.parent) else DiskFull)(self.read_only)
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

    def records_under(self, root: str, relpaths: Iterable[str]) -> list[PhotoRecord]:
        """Records of `root` at these relative paths or below them ("" = the whole root), by index range,
        so a watcher's few changed files do not read the whole root's records."""
        found: dict[str, PhotoRecord] = {}
        columns = ", ".join(_COLUMNS)
        for relpath in relpaths:
            if not relpath:
                return self.records(root)
            exact = _encode_path(relpath)
            # Everything below "a/b" sorts between "a/b/" and "a/b0" ("0" follows "/" in byte order).
            rows = self._query(f"SELECT {columns} FROM photos WHERE root = ? AND "
                               "(relpath = ? OR (relpath >= ? AND relpath < ?))",
                               (_encode_path(root), exact, exact + b"/", exact + b"0"))
            found.update((row[0], _row_to_record(row)) for row in rows)
        return list(found.values())

    def get(self, ids: Iterable[str]) -> dict[str, PhotoRecord]:
        return {row[0]: _row_to_record(row) for row in self.rows_in(f"SELECT {', '.join(_COLUMNS)} FROM photos WHERE id IN", ids)}

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
        deletes = [(i,) for i in deletes]
        for table in _PHOTO_TABLES:
            key = "id" if table == "photos" else "photo_id"
            db.executemany(f"DELETE FROM {table} WHERE {key} = ?", deletes)

    def orphan_rows(self) -> dict[str, int]:
        """Rows of a photo the catalog no longer holds, by table (a record replaced under another id by an older
        version's watcher left its vector, text, hash and tags behind)."""
        return {table: n for table in _PHOTO_TABLES[1:] if (n := self._query(
            f"SELECT count(*) FROM {table} WHERE photo_id NOT IN (SELECT id FROM photos)")[0][0])}

    def remove_orphans(self) -> dict[str, int]:
        """Delete orphan_rows(); returns what went, by table."""
        found = self.orphan_rows()
        if found:
            with self.transaction() as db:
                for table in found:
                    db.execute(f"DELETE FROM {table} WHERE photo_id NOT IN (SELECT id FROM photos)")
        return found

    # -- embeddings
    def write_vectors(self, db: sqlite3.Connection, model: str, ids: Sequence[str], embeddings: np.ndarray) -> None:
        """Inside a transaction(): store (or replace) these photos' embeddings for `model`."""
        vectors = np.ascontiguousarray(embeddings, dtype=np.float32)
        db.executemany("INSERT OR REPLACE INTO vectors (photo_id, model, embedding) VALUES (?, ?, ?)",
                       [(i, model, v.tobytes()) for i, v in zip(ids, vectors)])

    def delete_vectors(self, db: sqlite3.Connection, ids: Iterable[str]) -> None:
        """Inside a transaction(): forget every model's embedding of these photos (now unreadable)."""
        db.executemany("DELETE FROM vectors WHERE photo_id = ?", [(i,) for i in ids])

    def vectors(self, model: str, ids: Iterable[str]) -> dict[str, np.ndarray]:
        rows = self.rows_in("SELECT photo_id, embedding FROM vectors WHERE model = ? AND photo_id IN", ids, (model,))
        return {i: np.frombuffer(blob, dtype=np.float32) for i, blob in rows}

    def last_vector_seq(self) -> int:
        """The highest `seq` a vectors row ever had (AUTOINCREMENT never reuses one): a copy of the vectors that
        claims more is not of this catalog."""
        row = self._query("SELECT seq FROM sqlite_sequence WHERE name = 'vectors'")
        return int(row[0][0]) if row else 0

    def vectors_since(self, model: str, seq: int) -> tuple[int, list[str], np.ndarray | None]:
        """Embeddings written after `seq`, oldest first: (last seq, ids, matrix)."""
        rows = self._query("SELECT seq, photo_id, embedding FROM vectors WHERE model = ? AND seq > ? ORDER BY seq",
                           (model, seq))
        if not rows:
            return seq, [], None
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return rows[-1][0], [r[1] for r in rows], matrix

    def ids_without_vector(self, model: str) -> list[str]:
        """Photos embedded by `model` whose vector is only in the vector store (libraries from before v2)."""
        return [r[0] for r in self._query(
            "SELECT id FROM photos WHERE status = 'indexed' AND embedded_model = ? AND id NOT IN "
            "(SELECT photo_id FROM vectors WHERE model = ?)", (model, model))]

    def filter_ids(self, model: str, *, roots: Sequence[str] = (), subfolders: Sequence[tuple[str, str]] = (),
                   tag: str | None = None, flagged: bool | None = None, dates: DateBounds | None = None,
                   among: Sequence[str] | None = None) -> list[str]:
        """Ids of photos embedded by `model` that pass every given filter (only ids in `among` when given).

        roots/subfolders (either matches): whole roots, and (root, relpath) folders with everything below;
        tag: an effective tag (automatic and not removed by the user, or added by the user);
        flagged: effective flag (an automatic flag the user did not mark "not sensitive");
        dates: the photo's date (core.dates: the capture date, else the file's modification time) is in range.
        """
        # Unary "+": never walk the (status, model) index, which admits every photo; the other clauses are
        # the selective ones (a tag's rows, a folder's or a date's index range, the `among` primary keys).
        clauses, args = ["+status = 'indexed'", "+embedded_model = ?"], [model]
        # With `among`, its primary keys drive the lookup: no other index is worth walking.
        plus = "+" if among is not None else ""
        places = []
        for root in roots:
            places.append(f"{plus}root = ?")
            args.append(_encode_path(root))
        for root, relpath in subfolders:
            prefix = _encode_path(relpath)
            # the range trick of records_under
            places.append(f"({plus}root = ? AND {plus}relpath >= ? AND {plus}relpath < ?)")
            args += [_encode_path(root), prefix + b"/", prefix + b"0"]
        if roots or subfolders:
            clauses.append(f"({' OR '.join(places)})")
        if tag is not None:
            clauses.append(_HAS_TAG_OF_ROW if among is not None else _HAS_TAG)
            args += [tag, tag, tag]
        if flagged is not None:
            clauses.append(("" if flagged else "NOT ") + (_FLAGGED_ROW if among is not None else _FLAGGED))
        if dates is not None:
            clause, date_args = _dated(dates, plus)
            clauses.append(clause)
            args += date_args
        sql = f"SELECT id FROM photos WHERE {' AND '.join(clauses)}"
        if among is None:
            return [r[0] for r in self._query(sql, args)]
        return [r[0] for r in self.rows_in(f"{sql} AND id IN", among, tuple(args))]

    def dated_ids(self, dates: DateBounds) -> set[str]:
        """Every record (photo or skipped file) whose date (core.dates) is in range."""
        clause, args = _dated(dates)
        return {r[0] for r in self._query(f"SELECT id FROM photos WHERE {clause}", args)}

    def rows_in(self, sql_prefix: str, ids: Iterable[str], args: tuple = ()) -> list[tuple]:
        ids = list(ids)
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows += self._query(f"{sql_prefix} ({','.join('?' * len(chunk))})", (*args, *chunk))
        return rows

    # -- journal
    def journal_add(self, ids: Iterable[str], model: str) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO journal VALUES (?, ?)", [(i, model) for i in ids])

    def journal_clear(self, db: sqlite3.Connection, ids: Iterable[str], model: str) -> None:
        db.executemany("DELETE FROM journal WHERE id = ? AND model = ?", [(i, model) for i in ids])

    def pending_journal(self, model: str) -> list[str]:
        return [r[0] for r in self._query("SELECT id FROM journal WHERE model = ?", (model,))]
