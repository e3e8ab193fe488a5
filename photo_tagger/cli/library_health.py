"""`photo-tagger library check | repair | restore`: integrity, rebuilding what can be rebuilt, catalog backups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from photo_tagger.services import library_health as health

if TYPE_CHECKING:
    from photo_tagger.app import App


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


def _check(app: App, args) -> int:
    library = app.library_health_service
    library.take_lock()  # taking the lock is the point: nothing may write while the files are read
    catalog = library.check_catalog()
    print(f"Catalog {library.files.catalog}: {catalog.describe()}")
    healthy = catalog.ok
    store_ok = True
    if (store := library.check_store()) is not None:  # a library server is checked by `store check`
        print(f"Vector store {store.folder}: {store.describe()}")
        store_ok = store.ok
    healthy &= store_ok
    if catalog.ok and store_ok:
        healthy &= _say_agreement(library.check_agreement())
    backups = library.check_backups()
    shown = [f"{b.path.name} ({b.taken}, " + (f"DAMAGED: {b.problem})" if b.problem else f"{b.contents})")
             for b in backups.backups]
    print(f"Backups in {backups.folder}: " + (", ".join(shown) or "none yet (one is taken when the library is "
                                                                "closed after a change)"))
    if backups.none_sound:
        print("No sound backup: the next change closed on a disk with room takes one")
    healthy &= backups.ok
    if not healthy:
        print("Run `photo-tagger library repair` (or `photo-tagger library restore` to go back to a backup)")
    return 0 if healthy else 1


def _say_agreement(found: health.Agreement) -> bool:
    """Catalog and store hold the same photos (opening the store re-syncs a loss, and says so)."""
    print(f"Photos with a vector: {found.in_catalog} in the catalog, {found.in_store} in the vector store"
          + (f"; {found.interrupted_writes} interrupted writes (the next index re-syncs them)"
             if found.interrupted_writes else ""))
    if found.orphans:
        print("Rows of photos no longer in the library: " + ", ".join(f"{n} {t}" for t, n in found.orphans.items())
              + " (repair or the next index removes them)")
    return found.ok


def _repair(app: App, args) -> int:
    library = app.library_health_service
    library.take_lock()
    done = library.repair_files()
    if done.salvage is not None:
        _say_salvage(done.salvage)
    elif done.restored is not None:
        print(f"Catalog was missing: restored the backup {done.restored.name} ({health.backup_time(done.restored)}, "
              f"{health.backup_contents(done.restored)})")
    else:
        print(f"Catalog {library.files.catalog}: ok")
    if done.store_set_aside is not None:
        print(f"Vector store was damaged: set aside as {done.store_set_aside}; rebuilding it from the catalog's "
              "vectors")
    _resync(library)
    return 0


def _say_salvage(report) -> None:
    lost = {t: n for t, n in report.unreadable.items() if n}
    print(f"Catalog was damaged: kept {report.copied.get('photos', 0)} photos and "
          f"{sum(report.copied.get(t, 0) for t in ('user_tags', 'user_not_sensitive'))} of your tag choices that "
          f"could still be read" + (f" (tables with unreadable rows: {', '.join(sorted(lost))})" if lost else ""))
    if report.merged:
        print(f"  from the backup {report.backup.name} ({health.backup_time(report.backup)}): "
              + ", ".join(f"{n} rows of {t}" for t, n in report.merged.items()))
    elif lost and report.backup is None:
        print("  no sound backup to fill the gaps: the next index reads the lost photos again as new")
    print(f"  the damaged file is kept as {report.damaged}")


def _resync(library: health.LibraryHealthService) -> None:
    done = library.resync()
    if done.orphans:
        print("Removed rows of photos no longer in the library: "
              + ", ".join(f"{n} {t}" for t, n in done.orphans.items()))
    print(f"Library in step: {done.embedded} photos with a vector"
          + (f", {done.recovered} interrupted writes re-synced" if done.recovered else "")
          + (f"; {done.to_read} photos to read again: photo-tagger index" if done.to_read else ""))


def _restore(app: App, args) -> int:
    library = app.library_health_service
    library.take_lock()
    done = library.restore_backup(args.backup)
    print(f"Restored the catalog from {done.backup.name} ({health.backup_time(done.backup)}, "
          f"{health.backup_contents(library.files.catalog)})"
          + (f"; the catalog it replaced is kept as {done.replaced_kept_as}" if done.replaced_kept_as else ""))
    _resync(library)
    return 0
