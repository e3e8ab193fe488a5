"""One model's stored embeddings as a matrix in memory, for exact scoring of every search of a private library.

Scoring all 100,000 rows of a float32 matrix costs about 10 ms and is exact; Chroma's HNSW found 70% of the true
top 20 at that size, and a filter inside Chroma costs 100-800 ms (benchmarks/RESULTS.md). The catalog is the
source: every embedding row has a growing `seq`, so a refresh reads only what was written since the last one.
With a folder, the rows also live in a file there (core/matrix_file.py), mapped into memory, so a new process
opens the matrix in milliseconds instead of reading every embedding out of SQLite. Rows of deleted photos stay
until the next compaction; they are never returned, because every search checks its candidates against the
catalog.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from photo_tagger.core.index_sync import adopt_vectors
from photo_tagger.core.matrix_file import MatrixFile
from photo_tagger.core.ports import Catalog, VectorStore

log = logging.getLogger(__name__)

_BACKFILL_PAGE = 5000
# Above this many photos an unfiltered search goes to the vector store's HNSW index. One pass over the matrix
# grows with the library: 2 KB of page cache per photo (400 MB here), 8-10 ms per 100,000 rows on a quiet 2-core
# machine and about 30 ms (p95 46) on a busy one, so past this size a search's p95 leaves the 50 ms target on
# a machine doing other work too (benchmarks/RESULTS.md, "Exact local search": where HNSW starts).
EXACT_MAX_ROWS = 200_000
# A compaction drops superseded rows and rows of deleted photos once they outnumber the live ones.
_COMPACT_MIN_DEAD = 1000


class _View:
    """The rows as of one refresh: a search scores one view while a refresh builds the next (append-only)."""

    def __init__(self, matrix: np.ndarray, ids, live: int | None = None, rows: dict[str, int] | None = None):
        self.matrix = matrix  # at least len(ids) rows
        self.ids = ids  # row -> photo id (str, or bytes when mapped from the file); a photo written twice has two
        self._rows = rows
        self.live = live if live is not None else len(self.rows)  # photos with a row

    @property
    def rows(self) -> dict[str, int]:
        """Photo id -> its latest row; made when first needed (about 50 ms at 100,000 rows, so not at open)."""
        if self._rows is None:
            self._rows = {photo_id: n for n, photo_id in enumerate(self.id_list())}
        return self._rows

    def id_list(self) -> list[str]:
        return [i.decode("utf-8") for i in self.ids.tolist()] if isinstance(self.ids, np.ndarray) else self.ids

    def ids_at(self, rows: np.ndarray) -> list[str]:
        if isinstance(self.ids, np.ndarray):
            return [i.decode("utf-8") for i in np.asarray(self.ids[rows]).tolist()]
        return [self.ids[n] for n in rows.tolist()]

    @property
    def superseded(self) -> int:
        return len(self.ids) - self.live

    def scores(self, query: np.ndarray) -> np.ndarray:
        if not len(self.ids):
            return np.zeros(0, np.float32)
        return np.asarray(self.matrix[: len(self.ids)] @ np.asarray(query, dtype=np.float32).reshape(-1))

    def ranked(self, query: np.ndarray, count: int) -> list[tuple[str, float]]:
        scores = self.scores(query)
        top = _top(scores, count + self.superseded)
        ranked = zip(self.ids_at(top), top.tolist(), scores[top].tolist())
        # An older row of a photo written again is not it.
        return [(i, s) for i, n, s in ranked if not self.superseded or self.rows[i] == n][:count]

    def nearest(self, query: np.ndarray, ids: list[str], limit: int) -> list[tuple[str, float]]:
        known = [i for i in ids if i in self.rows]
        if not known:
            return []
        rows = np.fromiter((self.rows[i] for i in known), dtype=np.int64, count=len(known))
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if 2 * len(rows) < len(self.ids):  # few rows: gather them; many: score all, then pick
            scores = np.asarray(self.matrix[rows] @ query)
        else:
            scores = self.scores(query)[rows]
        return [(known[n], float(scores[n])) for n in _top(scores, limit)]


class EmbeddingIndex:
    """Thread-safe. Searches score a snapshot outside the lock; refreshes (and the first load) hold it.

    `store`: where embeddings of libraries from before catalog vectors are copied from (a VectorStore, or a
    callable that opens one: only needed once per library). `folder`: where the matrix file lives (None: memory
    only, loaded from the catalog by each process).
    """

    def __init__(
        self,
        catalog: Catalog,
        model_name: str,
        store: VectorStore | Callable[[], VectorStore] | None = None,
        folder: Path | None = None,
    ):
        self.catalog = catalog
        self.model_name = model_name
        self._store = store
        self._file = MatrixFile(folder, model_name) if folder is not None else None
        self._lock = threading.Lock()
        self._loaded = False
        self._seq = 0
        self._view = _View(np.zeros((0, 0), np.float32), [])

    def __len__(self) -> int:
        """Photos with a row (deleted ones included until the next compaction)."""
        return self._view.live

    @property
    def loaded(self) -> bool:
        return self._loaded

    def refresh(self) -> None:
        """In step with the catalog (the first call loads the matrix)."""
        self.ready(None)

    def ready(self, timeout: float | None) -> bool:
        """Refresh, waiting at most `timeout` seconds (None: as long as it takes) for another thread's load;
        False when that wait ran out (the caller may answer another way meanwhile)."""
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            return False
        try:
            if not self._loaded:
                self._load()
                self._loaded = True
            seq, ids, vectors = self.catalog.vectors_since(self.model_name, self._seq)
            if ids and vectors is not None:
                self._add(ids, vectors, seq)
            return True
        finally:
            self._lock.release()

    def warm(self) -> None:
        """Refresh, then one pass over the rows, so that the first search finds them mapped in memory."""
        self.refresh()
        view = self._view
        if len(view.ids):
            view.scores(np.zeros(view.matrix.shape[1], np.float32))

    def ranked(self, query: np.ndarray, count: int) -> list[tuple[str, float]]:
        """The `count` most similar photos with a row, best first (deleted photos included: filter them)."""
        self.refresh()
        return self._view.ranked(query, count)

    def nearest(self, query: np.ndarray, ids: list[str], limit: int) -> list[tuple[str, float]]:
        """The `limit` ids among `ids` most similar to `query` (cosine: vectors are normalized), best first."""
        self.refresh()
        return self._view.nearest(query, ids, limit)

    # -- loading and keeping in step (under the lock)
    def _load(self) -> None:
        started = time.perf_counter()
        saved = self._file.load() if self._file is not None else None
        if saved is not None and self._usable(*saved):
            self._seq, ids, matrix, live = saved
            self._view = _View(matrix, ids, live)
            log.info(
                "search matrix %s: %d rows opened in %.3f s", self.model_name, len(ids), time.perf_counter() - started
            )
            return
        self._rebuild()
        log.info(
            "search matrix %s: %d rows built from the catalog in %.2f s",
            self.model_name,
            len(self._view.ids),
            time.perf_counter() - started,
        )

    def _usable(self, seq: int, ids: np.ndarray, matrix: np.ndarray, live: int) -> bool:
        """A saved matrix is this catalog's past (not a newer one's, e.g. after a catalog was restored from a
        backup) and not mostly dead rows."""
        if seq > self.catalog.last_vector_seq():
            log.warning("search matrix %s is ahead of the catalog; rebuilt", self.model_name)
            return False
        embedded = self.catalog.count_embedded(self.model_name)  # rows past these: superseded or deleted photos
        return len(ids) - embedded < max(_COMPACT_MIN_DEAD, embedded)

    def _rebuild(self) -> None:
        if self._store is not None and self.catalog.ids_without_vector(self.model_name):
            store = self._store() if callable(self._store) else self._store  # opened only when needed
            adopt_vectors(self.catalog, store, self.model_name, page=_BACKFILL_PAGE)
            self._store = None  # once per library: later photos get their catalog vector when indexed
        self._seq, ids, vectors = self.catalog.vectors_since(self.model_name, 0)
        if vectors is None:
            vectors = np.zeros((0, self._view.matrix.shape[1]), np.float32)
        saved_ids, matrix = self._write_all(ids, vectors)
        self._view = _View(matrix, saved_ids, len(ids))

    def _write_all(self, ids: list[str], vectors: np.ndarray) -> tuple[list[str] | np.ndarray, np.ndarray]:
        if self._file is not None and vectors.shape[1]:
            try:
                return self._file.write_all(ids, vectors, self._seq)
            except (OSError, ValueError) as exc:  # a full or read-only disk: search from memory, as without one
                log.warning("search matrix %s not saved (%s); kept in memory", self.model_name, exc)
                self._file = None
        return ids, np.array(vectors, dtype=np.float32)

    def _add(self, ids: list[str], vectors: np.ndarray, seq: int) -> None:
        view = self._view
        rows = dict(view.rows)
        rows.update((photo_id, len(view.ids) + n) for n, photo_id in enumerate(ids))
        superseded = len(view.ids) + len(ids) - len(rows)
        if view.matrix.shape[1] != vectors.shape[1] or superseded > max(_COMPACT_MIN_DEAD, len(rows)):
            self._rebuild()  # another width (the first rows, or a new model under this key), or mostly old rows
            return
        all_ids: list[str] | np.ndarray  # bytes ids when mapped from the file
        if self._file is not None:
            try:
                all_ids, matrix = self._file.append(ids, vectors, seq, len(rows))
            except ValueError:  # an id wider than the file's records
                self._rebuild()
                return
            except OSError as exc:
                log.warning("search matrix %s not saved (%s); kept in memory", self.model_name, exc)
                self._file = None
                self._rebuild()
                return
        else:
            all_ids, matrix = view.id_list() + list(ids), self._grown(view, vectors)
        self._view = _View(matrix, all_ids, len(rows), rows)
        self._seq = seq

    @staticmethod
    def _grown(view: _View, vectors: np.ndarray) -> np.ndarray:
        # In memory: grow by doubling, so refreshes after each indexing batch stay cheap. Rows past a view's
        # count are not part of it, so the view being searched is never changed.
        matrix, used = view.matrix, len(view.ids)
        if used + len(vectors) > len(matrix):
            grown = np.zeros((max(used + len(vectors), 2 * len(matrix)), vectors.shape[1]), np.float32)
            grown[:used] = matrix[:used]
            matrix = grown
        matrix[used : used + len(vectors)] = vectors
        return matrix


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the `count` highest scores, highest first."""
    if count <= 0:
        return np.arange(0)
    top = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]
