"""A vector store that lost vectors is refilled from the catalog's copies (core/store_repair.py), and the
catalog's schema steps (infra/catalog_schema.py): fakes and a real SQLite catalog, no model."""

import sqlite3

import numpy as np
import pytest

from photo_tagger.core.indexer import Indexer
from photo_tagger.core.store_repair import repair_store
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.catalog_schema import SCHEMA_VERSION, CatalogTooNew, adopt_model
from tests.fakes import FakeImageEncoder, InMemoryStore, RecordedProgress
from tests.photos import make_photos

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
    assert repair_store(catalog, store, KEY) is None


def test_a_lost_store_is_refilled_without_encoding_and_strays_go(indexed):
    catalog, store = indexed
    kept = dict(store.vectors)
    store.delete(list(kept)[:4])
    store.upsert(["stray"], np.ones((1, 4), np.float32), [{}])
    steps = RecordedProgress()
    repair = repair_store(catalog, store, KEY, steps)
    assert (repair.expected, repair.restored, repair.to_reencode, repair.removed) == (6, 4, 0, 1)
    assert set(store.vectors) == set(kept) and all(np.allclose(store.vectors[i], kept[i]) for i in kept)
    assert store.metadata[list(kept)[0]]["model"] == KEY
    assert steps.calls[0] == ("started", 4) and steps.calls[-1] == ("finished",)
    assert "restored 4 from the catalog (no re-encoding)" in repair.summary("chroma/")


def test_a_shared_store_keeps_other_libraries_vectors(indexed):
    catalog, local = indexed
    shared = InMemoryStore(shared=True)
    shared.upsert(["theirs"], np.ones((1, 4), np.float32), [{}])
    repair = repair_store(catalog, shared, KEY)
    assert (repair.restored, repair.removed) == (6, 0) and "theirs" in shared.vectors


def test_photos_with_no_vector_anywhere_are_re_encoded(indexed):
    catalog, store = indexed
    lost = sorted(store.vectors)[:2]
    with catalog.transaction() as db:
        catalog.delete_vectors(db, lost)  # a library from before the catalog kept vectors
    store.delete(lost)
    repair = repair_store(catalog, store, KEY)
    assert (repair.restored, repair.to_reencode) == (0, 2)
    assert {i for i, r in catalog.get(lost).items() if r.embedded_model == ""} == set(lost)


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
