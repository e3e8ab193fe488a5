"""The album service over a real catalog: membership by photo id, photos forgotten leave their albums, deleting an
album keeps its photos, names are checked, smart albums are computed again only after the catalog changed."""

from __future__ import annotations

import pytest

from photo_tagger.core.albums import AlbumError, SavedSearch, clean_name
from photo_tagger.core.filters import Filters
from photo_tagger.core.library import forget_photos
from photo_tagger.core.search import SearchHit
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from photo_tagger.services.albums import SMART_LIMIT, AlbumService
from tests.fakes import InMemoryStore


def _record(n: int, relpath: str | None = None) -> PhotoRecord:
    return PhotoRecord(id=f"p{n}", root="/photos", relpath=relpath or f"{n:03d}.jpg", size=1, mtime_ns=1,
                       content_hash=f"h{n}", status="indexed", embedded_model="m")


def _hits(catalog: Catalog, found: list[tuple[str, str]]) -> list[SearchHit]:
    records = catalog.get([i for i, _ in found])
    return [SearchHit(records[i], 0.5, (), (), grade=grade) for i, grade in found]


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction() as db:
        catalog.write(db, upserts=[_record(n) for n in range(5)])
    yield catalog
    catalog.close()


def test_membership_follows_the_record_and_leaves_with_it(catalog):
    albums = AlbumService(catalog=catalog)
    albums.create("Trip")
    albums.create("Best")
    assert albums.add("trip", ["p0", "p1", "p2"]) == 3
    assert albums.add("Best", ["p1"]) == 1
    with catalog.transaction() as db:  # what the indexer writes for a moved, renamed photo: the same id
        catalog.write(db, upserts=[_record(1, "elsewhere/renamed.jpg")])
    assert [r.relpath for r in albums.records("Trip")] == ["000.jpg", "elsewhere/renamed.jpg", "002.jpg"]
    forget_photos(catalog, InMemoryStore(), "m", ["p0"])  # deleted from disk
    assert albums.photo_ids("Trip") == ["p1", "p2"]
    assert {a.name: a.count for a in albums.list()} == {"Best": 1, "Trip": 2}
    assert catalog.albums_of(["p1"]) == {"p1": ["Best", "Trip"]}

    albums.delete("Trip")
    assert set(catalog.get([f"p{n}" for n in range(5)])) == {"p1", "p2", "p3", "p4"}
    assert albums.photo_ids("Best") == ["p1"]
    assert albums.remove("Best", ["p1", "p3"]) == 1
    with pytest.raises(AlbumError, match="not in the library"):
        albums.add("Best", ["p0"])


@pytest.mark.parametrize("name, message", [
    ("", "needs a name"), ("  \t ", "needs a name"), ("a" * 201, "at most 200"), ("tab\there", "control"),
    ("bell\x07", "control"), ("Albums|Sub", "'|'"),
])
def test_bad_names_are_refused_in_one_line(name, message):
    with pytest.raises(AlbumError, match=message) as caught:
        clean_name(name)
    assert "\n" not in str(caught.value)


def test_names_are_trimmed_and_clash_ignoring_case(catalog):
    albums = AlbumService(catalog=catalog)
    assert albums.create("  Été 2026 ").name == "Été 2026"
    with pytest.raises(AlbumError, match="exists already"):
        albums.create("ÉTÉ 2026")
    albums.create("Other")
    with pytest.raises(AlbumError, match="exists already"):
        albums.rename("other", "été 2026")
    assert albums.rename("Été 2026", "été 2026").name == "été 2026"  # its own name in another case is fine


def test_smart_album_runs_its_search_again_only_after_a_change(catalog):
    runs = []

    def search(query: str, filters: Filters, limit: int) -> list[SearchHit]:
        runs.append(query)
        return _hits(catalog, [("p3", "strong"), ("p1", "strong")])

    now = [100.0]
    albums = AlbumService(catalog=catalog, search=search, monotonic=lambda: now[0])
    saved = SavedSearch("a dog -cat", Filters(tag="dog", folder="/photos"), strong_only=True)
    smart = albums.create("Dogs", saved)
    assert smart.smart and smart.search == saved
    assert [(a.name, a.count) for a in albums.list()] == [("Dogs", 2)]
    assert albums.photo_ids("dogs") == ["p3", "p1"]
    assert len(runs) == 1  # nothing changed in between
    with catalog.transaction() as db:
        catalog.write(db, upserts=[_record(9)])  # a new photo
    assert albums.photo_ids("Dogs") == ["p3", "p1"] and len(runs) == 2
    albums.list()  # nothing changed since it ran at 100
    assert len(runs) == 2
    with catalog.transaction() as db:
        catalog.write(db, upserts=[_record(10)])
    now[0] = 120.0
    albums.list(stale_ok_s=30)  # while indexing: 20 s old is recent enough
    assert len(runs) == 2
    now[0] = 131.0
    albums.list(stale_ok_s=30)
    assert len(runs) == 3
    albums.list()
    assert len(runs) == 3
    with pytest.raises(AlbumError, match="smart album"):
        albums.add("Dogs", ["p0"])
    with pytest.raises(AlbumError, match="needs a search"):
        albums.create("Empty", SavedSearch("   "))
    reopened = AlbumService(catalog=catalog, search=search).get("Dogs")
    assert reopened.search == saved  # filters and strong_only saved with it


def test_a_smart_album_asks_the_search_for_its_query_and_keeps_strong_matches_when_told(catalog):
    asked = []

    def search(query: str, filters: Filters, limit: int) -> list[SearchHit]:
        asked.append((query, filters, limit))
        return _hits(catalog, [("p2", "strong"), ("p0", "weak"), ("p4", "strong")])

    albums = AlbumService(catalog=catalog, search=search)
    albums.create("Strong", SavedSearch("  a red car ", Filters(tag="car"), strong_only=True))
    albums.create("All", SavedSearch("a red car"))
    assert albums.photo_ids("Strong") == ["p2", "p4"]
    assert albums.photo_ids("All") == ["p2", "p0", "p4"]
    assert [r.id for r in albums.records("All")] == ["p2", "p0", "p4"]
    assert asked == [("a red car", Filters(tag="car"), SMART_LIMIT), ("a red car", Filters(), SMART_LIMIT)]
    with pytest.raises(AlbumError, match="need the search"):
        AlbumService(catalog=catalog).photo_ids("Strong")
