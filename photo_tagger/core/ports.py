"""Protocols the core depends on; adapters in infra/ implement them, fakes in tests do too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

from photo_tagger.core.types import PreprocessSpec

if TYPE_CHECKING:
    from photo_tagger.core.keywords import KeywordSet, SidecarKeywords


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
    A `shared` store (a server several app instances write to) also carries each photo's tags and flags,
    so every instance can filter on them; a private one does not need them (filters come from the catalog).
    """

    shared: bool
    library_id: str | None  # stamped on this instance's records in a shared store; None: not stamped

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None: ...

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...

    def get_metadata(self, ids: Sequence[str]) -> dict[str, dict]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(self, embedding: np.ndarray, limit: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        """Nearest first, as (id, cosine similarity, metadata)."""
        ...


class KeywordReader(Protocol):
    """Keywords already in a photo's metadata, read from the bytes the indexer read (embedded XMP and IPTC)
    and from its XMP sidecars beside `path`, with the app's own keywords left out. Never writes."""

    def keywords(self, data: bytes, path: str) -> list[str]: ...


class SidecarStore(Protocol):
    """XMP sidecars of photos (`<photo name>.xmp`); the photos themselves are never written."""

    def read(self, photo_path: str) -> SidecarKeywords | None:
        """The keyword properties of the photo's sidecar, None when it has none."""
        ...

    def write(self, photo_path: str, present: KeywordSet, ours: KeywordSet) -> None:
        """Set the keyword properties to `present` and record `ours` as the app's own, keeping everything else
        in the sidecar; atomic. Raises OSError (reason in its message) when the sidecar cannot be written."""
        ...
