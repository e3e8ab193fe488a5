"""Chroma's and the search matrix's side of keeping the indexes derived from the catalog (core/index_sync.py):
what a model's replaced content left behind is dropped, and a collection that lost vectors is refilled.

Collections and search matrices are named by model key (name@fingerprint, InstalledModel.key); a collection
named by the model's name alone dates from before keys (catalog schema < 3).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from photo_tagger.core.index_sync import adopt_vectors, sync_store
from photo_tagger.core.ports import Progress
from photo_tagger.infra import chroma_store  # the class looked up at each call (tests stand in their own)
from photo_tagger.infra.storage_faults import is_disk_full, is_nearly_full

log = logging.getLogger(__name__)


def collection_for(key: str) -> str:
    """The Chroma collection of one model content: photos--NAME--FINGERPRINT."""
    return "photos--" + key.replace("@", "--")


def bring_in_step(catalog, store, key: str, library_dir: Path, *, client=None, retry=None,
                  progress: Progress | None = None, where: str = "") -> None:
    """On opening a model's store: drop what replaced content left (collections only in an embedded library:
    a server's may serve other libraries), then put back what the store lost from the catalog, saying so in one
    line. On a full disk, reads go on with the store as it is and the next open does it."""
    if getattr(catalog, "read_only", ""):
        return
    try:
        if client is not None:
            drop_replaced_collections(client, catalog, key, retry)
        drop_replaced_matrices(library_dir / "matrix", key)
        repair = sync_store(catalog, store, key, progress)
    except Exception as exc:
        if not (is_disk_full(exc, library_dir) or is_nearly_full(library_dir)):
            raise
        log.warning("the photo index is not in step with the catalog and the disk is too full to fix it "
                    "now: %s", exc, extra={"console": False})
        return
    if repair is not None:
        log.warning("%s", repair.summary(where))


def drop_replaced_collections(client, catalog, key: str, retry=None) -> None:
    """In an embedded library, drop the collections of content no longer installed under this model's name: the
    one named by the name alone (vectors the catalog lacks are copied out first) and those of replaced content.
    Not for a shared server: other libraries may still use them."""
    name = key.rpartition("@")[0]
    replaced = re.compile(rf"photos--{re.escape(name)}--[0-9a-f]{{16}}")
    for collection in chroma_store.ChromaVectorStore.list_collections(client):
        if collection == f"photos--{name}":
            adopt_vectors(catalog, chroma_store.ChromaVectorStore(client, collection, retry=retry), key)
        elif not replaced.fullmatch(collection) or collection == collection_for(key):
            continue
        chroma_store.ChromaVectorStore.drop_collection(client, collection)
        log.info("dropped the collection %s (content no longer installed as %s)", collection, name)


def drop_replaced_matrices(folder: Path, key: str) -> None:
    """Delete the search-matrix files (core/matrix_file.py) of content no longer installed under this model's
    name: after a replace they would only take disk space (about 200 MB per 100,000 photos)."""
    name = key.rpartition("@")[0]
    for header in folder.glob("*.json"):
        try:
            owner = str(json.loads(header.read_text(encoding="utf-8")).get("key", ""))
            if owner == key or owner.rpartition("@")[0] != name:
                continue
            for path in header.parent.glob(header.stem + ".*"):
                path.unlink(missing_ok=True)
        except (OSError, ValueError, AttributeError):  # unreadable, or still mapped (Windows): next time
            continue
        log.info("dropped the search matrix of %s (content no longer installed)", owner)
