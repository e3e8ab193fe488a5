"""The indexes follow the truth (core/index_sync.py, infra/index_upkeep.py): the catalog's vectors rebuild or
catch up the Chroma collection and the search matrix after a loss, a kill, a stale file or a model change; and the
catalog's schema steps (infra/catalog_schema.py). Fakes, a real SQLite catalog and a real embedded Chroma."""

import json
import shutil
import sqlite3

import numpy as np
import pytest

from photo_tagger.core.embedding_index import EmbeddingIndex
from photo_tagger.core.index_sync import adopt_vectors, catch_up, sync_store
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.types import IndexReport
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.catalog_schema import SCHEMA_VERSION, CatalogTooNew, adopt_model
from photo_tagger.infra.chroma_store import ChromaVectorStore, open_chroma
from photo_tagger.infra.index_upkeep import bring_in_step, collection_for
from tests.fakes import FakeImageEncoder, InMemoryStore, RecordedProgress
from tests.photos import make_photo, make_photos

KEY = "fake@0123456789abcdef"


@pytest.fixture
def indexed(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    store = InMemoryStore()
    make_photos(tmp_path / "photos", 6)
    Indexer(catalog, store, FakeImageEncoder(), KEY, batch_size=4).index([str(tmp_path / "photos")])
    yield catalog, store
    catalog.close()


def test_counts_in_step_mean_nothing_to_do(indexed):
    catalog, store = indexed
    assert sync_store(catalog, store, KEY) is None


def test_a_lost_store_is_refilled_without_encoding_and_strays_go(indexed):
    catalog, store = indexed
    kept = dict(store.vectors)
    store.delete(list(kept)[:4])
    store.upsert(["stray"], np.ones((1, 4), np.float32), [{}])
    steps = RecordedProgress()
    repair = sync_store(catalog, store, KEY, steps)
    assert (repair.expected, repair.restored, repair.to_reencode, repair.removed) == (6, 4, 0, 1)
    assert set(store.vectors) == set(kept) and all(np.allclose(store.vectors[i], kept[i]) for i in kept)
    assert store.metadata[list(kept)[0]]["model"] == KEY
    assert steps.calls[0] == ("started", 4) and steps.calls[-1] == ("finished",)
    assert "restored 4 from the catalog (no re-encoding)" in repair.summary("chroma/")


def test_a_shared_store_keeps_other_libraries_vectors(indexed):
    catalog, local = indexed
    shared = InMemoryStore(shared=True)
    shared.upsert(["theirs"], np.ones((1, 4), np.float32), [{}])
    repair = sync_store(catalog, shared, KEY)
    assert (repair.restored, repair.removed) == (6, 0) and "theirs" in shared.vectors


def test_photos_with_no_vector_anywhere_are_re_encoded(indexed):
    catalog, store = indexed
    lost = sorted(store.vectors)[:2]
    with catalog.transaction() as db:
        catalog.delete_vectors(db, lost)  # a library from before the catalog kept vectors
    store.delete(lost)
    repair = sync_store(catalog, store, KEY)
    assert (repair.restored, repair.to_reencode) == (0, 2)
    assert {i for i, r in catalog.get(lost).items() if r.embedded_model == ""} == set(lost)




def test_a_kill_between_the_truths_write_and_the_index_is_caught_up_without_encoding(indexed):
    catalog, store = indexed
    ids = sorted(store.vectors)[:3]
    truth = catalog.vectors(KEY, ids)
    # Journaled writes a kill cut short: the index lost one, holds a vector the catalog never committed for
    # another, holds the third as the catalog does, and has a photo the catalog never recorded.
    catalog.journal_add(ids + ["never-recorded"], KEY)
    store.delete(ids[:1])
    store.upsert(ids[1:2], np.full((1, 4), 0.5, np.float32), [{}])
    store.upsert(["never-recorded"], np.ones((1, 4), np.float32), [{}])
    encoder = FakeImageEncoder()
    report = IndexReport()
    assert Indexer(catalog, store, encoder, KEY).recover(report) == 4
    assert encoder.encoded == 0 and catalog.pending_journal(KEY) == []
    assert all(np.array_equal(store.vectors[i], truth[i]) for i in ids)
    assert store.metadata[ids[0]]["model"] == KEY and "never-recorded" not in store.vectors
    assert (report.interrupted, report.encoded_again) == (4, 1)  # only the photo never recorded is encoded again


def test_a_catch_up_that_fails_midway_leaves_the_journal_and_a_rerun_finishes(indexed):
    catalog, store = indexed
    ids = sorted(store.vectors)
    catalog.journal_add(ids, KEY)
    store.delete(ids)

    class Unreachable(InMemoryStore):
        def upsert(self, ids, embeddings, metadatas):
            raise ConnectionError("server away")

    with pytest.raises(ConnectionError):
        catch_up(catalog, Unreachable(), KEY, ids, clear_journal=True)
    assert sorted(catalog.pending_journal(KEY)) == ids
    assert Indexer(catalog, store, FakeImageEncoder(), KEY).recover() == 6 and store.ids() == set(ids)


def test_a_catalog_without_vectors_adopts_them_from_the_index_then_rebuilds_the_index(indexed):
    catalog, store = indexed
    kept = dict(store.vectors)
    with catalog.transaction() as db:  # a catalog restored from a backup holds no vectors
        catalog.delete_vectors(db, list(kept))
    assert adopt_vectors(catalog, store, KEY) == 6 and adopt_vectors(catalog, store, KEY) == 0
    store.delete(list(kept))  # then the index is lost: the catalog rebuilds it, nothing is encoded
    repair = sync_store(catalog, store, KEY)
    assert (repair.restored, repair.to_reencode) == (6, 0)
    assert all(np.array_equal(store.vectors[i], kept[i]) for i in kept)


def test_a_lost_stale_or_foreign_matrix_is_rebuilt_or_caught_up_from_the_catalog(indexed, tmp_path):
    catalog, store = indexed
    folder = tmp_path / "matrix"
    query = next(iter(store.vectors.values()))
    best = EmbeddingIndex(catalog, KEY, folder=folder).ranked(query, 6)
    header = next(folder.glob("*.json"))
    generation = json.loads(header.read_text())["generation"]

    for n in range(3):  # the file is now behind the catalog: caught up, not rebuilt
        make_photo(tmp_path / "more" / f"{n}.jpg", (250 - 40 * n, 20 + 70 * n, 128))
    Indexer(catalog, store, FakeImageEncoder(), KEY).index([str(tmp_path / "photos"), str(tmp_path / "more")])
    stale = EmbeddingIndex(catalog, KEY, folder=folder)
    assert len(stale.ranked(query, 9)) == 9 and json.loads(header.read_text())["generation"] == generation

    shutil.rmtree(folder)  # lost: rebuilt from the catalog, same answers
    assert EmbeddingIndex(catalog, KEY, folder=folder).ranked(query, 6)[:3] == stale.ranked(query, 3)
    assert [i for i, _ in best] == [i for i, _ in stale.ranked(query, 9) if i in dict(best)]

    saved = json.loads(header.read_text())  # ahead of the catalog (a catalog restored from a backup): rebuilt
    header.write_text(json.dumps({**saved, "seq": saved["seq"] + 1000}))
    assert len(EmbeddingIndex(catalog, KEY, folder=folder).ranked(query, 20)) == 9
    assert json.loads(header.read_text())["seq"] == saved["seq"]


def test_a_model_change_drops_the_replaced_indexes_and_a_lost_collection_is_refilled(tmp_path):
    old, new = "fake@" + "0" * 16, "fake@" + "1" * 16
    client = open_chroma(tmp_path / "chroma")
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    photos = str(make_photos(tmp_path / "photos", 4)[0].parent)
    Indexer(catalog, ChromaVectorStore(client, collection_for(old)), FakeImageEncoder(), old).index([photos])
    EmbeddingIndex(catalog, old, folder=tmp_path / "matrix").refresh()

    adopt_model(catalog, "fake", new, installed_at=0)  # the model's files replaced: its photos are stale
    store = ChromaVectorStore(client, collection_for(new))
    bring_in_step(catalog, store, new, tmp_path, client=client)
    assert ChromaVectorStore.list_collections(client) == [collection_for(new)]
    assert not list((tmp_path / "matrix").iterdir()) and catalog.count_embedded(new) == 0
    assert Indexer(catalog, store, FakeImageEncoder(), new).index([photos]).reencoded == 4

    ChromaVectorStore.drop_collection(client, collection_for(new))  # the collection lost: refilled at open
    store = ChromaVectorStore(client, collection_for(new))
    bring_in_step(catalog, store, new, tmp_path, client=client)
    assert store.ids() == set(catalog.filter_ids(new)) and len(store.ids()) == 4
    assert EmbeddingIndex(catalog, new, folder=tmp_path / "matrix").ranked(store.get_embeddings(
        [next(iter(store.ids()))]).popitem()[1], 1)[0][1] == pytest.approx(1.0, abs=1e-6)
    catalog.close()
    client.close()


def test_schema_versions(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    Catalog(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.execute("INSERT INTO photos (id, root, relpath, size, mtime_ns, content_hash, status, embedded_model, "
                   "indexed_at) VALUES ('new', x'2f', x'61', 1, 1, 'h', 'indexed', 'm', 200), "
                   "('old', x'2f', x'62', 1, 1, 'h', 'indexed', 'm', 50)")
        db.execute("INSERT INTO vectors (photo_id, model, embedding) VALUES ('new', 'm', x'0000803f'), "
                   "('old', 'm', x'0000803f')")
        db.execute("PRAGMA user_version = 2")
    catalog = Catalog(path)  # migrated: names are legacy until the model is used
    assert {r.id: r.embedded_model for r in catalog.records()} == {"new": "legacy:m", "old": "legacy:m"}
    assert adopt_model(catalog, "m", "m@aaaa", installed_at=100) == 1
    assert {r.id: r.embedded_model for r in catalog.records()} == {"new": "m@aaaa", "old": ""}
    assert list(catalog.vectors("m@aaaa", ["new", "old"])) == ["new"]
    assert adopt_model(catalog, "m", "m@aaaa", installed_at=100) == 0  # nothing left to do
    adopt_model(catalog, "m", "m@bbbb", installed_at=100)  # replaced: the old content's work is stale
    assert {r.id: r.embedded_model for r in catalog.records()} == {"new": "", "old": ""}
    assert catalog.vectors("m@aaaa", ["new"]) == {}
    catalog.close()

    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CatalogTooNew, match="newer Photo Tagger"):
        Catalog(path)
