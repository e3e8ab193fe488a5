"""Watched folders: add and index one, rescan, index what the watcher saw, stop watching, count their photos."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import Forgotten, add_roots, forget_root, resolve_folder
from photo_tagger.core.photo_text import texts_waiting
from photo_tagger.core.ports import Progress, VectorStore
from photo_tagger.core.scan import is_under
from photo_tagger.core.types import IndexReport
from photo_tagger.services.pending_retag import PendingRetagService, Retag

if TYPE_CHECKING:
    from photo_tagger.core.indexer import Indexer
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog
    from photo_tagger.infra.fs_watch import FolderWatcher
    from photo_tagger.infra.store_retry import StoreRetry

log = logging.getLogger(__name__)


def refuse_read_only(library_dir: Path) -> None:
    """Indexing writes the catalog at every step: a library on a read-only disk is refused before any work."""
    from photo_tagger.infra.storage_faults import ReadOnlyDisk, is_read_only, read_only_message

    if library_dir.is_dir() and is_read_only(library_dir):
        raise ReadOnlyDisk(read_only_message(library_dir))


class FolderService:
    """The library's watched folders and the index runs over them, with what follows a run (settled tags,
    events)."""

    def __init__(
        self,
        *,
        catalog: Callable[[], SqliteCatalog],
        indexer: Callable[[], Indexer],
        vector_store: Callable[[], VectorStore],
        model_key: Callable[[], str],
        store_retry: Callable[[], StoreRetry],
        library_dir: Path,
        app_dirs: Iterable[Path],
        retag: Retag,
        update_events: Callable[[], None],
        pending_retag: PendingRetagService,
        model_name: Callable[[], str],
        ocr_mode: Callable[[], str],
        vectors_lost: Callable[[], int],
        store_place: Callable[[], str],
    ) -> None:
        """`catalog` is opened on first use: `index` and `watch` refuse a read-only library before it is (its
        lock taken, a lost catalog restored). `retag`: the whole library's retag (services/retagging.py);
        `update_events`: the events follow a change (services/events.py). For `status`: the model in use's name,
        the ocr setting, the vectors a deleted store folder took (restored from the catalog, App.vectors_lost)
        and where the vectors live."""
        self._catalog = catalog
        self._indexer = indexer
        self._vector_store = vector_store
        self._model_key = model_key
        self._store_retry = store_retry
        self._library_dir = library_dir
        self._app_dirs = list(app_dirs)
        self._retag = retag
        self._update_events = update_events
        self._pending_retag = pending_retag
        self._model_name = model_name
        self._ocr_mode = ocr_mode
        self._vectors_lost = vectors_lost
        self._store_place = store_place

    def status(self) -> LibraryStatus:
        """`status`: each watched folder's counts, the work an index run (or a retag) has pending, the skipped
        files. A query: reads the catalog and scans the folders, opens neither the store nor a model session."""
        model, key = self._model_name(), self._model_key()  # key: the content its photos were encoded by
        catalog = self._catalog()
        per_root = folder_counts(catalog, key)
        scan = IndexReport()  # what the scan could not read: unlistable folders, FIFOs, broken links
        pending = self._indexer().pending(list(per_root), report=scan)
        pending["photos to read text in"] = texts_waiting(catalog, self._ocr_mode())  # the index run's text stage
        if lost := self._vectors_lost():  # the store's folder was deleted: put back from the catalog, not re-encoded
            pending["vectors to restore from the catalog"] = lost
        if self._pending_retag.retag_pending():  # a label edit was interrupted: the next index, watch or retag
            pending["photos to retag after an interrupted label edit"] = catalog.count_embedded(key)
        skipped = [(r.path, r.skip_reason) for r in catalog.skipped()] + [(s.path, s.reason) for s in scan.skipped]
        return LibraryStatus(model, self._store_place(), per_root, pending, skipped)

    def refuse_read_only(self) -> None:
        """Refuse an index run on a library on a read-only disk, before any work (the catalog is not opened)."""
        refuse_read_only(self._library_dir)

    def check_store(self) -> None:
        """Open the vector store now, so a store that does not answer (a mistyped URL) fails in seconds, before an
        index run that would wait out its outages."""
        self._vector_store()

    def roots(self) -> list[str]:
        """The watched folders."""
        return self._catalog().roots()

    def watcher(self, roots: Iterable[str], on_changes: Callable, debounce: float) -> FolderWatcher:
        """A folder watcher (not started) over `roots`, blind to the app's own folders (services/watching.py)."""
        from photo_tagger.services.watching import folder_watcher

        return folder_watcher(self._app_dirs, roots, on_changes, debounce)

    def index_folders(
        self, roots: list[str], scope: list[str], progress, control: JobControl, patience: float | None = None
    ) -> IndexReport:
        """An index run that waits out a shared store's outages (`patience` seconds, None: until cancelled); the
        waiting is said through progress.status (the status bar, the terminal)."""
        with self._store_retry().patient(patience, on_state=progress.status, stop=lambda: control.cancelled):
            report = self._indexer().index(roots, scope=scope, progress=progress, control=control)
            if report.new or report.updated or report.removed or report.reencoded or report.encoded_again:
                self.settle_tags()
            if report.new or report.updated or report.removed or report.moved:
                self.update_events()
            return report

    def update_events(self) -> None:
        self._update_events()

    def settle_tags(self) -> None:
        """The library changed: decide every photo again from stored embeddings (no image is read) with the
        calibration a retag uses, so the tags an index run leaves are exactly those a retag gives
        (core/retagging.py; a retag with nothing edited changes nothing). Only photos whose tags differ are
        written."""
        from photo_tagger.infra.storage_faults import is_nearly_full

        if self._catalog().read_only or is_nearly_full(self._library_dir):  # the index step's own tags stay
            return
        try:
            self._retag()
        except Exception:  # the photos are indexed and tagged already; the next retag settles them
            log.exception("settling the tags after indexing failed")

    def add_folders(
        self, folders: list[str], progress, control: JobControl, patience: float | None = None
    ) -> tuple[list[str], IndexReport]:
        """Watch each folder (unless a watched folder holds it already) and index it; returns (roots, report)."""
        roots, scope = add_roots(self._catalog(), folders)
        self.remove_orphans()
        return roots, self.index_folders(roots, scope, progress, control, patience)

    def remove_orphans(self) -> dict[str, int]:
        """Rows left for photos the catalog no longer holds (older versions' watcher replaced records under new
        ids) go, once per explicit index run, `watch` start or repair, not per watched change: a scan of each
        photo table. The vector store's copies of them go when it is next opened (its count no longer matches
        the catalog's)."""
        return remove_orphan_rows(self._catalog())

    def add_folder(self, folder: str, progress, control: JobControl) -> IndexReport:
        return self.add_folders([resolve_folder(Path(folder))], progress, control)[1]

    def rescan(self, root: str, folder: str, progress, control: JobControl) -> IndexReport:
        """Bring one folder of a watched root up to date with the disk."""
        return self.index_folders([root], [folder], progress, control)

    def index_changes(self, scope: list[str], progress: Progress, control: JobControl) -> IndexReport | None:
        """Index what the folder watcher saw change, under the roots watched now (None when none is left), then
        settle the tags as every index run does: `watch` and the window's live watching (scope [] : a catch-up
        of every root). A shared store's outage is waited out until `control` is cancelled."""
        roots = self._catalog().roots()
        under = [p for p in scope if any(is_under(p, r) for r in roots)]
        if not roots or (scope and not under):
            return None
        return self.index_folders(roots, under, progress, control)

    def stop_watching(
        self, root: str, progress: Progress | None = None, control: JobControl | None = None
    ) -> Forgotten:
        """Forget a watched folder: its catalog rows and its vectors go (journaled, like the indexer's removals).
        Returns how many photos (and skipped files) left the library. The photos on disk are untouched."""
        if progress is not None:
            progress.started(None, "forgetting")
        forgotten = forget_root(self._catalog(), self._vector_store(), self._model_key(), root)
        self.update_events()
        if progress is not None:
            progress.finished()
        return forgotten


def remove_orphan_rows(catalog: SqliteCatalog) -> dict[str, int]:
    """remove_orphans with the catalog alone (library repair); nothing on a read-only catalog."""
    if catalog.read_only:
        return {}
    removed = catalog.remove_orphans()
    if removed:
        log.warning(
            "removed rows of photos no longer in the library: %s",
            ", ".join(f"{n} {table}" for table, n in removed.items()),
        )
    return removed


@dataclass(frozen=True)
class LibraryStatus:
    """What `status` says: the model in use, where the vectors live, the watched folders' counts, pending work."""

    model: str
    store: str  # a server's URL, or the library folder
    roots: dict[str, FolderCounts]
    pending: dict[str, int]  # what the next index run (or retag) does, by kind
    skipped: list[tuple[str, str]]  # (path, reason): the catalog's skipped files, then what the scan could not read


@dataclass
class FolderCounts:
    """One watched folder's files: photos encoded by the model in use, skipped files, photos to re-encode."""

    indexed: int = 0
    skipped: int = 0
    stale: int = 0

    @property
    def photos(self) -> int:
        return self.indexed + self.stale


def folder_counts(catalog, model_key: str | None = None) -> dict[str, FolderCounts]:
    """Every watched folder (and any folder the catalog still holds records of) with its counts; without a
    model key (the window's sidebar, which needs no model) every photo counts as indexed."""
    counts = {root: FolderCounts() for root in catalog.roots()}
    for record in catalog.records():
        row = counts.setdefault(record.root, FolderCounts())
        if record.status == "skipped":
            row.skipped += 1
        elif model_key is None or record.embedded_model == model_key:
            row.indexed += 1
        else:
            row.stale += 1
    return counts
