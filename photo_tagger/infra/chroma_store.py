"""The VectorStore on chromadb: an embedded PersistentClient (a folder) or an HttpClient (a server URL)."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import chromadb.errors
import httpx
import numpy as np
from chromadb.config import Settings

from photo_tagger.core.vector_metadata import OWNER_KEY
from photo_tagger.infra.store_auth import StoreAccess, check_answer, response_hook
from photo_tagger.infra.store_retry import (
    CONNECTION_ERRORS,
    RetryingCollection,
    StoreRetry,
    StoreUnavailable,
    set_request_timeout,
    set_response_hook,
)

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 3.0
_NAME_OK = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")
# Pages for ids(): larger pages mean fewer round trips; ids are small.
_ID_PAGE = 20_000


def open_chroma(location: str | Path, retry: StoreRetry | None = None, ca_file: str = "",
                access: StoreAccess | None = None) -> Any:
    """A chromadb client for a folder (embedded) or an http(s)://host[:port] URL (server).

    Telemetry is off. A PersistentClient is thread-safe but not process-safe: open one per process
    and per folder, and close it (client.close()) on shutdown. A server that cannot be reached is waited
    for as `retry` says (by default a few seconds); every request has a timeout. A server behind a TLS proxy
    gets the token from `access` (by default: the environment or the keyring, store_auth.py) and its
    certificate is verified (against `ca_file` when given).
    """
    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    text = str(location)
    if text.startswith(("http://", "https://")):
        url = urlsplit(text)
        ssl = url.scheme == "https"
        host = url.hostname or "localhost"
        try:
            port = url.port or (443 if ssl else 8000)
        except ValueError as exc:
            raise StoreUnavailable(f"Bad Chroma server URL {text!r}: {exc}") from None
        access = access or StoreAccess.for_server(text, ca_file)
        access.check()
        retry = retry or StoreRetry(text)
        return retry.call(_open_http, text, f"{url.scheme}://{url.netloc}", host, port, ssl, settings, access)
    # chromadb shares one System per path *string*: resolve so two spellings of a folder are one client.
    path = Path(location).expanduser().resolve()
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:
        raise StoreUnavailable(f"Cannot open the photo index at {path}: {exc}") from None


def _open_http(text: str, base: str, host: str, port: int, ssl: bool, settings: Settings,
               access: StoreAccess) -> Any:
    # A heartbeat with a timeout first: chromadb's own checks at construction have none.
    try:
        answer = httpx.get(f"{base}/api/v2/heartbeat", timeout=_CONNECT_TIMEOUT_S, headers=access.headers(),
                           verify=access.ssl_context() if ssl else True)
    except httpx.InvalidURL as exc:
        raise StoreUnavailable(f"Bad Chroma server URL {text!r}: {exc}") from None
    check_answer(answer, text, access)  # a proxy's 401/403 (refused) or 502-504 (Chroma behind it is away)
    if answer.status_code != 200 or "heartbeat" not in answer.text:
        raise StoreUnavailable(f"{text} does not answer like a Chroma server (HTTP {answer.status_code})")
    if ssl:
        settings.chroma_server_ssl_verify = access.chroma_verify()
    try:
        with warnings.catch_warnings():  # httpx 0.28 deprecates the CA path chromadb's setting passes on
            warnings.simplefilter("ignore", DeprecationWarning)
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, headers=access.headers(), settings=settings)
    except CONNECTION_ERRORS:
        raise
    except ValueError as exc:
        if "Could not connect" in str(exc):  # chromadb's word for a refused connection: retried
            raise ConnectionError(str(exc)) from None
        raise StoreUnavailable(f"Chroma server {text} did not answer: {exc}") from None
    except Exception as exc:  # a non-Chroma peer
        raise StoreUnavailable(f"Chroma server {text} did not answer: {exc or type(exc).__name__}") from None
    set_request_timeout(client)
    set_response_hook(client, response_hook(text, access))
    return client


def collection_name(name: str) -> str:
    """A valid Chroma collection name for `name` (3-512 of [a-zA-Z0-9._-], alnum at both ends, no '..')."""
    if _NAME_OK.match(name) and ".." not in name and not _is_ip(name):
        return name
    cleaned = re.sub(r"[^a-zA-Z0-9._-]+", "_", name)
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip("._-")[:490]
    # A digest keeps distinct models apart after cleaning ("ViT-B/32" vs "ViT-B_32").
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}" if cleaned else f"c-{digest}"


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _clean_value(value: Any) -> Any:
    """A Chroma-acceptable value, or None where Chroma has no way to store it (None, an empty list)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = [v.item() if isinstance(v, np.generic) else v for v in value if v is not None]
        return items or None
    return value


def clean_metadata(metadata: dict | None) -> dict:
    """Metadata Chroma accepts: None values and empty lists dropped, numpy scalars/arrays made Python.

    Chroma stores str, int, float, bool and non-empty lists of one of those; it rejects numpy scalars
    and empty lists, and an upsert treats a None value as "delete this key".
    """
    out = {}
    for key, value in (metadata or {}).items():
        value = _clean_value(value)
        if value is not None:
            out[key] = value
    return out


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


class ChromaVectorStore:
    """One Chroma collection (one per model) with cosine space, behind the VectorStore protocol.

    Thread-safe within a process as the client is; never share a persistent folder between
    processes. Embeddings are always given: the collection has no embedding function, so Chroma
    never loads (or downloads) its default model.
    """

    def __init__(self, client: Any, name: str, ef_search: int | None = None, shared: bool = False,
                 retry: StoreRetry | None = None, library_id: str | None = None) -> None:
        """ef_search (HNSW search breadth; Chroma's default 100) applies when the collection is created.

        At 100k, Chroma's default 100 gave recall@50 0.43 on text-like queries, 500 gave 0.85 (RESULTS.md).
        Every record written is stamped with `library_id` (the writing app instance); calls that cannot
        reach a server are retried as `retry` says.
        """
        retry = retry or StoreRetry(str(name))
        self.library_id = library_id
        self._stamp = {OWNER_KEY: library_id} if library_id else {}
        self._client = client
        self.shared = shared  # a server other app instances use too: tags are mirrored into metadata
        self.name = collection_name(name)
        hnsw: dict = {"space": "cosine"}
        if ef_search:
            hnsw["ef_search"] = int(ef_search)
        self.collection = RetryingCollection(retry.call(
            client.get_or_create_collection, self.name, embedding_function=None, configuration={"hnsw": hnsw}
        ), retry)
        space = (self.collection.configuration_json.get("hnsw") or {}).get("space")
        if space not in (None, "cosine"):
            # An existing collection keeps its configuration; similarities would be wrong.
            raise StoreUnavailable(f"Collection {self.name} uses {space} distance, not cosine")
        # Asked once: over HTTP every call is a round trip.
        self.batch_size = max(1, int(retry.call(client.get_max_batch_size)))

    @staticmethod
    def list_collections(client: Any) -> list[str]:
        return sorted(c.name for c in client.list_collections())

    @staticmethod
    def drop_collection(client: Any, name: str) -> bool:
        """Delete a collection and its data; False when there was none."""
        try:
            client.delete_collection(collection_name(name))
        except (ValueError, chromadb.errors.NotFoundError):
            return False
        return True

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None:
        """Insert or replace whole records (embedding and metadata).

        Existing records are deleted and added again rather than upserted: Chroma's upsert merges
        metadata, and in 1.5.9 it is slower and degrades the HNSW graph (recall@50 0.83 -> 0.58 after
        one re-upsert of every record; see benchmarks/RESULTS.md). Not atomic: a crash in between
        loses those records, and the next scan indexes them again.
        """
        ids = list(ids)
        if not ids:
            return
        vectors = np.ascontiguousarray(embeddings, dtype=np.float32).reshape(len(ids), -1)
        if len(metadatas) != len(ids):
            raise ValueError(f"{len(ids)} ids but {len(metadatas)} metadatas")
        for part in _chunks(len(ids), self.batch_size):
            batch_ids = ids[part]
            existing = self.collection.get(ids=batch_ids, include=[])["ids"]
            if existing:
                self.collection.delete(ids=existing)
            # Chroma rejects an empty metadata dict but accepts None for "no metadata".
            metas = [clean_metadata({**(m or {}), **self._stamp}) or None for m in metadatas[part]]
            self.collection.add(ids=batch_ids, embeddings=vectors[part], metadatas=metas)

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """Merge into existing records' metadata; a None (or empty list) value removes that key.

        Embeddings are kept; unknown ids are ignored (Chroma's behaviour).
        """
        if len(metadatas) != len(ids):
            raise ValueError(f"{len(ids)} ids but {len(metadatas)} metadatas")
        # Chroma rejects an empty metadata dict, so records with nothing to change are left out.
        pairs = [(i, {k: _clean_value(v) for k, v in {**m, **self._stamp}.items()})
                 for i, m in zip(ids, metadatas) if m]
        for part in _chunks(len(pairs), self.batch_size):
            chunk = pairs[part]
            self.collection.update(ids=[i for i, _ in chunk], metadatas=[m for _, m in chunk])

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for part in _chunks(len(ids), self.batch_size):
            self.collection.delete(ids=ids[part])

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings as float32 (Chroma returns float64); unknown ids are absent."""
        ids = list(ids)
        out: dict[str, np.ndarray] = {}
        for part in _chunks(len(ids), self.batch_size):
            got = self.collection.get(ids=ids[part], include=["embeddings"])
            if got["ids"]:  # one conversion per page, not one per vector
                out.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)))
        return out

    def get_metadata(self, ids: Sequence[str]) -> dict[str, dict]:
        ids = list(ids)
        out: dict[str, dict] = {}
        for part in _chunks(len(ids), self.batch_size):
            got = self.collection.get(ids=ids[part], include=["metadatas"])
            out.update((i, m or {}) for i, m in zip(got["ids"], got["metadatas"]))
        return out

    def ids(self) -> set[str]:
        """Every id, fetched in pages without embeddings or metadata."""
        out: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=_ID_PAGE, offset=offset)["ids"]
            out.update(page)
            if len(page) < _ID_PAGE:
                return out
            offset += len(page)

    def count(self) -> int:
        return self.collection.count()

    def query(self, embedding: np.ndarray, limit: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        """Nearest first, as (id, cosine similarity = 1 - cosine distance, metadata)."""
        if limit <= 0:
            return []
        vector = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
        # Chroma caps n_results at the number of records itself (no error, no warning).
        got = self.collection.query(
            query_embeddings=vector, n_results=limit, where=where or None, include=["metadatas", "distances"]
        )
        return [
            (i, 1.0 - float(d), m or {})
            for i, d, m in zip(got["ids"][0], got["distances"][0], got["metadatas"][0])
        ]
