"""Filtered search answered by the catalog + resident embeddings must equal Chroma's own filters."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import photo_tagger.core.search as search_module
from photo_tagger.core.embedding_index import EmbeddingIndex
from photo_tagger.core.index_sync import adopt_vectors
from photo_tagger.core.search import Filters, nearest
from photo_tagger.core.tagging import TagDecision, effective
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import vector_metadata
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.chroma_store import ChromaVectorStore, open_chroma

MODEL = "m"
FOLDERS = [("/lib/a", "2020/x"), ("/lib/a", "2020/xy"), ("/lib/a", "2021"), ("/lib/a", ""), ("/lib/b", "2020/x")]
LABELS = ["dog", "cat", "beach"]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lib")
    rng = np.random.default_rng(7)
    catalog = Catalog(tmp / "catalog.sqlite3")
    for root in ("/lib/a", "/lib/b"):
        catalog.add_root(root, 0.0)
    client = open_chroma(tmp / "chroma")
    private = ChromaVectorStore(client, "private", ef_search=500)
    shared = ChromaVectorStore(client, "shared", ef_search=500, shared=True)
    records, decisions, vectors = [], {}, rng.normal(size=(240, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for n in range(240):
        root, folder = FOLDERS[n % len(FOLDERS)]
        taken = None if n % 7 == 0 else f"20{20 + n % 3}-0{1 + n % 9}-{10 + n % 18}T{n % 24:02d}:15:00"
        records.append(PhotoRecord(id=f"p{n:03d}", root=root, relpath=f"{folder}/img{n}.jpg".lstrip("/"), size=1,
                                   mtime_ns=1, content_hash=f"h{n}", status="indexed", embedded_model=MODEL,
                                   taken_at=taken))
        decisions[f"p{n:03d}"] = TagDecision(tuple((lbl, 0.5) for i, lbl in enumerate(LABELS) if (n >> i) & 1),
                                             (("violence", 0.9),) if n % 5 == 0 else ())
    with catalog.transaction() as db:
        catalog.write(db, upserts=records)
        catalog.write_decisions(db, decisions)
        catalog.write_vectors(db, MODEL, [r.id for r in records], vectors)
        for n in range(0, 240, 11):  # user choices must win in both paths
            catalog.set_user_tags(db, f"p{n:03d}", add=["beach"], remove=["dog"])
        for n in range(0, 240, 15):
            catalog.set_not_sensitive(db, f"p{n:03d}")
    choices = catalog.choices([r.id for r in records])
    for store in (private, shared):
        store.upsert([r.id for r in records], vectors, [
            vector_metadata(r, effective(decisions[r.id], choices.get(r.id)) if store.shared else None)
            for r in records])
    yield catalog, private, shared, vectors
    catalog.close()


CASES = [
    Filters(folder="/lib/a/2020/x"),  # not /lib/a/2020/xy
    Filters(folder="/lib/a/2020"),
    Filters(folder="/lib/a"),
    Filters(folder="/elsewhere"),
    Filters(tag="dog"),
    Filters(tag="beach", flagged=False),
    Filters(flagged=True),
    Filters(since=date(2021, 3, 1)),
    Filters(until=date(2020, 5, 10)),
    Filters(folder="/lib/a", tag="cat", since=date(2020, 1, 1), until=date(2021, 12, 31)),
]


# The two ways a filtered search can go: check the best rows overall (enough pass), or check them, find too
# few, then score every admitted photo.
STRATEGIES = {"best rows first": dict(MIN_CANDIDATES=240, CANDIDATES_PER_HIT=1),
              "best rows, then all": dict(MIN_CANDIDATES=3, CANDIDATES_PER_HIT=1)}


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("filters", CASES, ids=repr)
def test_catalog_filters_equal_chroma_filters(library, filters, strategy, monkeypatch):
    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(search_module, name, value)
    catalog, private, shared, vectors = library
    index = EmbeddingIndex(catalog, MODEL)
    for query in vectors[:6]:
        ours = nearest(private, catalog, query, limit=12, filters=filters, index=index)
        chromas = nearest(shared, catalog, query, limit=12, filters=filters)
        assert [h.record.id for h in ours] == [h.record.id for h in chromas]
        np.testing.assert_allclose([h.score for h in ours], [h.score for h in chromas], atol=1e-5)
        assert [h.tags for h in ours] == [h.tags for h in chromas]
    assert ours or filters.folder == "/elsewhere"


def test_a_folder_above_the_roots_admits_every_root_below_it(library):
    # Chroma's folder chains start at each root, so only the catalog can answer this one.
    catalog, private, _, vectors = library
    hits = nearest(private, catalog, vectors[0], limit=300, filters=Filters(folder="/lib"),
                   index=EmbeddingIndex(catalog, MODEL))
    assert len(hits) == 240 and hits[0].record.id == "p000"


def test_index_refresh_reads_only_new_rows_and_replacements_win(tmp_path):
    catalog = Catalog(tmp_path / "c.sqlite3")
    index = EmbeddingIndex(catalog, MODEL)
    first = np.eye(4, dtype=np.float32)
    with catalog.transaction() as db:
        catalog.write_vectors(db, MODEL, ["a", "b", "c", "d"], first)
        catalog.write_vectors(db, "other-model", ["a"], first[3:])
    assert [i for i, _ in index.nearest(first[1], ["a", "b", "c", "d"], 2)][0] == "b"
    with catalog.transaction() as db:  # re-encoded: "a" now points where "b" does
        catalog.write_vectors(db, MODEL, ["a", "e"], np.stack([first[1], first[2]]))
    hits = index.nearest(first[1], ["a", "b", "c", "d", "e", "unknown"], 10)
    assert {i for i, s in hits if s > 0.99} == {"a", "b"} and len(hits) == 5 and len(index) == 5
    assert {i for i, score in index.ranked(first[2], 3) if score > 0.99} == {"c", "e"}  # "e" is a copy of "c"


def test_backfill_copies_vectors_a_library_kept_only_in_the_store(library, tmp_path):
    catalog, private, _, vectors = library
    fresh = Catalog(tmp_path / "old.sqlite3")
    records = catalog.get([f"p{n:03d}" for n in range(240)]).values()
    with fresh.transaction() as db:
        fresh.write(db, upserts=records)
    assert len(fresh.ids_without_vector(MODEL)) == 240
    assert adopt_vectors(fresh, private, MODEL) == 240
    assert fresh.ids_without_vector(MODEL) == []
    index = EmbeddingIndex(fresh, MODEL, private)
    assert index.ranked(vectors[42], 1)[0] == ("p042", pytest.approx(1.0, abs=1e-6))


def generated_filters(count: int, seed: int = 12) -> list[Filters]:
    """Random combinations of every filter field, over values the library has and some it has not."""
    rng = np.random.default_rng(seed)
    folders = ["/lib/a", "/lib/a/", "/lib/a/2020", "/lib/a/2020/x", "/lib/a/2020/xy", "/lib/b", "/lib/b/2020",
               "/lib/a/2021", "/lib", "/elsewhere", "/lib/a/20"]
    tags = [*LABELS, "violence", "nothing"]
    days = [date(1969, 12, 31), date(1970, 1, 2), date(2020, 1, 10), date(2020, 5, 10), date(2021, 3, 1),
            date(2021, 9, 27), date(2022, 6, 15), date(2030, 1, 1)]

    def pick(values):  # each field is left out half the time: five fields at once admit little
        return values[rng.integers(len(values))] if rng.random() < 0.5 else None

    generated = []
    for _ in range(count):
        since, until = pick(days), pick(days)
        if since and until and since > until:  # an inverted range admits nothing: one test of that is enough
            since, until = until, since
        generated.append(Filters(folder=pick(folders), tag=pick(tags), flagged=pick([True, False]),
                                 since=since, until=until))
    return generated


def test_the_generated_filters_are_worth_comparing(library):
    catalog = library[0]
    sizes = [len(f.catalog_ids(catalog, MODEL)) for f in generated_filters(80)]
    assert sum(0 < n < 240 for n in sizes) >= 40, sizes


@pytest.mark.parametrize("filters", generated_filters(80), ids=repr)
def test_the_three_compilations_of_a_generated_filter_admit_the_same_photos(library, filters):
    """core/filters.py: the catalog's query, the test in memory (the window's listing) and Chroma's `where`
    (a shared library) admit the same photos; Chroma's folder chains start at the roots, so a folder above
    them ("/lib") is the catalog's alone."""
    catalog, _, shared, vectors = library
    records = catalog.get(catalog.filter_ids(MODEL)).values()
    decisions, choices = catalog.decisions([r.id for r in records]), catalog.choices([r.id for r in records])
    in_memory = {r.id for r in records
                 if filters.admits(r, effective(decisions.get(r.id, TagDecision()), choices.get(r.id)))}
    assert set(filters.catalog_ids(catalog, MODEL)) == in_memory
    if filters.folder and filters.folder.rstrip("/") == "/lib":
        return
    by_chroma = {hit_id for hit_id, _, _ in shared.query(vectors[0], 240, where=filters.where())}
    assert by_chroma == in_memory
