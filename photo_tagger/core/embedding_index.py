"""One model's stored embeddings resident in memory, for exact scoring of filtered searches.

Filtered nearest-neighbour search inside Chroma costs 100-800 ms at 100k photos (its metadata pre-filter,
benchmarks/RESULTS.md); scoring the admitted rows of a float32 matrix costs a few ms and is exact.
The catalog is the source: every embedding row has a growing `seq`, so a refresh reads only what was
written since the last one. Rows of deleted photos stay for the life of the process; they are never
returned, because every search checks its candidates against the catalog.
"""

from __future__ import annotations

import threading

import numpy as np

from photo_tagger.core.ports import VectorStore

_BACKFILL_PAGE = 5000


class EmbeddingIndex:
    """Thread-safe; the matrix grows by doubling, so refreshes after each indexing batch stay cheap."""

    def __init__(self, catalog, model_name: str, store: VectorStore | None = None):
        self.catalog = catalog
        self.model_name = model_name
        self._store = store  # where embeddings of libraries from before catalog vectors are copied from
        self._lock = threading.Lock()
        self._seq = 0
        self._rows: dict[str, int] = {}
        self._ids: list[str] = []  # row -> id
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._backfilled = store is None

    def __len__(self) -> int:
        return len(self._rows)

    def refresh(self) -> None:
        with self._lock:
            if not self._backfilled:
                backfill_catalog_vectors(self.catalog, self._store, self.model_name)
                self._backfilled = True
            self._seq, ids, vectors = self.catalog.vectors_since(self.model_name, self._seq)
            if ids:
                self._add(ids, vectors)

    def _add(self, ids: list[str], vectors: np.ndarray) -> None:
        if self._matrix.shape[1] != vectors.shape[1]:
            self._matrix = np.zeros((0, vectors.shape[1]), dtype=np.float32)
            self._rows, self._ids = {}, []
        rows = np.empty(len(ids), dtype=np.int64)
        for n, photo_id in enumerate(ids):
            row = self._rows.setdefault(photo_id, len(self._rows))
            if row == len(self._ids):
                self._ids.append(photo_id)
            rows[n] = row
        needed = len(self._rows)
        if needed > len(self._matrix):
            grown = np.zeros((max(needed, 2 * len(self._matrix)), vectors.shape[1]), dtype=np.float32)
            grown[:len(self._matrix)] = self._matrix
            self._matrix = grown
        self._matrix[rows] = vectors

    def ranked(self, query: np.ndarray, count: int) -> list[tuple[str, float]]:
        """The `count` most similar of all rows, best first (rows of deleted photos included: filter them)."""
        self.refresh()
        with self._lock:
            scores = self._matrix[:len(self._ids)] @ np.asarray(query, dtype=np.float32).reshape(-1)
            ids = self._ids
        return [(ids[n], float(scores[n])) for n in _top(scores, count)]

    def nearest(self, query: np.ndarray, ids: list[str], limit: int) -> list[tuple[str, float]]:
        """The `limit` ids among `ids` most similar to `query` (cosine: vectors are normalized), best first."""
        self.refresh()
        with self._lock:
            known = [i for i in ids if i in self._rows]
            if not known:
                return []
            rows = np.fromiter((self._rows[i] for i in known), dtype=np.int64, count=len(known))
            query = np.asarray(query, dtype=np.float32).reshape(-1)
            if 2 * len(rows) < len(self._rows):  # few rows: gather them; many: score all, then pick
                scores = self._matrix[rows] @ query
            else:
                scores = (self._matrix[:len(self._rows)] @ query)[rows]
        return [(known[n], float(scores[n])) for n in _top(scores, limit)]


def _top(scores: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the `count` highest scores, highest first."""
    if count <= 0:
        return np.arange(0)
    top = np.argpartition(-scores, count - 1)[:count] if count < len(scores) else np.arange(len(scores))
    return top[np.argsort(-scores[top], kind="stable")]


def backfill_catalog_vectors(catalog, store: VectorStore, model_name: str) -> int:
    """Copy into the catalog the embeddings it lacks (libraries indexed before it kept them); no encoding."""
    missing = catalog.ids_without_vector(model_name)
    copied = 0
    for start in range(0, len(missing), _BACKFILL_PAGE):
        found = store.get_embeddings(missing[start:start + _BACKFILL_PAGE])
        if found:
            with catalog.transaction() as db:
                catalog.write_vectors(db, model_name, list(found), np.stack(list(found.values())))
            copied += len(found)
    return copied
