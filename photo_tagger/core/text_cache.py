"""Text embeddings cached on disk by (model key, text), with an in-memory LRU for recent queries.

The key names the model's content (name@fingerprint, see InstalledModel.key), so a model replaced under the
same name never answers with its predecessor's vectors; the predecessor's rows are dropped on open.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from photo_tagger.core.ports import TextEncoder


class CachedTextEncoder:
    """A TextEncoder that encodes each (model, text) once: typing the same query again costs no inference."""

    def __init__(
        self,
        encoder: TextEncoder,
        model_key: str,
        cache_file: Path,
        *,
        memory_items: int = 512,
        model_name: str | None = None,
    ):
        """model_key identifies the model's content; with model_name, cached vectors of any other content
        installed under that name (older keys "name@...", or the bare name of caches before keys) are deleted."""
        self.encoder = encoder
        self.model_name = model_key  # the cache key (kept under this attribute name for callers)
        self.embedding_dim = encoder.embedding_dim
        self.inferences = 0  # texts actually run through the model, for tests and diagnostics
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_items = memory_items
        self._lock = threading.Lock()
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(cache_file, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS text_embeddings (model TEXT, text TEXT, vector BLOB, PRIMARY KEY (model, text))"
        )
        if model_name is not None:
            prefix = f"{model_name}@"
            with self._db:
                self._db.execute(
                    "DELETE FROM text_embeddings WHERE model != ? AND (model = ? OR substr(model, 1, ?) = ?)",
                    (model_key, model_name, len(prefix), prefix),
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        found = self._lookup(texts)
        missing = sorted({t for t in texts if t not in found})
        if missing:
            vectors = self.encoder.encode_texts(missing)
            self.inferences += len(missing)
            fresh = dict(zip(missing, vectors))
            self._store(fresh)
            found.update(fresh)
        if not texts:
            return np.zeros((0, self.embedding_dim), np.float32)
        return np.stack([found[t] for t in texts]).astype(np.float32)

    def _lookup(self, texts: list[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in texts:
                if text in self._memory:
                    self._memory.move_to_end(text)
                    found[text] = self._memory[text]
            rest = [t for t in set(texts) if t not in found]
            for start in range(0, len(rest), 500):
                chunk = rest[start : start + 500]
                rows = self._db.execute(
                    f"SELECT text, vector FROM text_embeddings WHERE model = ? AND text IN ({','.join('?' * len(chunk))})",
                    [self.model_name, *chunk],
                ).fetchall()
                for text, blob in rows:
                    found[text] = np.frombuffer(blob, dtype=np.float32)
                    self._remember(text, found[text])
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO text_embeddings VALUES (?, ?, ?)",
                    [(self.model_name, t, np.asarray(v, np.float32).tobytes()) for t, v in vectors.items()],
                )
            for text, vector in vectors.items():
                self._remember(text, vector)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._memory[text] = vector
        self._memory.move_to_end(text)
        while len(self._memory) > self._memory_items:
            self._memory.popitem(last=False)
