"""The journal's unit of work (core/journal.py): a write to the store and the catalog that fails between the two
leaves its journal entry for recovery; one that finishes clears it with the catalog's write."""

import pytest

from photo_tagger.core.choices import edit_tags
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.journal import journaled
from photo_tagger.core.library import add_roots, forget_root
from photo_tagger.infra.catalog import Catalog
from tests.fakes import FakeImageEncoder, InMemoryStore
from tests.photos import make_photos


class Boom(Exception):
    pass


class FailingStore(InMemoryStore):
    """A store whose next call of `fail_on` raises after the change reached it (a crash before the clear)."""

    def __init__(self, fail_on: str = "", shared: bool = False):
        super().__init__(shared=shared)
        self.fail_on = fail_on

    def __getattribute__(self, name):
        if name == object.__getattribute__(self, "fail_on"):
            method = object.__getattribute__(self, name)

            def then_fail(*args, **kwargs):
                method(*args, **kwargs)
                raise Boom(name)
            return then_fail
        return object.__getattribute__(self, name)


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    yield catalog
    catalog.close()


def test_a_failure_between_the_store_call_and_the_clear_leaves_the_entry(catalog):
    store = InMemoryStore()
    with pytest.raises(Boom):
        with journaled(catalog, ["a", "b"], "m") as unit:
            store.delete(["a", "b"])
            raise Boom("after the store call")
    assert sorted(catalog.pending_journal("m")) == ["a", "b"]
    assert unit.ids == ["a", "b"]


def test_a_failing_closing_transaction_rolls_back_with_its_clear(catalog):
    with pytest.raises(Boom):
        with journaled(catalog, ["a"], "m") as unit:
            with unit.transaction() as db:
                db.execute("INSERT INTO roots (path, added_at) VALUES (?, ?)", (b"/x", 0.0))  # the catalog's write
                raise Boom("in the catalog write")
    assert catalog.pending_journal("m") == ["a"]
    assert catalog.roots() == []


def test_a_finished_unit_clears_its_entry_and_only_its_own(catalog):
    catalog.journal_add(["older"], "m")
    with journaled(catalog, ["a"], "m"):
        pass
    with journaled(catalog, ["b"], "m") as unit:
        with unit.transaction():
            pass
    assert catalog.pending_journal("m") == ["older"]


def test_forgetting_a_folder_whose_store_delete_fails_is_recovered(catalog, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 3)
    store = FailingStore()
    indexer = Indexer(catalog, store, FakeImageEncoder(), "fake", batch_size=4)
    roots, scope = add_roots(catalog, [str(folder)])
    indexer.index(roots, scope=scope)
    ids = sorted(store.ids())
    store.fail_on = "delete"
    with pytest.raises(Boom):
        forget_root(catalog, store, "fake", str(folder))
    assert sorted(catalog.pending_journal("fake")) == ids
    store.fail_on = ""
    assert indexer.recover() == 3 and catalog.pending_journal("fake") == []


def test_a_shared_tag_edit_whose_mirror_fails_stays_journaled(catalog, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 2)
    store = FailingStore(shared=True)
    indexer = Indexer(catalog, store, FakeImageEncoder(), "fake", batch_size=4)
    roots, scope = add_roots(catalog, [str(folder)])
    indexer.index(roots, scope=scope)
    photo = sorted(store.ids())[0]
    store.fail_on = "update_metadata"
    with pytest.raises(Boom):
        edit_tags(catalog, store, "fake", photo, add=["holiday"])
    assert catalog.pending_journal("fake") == [photo]
    assert "holiday" in catalog.choices([photo])[photo].added  # the catalog's side was written first
