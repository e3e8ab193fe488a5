"""A model is known by its content (issue 12), a damaged one is refused (issue 11 §4), a deleted vector store is
rebuilt from the catalog (issue 11 §5), and the catalog's schema version is read (issue 12)."""

import json
import os
import shutil
import sqlite3

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from photo_tagger.app import App
from tests.conftest import run_entry_point
from tests.fixture_models.shapes import caption
from tests.photos import make_photos


def index_json(cli, home, *paths):
    result = cli("--home", home, "index", *paths, "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def catalog_file(home):
    return App.from_home(home).paths.library_dir / "catalog.sqlite3"


def store_counts(home):
    """(collections by name -> count) of the embedded store, read by chromadb itself."""
    client = chromadb.PersistentClient(str(App.from_home(home).paths.library_dir / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    try:
        return {c.name: client.get_collection(c.name).count() for c in client.list_collections()}
    finally:
        client.close()


def encoded_by(home):
    with sqlite3.connect(catalog_file(home)) as db:
        return sorted(r[0] for r in db.execute("SELECT embedded_model FROM photos"))


@pytest.fixture
def shape_photos(tmp_path):
    """A few held-out shapes photos: the trained model finds "a red circle" among them, the tiny one cannot."""
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path / "shapes"
    folder.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(24)):
        image.save(folder / f"{i:03d}.jpg", quality=95)
        truth[str(folder / f"{i:03d}.jpg")] = caption(color, shape)
    return folder, truth


def test_replacing_a_model_under_the_same_name_reencodes_and_changes_results(cli, home, model_depot, shape_photos):
    folder, truth = shape_photos
    assert cli("--home", home, "model", "import", model_depot.folder("tiny"), "--name", "m").returncode == 0
    assert index_json(cli, home, folder)["new"] == 24
    before = json.loads(cli("--home", home, "search", "a red circle", "--json", "--limit", "5").out)
    [old_key] = set(encoded_by(home))
    matrices = App.from_home(home).paths.library_dir / "matrix"
    assert {json.loads(h.read_text())["key"] for h in matrices.glob("*.json")} == {old_key}  # the exact search's
    # The same content installed again (a reinstall, a copy) is the same model: nothing to re-encode.
    again = cli("--home", home, "model", "import", model_depot.folder("tiny"), "--name", "m", "--replace")
    assert again.returncode == 0 and "re-encoded" not in again.out
    assert index_json(cli, home, folder)["unchanged"] == 24

    replaced = cli("--home", home, "model", "import", model_depot.folder("shapes"), "--name", "m", "--replace")
    assert replaced.returncode == 0, replaced.err
    assert "photos encoded by the replaced one are re-encoded by the next index" in replaced.out
    status = json.loads(cli("--home", home, "status", "--json").out)
    assert status["pending"]["to re-encode"] == 24 and status["photos"] == 0

    report = index_json(cli, home, folder)
    assert (report["reencoded"], report["unchanged"], report["new"]) == (24, 0, 0)
    after = json.loads(cli("--home", home, "search", "a red circle", "--json", "--limit", "5").out)
    assert [h["path"] for h in after] != [h["path"] for h in before]
    assert truth[after[0]["path"]] == caption("red", "circle")  # the new weights' answer, not the old vectors'
    new_key = App.from_home(home).active_model().key
    assert new_key != old_key and new_key.startswith("m@") and old_key.startswith("m@")
    assert encoded_by(home) == [new_key] * 24
    # The replaced content's vectors are gone: its collection, its catalog rows, its cached text vectors.
    assert store_counts(home) == {"photos--" + new_key.replace("@", "--"): 24}
    with sqlite3.connect(catalog_file(home)) as db:
        assert {r[0] for r in db.execute("SELECT DISTINCT model FROM vectors")} == {new_key}
    assert {json.loads(h.read_text())["key"] for h in matrices.glob("*.json")} <= {new_key}
    with sqlite3.connect(App.from_home(home).paths.cache_dir / "text-embeddings.sqlite3") as db:
        assert {r[0] for r in db.execute("SELECT DISTINCT model FROM text_embeddings")} == {new_key}


def flip_64_bytes(path):
    """Damage in place, the way a bad sector or a stray write does: same size, and the mtime put back."""
    stat = path.stat()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_damaged_model_is_refused_before_encoding_and_restoring_it_repairs(tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 6)
    image_file = App.from_home(tiny_home).active_model().image_encoder_file("fp32")
    good = image_file.read_bytes()
    flip_64_bytes(image_file)

    result = run_entry_point("--home", tiny_home, "index", photos)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "model verify" in line and str(image_file) in line and "Traceback" not in line
    assert encoded_by(tiny_home) == []  # nothing encoded with garbage

    stat = image_file.stat()
    image_file.write_bytes(good)
    os.utime(image_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = run_entry_point("--home", tiny_home, "index", photos, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["new"] == 6
    key = App.from_home(tiny_home).active_model().key
    assert encoded_by(tiny_home) == [key] * 6


def test_a_file_changed_while_loading_is_refused(model_depot, tmp_path):
    from photo_tagger.core.errors import ModelError
    from photo_tagger.infra.model_store import ModelStore

    store = ModelStore(tmp_path / "models")
    model = store.import_folder(model_depot.folder("tiny"))
    identity = model.check_file("image_fp32.onnx")
    flip_64_bytes(model.path / "image_fp32.onnx")  # after the check, before the session was made
    with pytest.raises(ModelError, match="changed while it was loaded"):
        model.unchanged_since("image_fp32.onnx", identity)
    with pytest.raises(ModelError, match="model verify"):
        model.check_file("image_fp32.onnx")


def test_a_deleted_vector_store_is_noticed_and_rebuilt_from_the_catalog(cli, tiny_home, tmp_path, monkeypatch):
    photos = tmp_path / "photos"
    make_photos(photos, 8)
    index_json(cli, tiny_home, photos)
    chroma_dir = App.from_home(tiny_home).paths.library_dir / "chroma"
    shutil.rmtree(chroma_dir)

    status = cli("--home", tiny_home, "status")
    assert status.returncode == 0 and "8 vectors to restore from the catalog" in status.out
    assert "nothing, all up to date" not in status.out

    from photo_tagger.infra.onnx_clip import OnnxImageEncoder

    def no_encoding(self, pixels):
        raise AssertionError("a rebuild must not encode photos")

    monkeypatch.setattr(OnnxImageEncoder, "encode_images", no_encoding)
    search = cli("--home", tiny_home, "search", "a photo", "--json")
    assert search.returncode == 0, search.err
    [line] = search.err.strip().splitlines()
    assert "missing 8 of 8 photos; restored 8 from the catalog (no re-encoding)" in line
    assert len(json.loads(search.out)) == 8
    assert list(store_counts(tiny_home).values()) == [8]

    report = index_json(cli, tiny_home, photos)  # nothing left to do, and nothing said again
    assert (report["unchanged"], report["new"], report["reencoded"]) == (8, 0, 0)
    shutil.rmtree(chroma_dir)  # and when `index` is the first to open it
    result = cli("--home", tiny_home, "index", photos, "--json")
    assert "restored 8 from the catalog" in result.err and json.loads(result.out)["unchanged"] == 8
    assert list(store_counts(tiny_home).values()) == [8]


def test_a_catalog_from_a_newer_version_is_refused_in_one_line(cli, tiny_home, tmp_path):
    make_photos(tmp_path / "photos", 2)
    index_json(cli, tiny_home, tmp_path / "photos")
    with sqlite3.connect(catalog_file(tiny_home)) as db:
        db.execute("PRAGMA user_version = 99")
    for command in (("status",), ("index", tmp_path / "photos"), ("search", "a photo")):
        result = run_entry_point("--home", tiny_home, *command)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert "written by a newer Photo Tagger (schema 99" in line and str(catalog_file(tiny_home)) in line
    with sqlite3.connect(catalog_file(tiny_home)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 99  # untouched


def as_version_2_library(home):
    """Rewrite a library the way Photo Tagger wrote it before model keys: the model's bare name in the catalog,
    a collection named by it, a manifest without installed_at (its file's time says when it was installed)."""
    app = App.from_home(home)
    model, library = app.active_model(), app.paths.library_dir
    with sqlite3.connect(library / "catalog.sqlite3") as db:
        db.execute("UPDATE photos SET embedded_model = ? WHERE embedded_model != ''", (model.name,))
        db.execute("UPDATE vectors SET model = ?", (model.name,))
        db.execute("PRAGMA user_version = 2")
        first_indexed = db.execute("SELECT MIN(indexed_at) FROM photos").fetchone()[0]
    client = chromadb.PersistentClient(str(library / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    [collection] = client.list_collections()
    client.get_collection(collection.name).modify(name=f"photos--{model.name}")
    client.close()
    manifest_file = model.path / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    del manifest["installed_at"]
    manifest_file.write_text(json.dumps(manifest))
    os.utime(manifest_file, (first_indexed - 60, first_indexed - 60))
    return library / "catalog.sqlite3"


def test_an_older_catalog_migrates_forward_and_keeps_its_embeddings(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 6)
    index_json(cli, tiny_home, photos)
    catalog = as_version_2_library(tiny_home)
    with sqlite3.connect(catalog) as db:  # two photos encoded before the model now installed: by other content
        db.execute("UPDATE photos SET indexed_at = 0 WHERE relpath IN (?, ?)", (b"IMG_00000.jpg", b"IMG_00001.jpg"))

    status = json.loads(cli("--home", tiny_home, "status", "--json").out)
    assert (status["photos"], status["pending"]["to re-encode"]) == (4, 2)
    with sqlite3.connect(catalog) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    report = index_json(cli, tiny_home, photos)
    assert (report["unchanged"], report["reencoded"], report["new"]) == (4, 2, 0)
    key = App.from_home(tiny_home).active_model().key
    assert encoded_by(tiny_home) == [key] * 6
    assert store_counts(tiny_home) == {"photos--" + key.replace("@", "--"): 6}  # the name-keyed one dropped
    search = cli("--home", tiny_home, "search", "a photo", "--json")
    assert search.returncode == 0 and len(json.loads(search.out)) == 6
