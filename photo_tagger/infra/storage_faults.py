"""Faults of the disk under the library told apart from bugs: a full disk, a read-only one, a damaged SQLite
file."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError

log = logging.getLogger(__name__)

_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")
_DAMAGED_WORDS = ("database disk image is malformed", "file is not a database", "malformed database schema")
_SQLITE_FULL, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_NOTADB = 13, 10, 11, 26
# Below this, an I/O error from SQLite (it cannot grow its WAL index, say) is taken for a full disk.
_NEARLY_FULL_BYTES = 1_000_000


class DiskFull(PhotoTaggerError):
    """The disk holding the library has no room for a write."""


class ReadOnlyDisk(DiskFull):
    """The library is on a read-only disk (a mount, a backup drive, a folder without write permission): it is
    read, and every write is refused as on a full disk, with its own words."""


class DamagedFile(PhotoTaggerError):
    """A SQLite file of the library cannot be read."""

    def __init__(self, path: Path, detail: str):
        self.path = path
        super().__init__(f"{path} is damaged ({detail}): `photo-tagger library check` says what, "
                         "`photo-tagger library repair` rebuilds it, `photo-tagger library restore` goes back "
                         "to a backup")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def free_bytes(path: Path) -> int:
    """Free space on the disk holding `path` (its nearest existing folder)."""
    for folder in (path, *path.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return 0


def is_nearly_full(path: Path) -> bool:
    return free_bytes(path) < _NEARLY_FULL_BYTES


def is_read_only(path: Path) -> bool:
    """Whether nothing can be written in `path` (its nearest existing folder): a read-only mount, or a folder this
    user may not write to."""
    for folder in (path, *path.parents):
        if folder.is_dir():
            try:
                if os.statvfs(folder).f_flag & os.ST_RDONLY:
                    return True
            except OSError:
                pass
            return not os.access(folder, os.W_OK)
    return False


def read_only_message(library_dir: Path) -> str:
    return (f"the library {library_dir} is on a read-only disk (or a folder you may not write to): it can be "
            "searched and looked at, not changed; indexing, tagging and label edits need it writable")


def disk_full_message(library_dir: Path) -> str:
    mb = free_bytes(library_dir) / 1e6
    return (f"the disk holding {library_dir} is full ({mb:.0f} MB free): free some space and run the command "
            "again (nothing was lost)")


def is_disk_full(exc: BaseException, library_dir: Path | None = None) -> bool:
    """An out-of-space error anywhere in the chain (SQLite's, the OS's, or Chroma's words for them); an SQLite
    I/O error counts too when the disk holding `library_dir` is (nearly) full."""
    for error in _chain(exc):
        if isinstance(error, DiskFull):
            return True
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF == _SQLITE_FULL:
            return True
        if any(word in str(error).lower() for word in _FULL_WORDS):
            return True
        if library_dir is not None and code is not None and code & 0xFF == _SQLITE_IOERR \
                and is_nearly_full(library_dir):
            return True
    return False


def is_damaged(exc: BaseException) -> bool:
    """SQLite's words for a file that is not a database or whose pages do not add up (Chroma's too)."""
    for error in _chain(exc):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return True
        if any(word in str(error).lower() for word in _DAMAGED_WORDS):
            return True
    return False


def hot_journal(path: Path) -> bool:
    """Whether a write was cut short in this (rollback-journal) SQLite file: its -journal is left beside it. Not
    damage: the next connection that may write rolls the file back to its last commit."""
    journal = Path(f"{path}-journal")
    return journal.is_file() and journal.stat().st_size > 0


def integrity_problems(path: Path, quick: bool = False, limit: int = 20) -> list[str]:
    """SQLite's integrity check of one file: [] when it is sound. Read-only, unless a killed write left a hot
    journal: a read-only connection cannot roll it back (SQLite then refuses to read at all), so the file is opened
    as the next open of the library would, which rolls the interrupted write back first (the caller holds the
    library lock: no other writer)."""
    # On a read-only disk a WAL file without its -shm cannot be opened read-only; with no -shm there is no WAL
    # content either (a clean close removes both), so reading the file as immutable misses nothing.
    unlocked = is_read_only(path.parent) and not Path(f"{path}-shm").exists()
    mode = "immutable=1" if unlocked else "mode=rw" if hot_journal(path) else "mode=ro"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=10)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = db.execute(f"PRAGMA {'quick_check' if quick else 'integrity_check'}({limit})").fetchall()
    except sqlite3.DatabaseError as exc:
        if mode == "rw" and not is_damaged(exc):  # a read-only disk: the rollback waits for a writable open
            log.warning("%s: an interrupted write could not be rolled back here (%s)", path, exc)
            return []
        return [str(exc)]
    finally:
        db.close()
    if rows == [("ok",)]:
        return []
    lines = [line.strip() for row in rows for line in str(row[0]).splitlines()]
    return [line for line in lines if line and not line.startswith("*** in database")]


def damaged_file(candidates: Iterable[Path]) -> tuple[Path, str] | None:
    """The first of these SQLite files that fails a quick check, with SQLite's first complaint."""
    for path in candidates:
        if path.exists():
            problems = integrity_problems(path, quick=True, limit=1)
            if problems:
                return path, problems[0]
    return None
