"""Every search of a private library is exact over the matrix; the matrix file is a rebuildable, crash-safe cache."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

import photo_tagger.core.search as search_module
from photo_tagger.core.embedding_index import EmbeddingIndex
from photo_tagger.core.matrix_file import MatrixFile
from photo_tagger.core.search import Filters, nearest
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from tests.fakes import InMemoryStore

MODEL = "m@0123456789abcdef"
DIM = 8


class NoQueryStore(InMemoryStore):
    """A private store whose approximate query must not be used (it would answer with the wrong photos)."""

    def query(self, embedding, limit, where=None):
        raise AssertionError("an exact search asked the vector store")


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def write(catalog: Catalog, ids: list[str], vectors: np.ndarray) -> None:
    records = [PhotoRecord(id=i, root="/lib", relpath=f"{i}.jpg", size=1, mtime_ns=1, content_hash=i,
                           status="indexed", embedded_model=MODEL) for i in ids]
    with catalog.transaction() as db:
        catalog.write(db, upserts=records)
        catalog.write_vectors(db, MODEL, ids, vectors)


def delete(catalog: Catalog, ids: list[str]) -> None:
    with catalog.transaction() as db:
        catalog.write(db, deletes=ids)


def brute_force(catalog: Catalog, query: np.ndarray, limit: int) -> list[str]:
    ids = catalog.filter_ids(MODEL)
    vectors = catalog.vectors(MODEL, ids)
    return sorted(ids, key=lambda i: -float(vectors[i] @ query))[:limit]


@pytest.fixture
def library(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.add_root("/lib", 0.0)
    rng = np.random.default_rng(3)
    write(catalog, [f"p{n:03d}" for n in range(300)], unit(rng.normal(size=(300, DIM))))
    yield catalog, tmp_path / "matrix", rng
    catalog.close()


def search(catalog, index, query, limit=10, store=None):
    return [h.record.id for h in nearest(store or NoQueryStore(), catalog, query, limit=limit, filters=Filters(),
                                         index=index)]


def test_an_unfiltered_search_of_a_private_library_is_exact(library):
    catalog, folder, rng = library
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    for query in unit(rng.normal(size=(20, DIM))):
        assert search(catalog, index, query) == brute_force(catalog, query, 10)


def test_a_new_process_opens_the_file_and_reads_only_newer_catalog_rows(library, monkeypatch):
    catalog, folder, rng = library
    EmbeddingIndex(catalog, MODEL, folder=folder).refresh()
    write(catalog, ["new1", "new2"], unit(rng.normal(size=(2, DIM))))
    asked = []
    original = catalog.vectors_since

    def counted(model, seq):
        found = original(model, seq)
        asked.append(len(found[1]))
        return found

    monkeypatch.setattr(catalog, "vectors_since", counted)
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    query = unit(rng.normal(size=DIM))
    assert search(catalog, index, query) == brute_force(catalog, query, 10)
    assert sum(asked) == 2 and len(index) == 302  # the 300 saved rows came from the file


def test_a_photo_encoded_again_is_found_by_its_new_vector_only_and_a_deleted_one_never(library):
    catalog, folder, rng = library
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    index.refresh()
    target = unit(rng.normal(size=DIM))
    write(catalog, ["p001"], target[None])
    delete(catalog, ["p002"])
    for probe in (EmbeddingIndex(catalog, MODEL, folder=folder), index):  # reopened from the file, and live
        hits = search(catalog, probe, target, limit=300)
        assert hits[0] == "p001" and hits.count("p001") == 1 and "p002" not in hits and len(hits) == 299
    old = catalog.vectors(MODEL, ["p003"])["p003"]
    assert search(catalog, index, old, limit=1) == ["p003"]


def test_rows_past_the_header_after_a_crash_are_ignored_and_overwritten(library):
    catalog, folder, rng = library
    EmbeddingIndex(catalog, MODEL, folder=folder).refresh()
    header = json.loads(MatrixFile(folder, MODEL).header_path.read_text())
    # A crash after the rows and ids of an append were written, before the header that counts them.
    with open(folder / f"{MatrixFile(folder, MODEL).stem}.{header['generation']}.f32", "ab") as f:
        f.write(np.full((3, DIM), 9.0, np.float32).tobytes())
    with open(folder / f"{MatrixFile(folder, MODEL).stem}.{header['generation']}.ids", "ab") as f:
        f.write(b"ghost1\nghost2\ngho")
    write(catalog, ["new"], unit(rng.normal(size=(1, DIM))))
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    query = unit(rng.normal(size=DIM))
    assert search(catalog, index, query, limit=301) == brute_force(catalog, query, 301)
    again = EmbeddingIndex(catalog, MODEL, folder=folder)
    again.refresh()
    assert len(again) == 301 and "ghost1" not in again._view.rows


@pytest.mark.parametrize("damage", ["torn header", "another model", "ahead of the catalog", "ids cut short"])
def test_a_damaged_or_foreign_file_is_rebuilt_from_the_catalog(library, damage):
    catalog, folder, rng = library
    EmbeddingIndex(catalog, MODEL, folder=folder).refresh()
    matrix = MatrixFile(folder, MODEL)
    header = json.loads(matrix.header_path.read_text())
    if damage == "torn header":
        matrix.header_path.write_text('{"version": 1, "key"')
    elif damage == "ids cut short":
        ids_file = folder / f"{matrix.stem}.{header['generation']}.ids"
        ids_file.write_bytes(ids_file.read_bytes()[:100])
    else:
        header.update(key="other@1") if damage == "another model" else header.update(seq=header["seq"] + 50)
        matrix.header_path.write_text(json.dumps(header))
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    query = unit(rng.normal(size=DIM))
    assert search(catalog, index, query, limit=300) == brute_force(catalog, query, 300)
    assert json.loads(matrix.header_path.read_text())["generation"] != header["generation"]  # rewritten


def test_mostly_superseded_rows_are_compacted(library, monkeypatch):
    import photo_tagger.core.embedding_index as index_module

    monkeypatch.setattr(index_module, "_COMPACT_MIN_DEAD", 10)
    catalog, folder, rng = library
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    index.refresh()
    ids = [f"p{n:03d}" for n in range(300)]
    for _ in range(2):  # every photo encoded again, twice: 600 old rows > 300 live ones
        write(catalog, ids, unit(rng.normal(size=(300, DIM))))
        index.refresh()
    assert len(index._view.ids) < 600 and json.loads(MatrixFile(folder, MODEL).header_path.read_text())["rows"] < 600
    query = unit(rng.normal(size=DIM))
    assert search(catalog, index, query) == brute_force(catalog, query, 10)


def test_while_another_thread_loads_the_matrix_an_unfiltered_search_is_answered_by_the_store(library):
    catalog, folder, rng = library
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    store = InMemoryStore()
    ids = catalog.filter_ids(MODEL)
    vectors = catalog.vectors(MODEL, ids)
    store.upsert(ids, np.stack([vectors[i] for i in ids]), [{} for _ in ids])
    loading, release = threading.Event(), threading.Event()

    def slow_load():
        with index._lock:  # what the window's start-up load holds while it opens the matrix
            loading.set()
            release.wait(10)

    loader = threading.Thread(target=slow_load)
    loader.start()
    loading.wait(10)
    try:
        query = unit(rng.normal(size=DIM))
        assert search(catalog, index, query, store=store) == brute_force(catalog, query, 10)  # the store's answer
        assert not index.loaded
    finally:
        release.set()
        loader.join()
    assert search(catalog, index, query) == brute_force(catalog, query, 10) and index.loaded


def test_a_library_above_the_exact_size_goes_to_hnsw_unfiltered_but_stays_exact_filtered(library, monkeypatch):
    catalog, folder, rng = library
    monkeypatch.setattr(search_module, "EXACT_MAX_ROWS", 100)
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    query = unit(rng.normal(size=DIM))
    with pytest.raises(AssertionError, match="asked the vector store"):
        search(catalog, index, query)
    hits = nearest(NoQueryStore(), catalog, query, limit=5, filters=Filters(folder="/lib"), index=index)
    assert [h.record.id for h in hits] == brute_force(catalog, query, 5)


def test_a_shared_store_answers_itself(library):
    catalog, folder, rng = library
    with pytest.raises(AssertionError, match="asked the vector store"):
        nearest(NoQueryStore(shared=True), catalog, unit(rng.normal(size=DIM)), limit=3, filters=Filters(),
                index=EmbeddingIndex(catalog, MODEL, folder=folder))


def test_an_id_wider_than_the_file_records_widens_them(library):
    catalog, folder, rng = library
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    index.refresh()
    wide = "w" * 40 + "é"
    target = unit(rng.normal(size=DIM))
    write(catalog, [wide], target[None])
    assert search(catalog, index, target, limit=1) == [wide]
    assert search(catalog, EmbeddingIndex(catalog, MODEL, folder=folder), target, limit=1) == [wide]
    assert json.loads(MatrixFile(folder, MODEL).header_path.read_text())["id_width"] == 42


def test_a_file_mostly_of_deleted_photos_is_rebuilt_when_opened(library, monkeypatch):
    import photo_tagger.core.embedding_index as index_module

    monkeypatch.setattr(index_module, "_COMPACT_MIN_DEAD", 10)
    catalog, folder, rng = library
    EmbeddingIndex(catalog, MODEL, folder=folder).refresh()
    delete(catalog, [f"p{n:03d}" for n in range(200)])  # an unwatched folder, say
    index = EmbeddingIndex(catalog, MODEL, folder=folder)
    query = unit(rng.normal(size=DIM))
    assert search(catalog, index, query, limit=100) == brute_force(catalog, query, 100)
    assert json.loads(MatrixFile(folder, MODEL).header_path.read_text())["rows"] == 100 == len(index)
