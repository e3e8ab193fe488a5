"""Text and image queries: nearest neighbours in the vector store, filters answered by the catalog."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core.embedding_index import EXACT_MAX_ROWS, EmbeddingIndex
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.ports import Catalog, TextEncoder, VectorStore
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import foreign_record

# A filtered search first checks the best CANDIDATES_PER_HIT rows per wanted hit (at least MIN_CANDIDATES)
# against its filters: enough pass when the filter admits more than ~2% of the photos.
CANDIDATES_PER_HIT = 50
MIN_CANDIDATES = 1000
# How long an unfiltered search waits for another thread's load of the matrix before HNSW answers it (the
# window loads it at start; the p95 target of a search is 50 ms).
FIRST_QUERY_WAIT_S = 0.03


class SearchError(PhotoTaggerError):
    """A query that cannot be run as given."""


@dataclass(frozen=True)
class SearchHit:
    record: PhotoRecord
    score: float  # cosine similarity
    tags: tuple[str, ...]
    flags: tuple[str, ...]
    reasons: tuple[str, ...] = ()  # why it matched: "meaning", "text", "tag", "name" (core/search_rank.py)
    grade: str = ""  # "strong" / "weak" (core/grading.py, core/search_rank.py); "" where not graded
    snippet: str = ""  # for a match by text: the part of the photo's text that matched


def local_hits(catalog, scored: list[tuple[str, float]]) -> list[SearchHit]:
    """Hits for photos of this library's catalog, in the given order (ids it lacks are left out)."""
    ids = [i for i, _ in scored]
    records = catalog.get(ids)
    tags = photo_tags(catalog, [i for i in ids if i in records])
    return [SearchHit(records[i], score, tags[i].tags, tags[i].flags) for i, score in scored if i in records]


def filtered_nearest(
    catalog: Catalog, index: EmbeddingIndex, embedding: np.ndarray, limit: int, filters: Filters
) -> list[tuple[str, float]]:
    """Exact top `limit` among the photos the filters admit.

    The best-scoring rows overall are checked against the filters first (one catalog lookup by primary
    key): when enough pass, they are the answer, as every photo further down scores lower. That answers
    broad filters (a root, not flagged, a year). Otherwise the filter admits few photos (a tag, a month,
    an event folder), and scoring all of them is cheap. Checking rows costs about half a pass over the matrix
    per 1,000, so the best few are checked first: 2 x `limit` without filters (all but deleted or stale photos
    pass), 10 x `limit` with them (enough for a filter that admits a fifth of the photos).
    """
    ranked = index.ranked(embedding, max(limit * CANDIDATES_PER_HIT, MIN_CANDIDATES))
    first = (10 if filters.active() else 2) * limit
    for checked in ([ranked[:first]] if first < len(ranked) else []) + [ranked]:
        passed = set(filters.catalog_ids(catalog, index.model_name, among=[i for i, _ in checked]))
        hits = [(i, score) for i, score in checked if i in passed][:limit]
        if len(hits) == limit or len(checked) == len(index):
            return hits
    return index.nearest(embedding, filters.catalog_ids(catalog, index.model_name), limit)


def exact(store: VectorStore, index: EmbeddingIndex | None, filters: Filters) -> bool:
    """Whether a search is answered by exact scores over `index` rather than by the store.

    A private library: always, except an unfiltered search of a library above EXACT_MAX_ROWS, or one asked
    while another thread still loads the matrix (at start: HNSW answers for that moment instead of making the
    query wait). A filtered search always waits: a private store's metadata holds no tags. A shared store
    answers itself: other app instances' photos are only there."""
    if index is None or store.shared:
        return False
    if filters.active():
        return True
    # A store not opened yet (core.once.Deferred, the window's first seconds) would take longer to open than the
    # matrix takes to load: then the search waits for the matrix.
    loaded = index.ready(FIRST_QUERY_WAIT_S) or (not getattr(store, "made", True) and index.ready(None))
    return loaded and len(index) <= EXACT_MAX_ROWS


def nearest(
    store: VectorStore,
    catalog,
    embedding: np.ndarray,
    *,
    limit: int,
    filters: Filters,
    exclude: str | None = None,
    index: EmbeddingIndex | None = None,
) -> list[SearchHit]:
    """Most similar photos first: exact scores over the rows the catalog admits where `exact()` says so (a
    filter inside Chroma costs 100-800 ms at 100k photos, its unfiltered HNSW finds about 70% of the true top
    20), else the store's query with its own filters."""
    raw = nearest_scores(store, catalog, embedding, limit=limit, filters=filters, exclude=exclude, index=index)
    local = {h.record.id: h for h in local_hits(catalog, [(i, score) for i, score, _ in raw])}
    hits = []
    for hit_id, score, meta in raw:
        if hit_id in local:
            hits.append(local[hit_id])
        elif other := foreign_hit(store, hit_id, score, meta):
            hits.append(other)
    return hits[:limit]


def nearest_scores(
    store: VectorStore,
    catalog,
    embedding: np.ndarray,
    *,
    limit: int,
    filters: Filters,
    exclude: str | None = None,
    index: EmbeddingIndex | None = None,
) -> list[tuple[str, float, dict]]:
    """nearest()'s (id, cosine, store metadata) before any record is read, `exclude` left out."""
    if limit < 1:
        raise SearchError(f"limit must be at least 1, not {limit}")
    wanted = limit + (1 if exclude else 0)
    raw: list[tuple[str, float, dict]]
    if index is not None and exact(store, index, filters):
        raw = [(i, score, {}) for i, score in filtered_nearest(catalog, index, embedding, wanted, filters)]
    else:
        raw = store.query(embedding, wanted, where=filters.where())
    return [r for r in raw if r[0] != exclude]


def foreign_hit(store: VectorStore, hit_id: str, score: float, meta: dict) -> SearchHit | None:
    """Another app instance's photo on a shared server: shown from its metadata. This instance's own vector
    without a catalog record is a leftover of an interrupted write: never shown (None)."""
    other = foreign_record(hit_id, meta, store.library_id) if meta else None
    if other is None:
        return None
    return SearchHit(other, score, tuple(meta.get("tags") or ()), tuple(meta.get("flags") or ()))


def search_text(
    query: str,
    text_encoder: TextEncoder,
    store: VectorStore,
    catalog,
    *,
    limit: int = 20,
    filters: Filters = Filters(),
    index: EmbeddingIndex | None = None,
) -> list[SearchHit]:
    query = " ".join(query.split())
    if not query:
        raise SearchError('the search query is empty: describe what is in the photo, e.g. "dog on a beach"')
    embedding = text_encoder.encode_texts([query])[0]
    return nearest(store, catalog, embedding, limit=limit, filters=filters, index=index)
