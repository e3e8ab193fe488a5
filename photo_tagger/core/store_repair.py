"""Put back what the vector store lost (its folder deleted, a server's data gone) from the catalog's copies.

The catalog keeps every embedding beside its record, so a lost vector store is rebuilt without encoding a photo.
It is noticed when the library is opened: the store's count differs from the catalog's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.vector_metadata import vector_metadata

log = logging.getLogger(__name__)

_PAGE = 1000


@dataclass(frozen=True)
class StoreRepair:
    """What an open found and did: vectors restored from the catalog, photos left to re-encode, strays removed."""

    expected: int  # photos the catalog says have a vector of this model
    restored: int = 0
    to_reencode: int = 0  # no copy in the catalog either (libraries from before catalog vectors)
    removed: int = 0  # vectors of photos the catalog does not hold (embedded store only)

    def summary(self, where: str) -> str:
        text = (f"the photo index at {where} was missing {self.restored + self.to_reencode} of {self.expected} "
                f"photos; restored {self.restored} from the catalog (no re-encoding)")
        if self.to_reencode:
            text += f", {self.to_reencode} will be re-encoded by the next index"
        if self.removed:
            text += f"; removed {self.removed} vectors of photos no longer in the library"
        return text


def store_in_step(catalog: Catalog, store: VectorStore, model_key: str) -> bool:
    """Cheap check at open: two counts. A shared store also holds other libraries' vectors, so there only a
    shortfall shows a loss."""
    expected, have = catalog.count_embedded(model_key), store.count()
    return have >= expected if store.shared else have == expected


def repair_store(catalog: Catalog, store: VectorStore, model_key: str,
                 progress: Progress | None = None) -> StoreRepair | None:
    """Restore the store's missing vectors of `model_key` from the catalog; None when the counts agree.

    Safe to kill at any point: the catalog is only changed at the end (photos with no vector anywhere are
    marked for re-encoding), and the next open finds the counts still differing and carries on."""
    if store_in_step(catalog, store, model_key):
        return None
    wanted = set(catalog.filter_ids(model_key))
    present = store.ids()
    missing = sorted(wanted - present)
    strays = [] if store.shared else sorted(present - wanted)
    if strays:  # vectors of photos the catalog no longer holds (a catalog restored from a backup, say)
        store.delete(strays)
    restored, lost = 0, []
    if progress is not None:
        progress.started(len(missing), "restoring the photo index")
    for start in range(0, len(missing), _PAGE):
        page = missing[start:start + _PAGE]
        kept = catalog.vectors(model_key, page)
        records = catalog.get(list(kept))
        ids = [i for i in page if i in kept and i in records]
        lost += [i for i in page if i not in kept]
        if ids:
            store.upsert(ids, np.stack([kept[i] for i in ids]), _metadata(catalog, store, [records[i] for i in ids]))
            restored += len(ids)
        if progress is not None:
            progress.advanced(min(start + _PAGE, len(missing)))
    if progress is not None:
        progress.finished()
    if lost:
        with catalog.transaction() as db:
            catalog.write(db, upserts=[replace(r, embedded_model="") for r in catalog.get(lost).values()])
    return StoreRepair(len(wanted), restored, len(lost), len(strays))


def _metadata(catalog: Catalog, store: VectorStore, records: list) -> list[dict]:
    if not store.shared:
        return [vector_metadata(r) for r in records]
    # a shared store carries each photo's effective tags (see Indexer._metadata)
    tags = photo_tags(catalog, [r.id for r in records])
    return [vector_metadata(r, tags[r.id]) for r in records]


def copy_missing_catalog_vectors(catalog: Catalog, store: VectorStore, model_key: str, page: int = _PAGE) -> int:
    """Copy into the catalog the vectors it lacks for `model_key` from the store (libraries from before catalog
    vectors kept them in the store only, a store about to be dropped, a restored backup); no encoding. Returns
    how many were copied."""
    missing = catalog.ids_without_vector(model_key)
    copied = 0
    for start in range(0, len(missing), page):
        found = store.get_embeddings(missing[start:start + page])
        if found:
            with catalog.transaction() as db:
                catalog.write_vectors(db, model_key, list(found), np.stack(list(found.values())))
            copied += len(found)
    return copied
