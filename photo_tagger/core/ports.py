"""Protocols the core depends on; adapters in infra/ implement them, fakes in tests do too."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from photo_tagger.core.types import PreprocessSpec


class ImageEncoder(Protocol):
    """Turns preprocessed pixel batches (N, 3, S, S) float32 into L2-normalized (N, D) float32."""

    preprocess_spec: PreprocessSpec
    embedding_dim: int

    def encode_images(self, pixels: np.ndarray) -> np.ndarray: ...


class TextEncoder(Protocol):
    """Turns texts into L2-normalized (N, D) float32 embeddings in the image embedding space."""

    embedding_dim: int

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class Progress(Protocol):
    """Receives progress from long jobs; implementations must be cheap and thread-safe."""

    def started(self, total: int | None, what: str) -> None: ...

    def advanced(self, done: int, detail: str = "") -> None: ...

    def finished(self) -> None: ...


class VectorStore(Protocol):
    """Embeddings with filterable metadata, one collection per model (dimensions differ by model).

    Metadata values are str, int, float, bool or non-empty lists of one of those (Chroma's rules).
    `where` filters use Chroma's syntax ({"root": "..."}, {"$and": [...]}, {"tags": {"$contains": "dog"}}).
    """

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None: ...

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(self, embedding: np.ndarray, limit: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        """Nearest first, as (id, cosine similarity, metadata)."""
        ...
