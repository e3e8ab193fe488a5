"""Searches of a private library, from the command line and the window, are exact over the matrix file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photo_tagger.app import App
from tests.photos import make_photos


@pytest.fixture
def library(tiny_home, tmp_path, cli):
    photos = tmp_path / "photos"
    make_photos(photos, 12)
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    return tiny_home, photos


def brute_force(app: App, query: np.ndarray, exclude: str | None = None) -> list[str]:
    key = app.model_key()
    ids = [i for i in app.catalog.filter_ids(key) if i != exclude]
    vectors = app.catalog.vectors(key, ids)
    return sorted(ids, key=lambda i: -float(vectors[i] @ query))


def no_store_queries(app: App, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a private library's search asked Chroma's HNSW")

    monkeypatch.setattr(app.vector_store(), "query", refuse)


def test_search_and_similar_of_the_cli_and_the_window_are_exact(library, monkeypatch, capsys):
    from photo_tagger.cli import search as cli_search
    from photo_tagger.cli.main import build_parser

    home, photos = library
    app = App.from_home(home)
    try:
        no_store_queries(app, monkeypatch)
        args = build_parser().parse_args(["search", "a red square", "--limit", "5", "--json"])
        capsys.readouterr()
        assert cli_search._search(app, args) == 0
        got = [h["path"] for h in json.loads(capsys.readouterr().out)]
        query = app.cached_text_encoder.encode_texts(["a red square"])[0]
        records = app.catalog.get(brute_force(app, query)[:5])
        assert got == [records[i].path for i in brute_force(app, query)[:5]]

        some = app.catalog.filter_ids(app.model_key())[0]
        items = app.search_service.similar_items(some, limit=4)
        own = app.catalog.vectors(app.model_key(), [some])[some]
        assert [item.id for item in items] == brute_force(app, own, exclude=some)[:4]
        assert (app.paths.library_dir / "matrix").is_dir()
    finally:
        app.close()


def test_the_window_s_first_search_does_not_wait_for_chroma_to_open(library, monkeypatch):
    import threading

    import photo_tagger.infra.chroma_store as chroma_store
    from photo_tagger.core.search import Filters

    home, _ = library
    app = App.from_home(home)
    opening, release = threading.Event(), threading.Event()
    original = chroma_store.ChromaVectorStore.__init__

    def slow_open(self, *args, **kwargs):  # Chroma's imports and checks take seconds at start
        opening.set()
        release.wait(60)
        original(self, *args, **kwargs)

    monkeypatch.setattr(chroma_store.ChromaVectorStore, "__init__", slow_open)
    preload = threading.Thread(target=app.preload_search)  # what the window runs at start
    preload.start()
    found = []
    try:
        assert opening.wait(60)  # the matrix is open; the store is still opening
        search = threading.Thread(target=lambda: found.extend(app.search_service.text_hits("a red square", Filters(), 5)))
        search.start()
        search.join(60)
        assert not search.is_alive(), "the search waited for Chroma"
        query = app.cached_text_encoder.encode_texts(["a red square"])[0]
        assert [h.record.id for h in found] == brute_force(app, query)[:5]
    finally:
        release.set()
        preload.join(60)
        app.close()
