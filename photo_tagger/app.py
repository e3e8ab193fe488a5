"""Composition root: builds every service from the settings; the only place that picks adapters."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.config import AppPaths, Settings
from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.core.once import Deferred, serialized
from photo_tagger.core.once import locked_cached_property as cached_property  # thread-safe: see there
from photo_tagger.infra.model_store import InstalledModel, ModelStore

if TYPE_CHECKING:
    from photo_tagger.services.albums import AlbumService
    from photo_tagger.services.diagnostics import DiagnosticsService
    from photo_tagger.services.duplicates import DuplicateService
    from photo_tagger.services.events import EventService
    from photo_tagger.services.example_labels import ExampleLabelService
    from photo_tagger.services.folders import FolderService
    from photo_tagger.services.label_report import LabelReportService
    from photo_tagger.services.labels import LabelModels, LabelService
    from photo_tagger.services.library_health import LibraryHealthService
    from photo_tagger.services.model_trial import ModelTrialService
    from photo_tagger.services.models import ModelService
    from photo_tagger.services.pending_retag import PendingRetagService
    from photo_tagger.services.photo_details import PhotoDetailsService
    from photo_tagger.services.retagging import RetagService
    from photo_tagger.services.review import ReviewService
    from photo_tagger.services.search import SearchService
    from photo_tagger.services.sidecars import SidecarService
    from photo_tagger.services.stacks import StackService
    from photo_tagger.services.store_migration import StoreMigrationService
    from photo_tagger.services.tag_edits import TagEditService
    from photo_tagger.services.text_reading import TextReadingService
    from photo_tagger.services.trash import TrashService

log = logging.getLogger(__name__)


class App:
    """Services for one process (CLI command or GUI session), made on first use."""

    def __init__(self, paths: AppPaths, settings: Settings | None = None):
        self.paths = paths
        self.settings = settings if settings is not None else Settings.load(paths.settings_file)
        self._unsaved: dict = {}  # settings overridden for this process only (--store): their saved values
        self.progress_factory = None  # () -> core Progress, for work done on opening (a vector store rebuilt)
        self.settings_problems: list[str] = []  # bad values of settings.toml left at their defaults (for_settings)
        from photo_tagger.infra import raw_decode

        raw_decode.register()  # RAW files decode through LibRaw wherever a photo is opened (rawpy imported on use)

    def override(self, **values) -> None:
        """Use these settings in this process without saving them (command-line options)."""
        for key in values:
            self._unsaved.setdefault(key, getattr(self.settings, key))
        self.settings = self.settings.with_changes(**values)

    @classmethod
    def from_home(cls, home: str | Path | None = None) -> App:
        return cls(AppPaths.resolve(home))

    @classmethod
    def for_settings(cls, home: str | Path | None = None) -> App:
        """An app whose bad settings are left at their defaults (`settings_problems` says which): the `settings`
        command opens it, so that the command that fixes settings.toml works whatever the file holds."""
        paths = AppPaths.resolve(home)
        settings, problems = Settings.load_lenient(paths.settings_file)
        app = cls(paths, settings)
        app.settings_problems = problems
        return app

    def update_settings(self, **changes) -> None:
        self.settings = self.settings.with_changes(**changes)
        for key in changes:
            self._unsaved.pop(key, None)
        self.settings.with_changes(**self._unsaved).save(self.paths.settings_file)

    @cached_property
    def models(self) -> ModelStore:
        return ModelStore(self.paths.models_dir)

    @serialized
    def active_model(self) -> InstalledModel:
        """The model chosen in settings; with none chosen, the only installed one (manifest read once)."""
        cached = self.__dict__.get("_active")
        if cached is not None and cached.name == self.settings.model:
            return cached
        if self.settings.model:
            self._active = self.models.get(self.settings.model)
            return self._active
        names = self.models.names()
        if not names:
            raise ModelError(
                "no model is installed: run `photo-tagger model install` "
                "(or `photo-tagger model install FOLDER` without network)"
            )
        if len(names) > 1:
            raise ModelError(f"several models are installed ({', '.join(names)}): choose one with "
                             "`photo-tagger model use NAME`")
        return self.models.get(names[0])

    @serialized
    def model_key(self) -> str:
        """The active model as the library knows it: name@fingerprint of its files (InstalledModel.key), so a
        model replaced under the same name makes its photos stale. The first call per process and model brings
        the catalog in line (catalog_schema.adopt_model)."""
        model = self.active_model()
        adopted = self.__dict__.setdefault("_adopted_keys", set())
        if model.key not in adopted and not getattr(self.catalog, "read_only", ""):
            from photo_tagger.infra.catalog_schema import adopt_model

            adopt_model(self.catalog, model.name, model.key, model.installed_at)
        adopted.add(model.key)
        return model.key

    @cached_property
    def image_encoder(self):
        from photo_tagger.infra.onnx_clip import OnnxImageEncoder

        s = self.settings
        return OnnxImageEncoder(self.active_model(), device=s.device, precision=s.precision, threads=s.threads)

    @cached_property
    def library_lock(self):
        """Held while this process has the library open (infra/library_lock.py)."""
        from photo_tagger.infra.library_lock import lock_library

        return lock_library(self.paths.library_dir)

    @cached_property
    def catalog(self):
        from photo_tagger.infra.catalog import Catalog

        self.library_lock  # noqa: B018 (takes the library's lock)
        path = self.paths.library_files.catalog
        self._restore_lost_catalog(path)
        return Catalog(path)

    @staticmethod
    def _restore_lost_catalog(path: Path) -> None:
        """A catalog that is gone while backups remain comes back from the newest sound one: starting empty
        would lose your tag choices, and the next closes would rotate the good backups away."""
        from photo_tagger.infra.catalog_backup import newest_sound_backup, restore
        from photo_tagger.infra.storage_faults import is_read_only

        if path.exists() or is_read_only(path.parent) or (backup := newest_sound_backup(path)) is None:
            return
        restore(path, backup)
        log.warning("the catalog %s was missing: restored the backup %s (the next index brings it up to date)",
                    path, backup.name)

    @cached_property
    def chroma_client(self):
        from photo_tagger.infra.chroma_store import open_chroma

        if not self.settings.store_url:
            self.library_lock  # noqa: B018 (takes the library's lock)
        return open_chroma(self.settings.store_url or self.paths.library_dir / "chroma", self.store_retry,
                           ca_file=self.settings.store_ca_file)

    @cached_property
    def store_retry(self):
        """How store calls wait for an unreachable server: a few seconds by default; long jobs (index, watch)
        wait longer within `app.store_retry.patient(...)`."""
        from photo_tagger.infra.store_retry import StoreRetry

        return StoreRetry(self.settings.store_url or "(embedded)")

    @cached_property
    def library_id(self) -> str:
        """This library's id, stamped on the vectors it writes (see config.library_id)."""
        from photo_tagger.config import library_id

        return library_id(self.paths.library_dir)

    @serialized
    def vector_store(self, model_name: str | None = None):
        """The Chroma index of one model key (the active model's by default): one collection per model content,
        opened once and brought in step with the catalog's vectors, the truth (core/index_sync.py)."""
        from photo_tagger.infra.chroma_store import ChromaVectorStore
        from photo_tagger.infra.index_upkeep import collection_for

        name = model_name or self.model_key()
        stores = self.__dict__.setdefault("_stores", {})
        if name not in stores and (self._chroma_read_only() or self._chroma_blocked_by_full_disk()):
            from photo_tagger.infra.catalog_vectors import CatalogVectorStore
            from photo_tagger.infra.storage_faults import disk_full_message, read_only_message

            reason = (read_only_message if self._chroma_read_only() else disk_full_message)(self.paths.library_dir)
            log.info("%s: searching the catalog's copy of the vectors", reason, extra={"console": False})
            stores[name] = CatalogVectorStore(self.catalog, name, reason)
        if name not in stores:
            # ef_search 500: Chroma's default 100 found under half of the true top 50 at 100k photos (RESULTS.md).
            store = ChromaVectorStore(self.chroma_client, collection_for(name), ef_search=500,
                                      shared=bool(self.settings.store_url), retry=self.store_retry,
                                      library_id=self.library_id)
            self._repair_store(store, name)
            stores[name] = store
        return stores[name]

    def vectors_lost(self) -> int:
        """Photos whose vectors went with a deleted embedded store folder, told without opening Chroma (status
        stays light); the next command that opens the store restores them from the catalog."""
        if self.settings.store_url or self.paths.library_files.store.exists():
            return 0
        return self.catalog.count_embedded(self.model_key())

    def _repair_store(self, store, key: str) -> None:
        """On opening a model's store: its one catch-up with the catalog (infra/index_upkeep.py)."""
        from photo_tagger.infra.index_upkeep import bring_in_step

        factory = getattr(self, "progress_factory", None)
        bring_in_step(self.catalog, store, key, self.paths.library_dir,
                      client=None if self.settings.store_url else self.chroma_client, retry=self.store_retry,
                      progress=factory() if factory else None,
                      where=self.settings.store_url or str(self.paths.library_dir / "chroma"))

    def _chroma_read_only(self) -> bool:
        """The embedded Chroma writes as it opens: on a read-only disk, reads go to the catalog's vectors."""
        from photo_tagger.infra.storage_faults import is_read_only

        return not self.settings.store_url and "chroma_client" not in self.__dict__ and \
            self.paths.library_dir.is_dir() and is_read_only(self.paths.library_dir)

    def _chroma_blocked_by_full_disk(self) -> bool:
        """The embedded Chroma cannot even open on a full disk; reads can go to the catalog instead."""
        from photo_tagger.infra.store_retry import StoreUnavailable

        if self.settings.store_url or "chroma_client" in self.__dict__:
            return False
        try:
            self.chroma_client  # noqa: B018 (opens the store)
        except StoreUnavailable as exc:
            from photo_tagger.infra.storage_faults import is_disk_full

            if is_disk_full(exc, self.paths.library_dir):
                return True
            raise
        return False

    @serialized
    def embedding_index(self, model_name: str | None = None):
        """One model's embeddings as a matrix for exact search: a file beside the catalog, mapped into memory
        (opened on the first search; the window opens it at start, see preload_search)."""
        from photo_tagger.core.embedding_index import EmbeddingIndex

        name = model_name or self.model_key()
        indexes = self.__dict__.setdefault("_embedding_indexes", {})
        if name not in indexes:
            # The store only for copying vectors a library from before catalog vectors lacks: opened if needed.
            # A read-only library without a matrix file keeps its matrix in memory (none can be written); one that
            # has the file maps it as usual.
            folder = self.paths.library_dir / "matrix"
            if getattr(self.catalog, "read_only", "") and not folder.is_dir():
                folder = None
            indexes[name] = EmbeddingIndex(self.catalog, name, lambda: self.vector_store(name), folder=folder)
        return indexes[name]

    def preload_search(self) -> None:
        """Open the active model's search matrix, then its vector store (the window, on a query worker, at
        start): the first search finds the matrix ready, and does not wait for Chroma (search_store)."""
        if not self.settings.store_url:
            self._store_opening = True
            self.embedding_index().warm()
            self.vector_store()  # opened (and caught up, core/index_sync.py) here, not in front of a search

    def search_store(self):
        """The vector store a search is given. Once preload_search is opening it in the background, a private
        library's search does not wait for it: searches are exact over the matrix and do not ask Chroma
        (core.search.exact). Without a preload (a command) it is opened, and repaired, as before."""
        if self.settings.store_url or "_store_opening" not in self.__dict__:
            return self.vector_store()
        return Deferred(self.vector_store, shared=False, library_id=self.library_id)

    @cached_property
    def indexer(self):
        from photo_tagger.core.indexer import Indexer
        from photo_tagger.core.photo_text import TextGate
        from photo_tagger.core.preprocess import DRAFT_OVERSAMPLE, FAST_DRAFT_OVERSAMPLE
        from photo_tagger.core.quality import QualityAnalyzer
        from photo_tagger.infra.perceptual_hash import PerceptualHashAnalyzer
        from photo_tagger.infra.xmp_sidecar import XmpKeywordReader

        # Deferred: `status` plans an index run with it, and needs neither Chroma nor an ONNX session.
        return Indexer(self.catalog, Deferred(self.vector_store), Deferred(lambda: self.image_encoder),
                       self.model_key(),
                       batch_size=self.settings.batch_size, skip_dirs=[str(d) for d in self.paths.app_dirs()],
                       labels=self.label_models.trained, keywords=XmpKeywordReader(),
                       draft_oversample=FAST_DRAFT_OVERSAMPLE if self.settings.fast_decode else DRAFT_OVERSAMPLE,
                       analyzers=[TextGate(self._ocr_mode, self.text_stage.note_new_content), PerceptualHashAnalyzer(),
                                  QualityAnalyzer()],
                       stages=[self.text_stage])

    def _ocr_mode(self) -> str:
        return self.settings.ocr  # read at each use: the Settings dialog's change applies to the next photos

    @cached_property
    def text_stage(self):
        """Reads text in photos after each index run (ocr setting); the OCR models load on the first photo read."""
        from photo_tagger.core.photo_text import TextStage
        from photo_tagger.infra.ocr_engine import RapidOcrEngine
        from photo_tagger.infra.text_detector import TextDetector

        engine = RapidOcrEngine(device=self.settings.device, threads=self.settings.threads)
        return TextStage(self.catalog, engine, self._ocr_mode, TextDetector(threads=self.settings.threads))

    # -- Services: organizing (duplicates, stacks, trash, sidecars, albums, events)
    @cached_property
    def duplicate_service(self) -> DuplicateService:
        """Duplicate groups in tiers (services/duplicates.py)."""
        from photo_tagger.services.duplicates import DuplicateService

        return DuplicateService(catalog=self.catalog, model_key=self.model_key)

    @cached_property
    def stack_service(self) -> StackService:
        """Stacks with a best shot, and the keep choices it learns from (services/stacks.py)."""
        from photo_tagger.services.stacks import StackService

        return StackService(catalog=self.catalog, model_key=self.model_key)

    @cached_property
    def trash_service(self) -> TrashService:
        """Photos to the system trash and out of the library (services/trash.py)."""
        from photo_tagger.services.trash import TrashService

        return TrashService(catalog=self.catalog, vector_store=self.vector_store, model_key=self.model_key,
                            stacks=self.stack_service)

    @cached_property
    def sidecar_service(self) -> SidecarService:
        """Tags into XMP sidecars (services/sidecars.py); the sidecar_albums setting is read at each export."""
        from photo_tagger.services.sidecars import SidecarService

        return SidecarService(catalog=self.catalog, sidecars=self.sidecars,
                              sidecar_albums=lambda: self.settings.sidecar_albums)

    @cached_property
    def album_service(self) -> AlbumService:
        """Albums and smart albums (services/albums.py); one per library, so smart albums' results are kept."""
        from photo_tagger.services.albums import AlbumService

        def search(text, filters, limit):  # a smart album's search is not remembered among the recent searches
            return self.search_service.search(text, filters, limit, remember=False).hits

        return AlbumService(catalog=self.catalog, search=search)

    @cached_property
    def event_service(self) -> EventService:
        """Events (services/events.py) with offline place names; one per library, its timeline kept."""
        from photo_tagger.infra.places import Places
        from photo_tagger.services.events import EventService

        return EventService(catalog=self.catalog, places=Places())

    # -- Services: models (installed models, trying a second one, what doctor and Help > About report)
    @cached_property
    def model_trial_service(self) -> ModelTrialService:
        """Trying a second model on the library (services/model_trial.py). The catalog is reached on use: `model
        remove` of a model never tried, say, opens no library."""
        from photo_tagger.infra.model_trials import TrialRecords
        from photo_tagger.services.model_trial import ModelTrialService

        return ModelTrialService(
            models=self.models, records=TrialRecords(self.paths.library_dir / "model_trials"),
            catalog=lambda: self.catalog, active_model=self.active_model, model_key=self.model_key,
            settings=lambda: self.settings, update_settings=self.update_settings, override_settings=self.override,
            encoders_for=self.encoders_for, close_encoders_for=self.close_encoders_for,
            text_encoder=lambda: self.cached_text_encoder, vector_store=self.vector_store, labels=self.labels,
            trained_labels=self.label_models.trained,
            recent_searches=lambda n: self.search_service.recent_searches(n))

    @cached_property
    def model_service(self) -> ModelService:
        """Installing, listing, measuring, using, trying and removing models (services/models.py). The catalog is
        reached on use: installing or listing models must not open (and lock) the library."""
        from photo_tagger.services.models import ModelService

        return ModelService(models=self.models, settings=lambda: self.settings, update_settings=self.update_settings,
                            active_model=self.active_model, model_key=self.model_key, catalog=lambda: self.catalog,
                            trials=lambda: self.model_trial_service,
                            retag_pending=lambda: self.pending_retag_service.retag_pending())

    @cached_property
    def diagnostics_service(self) -> DiagnosticsService:
        """What doctor and Help > About report (services/diagnostics.py): no encoder is made until doctor asks."""
        from photo_tagger.services.diagnostics import DiagnosticsService

        return DiagnosticsService(paths=self.paths, settings=lambda: self.settings, models=self.models,
                                  active_model=self.active_model, image_encoder=lambda: self.image_encoder,
                                  text_encoder=lambda: self.text_encoder, loaded_providers=self.loaded_providers)

    # -- Services: the library (watched folders and index runs, a retag a label edit owes, text read on request)
    @cached_property
    def folder_service(self) -> FolderService:
        """Watched folders and the index runs over them (services/folders.py)."""
        from photo_tagger.services.folders import FolderService

        # The catalog, indexer and store are made on first use: `index` and `watch` refuse a read-only library
        # before the catalog is opened, and a service made on the GUI thread opens nothing there.
        return FolderService(catalog=lambda: self.catalog, indexer=lambda: self.indexer,
                             vector_store=lambda: self.vector_store(), model_key=self.model_key,
                             store_retry=lambda: self.store_retry, library_dir=self.paths.library_dir,
                             app_dirs=self.paths.app_dirs(),
                             retag=self._retag_library, update_events=lambda: self.event_service.update_events(),
                             pending_retag=self.pending_retag_service,
                             model_name=lambda: self.active_model().name, ocr_mode=self._ocr_mode,
                             vectors_lost=self.vectors_lost,
                             store_place=lambda: self.settings.store_url or str(self.paths.library_dir))

    @cached_property
    def pending_retag_service(self) -> PendingRetagService:
        """The retag a label edit owes, marked in the library folder (services/pending_retag.py)."""
        from photo_tagger.services.pending_retag import PendingRetagService

        return PendingRetagService(library_dir=self.paths.library_dir, retag=self._retag_library)

    def _retag_library(self, progress=None, control=None):
        """A whole-library retag, for the services that owe one (the retag service is made on first use)."""
        return self.retag_service.retag_library(progress=progress, control=control)

    @cached_property
    def text_reading_service(self) -> TextReadingService:
        """Text in photos read outside an index run (services/text_reading.py); the OCR engine is made on first
        use."""
        from photo_tagger.services.text_reading import TextReadingService

        return TextReadingService(catalog=self.catalog, text_stage=lambda: self.text_stage)

    @cached_property
    def store_migration_service(self) -> StoreMigrationService:
        """`store migrate` (services/store_migration.py): the store in use is opened by the migration only."""
        from photo_tagger.services.store_migration import StoreMigrationService

        return StoreMigrationService(catalog=lambda: self.catalog, source=lambda: self.chroma_client,
                                     retry=lambda: self.store_retry, library_id=lambda: self.library_id,
                                     store_url=lambda: self.settings.store_url,
                                     local_folder=self.paths.library_dir / "chroma",
                                     ca_file=lambda: self.settings.store_ca_file,
                                     use_store=lambda url: self.update_settings(store_url=url))

    @cached_property
    def library_health_service(self) -> LibraryHealthService:
        """`library check | repair | restore` (services/library_health.py): the files first, then the library."""
        from photo_tagger.services.library_health import LibraryHealthService

        return LibraryHealthService(files=self.paths.library_files,
                                    embedded_store=lambda: not self.settings.store_url,
                                    take_lock=lambda: self.library_lock, catalog=lambda: self.catalog,
                                    vector_store=lambda: self.vector_store(), indexer=lambda: self.indexer,
                                    model_key=self.model_key)

    # -- Services: search, a photo's details, review
    @cached_property
    def search_service(self) -> SearchService:
        """Search, similar photos and recent searches (services/search.py); one per library, so its calibration
        is kept between searches. Encoders, stores and the matrix are opened on first use."""
        from photo_tagger.infra.search_history import SearchHistory
        from photo_tagger.services.search import SearchService

        return SearchService(catalog=self.catalog, text_encoder=lambda: self.cached_text_encoder,
                             image_encoder=lambda: self.image_encoder, model_key=self.model_key,
                             active_model=self.active_model, vector_store=self.vector_store,
                             search_store=self.search_store, embedding_index=self.embedding_index,
                             labels=self.labels,
                             history=SearchHistory(self.paths.library_dir / "search_history.json"),
                             shared=lambda: bool(self.settings.store_url))

    @cached_property
    def photo_details_service(self) -> PhotoDetailsService:
        """One photo's details, and a photo found by its path (services/photo_details.py)."""
        from photo_tagger.services.photo_details import PhotoDetailsService

        return PhotoDetailsService(catalog=self.catalog, vector_store=self.vector_store, ocr_mode=self._ocr_mode)

    @cached_property
    def review_service(self) -> ReviewService:
        """Review of one label's or category's borderline photos (services/review.py)."""
        from photo_tagger.services.review import ReviewService

        return ReviewService(catalog=self.catalog, vector_store=self.vector_store, model_key=self.model_key,
                             prepared_labels=self.label_models.prepared)

    # -- Parts more than one service uses
    @cached_property
    def sidecars(self):
        """XMP sidecars beside the photos (export-xmp, the window's "Write tags to sidecars")."""
        from photo_tagger.infra.xmp_sidecar import XmpSidecars

        return XmpSidecars()

    @cached_property
    def labels_file(self):
        from photo_tagger.infra.labels_file import LabelsFile

        return LabelsFile(self.paths.config_dir / "labels.toml")

    def labels(self):
        return self.labels_file.load()

    def save_labels(self, labels) -> None:
        self.labels_file.save(labels)

    @cached_property
    def cached_text_encoder(self):
        from photo_tagger.core.text_cache import CachedTextEncoder

        model = self.active_model()  # keyed by content: a replaced model's cached vectors are dropped
        return CachedTextEncoder(self.text_encoder, model.key, self._text_cache_file(),
                                 model_name=model.name)

    def _text_cache_file(self) -> Path:
        """The text-embedding cache on disk; in memory only while that disk is full (searches still work)."""
        from photo_tagger.infra.storage_faults import is_nearly_full, is_read_only

        unwritable = is_nearly_full(self.paths.cache_dir) or is_read_only(self.paths.cache_dir)
        return Path(":memory:") if unwritable else self.paths.library_files.text_cache

    # -- Services: labels (the labels as the model sees them, label edits, reports, tag edits, retags)
    @cached_property
    def label_models(self) -> LabelModels:
        """The labels prepared and trained on this library, cached between calls (services/labels.py)."""
        from photo_tagger.services.labels import LabelModels

        return LabelModels(labels=self.labels, text_encoder=lambda: self.cached_text_encoder,
                           active_model=self.active_model, model_key=self.model_key,
                           catalog=lambda: self.catalog)  # lazily: prepared() does not open the library

    @cached_property
    def retag_service(self) -> RetagService:
        """Retags from stored embeddings (services/retagging.py)."""
        from photo_tagger.services.retagging import RetagService

        return RetagService(catalog=self.catalog, vector_store=self.vector_store,
                            prepared_labels=self.label_models.prepared, model_key=self.model_key,
                            clear_retag_pending=lambda: self.pending_retag_service.clear_retag_pending())

    @cached_property
    def label_service(self) -> LabelService:
        """The labels in use, dry runs and edits (services/labels.py)."""
        from photo_tagger.services.labels import LabelService

        return LabelService(labels_file=self.labels_file, catalog=self.catalog, library_dir=self.paths.library_dir,
                            vector_store=self.vector_store, model_key=self.model_key,
                            label_models=self.label_models, reports=self.label_report_service,
                            retag=self.retag_service,
                            mark_retag_pending=lambda why: self.pending_retag_service.mark_retag_pending(why))

    @cached_property
    def label_report_service(self) -> LabelReportService:
        """What each label does now and what an edit would do (services/label_report.py)."""
        from photo_tagger.services.label_report import LabelReportService

        return LabelReportService(catalog=self.catalog, labels=self.labels, model_key=self.model_key,
                                  label_models=self.label_models)

    @cached_property
    def tag_edit_service(self) -> TagEditService:
        """The user's tag choices on one photo (services/tag_edits.py)."""
        from photo_tagger.services.tag_edits import TagEditService

        return TagEditService(catalog=self.catalog, vector_store=self.vector_store, model_key=self.model_key)

    @cached_property
    def example_label_service(self) -> ExampleLabelService:
        """Labels made from example photos (services/example_labels.py)."""
        from photo_tagger.services.example_labels import ExampleLabelService

        return ExampleLabelService(labels_file=self.labels_file, catalog=self.catalog, vector_store=self.vector_store,
                                   model_key=self.model_key, label_service=self.label_service)

    def close(self, after_error: bool = False) -> None:
        """Release the library: caches, catalog, Chroma client, lock (in that order). `after_error`: the command
        failed and said why in its one line (a full disk, say); a backup that fails then is only logged."""
        if "cached_text_encoder" in self.__dict__:
            self.cached_text_encoder.close()
        for _, text in self.__dict__.get("_other_encoders", {}).values():
            text.close()
        if "catalog" in self.__dict__:
            written = not self.catalog.read_only and self.catalog.written()
            self.catalog.close()
            if written:
                self._back_up_catalog(say_failure=not after_error)
        client = self.__dict__.get("chroma_client")
        if client is not None and hasattr(client, "close"):
            client.close()
        if "library_lock" in self.__dict__:
            self.library_lock.release()

    def _back_up_catalog(self, say_failure: bool = True) -> None:
        """A clean close that changed the catalog leaves a backup (the library lock is still held here)."""
        from photo_tagger.infra.catalog import Catalog
        from photo_tagger.infra.catalog_backup import newest_sound_backup, take_backup

        try:
            take_backup(self.catalog.path, lambda path: Catalog(path).close())
        except Exception as exc:  # a full disk, say: the library itself is fine, the backup waits for next time
            kept = newest_sound_backup(self.catalog.path)
            # Said on the console: the user's changes since the last good backup are in no backup yet.
            log.warning("no backup of the catalog this time: %s; %s", exc,
                        f"the last good backup, {kept.name}, is kept" if kept else "there is no good backup yet",
                        exc_info=not isinstance(exc, PhotoTaggerError), extra={"console": say_failure})

    @cached_property
    def text_encoder(self):
        from photo_tagger.infra.onnx_clip import OnnxTextEncoder

        return OnnxTextEncoder(self.active_model(), device=self.settings.device, threads=self.settings.threads)

    def close_encoders_for(self, key: str) -> None:
        """Close the sessions encoders_for made for one model content (a removed model's files go now)."""
        made = self.__dict__.get("_other_encoders", {}).pop(key, None)
        if made is not None:
            made[1].close()

    def loaded_providers(self) -> list[str] | None:
        """The execution providers of an encoder session this process has loaded already, else None: asking
        makes no encoder and loads no model (Help > About)."""
        made = [self.__dict__[name] for name in ("image_encoder", "text_encoder") if name in self.__dict__]
        return next((p for p in (e.loaded_providers for e in made) if p), None)

    @serialized
    def encoders_for(self, name: str):
        """(image encoder, text encoder) of an installed model that is not the one in use, made once per process
        and model content: a trial encodes a sample of the library with them (services/model_trial.py). Its text
        embeddings go to the same disk cache, under its own key (ready for a switch)."""
        from photo_tagger.core.text_cache import CachedTextEncoder
        from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

        model = self.models.get(name)
        made = self.__dict__.setdefault("_other_encoders", {})
        if model.key not in made:
            s = self.settings
            precision = s.precision if s.precision in model.precisions else "fp32"
            made[model.key] = (OnnxImageEncoder(model, device=s.device, precision=precision, threads=s.threads),
                               CachedTextEncoder(OnnxTextEncoder(model, device=s.device, threads=s.threads),
                                                 model.key, self._text_cache_file()))
        return made[model.key]
