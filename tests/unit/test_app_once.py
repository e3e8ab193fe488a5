"""App's services are made once, also when many threads ask a fresh App for them at the same moment."""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from photo_tagger.app import App
from photo_tagger.core.once import locked_cached_property

THREADS = 12


def race(fn) -> list:
    """fn() from THREADS threads released at once; their results."""
    start = threading.Barrier(THREADS)

    def run(_):
        start.wait()
        return fn()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def counting(cls, made: list):
    """A subclass of cls whose construction is slow (widening the race) and counted."""

    class Counted(cls):
        def __init__(self, *args, **kwargs):
            made.append(1)
            time.sleep(0.05)
            super().__init__(*args, **kwargs)

    return Counted


@pytest.fixture
def app(tmp_path):
    app = App.from_home(tmp_path / "home")
    yield app
    app.close()


def test_the_catalog_is_opened_once(app, monkeypatch):
    import photo_tagger.infra.catalog as catalog_module

    made: list = []
    monkeypatch.setattr(catalog_module, "Catalog", counting(catalog_module.Catalog, made))
    catalogs = race(lambda: app.catalog)
    assert len(made) == 1 and all(c is catalogs[0] for c in catalogs)


def test_one_search_matrix_per_model(app, monkeypatch):
    import photo_tagger.core.embedding_index as index_module

    made: list = []
    monkeypatch.setattr(index_module, "EmbeddingIndex", counting(index_module.EmbeddingIndex, made))
    indexes = race(lambda: app.embedding_index("m@0123456789abcdef"))
    assert len(made) == 1 and all(i is indexes[0] for i in indexes)


def test_one_vector_store_per_model(app, monkeypatch):
    import photo_tagger.infra.chroma_store as chroma_module

    made: list = []

    class FakeStore:
        def __init__(self, *args, **kwargs):
            made.append(1)
            time.sleep(0.05)

    monkeypatch.setattr(chroma_module, "ChromaVectorStore", FakeStore)
    app.override(store_url="http://localhost:1")  # no embedded folder to tidy up
    app.__dict__["chroma_client"] = object()
    monkeypatch.setattr(app, "_repair_store", lambda store, key: None)
    stores = race(lambda: app.vector_store("m@0123456789abcdef"))
    assert len(made) == 1 and all(s is stores[0] for s in stores)


def test_every_lazy_field_of_app_is_made_under_its_lock():
    lazy = {name: field for name, field in vars(App).items()
            if isinstance(field, (functools.cached_property, locked_cached_property))}
    assert "catalog" in lazy and "chroma_client" in lazy
    assert all(isinstance(field, locked_cached_property) for field in lazy.values()), lazy
