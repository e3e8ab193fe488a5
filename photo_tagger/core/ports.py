"""Protocols the core depends on; adapters in infra/ implement them, fakes in tests do too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from photo_tagger.core.types import PreprocessSpec

if TYPE_CHECKING:
    from photo_tagger.core.dates import DateBounds
    from photo_tagger.core.keywords import KeywordSet, SidecarKeywords
    from photo_tagger.core.tagging import TagDecision, UserChoices
    from photo_tagger.core.types import PhotoRecord


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


class Catalog(Protocol):
    """The library's records, tag decisions, user choices, a copy of the vectors and the write journal (SQLite in
    infra/catalog.py). Writes take the connection of an open `transaction()`; reads take none.

    The journal: ids written to both the vector store and the catalog are added before the store changes and
    cleared in the transaction of the catalog's write (core/journal.py), so `pending_journal` names the writes a
    crash interrupted."""

    read_only: str  # why the catalog opened read-only (a full disk), "" when writable

    def transaction(self) -> AbstractContextManager[Any]: ...

    # -- watched folders and photo records
    def add_root(self, root: str, now: float) -> bool: ...

    def remove_root(self, root: str) -> list[str]: ...

    def roots(self) -> list[str]: ...

    def records(self, root: str | None = None) -> list[PhotoRecord]: ...

    def records_under(self, root: str, relpaths: Iterable[str]) -> list[PhotoRecord]: ...

    def get(self, ids: Iterable[str]) -> dict[str, PhotoRecord]: ...

    def skipped(self) -> list[PhotoRecord]: ...

    def count_embedded(self, model: str) -> int: ...

    def write(self, db: Any, upserts: Iterable[PhotoRecord] = (), deletes: Iterable[str] = ()) -> None: ...

    # -- the catalog's copy of the vectors
    def write_vectors(self, db: Any, model: str, ids: Sequence[str], embeddings: np.ndarray) -> None: ...

    def delete_vectors(self, db: Any, ids: Iterable[str]) -> None: ...

    def vectors(self, model: str, ids: Iterable[str]) -> dict[str, np.ndarray]: ...

    def last_vector_seq(self) -> int: ...

    def vectors_since(self, model: str, seq: int) -> tuple[int, list[str], np.ndarray | None]: ...

    def ids_without_vector(self, model: str) -> list[str]: ...

    # -- filters (the same rules as the store's `where`: core/search.py)
    def filter_ids(
        self,
        model: str,
        *,
        roots: Sequence[str] = (),
        subfolders: Sequence[tuple[str, str]] = (),
        tag: str | None = None,
        flagged: bool | None = None,
        dates: DateBounds | None = None,
        among: Sequence[str] | None = None,
    ) -> list[str]: ...

    def dated_ids(self, dates: DateBounds) -> set[str]: ...

    def flagged_ids(self) -> list[str]: ...

    def tag_counts(self) -> dict[str, int]: ...

    # -- automatic decisions and the user's choices
    def write_decisions(self, db: Any, decisions: dict[str, TagDecision]) -> None: ...

    def decisions(self, ids: Iterable[str]) -> dict[str, TagDecision]: ...

    def choices(self, ids: Iterable[str]) -> dict[str, UserChoices]: ...

    def carry_choices(self, db: Any, heir: str, sources: Iterable[str]) -> None: ...

    def all_choices(self) -> tuple[list[tuple[str, str, str]], list[str]]: ...

    def set_user_tags(self, db: Any, photo_id: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None: ...
    def forget_removed_tags(self, db: Any, photo_id: str, labels: Iterable[str]) -> None: ...

    def set_not_sensitive(self, db: Any, photo_id: str, value: bool = True) -> None: ...

    def confirm_flag(self, db: Any, photo_id: str, category: str) -> None: ...

    def confirmed_flags(self) -> list[tuple[str, str]]: ...

    def reject_flag(self, db: Any, photo_id: str, category: str) -> None: ...

    def rejected_flags(self) -> list[tuple[str, str]]: ...

    def rename_label(self, old: str, new: str) -> list[str]: ...

    # -- the write journal
    def journal_add(self, ids: Iterable[str], model: str) -> None: ...

    def journal_clear(self, db: Any, ids: Iterable[str], model: str) -> None: ...

    def pending_journal(self, model: str) -> list[str]: ...
