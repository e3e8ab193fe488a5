"""The use cases moved out of cli/ into services/, run with their parts alone (fakes, a catalog on disk): no App."""

from __future__ import annotations

import stat

import numpy as np
import pytest

from photo_tagger.core.errors import ConfigError, ModelError, PhotoTaggerError
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.library import add_roots
from photo_tagger.core.preprocess import load_pixels
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.labels_file import LabelsFile
from photo_tagger.services import library_health as health
from photo_tagger.services import store_server
from photo_tagger.services.labels import labels_editable
from photo_tagger.services.models import verify_models
from photo_tagger.services.search import file_embedding, stored_embedding
from photo_tagger.services.store_migration import migration_target
from tests.fakes import FakeImageEncoder, InMemoryStore
from tests.photos import make_photo, make_photos

KEY = "fake"


@pytest.fixture
def library(tmp_path):
    """A catalog, a store and an indexer over five indexed photos."""
    catalog = Catalog(tmp_path / "library" / "catalog.sqlite3")
    store, encoder = InMemoryStore(), FakeImageEncoder()
    indexer = Indexer(catalog, store, encoder, KEY, batch_size=4)
    folder = tmp_path / "photos"
    make_photos(folder, 5)
    roots, _ = add_roots(catalog, [str(folder)])
    indexer.index(roots)
    yield catalog, store, indexer, folder
    catalog.close()


# -- library check and repair

def test_agreement_counts_both_sides_and_a_lost_vector_is_a_disagreement(library):
    catalog, store, _, _ = library
    found = health.check_agreement(catalog, store, KEY)
    assert (found.in_catalog, found.in_store, found.interrupted_writes, found.orphans, found.ok) == (5, 5, 0, {}, True)
    store.delete([sorted(store.ids())[0]])
    found = health.check_agreement(catalog, store, KEY)
    assert (found.in_catalog, found.in_store, found.ok) == (5, 4, False)


def test_a_shared_store_holds_other_libraries_photos_so_its_count_is_no_disagreement(library):
    catalog, store, _, _ = library
    store.shared = True
    store.upsert(["someone-else"], np.ones((1, 4), np.float32), [{}])
    assert health.check_agreement(catalog, store, KEY).ok


def test_resync_puts_the_store_in_step_and_counts_what_the_next_index_reads(library):
    catalog, store, indexer, folder = library
    make_photo(folder / "new.jpg", (1, 2, 3))
    opened = []
    done = health.resync(catalog, lambda: opened.append(True) or store, indexer, KEY)
    assert opened == [True]
    assert (done.orphans, done.recovered, done.embedded, done.to_read) == ({}, 0, 5, 1)


def test_a_missing_catalog_is_missing_and_a_garbage_one_is_damaged(tmp_path):
    missing = health.check_catalog(tmp_path / "catalog.sqlite3")
    assert not missing.ok and missing.problems == ["missing"]
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    found = health.check_catalog(garbage)
    assert not found.ok and found.describe().startswith("DAMAGED")


def test_a_sound_catalog_says_what_it_holds(library, tmp_path):
    catalog, _, _, _ = library
    found = health.check_catalog(catalog.path)
    assert found.ok and found.describe() == "ok (5 photos, 0 of your tag choices)"


def test_repair_sets_a_damaged_store_aside_and_drops_a_damaged_text_cache(tmp_path):
    files = health.LibraryFiles.of(tmp_path / "library", tmp_path / "cache")
    for path in (files.store, files.text_cache):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a database" * 100)
    done = health.repair_files(files, embedded_store=True)
    assert done.salvage is None and done.restored is None  # no catalog and no backup: nothing to do there
    assert done.store_set_aside is not None and done.store_set_aside.name.startswith("chroma.damaged-")
    assert not files.store.exists() and (done.store_set_aside / "chroma.sqlite3").exists()
    assert done.text_cache_dropped and not files.text_cache.exists()


def test_a_library_on_a_server_keeps_its_store_whatever_the_local_file_holds(tmp_path):
    files = health.LibraryFiles.of(tmp_path / "library", tmp_path / "cache")
    files.store.parent.mkdir(parents=True)
    files.store.write_bytes(b"not a database" * 100)
    assert health.repair_files(files, embedded_store=False).store_set_aside is None
    assert files.store.exists()


def test_restore_names_what_is_wrong_in_one_line(tmp_path):
    catalog = tmp_path / "catalog.sqlite3"
    with pytest.raises(PhotoTaggerError, match="no sound backup"):
        health.restore_backup(catalog, None)
    with pytest.raises(PhotoTaggerError, match=r"no backup nope\.sqlite3 \(backups: none\)"):
        health.restore_backup(catalog, "nope.sqlite3")


def test_no_backups_yet_is_healthy(tmp_path):
    found = health.check_backups(tmp_path / "catalog.sqlite3")
    assert found.ok and found.backups == []


# -- the label-edit guard (the CLI's and the window's)

def _guard_parts(tmp_path):
    catalog = Catalog(tmp_path / "library" / "catalog.sqlite3")
    return LabelsFile(tmp_path / "labels.toml"), catalog, tmp_path / "library"


def test_a_broken_labels_file_refuses_an_edit_unless_the_user_saw_it(tmp_path):
    labels_file, catalog, library_dir = _guard_parts(tmp_path)
    labels_file.path.write_text("threshold = 7\n", encoding="utf-8")
    opened = []
    with pytest.raises(ConfigError, match="nothing was changed"):
        labels_editable(labels_file, catalog, library_dir, lambda: opened.append(True))
    assert opened == []  # refused before the store is asked
    labels_editable(labels_file, catalog, library_dir, lambda: opened.append(True), broken_file_seen=True)
    assert opened == [True]
    catalog.close()


def test_a_read_only_catalog_and_a_store_that_does_not_answer_refuse_an_edit(tmp_path):
    labels_file, catalog, library_dir = _guard_parts(tmp_path)

    def down():
        raise PhotoTaggerError("the library server does not answer")

    with pytest.raises(PhotoTaggerError, match="does not answer"):
        labels_editable(labels_file, catalog, library_dir, down)
    catalog.read_only = "the disk is full"
    with pytest.raises(PhotoTaggerError, match="the disk is full"):
        labels_editable(labels_file, catalog, library_dir, lambda: None)
    assert not labels_file.path.exists()
    catalog.read_only = ""
    catalog.close()


# -- similar

def test_similar_starts_from_the_stored_embedding_or_a_file_encoded_now(tmp_path):
    store, encoder = InMemoryStore(), FakeImageEncoder()
    store.upsert(["a"], np.array([[1, 0, 0, 0]], np.float32), [{}])
    assert stored_embedding(store, "a").tolist() == [1, 0, 0, 0]
    assert stored_embedding(store, "b") is None
    photo = make_photo(tmp_path / "outside.jpg", (200, 10, 10))
    expected = encoder.encode_images(load_pixels(photo, encoder.preprocess_spec)[None])[0]
    assert np.allclose(file_embedding(encoder, photo), expected)


# -- store migrate and the library server

def test_a_migration_target_is_local_or_an_http_url():
    assert migration_target("local") == "" and migration_target("  ") == ""
    assert migration_target(" https://nas.local:8443 ") == "https://nas.local:8443"
    with pytest.raises(ConfigError, match="http"):
        migration_target("nas.local:8443")


def test_a_server_url_is_required_and_checked():
    with pytest.raises(PhotoTaggerError, match="no library server"):
        store_server.server_url("  ")
    with pytest.raises(ConfigError):
        store_server.server_url("ftp://nas")
    assert store_server.access_summary("", "") == {"url": "", "token": "", "ca_file": ""}


def test_the_proxy_config_and_its_token_are_private_to_the_user(tmp_path):
    written = store_server.write_proxy_config(store_server.ProxyPlan("nas.local:8443"), tmp_path / "proxy")
    token = written.token_file.read_text(encoding="utf-8").strip()
    assert token and token in written.caddyfile.read_text(encoding="utf-8")
    assert "nas.local:8443" in written.caddyfile.read_text(encoding="utf-8")
    for path in (written.caddyfile, written.token_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "proxy").stat().st_mode) == 0o700
    again = store_server.write_proxy_config(store_server.ProxyPlan("nas.local:8443"), tmp_path / "proxy")
    assert again.token_file.read_text(encoding="utf-8").strip() != token  # a fresh token each time


# -- models

class _Model:
    def __init__(self, problems):
        self.problems = problems

    def verify(self):
        return self.problems


class _Models:
    """The model store's lookup by name, with one model that cannot be read."""

    def get(self, name):
        if name == "broken":
            raise ModelError("broken: manifest.json is missing")
        return _Model([] if name == "good" else ["image.onnx: hash differs"])


def test_verify_says_each_models_problems_and_an_unreadable_one_is_a_problem():
    found = verify_models(_Models(), ["good", "tampered", "broken"])
    assert found == {"good": [], "tampered": ["image.onnx: hash differs"],
                     "broken": ["broken: manifest.json is missing"]}
