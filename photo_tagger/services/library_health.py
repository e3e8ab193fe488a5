"""Library health: check the catalog, the vector store and the backups; repair them; restore a catalog backup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.config import LibraryFiles
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.index_sync import adopt_vectors
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.ports import VectorStore
from photo_tagger.infra import catalog_backup
from photo_tagger.infra.storage_faults import hot_journal, integrity_problems
from photo_tagger.services.folders import remove_orphan_rows

if TYPE_CHECKING:  # the SQLite catalog: orphan rows are its own bookkeeping, not the core port's
    from photo_tagger.infra.catalog import Catalog


def backup_time(backup: Path) -> str:
    """When a backup was taken, in local time ("?" when it cannot be told)."""
    taken = catalog_backup.taken_at(backup)
    return taken.astimezone().strftime("%Y-%m-%d %H:%M") if taken else "?"


def backup_contents(path: Path) -> str:
    """What a catalog (or a backup of one) holds, in words."""
    found = catalog_backup.counts(path)
    return f"{found['photos']} photos, {found['choices']} of your tag choices" if found else "unreadable"


@dataclass(frozen=True)
class CatalogHealth:
    path: Path
    problems: list[str]  # ["missing"] when there is no catalog

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        return f"ok ({backup_contents(self.path)})" if self.ok else f"DAMAGED: {'; '.join(self.problems[:3])}"


def check_catalog(path: Path) -> CatalogHealth:
    return CatalogHealth(path, integrity_problems(path) if path.exists() else ["missing"])


@dataclass(frozen=True)
class StoreHealth:
    folder: Path
    problems: list[str]
    interrupted: bool  # a killed write's journal: rolled back by the check, not damage

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        if self.problems:
            return f"DAMAGED: {'; '.join(self.problems[:3])}"
        return "ok (a write cut short by a crash was rolled back)" if self.interrupted else "ok"


def check_store(path: Path) -> StoreHealth:
    """The embedded store's SQLite file (a library server is checked by `store check`)."""
    interrupted = hot_journal(path)  # read before the integrity check rolls it back
    return StoreHealth(path.parent, integrity_problems(path) if path.exists() else [], interrupted)


@dataclass(frozen=True)
class Agreement:
    """Whether the catalog and the vector store hold the same photos."""

    in_catalog: int
    in_store: int
    interrupted_writes: int
    orphans: dict[str, int]
    shared: bool  # a shared store holds other libraries' photos too: its count is no check

    @property
    def ok(self) -> bool:
        return (self.shared or self.in_catalog == self.in_store) and not self.orphans


def check_agreement(catalog: Catalog, store: VectorStore, model_key: str) -> Agreement:
    """Opening the store has re-synced a loss already (and said so); this says what is left."""
    return Agreement(
        catalog.count_embedded(model_key),
        store.count(),
        len(catalog.pending_journal(model_key)),
        catalog.orphan_rows(),
        bool(store.shared),
    )


@dataclass(frozen=True)
class BackupState:
    path: Path
    taken: str
    problem: str  # "" for a sound backup
    contents: str


@dataclass(frozen=True)
class BackupsHealth:
    folder: Path
    backups: list[BackupState]
    none_sound: bool  # there are backups and none is sound (a full disk left only broken ones)

    @property
    def ok(self) -> bool:
        return not self.none_sound


def check_backups(catalog_path: Path) -> BackupsHealth:
    """Each backup with what it holds, or why it is no backup; unhealthy when there are backups and none is
    sound: the library has no way back then."""
    rows = []
    for backup in catalog_backup.backups(catalog_path):
        problem = catalog_backup.backup_problem(backup) or next(
            iter(integrity_problems(backup, quick=True, limit=1)), ""
        )
        rows.append(BackupState(backup, backup_time(backup), problem, "" if problem else backup_contents(backup)))
    none_sound = bool(rows) and catalog_backup.newest_sound_backup(catalog_path) is None
    return BackupsHealth(catalog_backup.backup_dir(catalog_path), rows, none_sound)


@dataclass
class FileRepairs:
    """What `repair_files` did to the files, before the library is opened again."""

    salvage: catalog_backup.Salvage | None = None  # a damaged catalog, salvaged
    restored: Path | None = None  # a missing catalog, restored from this backup
    store_set_aside: Path | None = None  # a damaged embedded store, moved here (rebuilt from the catalog)
    text_cache_dropped: bool = False


def repair_files(files: LibraryFiles, embedded_store: bool) -> FileRepairs:
    """Salvage a damaged catalog (missing rows from the newest backup) or restore a missing one, set a damaged
    embedded store aside (it is rebuilt from the catalog as the library opens), drop a damaged text cache. Hold
    the library lock."""
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog

    done = FileRepairs()
    if files.catalog.exists() and integrity_problems(files.catalog):
        done.salvage = catalog_backup.salvage(files.catalog, lambda path: SqliteCatalog(path).close())
    elif not files.catalog.exists() and (backup := catalog_backup.newest_sound_backup(files.catalog)):
        catalog_backup.restore(files.catalog, backup)
        done.restored = backup
    if embedded_store and files.store.exists() and integrity_problems(files.store):
        aside = files.store.parent.with_name(f"chroma.damaged-{datetime.now(UTC):%Y%m%d-%H%M%S}")
        files.store.parent.rename(aside)
        done.store_set_aside = aside
    if files.text_cache.exists() and integrity_problems(files.text_cache, quick=True):
        for path in (files.text_cache, Path(f"{files.text_cache}-wal"), Path(f"{files.text_cache}-shm")):
            path.unlink(missing_ok=True)  # only a cache
        done.text_cache_dropped = True
    return done


@dataclass(frozen=True)
class Resync:
    orphans: dict[str, int]
    recovered: int  # interrupted writes re-synced
    embedded: int  # photos with a vector of the model in use
    to_read: int  # photos new, changed or to re-encode: the next index reads them


def resync(catalog: Catalog, open_store: Callable[[], VectorStore], indexer: Indexer, model_key: str) -> Resync:
    """Open the library as every command does: the store is brought in step with the catalog (vectors put back
    from the catalog's copies, strays removed), interrupted writes are re-synced."""
    orphans = remove_orphan_rows(catalog)  # first: the store's copies of them then go as it opens
    store = open_store()
    recovered = indexer.recover()
    # Backups hold no embeddings: copy them back from the store now, so that a later loss of the store is
    # rebuilt from the catalog again instead of encoding those photos.
    adopt_vectors(catalog, store, model_key)
    stale = indexer.pending(catalog.roots())
    return Resync(
        orphans,
        recovered,
        catalog.count_embedded(model_key),
        sum(stale.get(k, 0) for k in ("new", "changed", "to re-encode")),
    )


@dataclass(frozen=True)
class Restored:
    backup: Path
    replaced_kept_as: Path | None


def restore_backup(catalog_path: Path, backup: str | None) -> Restored:
    """Put a backup (a file name in the backup folder, or a path; None: the newest sound one) in place of the
    catalog; the catalog it replaces is kept aside. Hold the library lock, and open the library after it."""
    if backup:
        chosen = Path(backup).expanduser()
        if not chosen.exists():
            chosen = catalog_backup.backup_dir(catalog_path) / backup
        if not chosen.is_file():
            names = ", ".join(b.name for b in catalog_backup.backups(catalog_path)) or "none"
            raise PhotoTaggerError(f"no backup {backup} (backups: {names})")
    else:
        found = catalog_backup.newest_sound_backup(catalog_path)
        if found is None:
            raise PhotoTaggerError(
                f"no sound backup in {catalog_backup.backup_dir(catalog_path)} (one is taken "
                "each time the library is closed after a change)"
            )
        chosen = found
    return Restored(chosen, catalog_backup.restore(catalog_path, chosen))


class LibraryHealthService:
    """`library check | repair | restore` over one library: its files, then the catalog, the store and the indexer
    it opens (each made on first use: after the files are checked, repaired or restored)."""

    def __init__(
        self,
        *,
        files: LibraryFiles,
        embedded_store: Callable[[], bool],
        take_lock: Callable[[], object],
        catalog: Callable[[], Catalog],
        vector_store: Callable[[], VectorStore],
        indexer: Callable[[], Indexer],
        model_key: Callable[[], str],
    ) -> None:
        """`embedded_store`: the vectors live on this machine (no store_url): its SQLite file is checked and
        repaired here. `take_lock`: takes the library's lock (held until the library is closed)."""
        self.files = files
        self._embedded_store = embedded_store
        self._take_lock = take_lock
        self._catalog = catalog
        self._vector_store = vector_store
        self._indexer = indexer
        self._model_key = model_key

    def take_lock(self) -> None:
        """Before the files are read or replaced: nothing else may write the library meanwhile."""
        self._take_lock()

    def check_catalog(self) -> CatalogHealth:
        return check_catalog(self.files.catalog)

    def check_store(self) -> StoreHealth | None:
        """The embedded store's file; None for a library server (`store check` checks that)."""
        return check_store(self.files.store) if self._embedded_store() else None

    def check_agreement(self) -> Agreement:
        key = self._model_key()
        return check_agreement(self._catalog(), self._vector_store(), key)

    def check_backups(self) -> BackupsHealth:
        return check_backups(self.files.catalog)

    def repair_files(self) -> FileRepairs:
        return repair_files(self.files, embedded_store=self._embedded_store())

    def resync(self) -> Resync:
        return resync(self._catalog(), self._vector_store, self._indexer(), self._model_key())

    def restore_backup(self, backup: str | None) -> Restored:
        return restore_backup(self.files.catalog, backup)
