"""A read-only VectorStore over the catalog's own copy of the embeddings, for when Chroma cannot open."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from photo_tagger.core.embedding_index import EmbeddingIndex
from photo_tagger.core.vector_metadata import vector_metadata
from photo_tagger.infra.storage_faults import DiskFull


class CatalogVectorStore:
    """Chroma refuses to open on a full disk (it writes at start); the catalog holds every embedding too, so
    searches and status still answer, exactly. Any write raises DiskFull with `reason`."""

    shared = False
    library_id = None

    def __init__(self, catalog, model_name: str, reason: str):
        self.catalog, self.model_name, self.reason = catalog, model_name, reason
        self._index = EmbeddingIndex(catalog, model_name)

    def _refuse(self, ids: Sequence[str]) -> None:
        if len(ids):
            raise DiskFull(self.reason)

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None:
        self._refuse(ids)

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        self._refuse(ids)

    def delete(self, ids: Sequence[str]) -> None:
        self._refuse(ids)

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self.catalog.vectors(self.model_name, ids)

    def get_metadata(self, ids: Sequence[str]) -> dict[str, dict]:
        return {i: vector_metadata(r) for i, r in self.catalog.get(ids).items()}

    def ids(self) -> set[str]:
        return set(self.catalog.filter_ids(self.model_name))

    def count(self) -> int:
        return len(self.ids())

    def query(self, embedding: np.ndarray, limit: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        if where:
            raise DiskFull(self.reason)
        live = self.ids()
        ranked = [(i, s) for i, s in self._index.ranked(embedding, limit + len(self._index) - len(live)) if i in live]
        metadata = self.get_metadata([i for i, _ in ranked[:limit]])
        return [(i, s, metadata.get(i, {})) for i, s in ranked[:limit]]
