"""Search: photos matching a text, photos like one photo, as grid items best first."""

from __future__ import annotations

import numpy as np

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.search import SearchHit, nearest, search_text
from photo_tagger.services.browsing import GridItem, Scope

SEARCH_LIMIT = 200
SIMILAR_LIMIT = 60


def text_hits(app, query: str, filters: Filters, limit: int) -> list[SearchHit]:
    """Photos matching a description, best first (exact over the local matrix, see core/search.py)."""
    return search_text(query, app.cached_text_encoder, app.search_store(), app.catalog, limit=limit,
                       filters=filters, index=app.embedding_index())


def similar_hits(app, embedding: np.ndarray, filters: Filters, limit: int,
                 exclude: str | None = None) -> list[SearchHit]:
    """Photos nearest to an embedding, best first, `exclude` (the photo it came from) left out."""
    return nearest(app.search_store(), app.catalog, embedding, limit=limit, filters=filters, exclude=exclude,
                   index=app.embedding_index())


def grades(app, query: str, ids: list[str]) -> list[str]:
    """"strong" / "weak" per photo against the library (core/grading.py), from their stored embeddings."""
    from photo_tagger.core.grading import grade_ids

    return grade_ids(app.catalog, app.cached_text_encoder, app.model_key(), query, ids)


def search_items(app, query: str, scope: Scope, limit: int = SEARCH_LIMIT) -> list[GridItem]:
    return [GridItem.of(h.record, h.score, h.tags, h.flags) for h in text_hits(app, query, scope.filters(), limit)]


def graded_search_items(app, query: str, scope: Scope) -> tuple[list[GridItem], list[GridItem]]:
    """The window's search: hits split into strong and weak ones, each best first."""
    from photo_tagger.core.grading import STRONG

    items = search_items(app, query, scope)
    remember_search(app, query)
    graded = grades(app, query, [i.id for i in items])
    return ([i for i, g in zip(items, graded) if g == STRONG], [i for i, g in zip(items, graded) if g != STRONG])


def similar_items(app, photo_id: str, limit: int = SIMILAR_LIMIT) -> list[GridItem]:
    """The photos nearest to one photo's stored embedding (no image is read), best first, itself left out."""
    store = app.vector_store()
    embeddings = store.get_embeddings([photo_id])
    if photo_id not in embeddings:
        raise PhotoTaggerError("this photo has no stored embedding yet (it is being indexed, or was skipped)")
    hits = similar_hits(app, embeddings[photo_id], Filters(), limit, exclude=photo_id)
    return [GridItem.of(h.record, h.score, h.tags, h.flags) for h in hits]


def remember_search(app, query: str) -> None:
    """Keep a query that ran (from the window or the command line) among the recent searches."""
    app.search_history.remember(query)


def recent_searches(app, n: int = 20) -> list[str]:
    """The library's last `n` distinct searches, newest first."""
    return app.search_history.recent(n)
