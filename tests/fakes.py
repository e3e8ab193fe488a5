"""Deterministic stand-ins for the encoder and the vector store, for fast core tests."""

from __future__ import annotations

import numpy as np

from photo_tagger.core.types import PreprocessSpec


class FakeImageEncoder:
    """Embeds a picture as its normalized mean colour (plus a constant), so equal pictures match."""

    preprocess_spec = PreprocessSpec(image_size=16)
    embedding_dim = 4

    def __init__(self) -> None:
        self.encoded = 0

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        self.encoded += len(pixels)
        means = pixels.mean(axis=(2, 3))
        vectors = np.concatenate([means, np.ones((len(pixels), 1), np.float32)], axis=1).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class InMemoryStore:
    """VectorStore protocol over dicts; brute-force cosine search with equality filters."""

    def __init__(self, shared: bool = False, library_id: str | None = None) -> None:
        self.shared = shared
        self.library_id = library_id
        self.vectors: dict[str, np.ndarray] = {}
        self.metadata: dict[str, dict] = {}

    def upsert(self, ids, embeddings, metadatas) -> None:
        for i, vector, meta in zip(ids, embeddings, metadatas):
            self.vectors[i] = np.asarray(vector, np.float32)
            self.metadata[i] = dict(meta)

    def update_metadata(self, ids, metadatas) -> None:
        for i, meta in zip(ids, metadatas):
            if i in self.metadata:
                self.metadata[i].update(meta)

    def delete(self, ids) -> None:
        for i in ids:
            self.vectors.pop(i, None)
            self.metadata.pop(i, None)

    def get_embeddings(self, ids) -> dict:
        return {i: self.vectors[i] for i in ids if i in self.vectors}

    def get_metadata(self, ids) -> dict:
        return {i: dict(self.metadata[i]) for i in ids if i in self.metadata}

    def ids(self) -> set:
        return set(self.vectors)

    def count(self) -> int:
        return len(self.vectors)

    def query(self, embedding, limit, where=None):
        hits = [(i, float(v @ embedding), self.metadata[i]) for i, v in self.vectors.items()
                if not where or all(self.metadata[i].get(k) == val for k, val in where.items())]
        return sorted(hits, key=lambda h: -h[1])[:limit]


class RecordedProgress:
    """A Progress (core/ports.py) that records its calls: ("started", total), ("advanced", done), ("finished",)."""

    def __init__(self):
        self.calls: list[tuple] = []

    def started(self, total, what):
        self.calls.append(("started", total))

    def advanced(self, done, detail=""):
        self.calls.append(("advanced", done))

    def finished(self):
        self.calls.append(("finished",))


class FakeTextEncoder:
    """A TextEncoder in FakeImageEncoder's space: a text is its colour words (red, green, blue) plus a constant, so
    "a red photo" matches red pictures; `encoded` counts the texts it was asked for."""

    embedding_dim = 4
    COLOURS = ("red", "green", "blue")

    def __init__(self) -> None:
        self.encoded = 0

    def encode_texts(self, texts) -> np.ndarray:
        self.encoded += len(texts)
        vectors = np.array([[t.count(c) for c in self.COLOURS] + [0.5] for t in texts], np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
