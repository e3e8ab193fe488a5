"""Text and image queries against the vector store, with filters applied in the store."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.ports import TextEncoder, VectorStore
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import display


class SearchError(PhotoTaggerError):
    """A query that cannot be run as given."""


@dataclass(frozen=True)
class Filters:
    folder: str | None = None  # absolute folder: the photo is in it or below it
    tag: str | None = None
    flagged: bool | None = None  # None: both
    since: date | None = None  # taken on or after
    until: date | None = None  # taken on or before

    def where(self) -> dict | None:
        clauses = []
        if self.folder:
            clauses.append({"folders": {"$contains": display(self.folder.rstrip(os.sep) or os.sep)}})
        if self.tag:
            clauses.append({"tags": {"$contains": self.tag}})
        if self.flagged is not None:
            clauses.append({"flagged": int(self.flagged)})
        if self.since:
            clauses.append({"taken_ts": {"$gte": _day_start(self.since)}})
        if self.until:
            clauses.append({"taken_ts": {"$lt": _day_start(self.until) + 86400}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class SearchHit:
    record: PhotoRecord
    score: float  # cosine similarity
    tags: tuple[str, ...]
    flags: tuple[str, ...]


def _day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def nearest(store: VectorStore, catalog, embedding: np.ndarray, *, limit: int, filters: Filters,
            exclude: str | None = None) -> list[SearchHit]:
    if limit < 1:
        raise SearchError(f"limit must be at least 1, not {limit}")
    raw = store.query(embedding, limit + (1 if exclude else 0), where=filters.where())
    records = catalog.get([hit_id for hit_id, _, _ in raw])
    hits = []
    for hit_id, score, meta in raw:
        # A vector without a catalog record is a leftover of an interrupted write: never shown.
        if hit_id in records and hit_id != exclude:
            hits.append(SearchHit(records[hit_id], score, tuple(meta.get("tags", ())), tuple(meta.get("flags", ()))))
    return hits[:limit]


def search_text(query: str, text_encoder: TextEncoder, store: VectorStore, catalog, *, limit: int = 20,
                filters: Filters = Filters()) -> list[SearchHit]:
    query = " ".join(query.split())
    if not query:
        raise SearchError("the search query is empty: describe what is in the photo, e.g. \"dog on a beach\"")
    embedding = text_encoder.encode_texts([query])[0]
    return nearest(store, catalog, embedding, limit=limit, filters=filters)
