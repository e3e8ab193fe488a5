"""The library group's services built from their parts (a catalog on disk, fakes): no App, no ONNX model."""

from __future__ import annotations

import pytest

from photo_tagger.core.indexer import Indexer
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.photo_text import TextRead, TextStage
from photo_tagger.core.retagging import RetagReport
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.store_retry import StoreRetry
from photo_tagger.services.folders import FolderService
from photo_tagger.services.pending_retag import PendingRetagService
from photo_tagger.services.text_reading import DEFAULT_SECONDS_PER_PHOTO, TextReadingService
from tests.fakes import FakeImageEncoder, InMemoryStore, RecordedProgress
from tests.photos import make_photos

KEY = "fake"


class Quiet(RecordedProgress):
    def status(self, text):  # an index run says a store's outage here
        pass


class Parts:
    """A catalog, a store and an indexer over a fake encoder; the retags and event updates a service asks for."""

    def __init__(self, tmp_path):
        self.library_dir = tmp_path / "library"
        self.catalog = Catalog(self.library_dir / "catalog.sqlite3")
        self.store = InMemoryStore()
        self.indexer = Indexer(self.catalog, self.store, FakeImageEncoder(), KEY, batch_size=4)
        self.retags: list[tuple] = []
        self.events = 0
        self.catalog_opened = 0

    def retag(self, *, progress=None, control=None) -> RetagReport:
        self.retags.append((progress, control))
        return RetagReport(photos=self.catalog.count_embedded(KEY))

    def update_events(self) -> None:
        self.events += 1

    def open_catalog(self) -> Catalog:
        self.catalog_opened += 1
        return self.catalog

    def folder_service(self) -> FolderService:
        return FolderService(catalog=self.open_catalog, indexer=lambda: self.indexer, vector_store=lambda: self.store,
                             model_key=lambda: KEY, store_retry=lambda: StoreRetry("test"),
                             library_dir=self.library_dir, app_dirs=[self.library_dir], retag=self.retag,
                             update_events=self.update_events, pending_retag=self.pending_retag(),
                             model_name=lambda: "tiny", ocr_mode=lambda: "off", vectors_lost=lambda: 0,
                             store_place=lambda: str(self.library_dir))

    def pending_retag(self) -> PendingRetagService:
        return PendingRetagService(library_dir=self.library_dir, retag=self.retag)


@pytest.fixture
def parts(tmp_path):
    made = Parts(tmp_path)
    yield made
    made.catalog.close()


def test_adding_a_folder_indexes_it_then_settles_the_tags_and_events_once_and_a_rerun_changes_nothing(parts, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 5)
    service = parts.folder_service()
    roots, report = service.add_folders([str(folder)], Quiet(), JobControl())
    assert roots == [str(folder)] and report.new == 5 and parts.store.count() == 5
    assert (len(parts.retags), parts.events) == (1, 1)
    assert service.roots() == [str(folder)]

    again = service.rescan(str(folder), str(folder), Quiet(), JobControl())
    assert again.new == again.updated == again.removed == 0 and (len(parts.retags), parts.events) == (1, 1)


def test_changes_outside_every_watched_folder_run_nothing_and_stop_watching_forgets_the_photos(parts, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 3)
    service = parts.folder_service()
    service.add_folders([str(folder)], Quiet(), JobControl())
    assert service.index_changes([str(tmp_path / "elsewhere")], Quiet(), JobControl()) is None

    progress = Quiet()
    forgotten = service.stop_watching(str(folder), progress)
    assert forgotten.photos == 3 and parts.store.count() == 0 and service.roots() == []
    assert parts.events == 2 and progress.calls[0] == ("started", None) and progress.calls[-1] == ("finished",)
    assert service.index_changes([], Quiet(), JobControl()) is None  # nothing is watched any more


def test_status_counts_each_folder_and_says_the_work_pending(parts, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 3)
    service = parts.folder_service()
    service.add_folders([str(folder)], Quiet(), JobControl())
    (folder / "broken.jpg").write_bytes(b"not a photo")
    service.rescan(str(folder), str(folder), Quiet(), JobControl())
    make_photos(folder, 2, prefix="NEW_")
    parts.pending_retag().mark_retag_pending("a label change")
    found = service.status()
    assert (found.model, found.store) == ("tiny", str(parts.library_dir))
    counts = found.roots[str(folder)]
    assert (counts.indexed, counts.skipped, counts.stale) == (3, 1, 0)
    assert found.pending["new"] == 2 and found.pending["photos to retag after an interrupted label edit"] == 3
    assert [path for path, _ in found.skipped] == [str(folder / "broken.jpg")]


def test_a_service_is_made_and_a_writable_library_let_in_without_opening_the_catalog(parts):
    service = parts.folder_service()
    service.refuse_read_only()
    assert parts.catalog_opened == 0


def test_a_marked_retag_is_owed_until_a_whole_retag_clears_it(parts):
    def retag(*, progress=None, control=None) -> RetagReport:
        pending.clear_retag_pending()  # as retag_library does once a whole-library retag ends
        return parts.retag(progress=progress, control=control)

    pending = PendingRetagService(library_dir=parts.library_dir, retag=retag)
    assert pending.retag_pending() == "" and pending.finish_pending_retag() is None and not parts.retags
    pending.mark_retag_pending("renamed cat to kitten")
    assert pending.retag_pending() == "renamed cat to kitten"
    control = JobControl()
    assert pending.finish_pending_retag(control=control) is not None
    assert parts.retags == [(None, control)] and pending.retag_pending() == ""


class FixedReader:
    def __init__(self):
        self.reads = 0

    def read(self, image):
        self.reads += 1
        return TextRead("Total 42.50")


def test_reading_one_photo_on_request_stores_its_text_and_measures_the_reading_time(parts, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 2)
    parts.folder_service().add_folders([str(folder)], Quiet(), JobControl())
    reader, made = FixedReader(), []

    def stage() -> TextStage:  # made on first use, as the app's is
        if not made:
            made.append(TextStage(parts.catalog, reader, lambda: "off"))
        return made[0]

    service = TextReadingService(catalog=parts.catalog, text_stage=stage)
    assert not made  # making the service makes no text stage
    estimate = service.reading_estimate("all")
    assert (estimate.photos, estimate.seconds_per_photo, estimate.measured) == (2, DEFAULT_SECONDS_PER_PHOTO, False)
    assert service.reading_estimate("off").photos == 0

    photo_id = parts.catalog.records()[0].id
    assert service.read_photo_text(photo_id).text == "Total 42.50" and reader.reads == 1
    assert parts.catalog.photo_texts([photo_id]) == {photo_id: "Total 42.50"}
    estimate = service.reading_estimate("all")
    assert estimate.photos == 1 and estimate.measured


def test_library_health_checks_the_files_then_the_library_it_opens_after_them(parts, tmp_path):
    from photo_tagger.services.library_health import LibraryFiles, LibraryHealthService

    folder = tmp_path / "photos"
    make_photos(folder, 3)
    parts.folder_service().add_folders([str(folder)], Quiet(), JobControl())
    locks, embedded = [], [True]
    library = LibraryHealthService(files=LibraryFiles.of(parts.library_dir, tmp_path / "cache"),
                                   embedded_store=lambda: embedded[0], take_lock=lambda: locks.append(1),
                                   catalog=parts.open_catalog, vector_store=lambda: parts.store,
                                   indexer=lambda: parts.indexer, model_key=lambda: KEY)
    opened = parts.catalog_opened
    library.take_lock()
    assert locks == [1] and library.check_catalog().ok and library.check_store().ok  # no store file: nothing wrong
    assert parts.catalog_opened == opened  # the files are checked before the library is opened
    assert library.check_agreement().ok
    parts.store.delete([sorted(parts.store.ids())[0]])
    assert not library.check_agreement().ok  # (the app's store catches up as it opens: core/index_sync.py)
    make_photos(folder, 4, prefix="NEW_")
    done = library.resync()
    assert (done.embedded, done.to_read) == (3, 4)
    embedded[0] = False  # a library server: `store check` checks it, not `library check`
    assert library.check_store() is None and library.repair_files().store_set_aside is None


def test_store_migration_hands_the_library_and_the_store_in_use_to_the_copy(monkeypatch, parts, tmp_path):
    from photo_tagger.services import store_migration

    got, used = {}, []
    monkeypatch.setattr(store_migration, "migrate_store",
                        lambda *args, **kw: got.update(args=args, **kw) or "report")
    retry = StoreRetry("this machine")
    service = store_migration.StoreMigrationService(
        catalog=lambda: parts.catalog, source=lambda: "client", retry=lambda: retry, library_id=lambda: "lib-1",
        store_url=lambda: "", local_folder=tmp_path / "chroma", ca_file=lambda: "ca.pem", use_store=used.append)
    assert service.store_url() == ""
    assert service.migrate_store("https://nas:8443") == "report"
    assert got["args"] == (parts.catalog, "client", retry, "lib-1")
    assert (got["source_url"], got["target_url"], got["local_folder"], got["ca_file"]) == (
        "", "https://nas:8443", tmp_path / "chroma", "ca.pem")
    got["use_store"]("https://nas:8443")
    assert used == ["https://nas:8443"]
