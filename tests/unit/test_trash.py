"""Moving photos to the system trash (services/trash.py): the freedesktop trash under tmp, a real library."""

from __future__ import annotations

import os
import shutil

import pytest
from send2trash import TrashPermissionError

from photo_tagger.app import App
from photo_tagger.services import trash
from tests.photos import make_photos


@pytest.fixture
def library(cli, tiny_home, tmp_path):
    """A library of three photos and two byte-for-byte copies of the first; yields (app, folder, records by name)."""
    folder = tmp_path / "photos"
    first = make_photos(folder, 3)[0]
    shutil.copy2(first, folder / "copy_a.jpg")
    shutil.copy2(first, folder / "copy_b.jpg")
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    app = App.from_home(tiny_home)
    yield app, folder, {os.path.basename(r.path): r for r in app.catalog.records()}
    app.close()


def in_library(app, record) -> bool:
    return record.id in app.catalog.get([record.id]) or bool(app.vector_store().get_embeddings([record.id]))


def test_keep_one_moves_the_others_to_the_trash_and_the_library_forgets_them(library, system_trash):
    app, folder, records = library
    keep, others = records["IMG_00000.jpg"], [records["copy_a.jpg"], records["copy_b.jpg"]]
    store = app.vector_store()
    assert len(store.get_embeddings([r.id for r in others])) == 2

    report = app.trash_service.keep_one(keep, others)

    assert [r.id for r in report.moved] == [r.id for r in others] and report.not_moved == ()
    assert report.summary() == "Moved 2 photos to the trash"
    assert sorted(os.listdir(system_trash / "files")) == ["copy_a.jpg", "copy_b.jpg"]
    assert sorted(os.listdir(system_trash / "info")) == ["copy_a.jpg.trashinfo", "copy_b.jpg.trashinfo"]
    info = (system_trash / "info" / "copy_a.jpg.trashinfo").read_text()
    assert f"Path={folder / 'copy_a.jpg'}" in info  # the trash can put it back
    assert sorted(os.listdir(folder)) == ["IMG_00000.jpg", "IMG_00001.jpg", "IMG_00002.jpg"]
    assert not any(in_library(app, r) for r in others)
    assert in_library(app, keep) and store.get_embeddings([keep.id])
    assert app.catalog.pending_journal(app.model_key()) == []  # catalog and store agree: nothing to recover
    # The choice stays for the stacks' best shot to learn from (its measures: the photos moved have left).
    assert len(app.catalog.keep_choices()) == 2


def test_without_a_trash_nothing_moves_and_nothing_is_deleted(library, system_trash, monkeypatch):
    app, folder, records = library
    others = [records["copy_a.jpg"], records["copy_b.jpg"]]

    def no_trash(path):
        raise TrashPermissionError(path)

    monkeypatch.setattr(trash, "send2trash", no_trash)
    report = app.trash_service.keep_one(records["IMG_00000.jpg"], others)

    assert report.moved == () and [r.id for r, _ in report.not_moved] == [r.id for r in others]
    assert report.summary() == ("2 photos not moved: copy_a.jpg: this disk has no trash; the file stays, nothing "
                                "was deleted (and 1 more)")
    assert (folder / "copy_a.jpg").exists() and (folder / "copy_b.jpg").exists()
    assert all(in_library(app, r) for r in others)
    assert not system_trash.exists()


def test_a_disk_send2trash_finds_no_trash_for_is_said_so(library, system_trash, monkeypatch):
    app, folder, records = library

    def no_mount(path):
        raise OSError(f"Couldn't find mount point for {path}")

    monkeypatch.setattr(trash, "send2trash", no_mount)
    report = app.trash_service.move_to_trash([records["copy_a.jpg"]])
    assert report.not_moved[0][1] == "this disk has no trash; the file stays, nothing was deleted"
    assert (folder / "copy_a.jpg").exists() and in_library(app, records["copy_a.jpg"])


def test_a_copy_changed_since_indexing_stays_and_the_rest_move(library, system_trash):
    app, folder, records = library
    changed = folder / "copy_a.jpg"
    os.utime(changed, ns=(records["copy_a.jpg"].mtime_ns + 10**9,) * 2)

    report = app.trash_service.keep_one(records["IMG_00000.jpg"], [records["copy_a.jpg"], records["copy_b.jpg"]])

    assert [r.relpath for r in report.moved] == ["copy_b.jpg"]
    assert report.not_moved[0][1] == "changed on disk since it was indexed (rescan its folder first)"
    assert changed.exists() and in_library(app, records["copy_a.jpg"])
    assert os.listdir(system_trash / "files") == ["copy_b.jpg"]


def test_when_the_photo_to_keep_is_gone_nothing_moves(library, system_trash):
    app, folder, records = library
    (folder / "IMG_00000.jpg").rename(folder.parent / "elsewhere.jpg")

    report = app.trash_service.keep_one(records["IMG_00000.jpg"], [records["copy_a.jpg"], records["copy_b.jpg"]])

    assert report.moved == ()
    assert {reason for _, reason in report.not_moved} == {"the photo to keep (IMG_00000.jpg) is no longer on disk"}
    assert (folder / "copy_a.jpg").exists() and (folder / "copy_b.jpg").exists()


def test_a_link_to_the_photo_kept_is_not_moved(library, system_trash, tmp_path):
    """Trashing a second name of the kept file would take the only copy away."""
    app, folder, records = library
    keep = records["copy_a.jpg"]
    os.unlink(folder / "copy_b.jpg")
    os.link(folder / "copy_a.jpg", folder / "copy_b.jpg")  # same size and mtime as indexed: only the inode tells

    report = app.trash_service.keep_one(keep, [records["copy_b.jpg"], records["IMG_00000.jpg"]])

    assert [r.relpath for r in report.moved] == ["IMG_00000.jpg"]
    assert report.not_moved == ((records["copy_b.jpg"], "the same file as the photo kept (a link)"),)
    assert (folder / "copy_b.jpg").exists()


def test_a_copy_overwritten_with_other_bytes_same_size_and_time_is_not_trashed(library, system_trash):
    app, folder, records = library
    changed, record = folder / "copy_a.jpg", records["copy_a.jpg"]
    other = (folder / "IMG_00001.jpg").read_bytes()
    data = (other + b"\0" * record.size)[:record.size]  # another photo's bytes, padded to the same size
    changed.write_bytes(data)
    os.utime(changed, ns=(record.mtime_ns, record.mtime_ns))  # the time put back too: only the bytes tell

    report = app.trash_service.keep_one(records["IMG_00000.jpg"], [record, records["copy_b.jpg"]])

    assert [r.relpath for r in report.moved] == ["copy_b.jpg"]
    assert report.not_moved == ((record, "holds other content than when it was indexed, though its size and time "
                                         "are the same (rescan its folder first)"),)
    assert changed.read_bytes() == data and in_library(app, record)


def test_the_trashed_copies_choices_go_to_the_photo_kept(library, system_trash):
    app, folder, records = library
    keep, a, b = records["IMG_00000.jpg"], records["copy_a.jpg"], records["copy_b.jpg"]
    with app.catalog.transaction() as db:
        app.catalog.set_user_tags(db, keep.id, add=["mine"], remove=["beach"])
        app.catalog.set_user_tags(db, a.id, add=["holiday", "beach"], remove=["dog"])  # beach: the keeper's says no
        app.catalog.set_not_sensitive(db, b.id)
        app.catalog.reject_flag(db, b.id, "nudity")

    report = app.trash_service.keep_one(keep, [a, b])

    assert len(report.moved) == 2
    kept = app.catalog.choices([keep.id])[keep.id]
    assert kept.added == {"mine", "holiday"} and kept.removed == {"beach", "dog"} and kept.not_sensitive
    assert (keep.id, "nudity") in app.catalog.rejected_flags()
    assert not app.catalog.choices([a.id, b.id])  # nothing left behind under ids that are gone


def test_a_failed_move_leaves_no_note_in_the_trash(library, system_trash, monkeypatch):
    """send2trash writes info/NAME.trashinfo, then renames the file: a failing rename left the note behind."""
    app, folder, records = library
    rename = os.rename

    def refusing(src, dst, *args, **kwargs):
        if os.fsdecode(src).startswith(str(folder)):
            raise PermissionError(13, "Permission denied", os.fsdecode(src))
        return rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", refusing)
    report = app.trash_service.keep_one(records["IMG_00000.jpg"], [records["copy_a.jpg"], records["copy_b.jpg"]])
    monkeypatch.setattr(os, "rename", rename)

    assert report.moved == () and report.not_moved[0][1] == ("could not be moved to the trash (Permission denied); "
                                                             "the file stays")
    assert os.listdir(system_trash / "info") == [] and os.listdir(system_trash / "files") == []
    assert (folder / "copy_a.jpg").exists() and in_library(app, records["copy_a.jpg"])


def test_the_service_from_its_parts_moves_a_copy_and_forgets_it(tmp_path, system_trash):
    """Built from a catalog on tmp and the in-memory store (no App, no model): the copy goes to the trash and leaves
    catalog and store; the kept photo's choice is learned when both have measures."""
    import numpy as np

    from photo_tagger.core.indexer import content_hash
    from photo_tagger.core.quality import Quality
    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.services.stacks import StackService
    from photo_tagger.services.trash import TrashService
    from tests.fakes import InMemoryStore

    folder = tmp_path / "photos"
    paths = make_photos(folder, 1) + [folder / "copy.jpg"]
    shutil.copy2(paths[0], paths[1])
    records = []
    for n, path in enumerate(paths):
        st = path.stat()
        records.append(PhotoRecord(f"p{n}", str(folder), path.name, st.st_size, st.st_mtime_ns,
                                   content_hash(path.read_bytes()), "indexed", embedded_model="m"))
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction() as db:
        catalog.write(db, records)
        catalog.write_quality(db, [(r.id, r.content_hash, Quality(100.0 + n, 0.0, 0.0))
                                   for n, r in enumerate(records)])
    store = InMemoryStore()
    store.upsert([r.id for r in records], np.eye(2, dtype=np.float32), [{}, {}])
    service = TrashService(catalog=catalog, vector_store=lambda: store, model_key=lambda: "m",
                           stacks=StackService(catalog=catalog, model_key=lambda: "m"))

    report = service.keep_one(records[0], [records[1]])

    assert [r.id for r in report.moved] == ["p1"] and report.not_moved == ()
    assert os.listdir(system_trash / "files") == ["copy.jpg"] and paths[0].exists()
    assert set(catalog.get(["p0", "p1"])) == {"p0"} and store.ids() == {"p0"}
    assert catalog.keep_choices() == [(Quality(100.0, 0.0, 0.0), Quality(101.0, 0.0, 0.0))]
    catalog.close()
