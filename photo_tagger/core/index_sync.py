"""The one way a vector index (the Chroma collection) is brought in step with the truth: the catalog's vectors.

The catalog's `vectors` table holds each photo's embedding, written in the same transaction as its record: it is
the truth. The Chroma collection and the search matrix (core/embedding_index.py, which follows the same table by
its `seq`) are indexes derived from it. Every path that makes the collection agree with the catalog comes here:

- after a kill (the journal names the ids whose index write may not match the catalog): `catch_up(ids)`;
- after a loss (the collection's folder deleted, a server's data gone; two counts differ at open): `sync_store`;
- the other way round, once: a catalog that lacks vectors (a library from before catalog vectors, a catalog
  restored from a backup, which holds none) adopts them from the index (`adopt_vectors`), so a later loss of
  the index is rebuilt from the catalog instead of encoding those photos again.

A photo with no vector anywhere is marked for re-encoding; nothing here encodes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import TagDecision, UserChoices
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import vector_metadata

log = logging.getLogger(__name__)

_PAGE = 1000


@dataclass
class CatchUp:
    """What one catch-up did to the index: records written from the truth, records removed, and the photos
    recorded as embedded whose vector is nowhere (marked for re-encoding)."""

    restored: int = 0
    removed: int = 0
    lost: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoreRepair:
    """What an open found and did: vectors restored from the catalog, photos left to re-encode, strays removed."""

    expected: int  # photos the catalog says have a vector of this model
    restored: int = 0
    to_reencode: int = 0  # no copy in the catalog either (libraries from before catalog vectors)
    removed: int = 0  # vectors of photos the catalog does not hold (embedded store only)

    def summary(self, where: str) -> str:
        text = (
            f"the photo index at {where} was missing {self.restored + self.to_reencode} of {self.expected} "
            f"photos; restored {self.restored} from the catalog (no re-encoding)"
        )
        if self.to_reencode:
            text += f", {self.to_reencode} will be re-encoded by the next index"
        if self.removed:
            text += f"; removed {self.removed} vectors of photos no longer in the library"
        return text


def catch_up(
    catalog: Catalog,
    store: VectorStore,
    model_key: str,
    ids: Sequence[str],
    progress: Progress | None = None,
    what: str = "bringing the photo index in step",
    clear_journal: bool = False,
) -> CatchUp:
    """Make the index's records of `ids` what the catalog says: a photo the catalog holds as embedded by
    `model_key` gets the catalog's vector and metadata; any other id leaves the index.

    Safe to kill at any point: the catalog changes only at the end, in one transaction (photos with no vector
    anywhere marked for re-encoding; with `clear_journal`, these ids' journal entries cleared with it), so a
    rerun does the same again."""
    ids = list(dict.fromkeys(ids))
    done = CatchUp()
    if progress is not None:
        progress.started(len(ids), what)
    lost_records: list[PhotoRecord] = []
    for start in range(0, len(ids), _PAGE):
        page = ids[start : start + _PAGE]
        records = catalog.get(page)
        keep = {i: r for i, r in records.items() if r.status == "indexed" and r.embedded_model == model_key}
        gone = [i for i in page if i not in keep]
        if gone:
            store.delete(gone)
            done.removed += len(gone)
        truth = catalog.vectors(model_key, list(keep))
        adopted = _adopt(catalog, store, model_key, [i for i in keep if i not in truth])
        written = [i for i in keep if i in truth]
        if written:
            store.upsert(
                written,
                np.stack([truth[i] for i in written]),
                index_metadata(catalog, store.shared, [keep[i] for i in written]),
            )
            done.restored += len(written)
        if adopted:  # the index held the only copy: it stays, its metadata follows the catalog
            store.update_metadata(adopted, index_metadata(catalog, store.shared, [keep[i] for i in adopted]))
        lost_records += [keep[i] for i in keep if i not in truth and i not in adopted]
        if progress is not None:
            progress.advanced(min(start + _PAGE, len(ids)))
    if progress is not None:
        progress.finished()
    if lost_records or clear_journal:
        with catalog.transaction() as db:
            catalog.write(db, upserts=[replace(r, embedded_model="") for r in lost_records])
            if clear_journal:
                catalog.journal_clear(db, ids, model_key)
    done.lost = [r.id for r in lost_records]
    return done


def store_in_step(catalog: Catalog, store: VectorStore, model_key: str) -> bool:
    """Cheap check at open: two counts. A shared store also holds other libraries' vectors, so there only a
    shortfall shows a loss."""
    expected, have = catalog.count_embedded(model_key), store.count()
    return have >= expected if store.shared else have == expected


def sync_store(
    catalog: Catalog, store: VectorStore, model_key: str, progress: Progress | None = None
) -> StoreRepair | None:
    """After a loss: restore the index's missing vectors of `model_key` from the catalog and remove its strays
    (a private store only); None when the counts agree."""
    if store_in_step(catalog, store, model_key):
        return None
    wanted = set(catalog.filter_ids(model_key))
    present = store.ids()
    strays = [] if store.shared else sorted(present - wanted)  # e.g. a catalog restored from a backup
    removed = catch_up(catalog, store, model_key, strays).removed if strays else 0
    done = catch_up(catalog, store, model_key, sorted(wanted - present), progress, "restoring the photo index")
    return StoreRepair(len(wanted), done.restored, len(done.lost), removed)


def adopt_vectors(catalog: Catalog, store: VectorStore, model_key: str, page: int = _PAGE) -> int:
    """Copy into the catalog the vectors it lacks for `model_key` from the index (libraries from before catalog
    vectors, a restored backup, a collection about to be dropped); no encoding. Returns how many were copied."""
    missing = catalog.ids_without_vector(model_key)
    return sum(
        len(_adopt(catalog, store, model_key, missing[start : start + page])) for start in range(0, len(missing), page)
    )


def _adopt(catalog: Catalog, store: VectorStore, model_key: str, ids: list[str]) -> list[str]:
    found = store.get_embeddings(ids) if ids else {}
    if found:
        with catalog.transaction() as db:
            catalog.write_vectors(db, model_key, list(found), np.stack(list(found.values())))
    return list(found)


def index_metadata(
    catalog: Catalog,
    shared: bool,
    records: Sequence[PhotoRecord],
    decisions: dict[str, TagDecision] | None = None,
    choices: dict[str, UserChoices] | None = None,
) -> list[dict]:
    """The metadata an index record carries: the file's facts; in a shared store also each photo's effective
    tags (other machines filter on them there), from the catalog unless newer `decisions`/`choices` are given."""
    if not shared:
        return [vector_metadata(r) for r in records]
    ids = [r.id for r in records]
    tags = photo_tags(
        catalog,
        ids,
        decisions={**catalog.decisions(ids), **(decisions or {})},
        choices={**catalog.choices(ids), **(choices or {})},
    )
    return [vector_metadata(r, tags[r.id]) for r in records]
