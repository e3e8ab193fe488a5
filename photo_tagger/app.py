"""Composition root: builds every service from the settings; the only place that picks adapters."""

from __future__ import annotations

import logging
import logging.handlers
from functools import cached_property
from pathlib import Path

from photo_tagger.config import AppPaths, Settings
from photo_tagger.core.errors import ModelError, PhotoTaggerError
from photo_tagger.infra.model_store import InstalledModel, ModelStore

log = logging.getLogger(__name__)


class LibraryBusy(PhotoTaggerError):
    """Another process has the embedded library open."""


class App:
    """Services for one process (CLI command or GUI session), made on first use."""

    def __init__(self, paths: AppPaths, settings: Settings | None = None):
        self.paths = paths
        self.settings = settings if settings is not None else Settings.load(paths.settings_file)
        self._unsaved: dict = {}  # settings overridden for this process only (--store): their saved values

    def override(self, **values) -> None:
        """Use these settings in this process without saving them (command-line options)."""
        for key in values:
            self._unsaved.setdefault(key, getattr(self.settings, key))
        self.settings = self.settings.with_changes(**values)

    @classmethod
    def from_home(cls, home: str | Path | None = None) -> "App":
        return cls(AppPaths.resolve(home))

    def update_settings(self, **changes) -> None:
        self.settings = self.settings.with_changes(**changes)
        for key in changes:
            self._unsaved.pop(key, None)
        self.settings.with_changes(**self._unsaved).save(self.paths.settings_file)

    @cached_property
    def models(self) -> ModelStore:
        return ModelStore(self.paths.models_dir)

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

    @cached_property
    def image_encoder(self):
        from photo_tagger.infra.onnx_clip import OnnxImageEncoder

        s = self.settings
        return OnnxImageEncoder(self.active_model(), device=s.device, precision=s.precision, threads=s.threads)

    @cached_property
    def library_lock(self):
        """One process at a time may open a library: its catalog's journal assumes one writer (in server mode
        too: another process's recovery would undo writes in flight), and Chroma's folder is not process-safe."""
        from filelock import FileLock, Timeout

        self.paths.library_dir.mkdir(parents=True, exist_ok=True)
        # Not thread-local: the GUI takes the lock on a worker thread and releases it on the GUI thread.
        lock = FileLock(self.paths.library_dir / "library.lock", thread_local=False)
        try:
            lock.acquire(timeout=2)
        except Timeout:
            raise LibraryBusy(
                f"the library {self.paths.library_dir} is open in another Photo Tagger process "
                "(the app or `photo-tagger watch`); close that one first"
            ) from None
        return lock

    @cached_property
    def catalog(self):
        from photo_tagger.infra.catalog import Catalog

        self.library_lock
        return Catalog(self.paths.library_dir / "catalog.sqlite3")

    @cached_property
    def chroma_client(self):
        from photo_tagger.infra.chroma_store import open_chroma

        if not self.settings.store_url:
            self.library_lock
        return open_chroma(self.settings.store_url or self.paths.library_dir / "chroma", self.store_retry)

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

    def vector_store(self, model_name: str | None = None):
        """The vectors of one model (the active one by default): one collection per model, opened once."""
        from photo_tagger.infra.chroma_store import ChromaVectorStore

        name = model_name or self.active_model().name
        stores = self.__dict__.setdefault("_stores", {})
        if name not in stores:
            # ef_search 500: Chroma's default 100 found under half of the true top 50 at 100k photos (RESULTS.md).
            stores[name] = ChromaVectorStore(self.chroma_client, f"photos--{name}", ef_search=500,
                                             shared=bool(self.settings.store_url), retry=self.store_retry,
                                             library_id=self.library_id)
        return stores[name]

    def embedding_index(self, model_name: str | None = None):
        """One model's embeddings resident in memory (loaded on the first filtered search or retag)."""
        from photo_tagger.core.embedding_index import EmbeddingIndex

        name = model_name or self.active_model().name
        indexes = self.__dict__.setdefault("_embedding_indexes", {})
        if name not in indexes:
            indexes[name] = EmbeddingIndex(self.catalog, name, self.vector_store(name))
        return indexes[name]

    @cached_property
    def indexer(self):
        from photo_tagger.core.indexer import Indexer
        from photo_tagger.core.preprocess import DRAFT_OVERSAMPLE, FAST_DRAFT_OVERSAMPLE
        from photo_tagger.infra.xmp_sidecar import XmpKeywordReader

        return Indexer(self.catalog, self.vector_store(), self.image_encoder, self.active_model().name,
                       batch_size=self.settings.batch_size, skip_dirs=[str(d) for d in self.paths.app_dirs()],
                       labels=self.prepared_labels, keywords=XmpKeywordReader(),
                       draft_oversample=FAST_DRAFT_OVERSAMPLE if self.settings.fast_decode else DRAFT_OVERSAMPLE)

    @cached_property
    def sidecars(self):
        """XMP sidecars beside the photos (export-xmp, the window's "Write tags to sidecars")."""
        from photo_tagger.infra.xmp_sidecar import XmpSidecars

        return XmpSidecars()

    @cached_property
    def labels_file(self):
        from photo_tagger.labels_file import LabelsFile

        return LabelsFile(self.paths.config_dir / "labels.toml")

    def labels(self):
        return self.labels_file.load()

    def save_labels(self, labels) -> None:
        self.labels_file.save(labels)

    @cached_property
    def cached_text_encoder(self):
        from photo_tagger.core.text_cache import CachedTextEncoder

        return CachedTextEncoder(self.text_encoder, self.active_model().name,
                                 self.paths.cache_dir / "text-embeddings.sqlite3")

    def prepared_labels(self):
        """Label embeddings for the current labels file, computed once per distinct label set."""
        from photo_tagger.core.tagging import prepare

        labels = self.labels()
        cached = self.__dict__.get("_prepared")
        if cached is None or cached[0] != labels:
            self._prepared = (labels, prepare(labels, self.cached_text_encoder, self.active_model().logit_scale))
        return self._prepared[1]

    def close(self) -> None:
        """Release the library: caches, catalog, Chroma client, lock (in that order)."""
        if "cached_text_encoder" in self.__dict__:
            self.cached_text_encoder.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
        client = self.__dict__.get("chroma_client")
        if client is not None and hasattr(client, "close"):
            client.close()
        if "library_lock" in self.__dict__:
            self.library_lock.release()

    @cached_property
    def text_encoder(self):
        from photo_tagger.infra.onnx_clip import OnnxTextEncoder

        return OnnxTextEncoder(self.active_model(), device=self.settings.device, threads=self.settings.threads)


def configure_logging(log_dir: Path, verbose: bool = False) -> None:
    """A rotating log file for diagnosis; the console shows warnings (or info with --verbose)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_photo_tagger", False)]:
        root.removeHandler(handler)  # calling twice (tests, GUI restart) must not double every line
        handler.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler()
    console._photo_tagger = True
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(console)
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir / "photo-tagger.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("no log file (%s)", exc)
        return
    file_handler._photo_tagger = True
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(file_handler)
