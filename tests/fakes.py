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


class FakeModel:
    """What services read of an InstalledModel (infra/model_store.py): its name, content key and precisions."""

    def __init__(self, name: str, key: str | None = None, precisions: tuple[str, ...] = ("fp32",)) -> None:
        self.name = name
        self.key = key or f"{name}@1"
        self.precisions = precisions
        self.sigmoid = None
        self.manifest: dict = {"source": f"test/{name}", "languages": "English", "files": {"image_fp32.onnx": {"size": 1}}}

    def check_files(self) -> None:
        pass

    def image_encoder_file(self, precision: str) -> str:
        from photo_tagger.core.errors import ModelError

        if precision not in self.precisions:
            raise ModelError(f"model {self.name} has no {precision} image encoder")
        return f"image_{precision}.onnx"


class FakeModelStore:
    """A ModelStore (infra/model_store.py) over FakeModels: get, names, list, remove."""

    def __init__(self, *models: FakeModel) -> None:
        self.models = {m.name: m for m in models}

    def get(self, name: str) -> FakeModel:
        from photo_tagger.core.errors import ModelError

        if name not in self.models:
            raise ModelError(f"model {name!r} is not installed")
        return self.models[name]

    def names(self) -> list[str]:
        return sorted(self.models)

    def list(self) -> list[tuple]:
        return [(name, self.models[name], "") for name in self.names()]

    def remove(self, name: str) -> None:
        del self.models[name]
class FakeTextEncoder:
    """Embeds a text in FakeImageEncoder's space: as a photo of the colours it names (red, green, blue) would be,
    grey when it names none; so "a red photo" finds red photos."""

    COLOURS = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
    embedding_dim = 4

    def __init__(self) -> None:
        self.encoded = 0

    def encode_texts(self, texts) -> np.ndarray:
        self.encoded += len(texts)
        spec = FakeImageEncoder.preprocess_spec
        rows = []
        for text in texts:
            named = [rgb for word, rgb in self.COLOURS.items() if word in text.lower()] or [(128, 128, 128)]
            pixel = (np.mean(named, axis=0) / 255 - np.array(spec.mean)) / np.array(spec.std)
            rows.append([*pixel, 1.0])
        vectors = np.array(rows, np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
