"""What a scan cannot read is kept, not deleted; skipped files are read again (issue 11, items 2, 9, 11)."""

import errno
import os

import pytest

import photo_tagger.core.indexer as indexer_module
import photo_tagger.core.scan as scan_module
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.preprocess import UnreadableImage
from photo_tagger.infra.catalog import Catalog
from tests.fakes import FakeImageEncoder, InMemoryStore
from tests.photos import make_photo


@pytest.fixture
def parts(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    store = InMemoryStore()
    yield catalog, store, Indexer(catalog, store, FakeImageEncoder(), "fake", batch_size=4)
    catalog.close()


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    for i, relpath in enumerate(["a.jpg", "b.jpg", "sub/c.jpg", "sub/d.jpg", "sub/deeper/e.jpg"]):
        make_photo(folder / relpath, (i * 50, 90, 200 - i * 30))
    return str(folder)


def test_a_folder_that_cannot_be_listed_keeps_its_photos_and_choices(parts, photos, monkeypatch):
    catalog, store, indexer = parts
    indexer.index([photos])
    kept = {r.id for r in catalog.records() if r.relpath.startswith("sub/")}
    with catalog.transaction() as db:
        catalog.set_user_tags(db, next(iter(kept)), add=frozenset({"mine"}))
    sub = os.path.join(photos, "sub")
    real_scandir = os.scandir

    def denied(path):  # what `chmod 000 sub` does to a process without root's override
        if os.fspath(path) == sub:
            raise PermissionError(errno.EACCES, "Permission denied", sub)
        return real_scandir(path)

    monkeypatch.setattr(scan_module.os, "scandir", denied)
    report = indexer.index([photos])
    assert (report.removed, report.unchanged, report.unavailable) == (0, 2, [sub])
    assert [(s.path, s.reason) for s in report.skipped] == [
        (sub, "cannot list this folder: Permission denied; its 3 photos are kept as they were")]
    assert "not available, left as it was: " + sub in report.summary(photos)
    assert store.count() == 5 and len(catalog.records()) == 5
    assert catalog.pending_journal("fake") == []
    monkeypatch.undo()
    report = indexer.index([photos])
    assert (report.unchanged, report.new, report.removed) == (5, 0, 0)
    choices = catalog.choices(list(kept))
    assert any("mine" in c.added for c in choices.values())


def test_a_deleted_folder_still_counts_as_deleted(parts, photos):
    catalog, store, indexer = parts
    indexer.index([photos])
    for name in ("deeper/e.jpg", "c.jpg", "d.jpg"):
        os.remove(os.path.join(photos, "sub", name))
    os.rmdir(os.path.join(photos, "sub", "deeper"))
    os.rmdir(os.path.join(photos, "sub"))
    report = indexer.index([photos])
    assert (report.removed, report.unavailable, report.skipped) == (3, [], [])


def test_a_skipped_file_is_read_again_without_a_change_on_disk(parts, photos, monkeypatch):
    catalog, store, indexer = parts
    real = indexer_module.read_bytes
    locked = os.path.join(photos, "a.jpg")

    def permission_denied(path):
        if path == locked:
            raise UnreadableImage(path, "permission denied")
        return real(path)

    monkeypatch.setattr(indexer_module, "read_bytes", permission_denied)
    report = indexer.index([photos])
    assert [(s.path, s.reason) for s in report.skipped] == [(locked, "permission denied")]
    report = indexer.index([photos])  # still locked: read again, skipped again
    assert (len(report.skipped), report.unchanged, report.updated) == (1, 4, 0)
    monkeypatch.undo()  # `chmod 644`: size and mtime stay as they were
    report = indexer.index([photos])
    assert (report.updated, report.unchanged, report.skipped) == (1, 4, [])
    assert store.count() == 5 and {r.status for r in catalog.records()} == {"indexed"}
    assert indexer.pending([photos])["new"] == 0


def test_fifos_and_broken_links_are_reported_and_never_opened(parts, photos):
    catalog, store, indexer = parts
    os.mkfifo(os.path.join(photos, "pipe.jpg"))  # opening it would block for ever
    os.symlink("/nonexistent/x.jpg", os.path.join(photos, "gone.jpg"))
    report = indexer.index([photos])
    reasons = {os.path.basename(s.path): s.reason for s in report.skipped}
    assert reasons == {"pipe.jpg": "not a regular file: a named pipe (FIFO)",
                       "gone.jpg": "broken symbolic link (its target is missing)"}
    assert report.new == 5 and len(catalog.records()) == 5


def test_a_photo_behind_a_link_to_an_unplugged_drive_is_kept(parts, tmp_path):
    catalog, store, indexer = parts
    drive, folder = tmp_path / "drive", tmp_path / "linked"
    make_photo(drive / "album" / "x.jpg")
    make_photo(folder / "here.jpg", (10, 10, 10))
    os.symlink(drive / "album", folder / "album")
    indexer.index([str(folder)])
    os.rename(drive, tmp_path / "unplugged")
    report = indexer.index([str(folder)])
    assert (report.removed, report.unavailable) == (0, [str(folder / "album")])
    assert len(catalog.records()) == 2


def test_a_watched_folder_that_cannot_be_listed_keeps_everything(parts, photos, monkeypatch):
    catalog, store, indexer = parts
    indexer.index([photos])
    real_scandir = os.scandir

    def denied(path):
        if os.fspath(path) == photos:
            raise PermissionError(errno.EACCES, "Permission denied", photos)
        return real_scandir(path)

    monkeypatch.setattr(scan_module.os, "scandir", denied)
    report = indexer.index([photos])
    assert (report.removed, report.unavailable) == (0, [photos]) and len(catalog.records()) == 5
    assert report.skipped[0].reason.startswith("cannot list this folder: Permission denied; its 5 photos")
