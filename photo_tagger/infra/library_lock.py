"""The library's lock file (filelock): one process at a time opens a library; none is needed on a read-only disk."""

from __future__ import annotations

from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra.storage_faults import is_read_only


class LibraryBusy(PhotoTaggerError):
    """Another process has the embedded library open."""


class _NoLock:
    """The lock of a library on a read-only disk: nothing to hold, since no process can write there."""

    def release(self) -> None:
        pass


def lock_library(library_dir: Path):
    """The held lock (release() it when done). One process at a time: the catalog's journal assumes one writer
    (in server mode too: another process's recovery would undo writes in flight), and Chroma's folder is not
    process-safe. On a read-only disk no lock file can be made, and none is needed: reading is safe."""
    from filelock import FileLock, Timeout

    if library_dir.is_dir() and is_read_only(library_dir):
        return _NoLock()
    library_dir.mkdir(parents=True, exist_ok=True)
    # Not thread-local: the GUI takes the lock on a worker thread and releases it on the GUI thread.
    lock = FileLock(library_dir / "library.lock", thread_local=False)
    try:
        lock.acquire(timeout=2)
    except Timeout:
        raise LibraryBusy(f"the library {library_dir} is open in another Photo Tagger process (the app or "
                          "`photo-tagger watch`); close that one first") from None
    return lock
