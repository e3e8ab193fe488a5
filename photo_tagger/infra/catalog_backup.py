"""Rotating backups of the catalog, restoring one, and salvaging a damaged catalog.

A backup keeps everything but the embeddings (the bulk of the file): those are in Chroma, and photos whose
vector is nowhere are simply encoded again. What cannot be recomputed (your added and removed tags, "not
sensitive") is small, so a few copies cost little.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra.storage_faults import integrity_problems

log = logging.getLogger(__name__)

KEEP = 3
_PREFIX = "catalog-"
_STAMP = "%Y%m%d-%H%M%S-%f"
# Rows that exist for a photo id; orphans of a photo lost in a salvage are dropped.
_CHILD_TABLES = ("auto_tags", "auto_flags", "user_tags", "user_not_sensitive", "vectors")
_USER_TABLES = ("user_tags", "user_not_sensitive")
_CHUNK = 4096  # rowids per attempt when a table cannot be read in one go
_MAX_PROBED_ROWID = 2_000_000


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"  # any file name, percent-escaped


def backup_dir(catalog_path: Path) -> Path:
    return catalog_path.parent / "backups"


def _stamp() -> str:
    return datetime.now(UTC).strftime(_STAMP)


def backups(catalog_path: Path) -> list[Path]:
    """The catalog's backups, newest first."""
    folder = backup_dir(catalog_path)
    return sorted(folder.glob(f"{_PREFIX}*.sqlite3"), reverse=True) if folder.is_dir() else []


def taken_at(backup: Path) -> datetime | None:
    try:
        return datetime.strptime(backup.stem[len(_PREFIX):], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def take_backup(catalog_path: Path, make_empty, keep: int = KEEP) -> Path:
    """Copy the catalog, all but its embeddings, into backups/ (atomically: a killed backup leaves only a .tmp),
    verify the copy, then keep the newest `keep` sound backups. `make_empty(path)` creates an empty catalog of the
    current schema. Run it with the library lock held.

    A copy that fails its check (a full disk cut it short, an I/O error) never takes a backup's name, and nothing
    is rotated out for it: the last good backup stays whatever happens (BackupFailed says why).

    Rows are copied table by table in one transaction (one consistent snapshot of the catalog), not page by page
    with SQLite's backup API: that copies the embeddings too, and dropping them afterwards took 15 s at 100,000
    photos against about 1 s this way (benchmarks/RESULTS.md)."""
    folder = backup_dir(catalog_path)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{_PREFIX}{_stamp()}.sqlite3"
    tmp = final.with_suffix(".tmp")
    try:
        try:
            make_empty(tmp)
            with closing(sqlite3.connect(_uri(tmp, "rw"), uri=True, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                tables = [t for t in _row_tables(db) if t != "vectors"]
                db.execute("ATTACH ? AS old", (_uri(catalog_path, "ro"),))
                db.execute("BEGIN")
                expected = {}
                for table in tables:
                    _copy_rows(db, table, _columns(db, table), "")
                    expected[table] = db.execute(f"SELECT count(*) FROM old.{table}").fetchone()[0]
                db.execute("COMMIT")
                db.execute("DETACH old")
            _fsync(tmp)
        except (sqlite3.Error, OSError) as exc:
            raise BackupFailed(f"the catalog backup could not be written ({exc})") from exc
        problem = verify_backup(tmp, expected)
        if problem:
            raise BackupFailed(f"the catalog backup failed its check ({problem})")
        os.replace(tmp, final)
        _fsync(folder)  # the rename itself survives a power cut before the older backups are removed
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
    _rotate(catalog_path, keep)
    for stale in folder.glob("*.tmp"):  # left by a backup that was killed
        stale.unlink(missing_ok=True)
    return final


class BackupFailed(PhotoTaggerError):
    """A backup was not taken (the older ones are all kept)."""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def verify_backup(path: Path, expected: dict[str, int]) -> str:
    """Why a fresh backup cannot be trusted ("" when it can): it opens, passes SQLite's quick check, has every
    table copied, and each holds as many rows as the catalog had in the copied snapshot. The quick check (pages,
    b-trees, records) with the row counts covers what goes wrong writing a copy (short writes, a full disk); the
    full integrity check adds index-against-table checks for 10x the time (0.7-1.0 s against 0.06-0.09 s on a
    100,000-photo backup, benchmarks/RESULTS.md) at every close after a change."""
    problem = backup_problem(path)
    if problem:
        return problem
    problems = integrity_problems(path, quick=True, limit=1)
    if problems:
        return problems[0]
    try:
        with closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as db:
            for table, rows in expected.items():
                found = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                if found != rows:
                    return f"{table} has {found} rows, the catalog {rows}"
    except sqlite3.Error as exc:
        return str(exc)
    return ""


def backup_problem(path: Path) -> str:
    """A cheap look at a backup: "" when it is an SQLite file holding a catalog's tables. An empty file (what a
    full disk left behind) passes SQLite's own check as an empty database; it is no backup."""
    try:
        with open(path, "rb") as f:
            header = f.read(16)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if header != b"SQLite format 3\0":
        return "empty" if not header else "not an SQLite file"
    try:
        with closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        return str(exc)
    missing = [t for t in ("photos", *_USER_TABLES) if t not in tables]
    return f"no {', '.join(missing)} table" if missing else ""


def _rotate(catalog_path: Path, keep: int) -> None:
    """Keep the newest `keep` sound backups; one that is no backup (empty, cut off) is removed, never counted."""
    sound = 0
    for backup in backups(catalog_path):
        if sound < keep and not backup_problem(backup):
            sound += 1
        else:
            backup.unlink(missing_ok=True)


def counts(path: Path) -> dict[str, int]:
    """Photos and user choices in a catalog file (read-only); empty when it cannot be read."""
    try:
        with closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as db:
            return {"photos": db.execute("SELECT count(*) FROM photos").fetchone()[0],
                    "choices": sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _USER_TABLES)}
    except sqlite3.Error:
        return {}


def newest_sound_backup(catalog_path: Path) -> Path | None:
    return next((b for b in backups(catalog_path) if not backup_problem(b)
                 and not integrity_problems(b, quick=True, limit=1)), None)


def _set_aside(catalog_path: Path, why: str) -> Path | None:
    """Move the catalog (with its WAL, which belongs to it) to catalog.sqlite3.<why>-<stamp>."""
    if not catalog_path.exists():
        return None
    aside = catalog_path.with_name(f"{catalog_path.name}.{why}-{_stamp()}")
    os.replace(catalog_path, aside)
    wal = Path(f"{catalog_path}-wal")
    if wal.exists():
        os.replace(wal, Path(f"{aside}-wal"))
    Path(f"{catalog_path}-shm").unlink(missing_ok=True)
    for older in sorted(catalog_path.parent.glob(f"{catalog_path.name}.{why}-*[0-9]"), reverse=True)[2:]:
        older.unlink(missing_ok=True)  # the two most recent are kept
        Path(f"{older}-wal").unlink(missing_ok=True)
    return aside


def restore(catalog_path: Path, backup: Path) -> Path | None:
    """Put `backup` in the catalog's place; returns where the replaced catalog was kept (None: there was none)."""
    problems = [backup_problem(backup)] if backup_problem(backup) else integrity_problems(backup, quick=True, limit=1)
    if problems:
        raise PhotoTaggerError(f"the backup {backup} is damaged too ({problems[0]}): choose another "
                               "(photo-tagger library check lists them)")
    tmp = catalog_path.with_name(f"{catalog_path.name}.restoring")
    shutil.copyfile(backup, tmp)
    aside = _set_aside(catalog_path, "replaced")
    os.replace(tmp, catalog_path)
    return aside


@dataclass
class Salvage:
    """What a salvage kept, per table: rows copied, and rows (or chunks) that could not be read."""

    copied: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)  # table -> chunks lost ( -1: the table itself)
    merged: dict[str, int] = field(default_factory=dict)  # rows taken from the backup
    backup: Path | None = None
    damaged: Path | None = None  # where the damaged file was kept


def salvage(catalog_path: Path, make_empty) -> Salvage:
    """Rebuild a damaged catalog: every row that can still be read goes into a fresh file (`make_empty(path)`
    creates one with the current schema); a table that lost rows gets the newest sound backup's rows that it
    lacks. The damaged file is kept beside it. Kill-safe: the catalog is replaced by one rename at the end."""
    report = Salvage(backup=newest_sound_backup(catalog_path))
    fresh = catalog_path.with_name(f"{catalog_path.name}.salvaging")
    fresh.unlink(missing_ok=True)
    make_empty(fresh)
    with closing(sqlite3.connect(_uri(fresh, "rw"), uri=True, isolation_level=None)) as db:
        tables = _row_tables(db)
        db.execute("ATTACH ? AS old", (_uri(catalog_path, "ro"),))
        for table in tables:
            _copy_table(db, table, report)
        db.execute("DETACH old")
        if report.backup is not None:
            db.execute("ATTACH ? AS old", (_uri(report.backup, "ro"),))
            for table in tables:
                if report.unreadable.get(table) and table not in ("vectors", "journal"):
                    before = db.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0]
                    _copy_rows(db, table, _columns(db, table), "")
                    report.merged[table] = db.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0] - before
            db.execute("DETACH old")
        if "photos" in tables:
            for table in (t for t in _CHILD_TABLES if t in tables):
                db.execute(f"DELETE FROM {table} WHERE photo_id NOT IN (SELECT id FROM photos)")
    report.damaged = _set_aside(catalog_path, "damaged")
    os.replace(fresh, catalog_path)
    return report


def _row_tables(db: sqlite3.Connection) -> list[str]:
    """The tables whose rows are copied: not SQLite's own, and not a full-text index or its shadow tables (the
    photo_text triggers rebuild that index from the copied rows; copying it too doubled its entries and left it
    malformed)."""
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    rows = db.execute(query).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [name for name, _ in rows if not any(name == v or name.startswith(f"{v}_") for v in virtual)]


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    """Columns both the fresh table and the old one have (an older schema may lack some)."""
    new = [r[1] for r in db.execute(f"PRAGMA main.table_info({table})")]
    old = {r[1] for r in db.execute(f"PRAGMA old.table_info({table})")}
    return [c for c in new if c in old]


def _copy_rows(db: sqlite3.Connection, table: str, columns: list[str], where: str, args: tuple = ()) -> int:
    names = ", ".join(columns)
    cursor = db.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) SELECT {names} FROM old.{table} {where}", args)
    return cursor.rowcount


def _copy_table(db: sqlite3.Connection, table: str, report: Salvage) -> None:
    try:
        columns = _columns(db, table)
    except sqlite3.DatabaseError:
        columns = []
    if not columns:
        report.unreadable[table] = -1
        return
    try:
        report.copied[table] = _copy_rows(db, table, columns, "")
        return
    except sqlite3.DatabaseError:
        pass
    # Damaged pages: copy by rowid ranges, halving a range that fails down to single rows.
    try:
        last = db.execute(f"SELECT max(rowid) FROM old.{table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:  # the table's root or rightmost page: bound the rowids by the file's size
        pages, size = (db.execute(f"PRAGMA old.{p}").fetchone()[0] for p in ("page_count", "page_size"))
        last = min(pages * size // 8, _MAX_PROBED_ROWID)
    copied = lost = 0
    for start in range(1, last + 1, _CHUNK):
        n, bad = _copy_range(db, table, columns, start, min(start + _CHUNK - 1, last))
        copied, lost = copied + n, lost + bad
    report.copied[table] = copied
    report.unreadable[table] = lost or 1  # the one-go copy failed: something was lost, even if no row was seen
    log.info("catalog table %s: %d rows salvaged, %d rowids unreadable", table, copied, lost)


def _copy_range(db: sqlite3.Connection, table: str, columns: list[str], low: int, high: int) -> tuple[int, int]:
    """Rows copied and rowids that could not be read in [low, high]."""
    try:
        return _copy_rows(db, table, columns, "WHERE rowid BETWEEN ? AND ?", (low, high)), 0
    except sqlite3.DatabaseError:
        if low == high:
            return 0, 1
    middle = (low + high) // 2
    a, b = _copy_range(db, table, columns, low, middle), _copy_range(db, table, columns, middle + 1, high)
    return a[0] + b[0], a[1] + b[1]
