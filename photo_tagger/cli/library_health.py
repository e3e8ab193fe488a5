"""`photo-tagger library check | repair | restore`: integrity, rebuilding what can be rebuilt, catalog backups."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra import catalog_backup
from photo_tagger.infra.storage_faults import hot_journal, integrity_problems


def register(subparsers) -> None:
    p = subparsers.add_parser("library", help="check the library's files, repair them, restore a catalog backup")
    sub = p.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    sub.add_parser("check", help="SQLite integrity of the catalog and the vector store, whether they agree, "
                   "and the backups").set_defaults(handler=_check)
    sub.add_parser("repair", help="salvage a damaged catalog (missing rows from the newest backup), rebuild a "
                   "damaged vector store from the catalog, re-sync the two").set_defaults(handler=_repair)
    q = sub.add_parser("restore", help="put a catalog backup in place of the catalog (the newest sound one by "
                       "default); the next index brings it up to date")
    q.add_argument("backup", nargs="?", help="a backup's file name or path (library check lists them)")
    q.set_defaults(handler=_restore)


def _files(app) -> tuple[Path, Path]:
    library = app.paths.library_dir
    return library / "catalog.sqlite3", library / "chroma" / "chroma.sqlite3"


def _when(backup: Path) -> str:
    taken = catalog_backup.taken_at(backup)
    return taken.astimezone().strftime("%Y-%m-%d %H:%M") if taken else "?"


def _describe(path: Path) -> str:
    found = catalog_backup.counts(path)
    return f"{found['photos']} photos, {found['choices']} of your tag choices" if found else "unreadable"


def _check(app, args) -> int:
    app.library_lock  # noqa: B018 (taking the lock is the point: nothing may write while the files are read)
    catalog_path, chroma_path = _files(app)
    healthy = True
    problems = integrity_problems(catalog_path) if catalog_path.exists() else ["missing"]
    print(f"Catalog {catalog_path}: " + (f"ok ({_describe(catalog_path)})" if not problems
                                        else f"DAMAGED: {'; '.join(problems[:3])}"))
    healthy &= not problems
    if not app.settings.store_url:
        interrupted = hot_journal(chroma_path)  # a killed write's journal: rolled back by the check, not damage
        store_problems = integrity_problems(chroma_path) if chroma_path.exists() else []
        print(f"Vector store {chroma_path.parent}: " + (
            f"DAMAGED: {'; '.join(store_problems[:3])}" if store_problems
            else "ok (a write cut short by a crash was rolled back)" if interrupted else "ok"))
        healthy &= not store_problems
    else:
        store_problems = []
    if not problems and not store_problems:
        healthy &= _agreement(app)
    healthy &= _check_backups(catalog_path)
    if not healthy:
        print("Run `photo-tagger library repair` (or `photo-tagger library restore` to go back to a backup)")
    return 0 if healthy else 1


def _check_backups(catalog_path: Path) -> bool:
    """Each backup with what it holds, or why it is no backup; unhealthy when there are backups and none is
    sound (a full disk left only broken ones): the library has no way back then."""
    backups = catalog_backup.backups(catalog_path)
    shown = []
    for backup in backups:
        problem = catalog_backup.backup_problem(backup) or next(iter(integrity_problems(backup, quick=True, limit=1)),
                                                                "")
        shown.append(f"{backup.name} ({_when(backup)}, " + (f"DAMAGED: {problem})" if problem else
                                                             f"{_describe(backup)})"))
    print(f"Backups in {catalog_backup.backup_dir(catalog_path)}: " + (", ".join(shown) or "none yet (one is "
          "taken when the library is closed after a change)"))
    if backups and catalog_backup.newest_sound_backup(catalog_path) is None:
        print("No sound backup: the next change closed on a disk with room takes one")
        return False
    return True


def _agreement(app) -> bool:
    """Catalog and store hold the same photos (opening the store re-syncs a loss, and says so)."""
    key = app.model_key() if hasattr(app, "model_key") else app.active_model().name
    store = app.vector_store()
    expected, have = app.catalog.count_embedded(key), store.count()
    pending = len(app.catalog.pending_journal(key))
    print(f"Photos with a vector: {expected} in the catalog, {have} in the vector store"
          + (f"; {pending} interrupted writes (the next index re-syncs them)" if pending else ""))
    orphans = app.catalog.orphan_rows()
    if orphans:
        print("Rows of photos no longer in the library: " + ", ".join(f"{n} {t}" for t, n in orphans.items())
              + " (repair or the next index removes them)")
    return (store.shared or expected == have) and not orphans


def _repair(app, args) -> int:
    app.library_lock  # noqa: B018 (takes the library's lock)
    catalog_path, chroma_path = _files(app)
    if catalog_path.exists() and integrity_problems(catalog_path):
        _salvage(catalog_path)
    elif not catalog_path.exists() and (backup := catalog_backup.newest_sound_backup(catalog_path)):
        catalog_backup.restore(catalog_path, backup)
        print(f"Catalog was missing: restored the backup {backup.name} ({_when(backup)}, {_describe(backup)})")
    else:
        print(f"Catalog {catalog_path}: ok")
    if not app.settings.store_url and chroma_path.exists() and integrity_problems(chroma_path):
        aside = chroma_path.parent.with_name(f"chroma.damaged-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}")
        chroma_path.parent.rename(aside)
        print(f"Vector store was damaged: set aside as {aside}; rebuilding it from the catalog's vectors")
    text_cache = app.paths.cache_dir / "text-embeddings.sqlite3"
    if text_cache.exists() and integrity_problems(text_cache, quick=True):
        for path in (text_cache, Path(f"{text_cache}-wal"), Path(f"{text_cache}-shm")):
            path.unlink(missing_ok=True)  # only a cache
    _resync(app)
    return 0


def _salvage(catalog_path: Path) -> None:
    from photo_tagger.infra.catalog import Catalog

    report = catalog_backup.salvage(catalog_path, lambda path: Catalog(path).close())
    lost = {t: n for t, n in report.unreadable.items() if n}
    print(f"Catalog was damaged: kept {report.copied.get('photos', 0)} photos and "
          f"{sum(report.copied.get(t, 0) for t in ('user_tags', 'user_not_sensitive'))} of your tag choices that "
          f"could still be read" + (f" (tables with unreadable rows: {', '.join(sorted(lost))})" if lost else ""))
    if report.merged:
        print(f"  from the backup {report.backup.name} ({_when(report.backup)}): "
              + ", ".join(f"{n} rows of {t}" for t, n in report.merged.items()))
    elif lost and report.backup is None:
        print("  no sound backup to fill the gaps: the next index reads the lost photos again as new")
    print(f"  the damaged file is kept as {report.damaged}")


def _resync(app) -> None:
    """Open the library as every command does: the store is brought in step with the catalog (vectors put back
    from the catalog's copies, strays removed), interrupted writes are re-synced."""
    from photo_tagger.core.store_repair import copy_missing_catalog_vectors
    from photo_tagger.services.folders import remove_orphans

    orphans = remove_orphans(app)  # first: the store's copies of them then go as it opens
    if orphans:
        print("Removed rows of photos no longer in the library: "
              + ", ".join(f"{n} {t}" for t, n in orphans.items()))
    store = app.vector_store()
    recovered = app.indexer.recover()
    key = app.model_key() if hasattr(app, "model_key") else app.active_model().name
    # Backups hold no embeddings: copy them back from the store now, so that a later loss of the store is
    # rebuilt from the catalog again instead of encoding those photos.
    copy_missing_catalog_vectors(app.catalog, store, key)
    stale = app.indexer.pending(app.catalog.roots())
    todo = sum(stale.get(k, 0) for k in ("new", "changed", "to re-encode"))
    print(f"Library in step: {app.catalog.count_embedded(key)} photos with a vector"
          + (f", {recovered} interrupted writes re-synced" if recovered else "")
          + (f"; {todo} photos to read again: photo-tagger index" if todo else ""))


def _restore(app, args) -> int:
    app.library_lock  # noqa: B018 (takes the library's lock)
    catalog_path, _ = _files(app)
    backups = catalog_backup.backups(catalog_path)
    if args.backup:
        chosen = Path(args.backup).expanduser()
        if not chosen.exists():
            chosen = catalog_backup.backup_dir(catalog_path) / args.backup
        if not chosen.is_file():
            names = ", ".join(b.name for b in backups) or "none"
            raise PhotoTaggerError(f"no backup {args.backup} (backups: {names})")
    else:
        chosen = catalog_backup.newest_sound_backup(catalog_path)
        if chosen is None:
            raise PhotoTaggerError(f"no sound backup in {catalog_backup.backup_dir(catalog_path)} (one is taken "
                                   "each time the library is closed after a change)")
    aside = catalog_backup.restore(catalog_path, chosen)
    print(f"Restored the catalog from {chosen.name} ({_when(chosen)}, {_describe(catalog_path)})"
          + (f"; the catalog it replaced is kept as {aside}" if aside else ""))
    _resync(app)
    return 0
