"""Search: one query ranked by meaning, text in the photo, tag and file name (core/search_rank.py); photos like one
photo, plus words; recent searches. The CLI and the window both search through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from photo_tagger.core import search_rank
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.labels import LabelSet
from photo_tagger.core.ports import ImageEncoder, TextEncoder, VectorStore
from photo_tagger.core.query import Query, fts_phrase, fts_words, parse
from photo_tagger.core.search import SearchHit, foreign_hit, local_hits, nearest, nearest_scores, search_text
from photo_tagger.core.search_rank import TEXT
from photo_tagger.services.browsing import GridItem, Scope

if TYPE_CHECKING:
    from photo_tagger.core.embedding_index import EmbeddingIndex
    from photo_tagger.core.grading import Grader
    from photo_tagger.infra.catalog import Catalog  # text, name and tag lookups the core port does not cover
    from photo_tagger.infra.model_store import InstalledModel
    from photo_tagger.infra.search_history import SearchHistory

SEARCH_LIMIT = 200
SIMILAR_LIMIT = 60
TEXT_CANDIDATES = 1000  # best text matches looked at before the scope's filters
NAME_CANDIDATES = 20000  # file paths holding the query's longest word, checked word by word
EVERY_MATCH = 10_000_000  # quoted text and minus terms: every photo that matches counts


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]  # best first, each with its reasons and grade
    query: Query
    left_out: int = 0  # photos a minus term or excluded quoted text took out of the results


class SearchCalibration:
    """A sample of the library's embeddings and the grader made from it (core/grading.py), kept until the
    library grows or shrinks by about 5% or the model changes: making them costs about 200 ms a search at 5,000
    photos, and they move little with a few photos more (benchmarks/RESULTS.md, "One search box"). One per
    library: the SearchService's own."""

    def __init__(self) -> None:
        self._kept: tuple | None = None

    def get(self, catalog: Catalog, text_encoder: TextEncoder, model: str) -> tuple[np.ndarray, Grader]:
        import math

        from photo_tagger.core.grading import grader
        from photo_tagger.core.training import library_sample

        key = (model, round(20 * math.log1p(catalog.count_embedded(model))))
        kept = self._kept
        if kept is None or kept[0] != key:
            sample = library_sample(catalog, model, catalog.filter_ids(model))
            kept = self._kept = (key, sample, grader(text_encoder, sample))
        return kept[1], kept[2]


class SearchService:
    """One query ranked by meaning, text, tag and name; photos like one photo; recent searches. One per library
    (App.search_service): it keeps the search's calibration between searches."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        text_encoder: Callable[[], TextEncoder],
        image_encoder: Callable[[], ImageEncoder],
        model_key: Callable[[], str],
        active_model: Callable[[], InstalledModel],
        vector_store: Callable[[], VectorStore],
        search_store: Callable[[], VectorStore],
        embedding_index: Callable[[], EmbeddingIndex],
        labels: Callable[[], LabelSet],
        history: SearchHistory,
        shared: Callable[[], bool],
    ) -> None:
        """`vector_store`: the active model's store, opened (a photo's own embedding); `search_store`: the one a
        search is given (App.search_store: not waited for while the window opens it); `shared`: the library is
        on a server with other machines' photos."""
        self._catalog = catalog
        self._text_encoder = text_encoder
        self._image_encoder = image_encoder
        self._model_key = model_key
        self._active_model = active_model
        self._vector_store = vector_store
        self._search_store = search_store
        self._embedding_index = embedding_index
        self._labels = labels
        self._history = history
        self._shared = shared
        self._calibration = SearchCalibration()

    def search(
        self, text: str | Query, filters: Filters = Filters(), limit: int = SEARCH_LIMIT, *, remember: bool = True
    ) -> SearchResult:
        """The search box: a query (core/query.py; as typed, or already parsed by read_query) ranked by every way a
        photo can match it. A malformed query raises SearchError in one line. `remember`: keep it among the recent
        searches (the window's and the CLI's)."""
        query = text if isinstance(text, Query) else parse(text)
        if limit < 1:
            raise PhotoTaggerError(f"limit must be at least 1, not {limit}")
        encoder = self._text_encoder()
        terms = query.meaning_terms
        calibration = self.calibration()
        vectors = encoder.encode_texts([t.text for t in terms])
        query_vector = search_rank.combine(
            vectors, [t.weight for t in terms], search_rank.spreads(vectors, calibration[0])
        )
        result = self._ranked(query, query_vector, filters, limit, calibration, words=True)
        if remember:
            self.remember_search(query.text)
        return result

    def like_photo(
        self,
        embedding: np.ndarray,
        plus: str,
        filters: Filters = Filters(),
        limit: int = SIMILAR_LIMIT,
        *,
        exclude: str | None = None,
    ) -> SearchResult:
        """Photos like this embedding's photo, "but" as `plus` says (same query language; "" for none). The photo
        and each term are combined by core.search_rank.combine: each counts in its own spread over the library."""
        if not plus.strip():
            hits = self.similar_hits(embedding, filters, limit, exclude)
            return SearchResult([replace(h, reasons=(search_rank.MEANING,)) for h in hits], Query(""))
        query = parse(plus)
        terms = query.meaning_terms
        vectors = np.vstack(
            [np.asarray(embedding, np.float32)[None], self._text_encoder().encode_texts([t.text for t in terms])]
        )
        weights = [1.0] + [t.weight for t in terms]
        calibration = self.calibration()
        query_vector = search_rank.combine(vectors, weights, search_rank.spreads(vectors, calibration[0]))
        return self._ranked(query, query_vector, filters, limit, calibration, words=False, exclude=exclude)

    def calibration(self) -> tuple[np.ndarray, Grader]:
        """The library's sample of embeddings and the grader made from it (kept: SearchCalibration)."""
        return self._calibration.get(self._catalog, self._text_encoder(), self._model_key())

    def _ranked(
        self,
        query: Query,
        query_vector: np.ndarray,
        filters: Filters,
        limit: int,
        calibration: tuple[np.ndarray, Grader],
        *,
        words: bool,
        exclude: str | None = None,
    ) -> SearchResult:
        """Gather candidates by meaning (and, with `words`, by text, tag and name) and what the minus terms need,
        then rank them in core (core/search_rank.py rank)."""
        catalog, sample, judge = self._catalog, calibration[0], calibration[1]
        gathered, from_store = self._gather(query, query_vector, filters, limit, words=words, exclude=exclude)
        candidates = {
            h.record.id: h for h in local_hits(catalog, [(i, gathered.scores.get(i, -1.0)) for i in gathered.ids])
        }
        candidates.update({i: h for i, h in from_store.items() if i not in candidates})
        ranked = search_rank.rank(
            query,
            gathered,
            candidates,
            query_vector,
            judge,
            sample,
            self._minus(query, gathered, candidates, sample),
            limit,
            graded=words,
        )
        texts = catalog.photo_texts([i for i in ranked.ids if TEXT in ranked.evidence[i].reasons])
        result = [
            replace(
                candidates[i],
                score=ranked.shown[i],
                reasons=ranked.evidence[i].reasons,
                grade=ranked.grades[i],
                snippet=search_rank.snippet(texts[i], query.highlights()) if i in texts else "",
            )
            for i in ranked.ids
        ]
        return SearchResult(result, query, ranked.left_out)

    def _gather(
        self, query: Query, query_vector: np.ndarray, filters: Filters, limit: int, *, words: bool, exclude: str | None
    ) -> tuple[search_rank.Gathered, dict[str, SearchHit]]:
        """The candidates (and another machine's hits, in a shared library) with every match found for them."""
        catalog, model, index = self._catalog, self._model_key(), self._embedding_index()
        pool = limit + (max(limit, 50) if query.negatives or query.excluded_phrases else 0)
        scores: dict[str, float] = {}
        from_store: dict[str, SearchHit] = {}

        def admitted(ids) -> list[str]:
            return [i for i in filters.catalog_ids(catalog, model, among=list(ids)) if i != exclude]

        must = None
        if query.phrases:  # quoted text: only photos that show it, best by meaning among them
            sets = [{i for i, _ in catalog.text_matches(fts_phrase(p), EVERY_MATCH)} for p in query.phrases]
            must = set(admitted(set.intersection(*sets)))
            scores.update(index.nearest(query_vector, list(must), pool))
        else:
            store = self._search_store()
            for i, score, meta in nearest_scores(
                store, catalog, query_vector, limit=pool, filters=filters, exclude=exclude, index=index
            ):
                scores[i] = score
                if meta and (other := foreign_hit(store, i, score, meta)):  # another machine's, in a shared library
                    from_store[i] = other
        text_rank: dict[str, float] = {}
        prefixed: set[str] = set()
        named_tags: list[str] = []
        tags_of: dict[str, set] = {}
        names: set[str] = set()
        if words and query.words:
            # Matches of every word come first, best bm25 first: beyond `pool` of them none would show (a scope
            # may leave few of them, so then more are looked at).
            text_rank, prefixed = _text_matches(
                catalog, query.words, admitted, TEXT_CANDIDATES if filters.active() else pool
            )
            named_tags = search_rank.tags_named(" ".join(t.text for t in query.terms), self._known_tags())
            # filter_ids admits only photos with this model's embedding: the scope may add more
            for tag in named_tags:
                tagged = catalog.filter_ids(model, tag=tag)
                tagged = admitted(tagged) if filters.active() or exclude else tagged
                for i in tagged:
                    tags_of.setdefault(i, set()).add(tag)
                scores.update(index.nearest(query_vector, tagged, pool))
            names = _name_matches(catalog, query.words, admitted)
        ids = [i for i in dict.fromkeys([*scores, *text_rank, *prefixed, *names]) if must is None or i in must]
        # Every candidate's meaning score from its stored embedding (the same cosine the matrix gives); a photo
        # without one here (another machine's, in a shared library) keeps the store's score.
        vectors = catalog.vectors(model, ids)
        present = [i for i in ids if i in vectors]
        matrix = np.stack([vectors[i] for i in present]) if present else np.zeros((0, len(query_vector)), np.float32)
        for i, v in zip(present, matrix @ query_vector if present else []):
            scores[i] = float(v)
        return search_rank.Gathered(
            ids, scores, present, matrix, text_rank, prefixed, named_tags, tags_of, names, quoted=must is not None
        ), from_store

    def _minus(
        self, query: Query, gathered: search_rank.Gathered, candidates: dict[str, SearchHit], sample: np.ndarray
    ) -> search_rank.Minus:
        """What core needs to apply the minus terms: their text vectors, and the candidates whose text says one."""
        by_meaning = bool(gathered.present) and search_rank.minus_by_meaning(sample)
        vectors = [self._text_encoder().encode_texts([t.text])[0] if by_meaning else None for t in query.negatives]
        said: set[str] = set()
        expressions = [fts_words(t.text.split()) for t in query.negatives] + [
            fts_phrase(p) for p in query.excluded_phrases
        ]
        for expr in expressions:
            if expr:
                said |= {i for i, _ in self._catalog.text_matches(expr, EVERY_MATCH)} & set(candidates)
        return search_rank.Minus(vectors, frozenset(said))

    def _known_tags(self) -> set[str]:
        """Label names and the tags users added (which need not be labels): every tag a photo can have, as
        automatic tags come from labels. Counting the tags instead costs a pass over them all (~0.5 s at 100k
        photos)."""
        rows, _ = self._catalog.all_choices()
        return {label.name for label in self._labels().labels} | {label for _, label, action in rows if action == "add"}

    def tag_problem(self, tag: str) -> str:
        """Why a search cannot be limited to `tag`, in one line; "" when it can. A shared library also holds other
        machines' photos: their tags need not be known here."""
        if self._shared():
            return ""
        known = {label.name for label in self._labels().labels} | set(self._catalog.tag_counts())
        return "" if tag in known else f"no label or tag named {tag!r} (photo-tagger labels list shows them)"

    def is_shared(self) -> bool:
        """The library is on a server that also holds other machines' photos (their folders need not exist here)."""
        return self._shared()

    def text_hits(self, query: str, filters: Filters, limit: int) -> list[SearchHit]:
        """Photos matching a description by meaning alone, best first (exact over the local matrix,
        core/search.py)."""
        return search_text(
            query,
            self._text_encoder(),
            self._search_store(),
            self._catalog,
            limit=limit,
            filters=filters,
            index=self._embedding_index(),
        )

    def similar_hits(
        self, embedding: np.ndarray, filters: Filters, limit: int, exclude: str | None = None
    ) -> list[SearchHit]:
        """Photos nearest to an embedding, best first, `exclude` (the photo it came from) left out."""
        return nearest(
            self._search_store(),
            self._catalog,
            embedding,
            limit=limit,
            filters=filters,
            exclude=exclude,
            index=self._embedding_index(),
        )

    def grades(self, query: str, ids: list[str]) -> list[str]:
        """ "strong" / "weak" per photo against the library (core/grading.py), from their stored embeddings."""
        from photo_tagger.core.grading import grade_ids

        return grade_ids(self._catalog, self._text_encoder(), self._model_key(), query, ids)

    def search_items(self, query: str, scope: Scope, limit: int = SEARCH_LIMIT) -> list[GridItem]:
        return [_item(h) for h in self.search(query, scope.filters(), limit, remember=False).hits]

    def graded_search_items(self, query: str | Query, scope: Scope) -> tuple[list[GridItem], list[GridItem]]:
        """The window's search: hits split into matches (strong ones, and those found by their text or name:
        search_rank.is_match) and weak ones, each best first (remembered as a recent search)."""
        hits = self.search(query, scope.filters()).hits
        matched = [search_rank.is_match(h.grade, h.reasons) for h in hits]
        return ([_item(h) for h, m in zip(hits, matched) if m], [_item(h) for h, m in zip(hits, matched) if not m])

    def similar_items(self, photo_id: str, limit: int = SIMILAR_LIMIT, plus: str = "") -> list[GridItem]:
        """The window's "similar": the photos nearest to one photo's stored embedding (no image is read), best
        first, itself left out; with `plus`, combined with those words ("like this photo, but at night")."""
        return [_item(h) for h in self.similar(photo_id, plus, Filters(), limit).hits]

    def similar(
        self,
        photo_id: str | None,
        plus: str = "",
        filters: Filters = Filters(),
        limit: int = SIMILAR_LIMIT,
        *,
        path: Path | None = None,
        shown_as: str = "this photo",
    ) -> SearchResult:
        """Photos like a library photo (`photo_id`: its stored embedding, itself left out) or like a file outside
        the library (`path`: encoded on the fly, nothing stored), "but" as `plus` says: `photo-tagger similar` and
        the window's Similar. A library photo not encoded yet is one line naming it as `shown_as`."""
        if photo_id is not None:
            embedding = stored_embedding(self._vector_store(), photo_id)
            if embedding is None:
                raise PhotoTaggerError(
                    f"{shown_as} has no embedding for model {self._active_model().name} yet (it is "
                    "being indexed, or was skipped: photo-tagger index its folder)"
                )
        elif path is not None:
            embedding = file_embedding(self._image_encoder(), path)
        else:
            raise PhotoTaggerError("similar to what? give a photo of the library or an image file")
        return self.like_photo(embedding, plus, filters, limit, exclude=photo_id)

    def remember_search(self, query: str) -> None:
        """Keep a query that ran (from the window or the command line) among the recent searches."""
        self._history.remember(query)

    def recent_searches(self, n: int = 20) -> list[str]:
        """The library's last `n` distinct searches, newest first."""
        return self._history.recent(n)


def _text_matches(catalog: Catalog, words, admitted, limit: int) -> tuple[dict[str, float], set[str]]:
    """Photos whose text holds every word (id -> bm25 rank), and those where every word only starts a word."""
    exact_expr, prefix_expr = fts_words(words), fts_words(words, prefix=True)
    if not exact_expr:
        return {}, set()
    exact = dict(catalog.text_matches(exact_expr, limit))
    prefix = [i for i, _ in catalog.text_matches(prefix_expr, limit + len(exact)) if i not in exact]
    kept = set(admitted(list(exact) + prefix))
    return {i: r for i, r in exact.items() if i in kept}, {i for i in prefix if i in kept}


def _name_matches(catalog: Catalog, words, admitted) -> set[str]:
    wanted = [w for word in words for w in search_rank.words_of(word)]
    if not wanted:
        return set()
    rows = catalog.name_matches(max(wanted, key=len), NAME_CANDIDATES)
    return set(admitted([i for i, path in rows if search_rank.name_matches(path, wanted)]))


def _item(hit: SearchHit) -> GridItem:
    return replace(GridItem.of(hit.record, hit.score, hit.tags, hit.flags), reasons=hit.reasons)


def stored_embedding(store: VectorStore, photo_id: str) -> np.ndarray | None:
    """A library photo's embedding as the store keeps it (None: it has none yet)."""
    return store.get_embeddings([photo_id]).get(photo_id)


def file_embedding(encoder: ImageEncoder, path: Path) -> np.ndarray:
    """The embedding of an image file, encoded now (an unreadable file raises UnreadableImage, one line)."""
    from photo_tagger.core.preprocess import load_pixels

    return encoder.encode_images(load_pixels(path, encoder.preprocess_spec)[None])[0]


def read_query(text: str) -> tuple[Query | None, str]:
    """A query parsed once (the window's search bar: the grid, the details panel and the search all use it), or
    None and what is wrong with it in one line; (None, "") for an empty search box."""
    return (None, "") if not text.strip() else _parsed(text)


def query_problem(text: str) -> str:
    """What is wrong with a query, in one line; "" when it can run (checked before a search runs)."""
    return _parsed(text)[1]


def _parsed(text: str) -> tuple[Query | None, str]:
    from photo_tagger.core.search import SearchError

    try:
        return parse(text), ""
    except SearchError as exc:
        return None, str(exc)
