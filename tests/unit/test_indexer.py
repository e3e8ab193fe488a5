"""The indexing job with fakes: cancel, pause, crash recovery from the journal, failures as data."""

import os
import threading
from pathlib import Path

import numpy as np
import pytest

import photo_tagger.core.indexer as indexer_module
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.jobs import Cancelled, JobControl
from photo_tagger.infra.catalog import Catalog
from tests.fakes import FakeImageEncoder, InMemoryStore
from tests.photos import make_photo, make_photos


@pytest.fixture
def parts(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    store, encoder = InMemoryStore(), FakeImageEncoder()
    yield catalog, store, encoder, Indexer(catalog, store, encoder, "fake", batch_size=4)
    catalog.close()


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 10)
    return str(folder)


class CancelAfterFirstBatch:
    def __init__(self, control):
        self.control = control

    def started(self, total, what):
        pass

    def advanced(self, done, detail=""):
        self.control.cancel()

    def finished(self):
        pass


def test_cancel_keeps_what_was_committed_and_the_next_run_finishes(parts, photos):
    catalog, store, encoder, indexer = parts
    control = JobControl()
    report = indexer.index([photos], progress=CancelAfterFirstBatch(control), control=control)
    assert report.cancelled and report.removed == 0
    done = len(catalog.records())
    assert 4 <= done < 10 and store.count() == done
    encoder.encoded = 0
    report = indexer.index([photos])
    assert (report.new, report.unchanged, encoder.encoded) == (10 - done, done, 10 - done)


def test_pause_blocks_at_the_next_checkpoint_and_resume_continues():
    control = JobControl()
    control.pause()
    passed = threading.Event()
    worker = threading.Thread(target=lambda: (control.checkpoint(), passed.set()))
    worker.start()
    assert not passed.wait(0.2)
    control.resume()
    assert passed.wait(2)
    worker.join()
    control.pause()
    control.cancel()  # cancel wakes a paused job
    with pytest.raises(Cancelled):
        control.checkpoint()


def test_recovery_deletes_vectors_the_catalog_never_got(parts, photos):
    catalog, store, encoder, indexer = parts
    indexer.index([photos])
    # A crash between the vector write and the catalog commit leaves an orphan vector, journaled.
    catalog.journal_add(["orphan"], "fake")
    store.upsert(["orphan"], encoder.encode_images(np.zeros((1, 3, 16, 16), np.float32)), [{}])
    # A crash between the catalog delete and the vector delete: journaled, vector still there.
    gone = catalog.records()[0]
    catalog.journal_add([gone.id], "fake")
    with catalog.transaction() as db:
        catalog.write(db, deletes=[gone.id])
    assert indexer.recover() == 2
    assert store.ids() == {r.id for r in catalog.records()}
    assert catalog.pending_journal("fake") == []


def test_recovery_restores_a_lost_vector_from_the_catalog_copy_without_encoding(parts, photos):
    catalog, store, encoder, indexer = parts
    indexer.index([photos])
    record = catalog.records()[0]
    kept = store.get_embeddings([record.id])[record.id]
    catalog.journal_add([record.id], "fake")
    store.delete([record.id])
    encoded = encoder.encoded
    indexer.recover()
    assert encoder.encoded == encoded
    np.testing.assert_array_equal(store.get_embeddings([record.id])[record.id], kept)
    assert catalog.get([record.id])[record.id].embedded_model == "fake"
    assert indexer.index([photos]).reencoded == 0


def test_recovery_reencodes_a_record_whose_vector_is_nowhere(parts, photos):
    catalog, store, encoder, indexer = parts
    indexer.index([photos])
    record = catalog.records()[0]
    catalog.journal_add([record.id], "fake")
    store.delete([record.id])
    with catalog.transaction() as db:  # a library from before the catalog kept vectors
        db.execute("DELETE FROM vectors WHERE photo_id = ?", (record.id,))
    indexer.recover()
    assert catalog.get([record.id])[record.id].embedded_model == ""
    assert indexer.index([photos]).reencoded == 1 and record.id in store.ids()


def test_a_bug_on_one_file_skips_that_file_only(parts, photos, monkeypatch):
    catalog, store, encoder, indexer = parts
    original = indexer_module.load_pixels_and_info

    def flaky(path, *args, **kwargs):
        if path.endswith("IMG_00003.jpg"):
            raise RuntimeError("boom")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(indexer_module, "load_pixels_and_info", flaky)
    report = indexer.index([photos])
    assert report.new == 9 and [s.reason for s in report.skipped] == ["internal error (RuntimeError)"]


def test_a_file_that_vanishes_mid_run_is_skipped(parts, photos, monkeypatch):
    catalog, store, encoder, indexer = parts
    original = indexer_module.read_bytes

    def vanishing(path):
        if path.endswith("IMG_00005.jpg"):
            os.unlink(path)
        return original(path)

    monkeypatch.setattr(indexer_module, "read_bytes", vanishing)
    report = indexer.index([photos])
    assert [s.reason for s in report.skipped] == ["file vanished"]
    monkeypatch.undo()
    report = indexer.index([photos])
    assert report.removed == 1 and len(catalog.records()) == 9


def test_duplicate_content_moves_claim_one_record_each(parts, tmp_path):
    catalog, store, encoder, indexer = parts
    folder = tmp_path / "dups"
    make_photos(folder, 1)
    (folder / "copy.jpg").write_bytes((folder / "IMG_00000.jpg").read_bytes())
    indexer.index([str(folder)])
    ids = {r.id for r in catalog.records()}
    for name in ("IMG_00000.jpg", "copy.jpg"):
        (folder / name).rename(folder / f"moved-{name}")
    report = indexer.index([str(folder)])
    assert (report.moved, report.new, report.removed) == (2, 0, 0)
    assert {r.id for r in catalog.records()} == ids == store.ids()


def test_an_unplugged_root_keeps_its_photos(parts, photos):
    catalog, store, encoder, indexer = parts
    indexer.index([photos])
    os.rename(photos, photos + "-unmounted")
    report = indexer.index([photos])
    assert report.removed == 0 and report.unavailable == [photos]
    assert len(catalog.records()) == 10 and store.count() == 10
    assert "not available, left as it was" in report.summary(photos)
    os.rename(photos + "-unmounted", photos)
    assert indexer.index([photos]).unchanged == 10


def test_an_empty_mount_point_keeps_its_photos_and_later_deletions_still_count(parts, photos):
    catalog, store, encoder, indexer = parts
    indexer.index([photos])
    for name in os.listdir(photos):
        os.rename(os.path.join(photos, name), os.path.join(os.path.dirname(photos), name))
    assert indexer.index([photos]).unavailable == [photos] and len(catalog.records()) == 10
    for name in os.listdir(os.path.dirname(photos)):
        if name.endswith(".jpg"):
            os.rename(os.path.join(os.path.dirname(photos), name), os.path.join(photos, name))
    os.remove(os.path.join(photos, "IMG_00000.jpg"))
    assert indexer.index([photos]).removed == 1


def test_catalog_reads_only_the_records_under_a_scope(parts, tmp_path):
    catalog, store, encoder, indexer = parts
    folder = tmp_path / "scoped"
    for relpath in ("a/x.jpg", "a/b/y.jpg", "ab/z.jpg", "a.jpg", "a-b/w.jpg"):
        make_photo(folder / relpath)
    indexer.index([str(folder)])
    names = lambda records: sorted(r.relpath for r in records)  # noqa: E731
    assert names(catalog.records_under(str(folder), ["a"])) == ["a/b/y.jpg", "a/x.jpg"]
    assert names(catalog.records_under(str(folder), ["a.jpg", "a/b"])) == ["a.jpg", "a/b/y.jpg"]
    assert len(catalog.records_under(str(folder), [""])) == 5


def test_one_run_tags_all_its_photos_with_one_label_set_even_if_the_file_changes_mid_run(parts, photos,
                                                                                         monkeypatch):
    catalog, store, encoder, _ = parts
    from photo_tagger.core.tagging import TagDecision

    versions = []  # each call of the labels source reads "the file" again: a new label set every time

    def labels():
        versions.append(object())
        return versions[-1]

    used = []
    monkeypatch.setattr(indexer_module, "decide", lambda e, prepared: used.append(prepared) or [TagDecision()] * len(e))
    indexer = Indexer(catalog, store, encoder, "fake", batch_size=2, labels=labels)
    indexer.index([photos])
    assert len(used) == 5 and set(map(id, used)) == {id(versions[0])}, "five batches, one label set"
    make_photo(Path(photos) / "new.jpg", (1, 2, 3))
    indexer.index([photos])
    assert used[-1] is versions[-1] is not versions[0], "the next run reads the labels again"


class SizeAnalyzer:
    """Records each decoded image's size in the batch's transaction; fails on one photo."""

    name = "size"

    def __init__(self, fail_on: str = ""):
        self.fail_on, self.stored = fail_on, {}

    def analyze(self, image, content_hash):
        if self.fail_on and image.getpixel((0, 0)) == self.fail_on:
            raise ValueError("an analyzer bug")
        assert image.mode == "RGB"
        return image.size

    def store(self, catalog, db, results):
        assert db.in_transaction
        self.stored.update({photo_id: value for photo_id, (record, value) in results.items()})


def test_analyzers_see_each_decoded_photo_once_and_a_failing_one_does_not_stop_indexing(tmp_path):
    folder = tmp_path / "photos"
    make_photo(folder / "red.jpg", (255, 0, 0), size=(640, 480))
    make_photo(folder / "green.png", (0, 255, 0), size=(300, 400))
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    sizes, failing = SizeAnalyzer(), SizeAnalyzer(fail_on=(0, 255, 0))
    failing.name = "failing"
    indexer = Indexer(catalog, InMemoryStore(), FakeImageEncoder(), "fake", analyzers=[sizes, failing])
    report = indexer.index([str(folder)])
    assert report.new == 2 and not report.skipped
    by_name = {r.relpath: r.id for r in catalog.records()}
    assert sizes.stored[by_name["green.png"]] == (300, 400)
    assert 0 < sizes.stored[by_name["red.jpg"]][0] <= 640  # at JPEG draft size
    assert list(failing.stored) == [by_name["red.jpg"]]
    sizes.stored.clear()
    indexer.index([str(folder)])  # unchanged photos are not decoded again
    assert sizes.stored == {}
    catalog.close()
