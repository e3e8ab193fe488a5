"""Issue 20, item 1: a backup is verified before it takes a backup's name, and the last good one is kept
whatever happens (a full disk, a cut-off copy, empty files left by an older version)."""

import sqlite3

import pytest

from photo_tagger.infra import catalog_backup
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.catalog_backup import BackupFailed, backups, newest_sound_backup, take_backup


def make_empty(path):
    Catalog(path).close()


@pytest.fixture
def catalog_path(tmp_path):
    path = tmp_path / "library" / "catalog.sqlite3"
    catalog = Catalog(path)
    catalog.add_root("/photos", 0.0)
    catalog.close()
    db = sqlite3.connect(path)
    with db:
        db.executemany("INSERT INTO user_tags VALUES (?, ?, 'add')", [(f"p{i}", "mine") for i in range(50)])
    db.close()
    return path


def test_a_backup_holds_the_catalog_and_passes_its_check(catalog_path):
    backup = take_backup(catalog_path, make_empty)
    assert catalog_backup.counts(backup) == {"photos": 0, "choices": 50}
    assert catalog_backup.backup_problem(backup) == ""
    assert not list(backup.parent.glob("*.tmp"))


def test_a_copy_that_lost_rows_is_refused_and_every_older_backup_stays(catalog_path, monkeypatch):
    good = [take_backup(catalog_path, make_empty, keep=2) for _ in range(2)]
    copy_rows = catalog_backup._copy_rows

    def short_copy(db, table, columns, where, args=()):  # a copy cut short, as a full disk would
        return copy_rows(db, table, columns, "WHERE rowid < 10" if table == "user_tags" else where, args)

    monkeypatch.setattr(catalog_backup, "_copy_rows", short_copy)
    for _ in range(3):
        with pytest.raises(BackupFailed, match="user_tags has 9 rows, the catalog 50"):
            take_backup(catalog_path, make_empty, keep=2)
    assert backups(catalog_path) == sorted(good, reverse=True)
    assert not list(good[0].parent.glob("*.tmp"))


def test_a_write_that_fails_is_one_backup_failed_and_rotates_nothing(catalog_path, monkeypatch):
    good = take_backup(catalog_path, make_empty, keep=1)

    def disk_full(path):
        raise sqlite3.OperationalError("database or disk is full")

    for _ in range(3):
        with pytest.raises(BackupFailed, match="disk is full"):
            take_backup(catalog_path, disk_full, keep=1)
    assert backups(catalog_path) == [good]


def test_empty_backups_left_by_an_older_version_are_no_backups(catalog_path):
    good = take_backup(catalog_path, make_empty, keep=3)
    folder = good.parent
    empties = [folder / f"catalog-2999010{i}-000000-000000.sqlite3" for i in range(3)]  # newer than the good one
    for empty in empties:
        empty.write_bytes(b"")
    assert catalog_backup.backup_problem(empties[0]) == "empty"
    assert newest_sound_backup(catalog_path) == good  # an empty file is a valid empty database to SQLite
    with pytest.raises(Exception, match="damaged too"):
        catalog_backup.restore(catalog_path, empties[0])
    newest = take_backup(catalog_path, make_empty, keep=3)
    assert backups(catalog_path) == [newest, good]  # the empty ones go, they never count among the kept


def test_an_empty_copy_as_a_full_disk_left_it_is_refused(catalog_path):
    """On a full disk the empty catalog's schema could not be written, yet nothing failed: the copy was an empty
    file, renamed as the newest backup, and three of them rotated every sound backup out."""
    good = take_backup(catalog_path, make_empty, keep=3)
    for _ in range(4):
        with pytest.raises(BackupFailed, match="empty"):
            take_backup(catalog_path, lambda path: path.write_bytes(b""), keep=3)
    assert backups(catalog_path) == [good]
