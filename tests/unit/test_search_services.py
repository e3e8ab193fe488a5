"""The search group's services built from their parts alone (fakes, a catalog on disk): no App, no model."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from photo_tagger.core.embedding_index import EmbeddingIndex
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.library import add_roots
from photo_tagger.core.review import LABEL
from photo_tagger.core.search_rank import TEXT
from photo_tagger.core.vector_metadata import OWNER_KEY
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.search_history import SearchHistory
from photo_tagger.services.photo_details import PhotoDetailsService
from photo_tagger.services.review import ReviewService
from photo_tagger.services.search import SearchService
from tests.fakes import FakeImageEncoder, FakeTextEncoder, InMemoryStore
from tests.photos import make_photo

KEY = "fake"
COLOURS = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}


@pytest.fixture
def library(tmp_path):
    """Two photos of each colour, indexed with the fake encoder; (catalog, store, photo id by file name)."""
    catalog = Catalog(tmp_path / "library" / "catalog.sqlite3")
    store = InMemoryStore()
    folder = tmp_path / "photos"
    for name, rgb in COLOURS.items():
        for k in range(2):
            make_photo(folder / f"{name}_{k}.jpg", tuple(c + 5 * k for c in rgb))
    roots, _ = add_roots(catalog, [str(folder)])
    Indexer(catalog, store, FakeImageEncoder(), KEY, batch_size=4).index(roots)
    ids = {r.relpath: r.id for r in catalog.records()}
    yield catalog, store, ids
    catalog.close()


def search_service(catalog, store, tmp_path, *, shared=False, text=None) -> SearchService:
    index = EmbeddingIndex(catalog, KEY)
    labels = LabelSet(labels=(Label("circle"),))
    return SearchService(catalog=catalog, text_encoder=lambda: text or FakeTextEncoder(),
                         image_encoder=FakeImageEncoder, model_key=lambda: KEY,
                         active_model=lambda: SimpleNamespace(name=KEY), vector_store=lambda: store,
                         search_store=lambda: store, embedding_index=lambda: index, labels=lambda: labels,
                         history=SearchHistory(tmp_path / "search_history.json"), shared=lambda: shared)


def test_a_search_ranks_by_meaning_and_text_and_is_remembered(library, tmp_path):
    catalog, store, ids = library
    with catalog.transaction() as db:
        record = catalog.get([ids["blue_1.jpg"]])[ids["blue_1.jpg"]]
        catalog.set_photo_text(db, record.id, record.content_hash, "text", "happy birthday")
    service = search_service(catalog, store, tmp_path)
    hits = service.search("a red photo").hits
    assert {h.record.id for h in hits[:2]} == {ids["red_0.jpg"], ids["red_1.jpg"]}
    found = service.search("birthday", remember=False).hits
    assert found[0].record.id == ids["blue_1.jpg"] and TEXT in found[0].reasons and "birthday" in found[0].snippet
    assert service.recent_searches() == ["a red photo"]  # not the one asked not to be remembered


def test_the_calibration_is_kept_between_searches(library, tmp_path):
    catalog, store, _ = library
    text = FakeTextEncoder()
    service = search_service(catalog, store, tmp_path, text=text)
    first = service.calibration()
    encoded = text.encoded
    again = service.calibration()
    assert again[1] is first[1] and text.encoded == encoded  # the grader is not made again


def test_similar_leaves_the_photo_out_and_a_file_outside_the_library_is_encoded_now(library, tmp_path):
    catalog, store, ids = library
    service = search_service(catalog, store, tmp_path)
    hits = service.similar(ids["green_0.jpg"], limit=2).hits
    assert [h.record.id for h in hits][:1] == [ids["green_1.jpg"]] and ids["green_0.jpg"] not in {
        h.record.id for h in hits}
    outside = make_photo(tmp_path / "elsewhere" / "blue.jpg", COLOURS["blue"])
    assert service.similar(None, path=outside, limit=2).hits[0].record.id in {ids["blue_0.jpg"], ids["blue_1.jpg"]}
    store.delete([ids["red_0.jpg"]])
    with pytest.raises(PhotoTaggerError, match="red_0.jpg has no embedding for model fake"):
        service.similar(ids["red_0.jpg"], shown_as="red_0.jpg")


def test_a_tag_filter_must_name_a_known_tag_unless_the_library_is_shared(library, tmp_path):
    catalog, store, ids = library
    assert "no label or tag named 'nope'" in search_service(catalog, store, tmp_path).tag_problem("nope")
    assert search_service(catalog, store, tmp_path).tag_problem("circle") == ""
    assert search_service(catalog, store, tmp_path, shared=True).tag_problem("nope") == ""
    hits = search_service(catalog, store, tmp_path).text_hits("green", Filters(folder=str(tmp_path / "photos")), 2)
    assert {h.record.id for h in hits} == {ids["green_0.jpg"], ids["green_1.jpg"]}


def test_photo_details_read_the_ocr_setting_as_it_is_now_and_find_photos_by_path(library, tmp_path):
    catalog, store, ids = library
    mode = ["auto"]
    service = PhotoDetailsService(catalog=catalog, vector_store=lambda: store, ocr_mode=lambda: mode[0])
    photo = tmp_path / "photos" / "red_0.jpg"
    assert service.find_photo(photo).id == ids["red_0.jpg"]
    mode[0] = "off"  # the Settings dialog changed it
    details = service.photo_details(ids["red_0.jpg"])
    assert details.record.path == str(photo) and details.ocr_mode == "off"
    assert service.photo_details("gone") is None
    make_photo(tmp_path / "elsewhere" / "x.jpg")
    with pytest.raises(PhotoTaggerError, match="is not in the library"):
        service.find_photo(tmp_path / "elsewhere" / "x.jpg")
    with pytest.raises(PhotoTaggerError, match="no such file"):
        service.find_photo(tmp_path / "photos" / "missing.jpg")


def test_another_machine_s_photo_is_detailed_from_the_shared_store(library):
    catalog, _, _ = library
    shared = InMemoryStore(shared=True, library_id="here")
    service = PhotoDetailsService(catalog=catalog, vector_store=lambda: shared, ocr_mode=lambda: "auto")
    assert service.photo_details("theirs") is None
    shared.upsert(["theirs"], np.ones((1, 4), np.float32),
                  [{OWNER_KEY: "there", "root": "/there", "relpath": "a.jpg", "tags": ["circle"], "flags": []}])
    details = service.photo_details("theirs")
    assert details.record.path == "/there/a.jpg" and details.tags == (("circle", None),)


def test_a_review_answer_is_stored_at_once_and_a_gone_photo_is_one_line(library):
    catalog, store, ids = library

    def no_labels():
        raise AssertionError("storing an answer needs no labels")

    service = ReviewService(catalog=catalog, vector_store=lambda: store, model_key=lambda: KEY,
                            prepared_labels=no_labels)
    service.decide(LABEL, "circle", ids["red_0.jpg"], True)
    assert (ids["red_0.jpg"], "circle", "add") in catalog.all_choices()[0]
    with pytest.raises(PhotoTaggerError, match="no longer in the library"):
        service.decide(LABEL, "circle", "gone", False)
