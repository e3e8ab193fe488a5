"""Copy one library's vectors and metadata between two Chroma stores (embedded <-> server), verified."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.ports import Progress
from photo_tagger.core.vector_metadata import OWNER_KEY
from photo_tagger.infra.chroma_store import ChromaVectorStore, clean_metadata
from photo_tagger.infra.store_retry import RetryingCollection, StoreRetry

log = logging.getLogger(__name__)

PHOTO_COLLECTIONS = "photos--"
_ID_PAGE = 20_000


class CopyNotVerified(PhotoTaggerError):
    """The target does not hold exactly what was copied."""


@dataclass
class CopyReport:
    collections: dict[str, int] = field(default_factory=dict)  # name -> records of this library now in the target
    written: int = 0  # records added or replaced (the rest were already identical)
    removed: int = 0  # records of this library in the target that the source no longer has


def copy_library(source: Any, target: Any, ids: Sequence[str], library_id: str, *, shared_target: bool,
                 rewrite: Callable[[list[str], list[dict]], list[dict]], retry: StoreRetry,
                 target_retry: StoreRetry | None = None, progress: Progress | None = None) -> CopyReport:
    """Copy the records `ids` (this library's photos) of every photo collection from client `source` to client
    `target`, embeddings as stored (nothing is encoded), metadata through `rewrite(ids, metadatas)`.

    Afterwards each target collection holds exactly these records for this library: identical records are
    left alone (a re-run writes nothing), records of this library that the source lacks are removed (in a
    `shared_target` only those stamped with `library_id`; other instances' records are never touched; in a
    private target everything else). Raises CopyNotVerified when the target's ids differ afterwards.
    Calls to the source go through `retry`, to the target through `target_retry` (default: `retry`).
    """
    target_retry = target_retry or retry
    ids = list(dict.fromkeys(ids))
    names = [n for n in retry.call(ChromaVectorStore.list_collections, source) if n.startswith(PHOTO_COLLECTIONS)]
    report = CopyReport()
    if progress:
        progress.started(len(ids) * len(names), "copying")
    done = 0
    for name in names:
        src = RetryingCollection(retry.call(source.get_collection, name, embedding_function=None), retry)
        hnsw = (src.configuration_json or {}).get("hnsw") or {}
        tgt_store = ChromaVectorStore(target, name, ef_search=hnsw.get("ef_search"), shared=shared_target,
                                      retry=target_retry, library_id=library_id)
        tgt = tgt_store.collection
        batch = max(1, min(int(retry.call(source.get_max_batch_size)), tgt_store.batch_size))
        copied: set[str] = set()
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            got = src.get(ids=chunk, include=["embeddings", "metadatas"])
            if got["ids"]:
                new_ids = list(got["ids"])
                vectors = np.asarray(got["embeddings"], dtype=np.float32)
                metas = [clean_metadata({**m, OWNER_KEY: library_id})
                         for m in rewrite(new_ids, [m or {} for m in got["metadatas"]])]
                at = {i: k for k, i in enumerate(new_ids)}
                have = tgt.get(ids=new_ids, include=["embeddings", "metadatas"])
                stored = np.asarray(have["embeddings"], dtype=np.float32) if have["ids"] else []
                same = {i for i, v, m in zip(have["ids"], stored, have["metadatas"])
                        if (m or {}) == metas[at[i]] and np.array_equal(v, vectors[at[i]])}
                write = [k for k, i in enumerate(new_ids) if i not in same]
                if write:
                    tgt_store.upsert([new_ids[k] for k in write], vectors[write], [metas[k] for k in write])
                report.written += len(write)
                copied.update(new_ids)
            done += len(chunk)
            if progress:
                progress.advanced(done, name)
        stale = sorted(_target_ids(tgt, library_id if shared_target else None) - copied)
        if stale:
            tgt_store.delete(stale)
            report.removed += len(stale)
        after = _target_ids(tgt, library_id if shared_target else None)
        if after != copied:
            raise CopyNotVerified(f"{name}: the target holds {len(after)} records of this library, "
                                  f"{len(copied)} were copied ({len(copied - after)} missing, "
                                  f"{len(after - copied)} unexpected); the settings were not changed")
        report.collections[name] = len(copied)
        log.info("copied %s: %d records", name, len(copied))
    if progress:
        progress.finished()
    return report


def _target_ids(collection: Any, owner: str | None) -> set[str]:
    """Every id in the collection (owner None), or those stamped with `owner`, in pages."""
    out: set[str] = set()
    offset = 0
    while True:
        page = collection.get(where={OWNER_KEY: owner} if owner else None, include=[], limit=_ID_PAGE,
                              offset=offset)["ids"]
        out.update(page)
        if len(page) < _ID_PAGE:
            return out
        offset += len(page)
