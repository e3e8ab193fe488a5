"""ChromaVectorStore against a real embedded chromadb in a temporary folder."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from photo_tagger.infra.chroma_store import (
    ChromaVectorStore,
    StoreUnavailable,
    clean_metadata,
    collection_name,
    open_chroma,
)
from photo_tagger.infra.store_retry import INTERACTIVE_GIVE_UP_S

DIM = 16


def unit_vectors(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def client(tmp_path):
    c = open_chroma(tmp_path / "db")
    yield c
    c.close()


@pytest.fixture
def store(client):
    return ChromaVectorStore(client, "photos--test-model")


@pytest.fixture
def filled(store):
    """20 photos: two folders, tags lists, one timestamp per day."""
    vecs = unit_vectors(20)
    ids = [f"p{i:02d}" for i in range(20)]
    metas = [
        {
            "root": "/photos",
            "folder": "/photos/a" if i < 10 else "/photos/b",
            "taken_at": 1_700_000_000 + i * 86_400,
            "tags": ["dog", "beach"] if i % 3 == 0 else ["cat"],
            "flagged": i % 5 == 0,
            "camera": None,
        }
        for i in range(20)
    ]
    store.upsert(ids, vecs, metas)
    return store, ids, vecs


def test_exact_neighbour_ranks_first(filled):
    store, ids, vecs = filled
    hits = store.query(vecs[7], limit=5)
    assert [h[0] for h in hits][0] == "p07"
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    sims = [h[1] for h in hits]
    assert sims == sorted(sims, reverse=True)
    expected = np.argsort(-(vecs @ vecs[7]))[:5]
    assert [h[0] for h in hits] == [ids[i] for i in expected]
    assert hits[0][2]["folder"] == "/photos/a"
    assert "camera" not in hits[0][2]  # None values are dropped before writing


def test_filters(filled):
    store, _, vecs = filled
    q = vecs[0]
    in_b = store.query(q, 50, where={"folder": "/photos/b"})
    assert {h[0] for h in in_b} == {f"p{i:02d}" for i in range(10, 20)}

    both = store.query(q, 50, where={"$and": [{"folder": "/photos/a"}, {"flagged": True}]})
    assert {h[0] for h in both} == {"p00", "p05"}

    dogs = store.query(q, 50, where={"tags": {"$contains": "dog"}})
    assert {h[0] for h in dogs} == {f"p{i:02d}" for i in range(0, 20, 3)}
    assert all("dog" in h[2]["tags"] for h in dogs)

    start, end = 1_700_000_000 + 5 * 86_400, 1_700_000_000 + 8 * 86_400
    days = store.query(q, 50, where={"$and": [{"taken_at": {"$gte": start}}, {"taken_at": {"$lte": end}}]})
    assert {h[0] for h in days} == {"p05", "p06", "p07", "p08"}


def test_limit_larger_than_count_and_empty_store(store, filled):
    filled_store, _, vecs = filled
    assert len(filled_store.query(vecs[0], 1000)) == 20
    assert filled_store.query(vecs[0], 0) == []
    empty = ChromaVectorStore(filled_store._client, "photos--other")
    assert empty.query(vecs[0], 10) == []


def test_update_metadata_keeps_embedding(filled):
    store, _, vecs = filled
    before = store.get_embeddings(["p03"])["p03"]
    store.update_metadata(["p03", "missing"], [{"tags": ["boat"], "flagged": None}, {"x": 1}])
    meta = store.get_metadata(["p03"])["p03"]
    assert meta["tags"] == ["boat"] and "flagged" not in meta and meta["folder"] == "/photos/a"
    after = store.get_embeddings(["p03"])["p03"]
    assert after.dtype == np.float32
    np.testing.assert_allclose(after, before)
    np.testing.assert_allclose(after, vecs[3], atol=1e-6)
    assert store.query(vecs[3], 1, where={"tags": {"$contains": "boat"}})[0][0] == "p03"
    assert "missing" not in store.ids()


def test_upsert_replaces_whole_record(filled):
    store, _, vecs = filled
    store.upsert(["p01"], vecs[2:3], [{"folder": "/photos/c"}])
    assert store.get_metadata(["p01"]) == {"p01": {"folder": "/photos/c"}}
    np.testing.assert_allclose(store.get_embeddings(["p01"])["p01"], vecs[2], atol=1e-6)
    assert store.count() == 20


def test_delete_ids_count(filled):
    store, ids, vecs = filled
    assert store.ids() == set(ids) and store.count() == 20
    store.delete(["p00", "p01", "nope"])
    assert store.count() == 18
    assert store.ids() == set(ids) - {"p00", "p01"}
    assert "p00" not in {h[0] for h in store.query(vecs[0], 50)}
    assert store.get_embeddings(["p00", "p02"]).keys() == {"p02"}


def test_empty_inputs_are_noops(store):
    store.upsert([], np.empty((0, DIM), np.float32), [])
    store.update_metadata([], [])
    store.delete([])
    assert store.get_embeddings([]) == {} and store.get_metadata([]) == {}
    assert store.count() == 0 and store.ids() == set()


def test_batches_above_client_max(client, store):
    n = client.get_max_batch_size() + 123
    ids = [f"id{i}" for i in range(n)]
    vecs = unit_vectors(n, seed=1, dim=4)
    store4 = ChromaVectorStore(client, "photos--small-dim")
    store4.upsert(ids, vecs, [{"i": np.int64(i), "tags": ("x",)} for i in range(n)])
    assert store4.count() == n and store4.ids() == set(ids)
    store4.update_metadata(ids, [{"i": -1}] * n)
    assert len(store4.get_embeddings(ids)) == n
    assert {m["i"] for m in store4.get_metadata(ids).values()} == {-1}
    store4.delete(ids)
    assert store4.count() == 0


def test_data_survives_in_a_new_process(tmp_path):
    path = tmp_path / "persist"
    client = open_chroma(path)
    store = ChromaVectorStore(client, "photos--persist")
    vecs = unit_vectors(30, seed=2)
    store.upsert([f"x{i}" for i in range(30)], vecs, [{"tags": ["a", "b"], "n": i} for i in range(30)])
    client.close()
    np.save(tmp_path / "q.npy", vecs[11])
    script = textwrap.dedent(
        f"""
        import numpy as np
        from photo_tagger.infra.chroma_store import ChromaVectorStore, open_chroma
        s = ChromaVectorStore(open_chroma({str(path)!r}), "photos--persist")
        hit = s.query(np.load({str(tmp_path / "q.npy")!r}), 1, where={{"tags": {{"$contains": "b"}}}})[0]
        print(s.count(), len(s.ids()), hit[0], round(hit[1], 4), hit[2]["n"])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["30", "30", "x11", "1.0", "11"]


def test_unreachable_server_fails_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed on exit: nothing listens there
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable, match="unreachable"):
        open_chroma(f"http://127.0.0.1:{port}")
    with pytest.raises(StoreUnavailable):
        open_chroma("http://localhost:notaport")
    # A server restarting is given a few seconds (INTERACTIVE_GIVE_UP_S), then one clear error.
    assert time.monotonic() - t0 < INTERACTIVE_GIVE_UP_S + 3


def test_clean_metadata():
    raw = {"a": None, "b": [], "c": np.float32(0.5), "d": np.array([1, 2]), "e": "x", "f": True, "g": ("t",)}
    assert clean_metadata(raw) == {"c": 0.5, "d": [1, 2], "e": "x", "f": True, "g": ["t"]}
    assert clean_metadata(None) == {}


@pytest.mark.parametrize("name", ["photos--ViT-B/32", "ab", "a..b", "1.2.3.4", "_x_", "é" * 600])
def test_collection_names_are_valid_and_distinct(client, name):
    fixed = collection_name(name)
    assert 3 <= len(fixed) <= 512 and ".." not in fixed
    assert fixed[0].isalnum() and fixed[-1].isalnum()
    ChromaVectorStore(client, name)  # Chroma accepts it
    assert collection_name("photos--ViT-B/32") != collection_name("photos--ViT-B_32")
    assert collection_name("photos--clip-vit-b-32") == "photos--clip-vit-b-32"


def test_list_and_drop_collections(client, filled):
    assert "photos--test-model" in ChromaVectorStore.list_collections(client)
    assert ChromaVectorStore.drop_collection(client, "photos--test-model")
    assert not ChromaVectorStore.drop_collection(client, "photos--test-model")
    assert "photos--test-model" not in ChromaVectorStore.list_collections(client)
