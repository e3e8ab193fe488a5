"""Indexing into the real catalog + embedded Chroma with the tiny model: incremental, moves, broken files."""

import json
import os
import shutil
from pathlib import Path

import pytest

import photo_tagger.core.indexer as indexer_module
from photo_tagger.app import App
from tests.photos import file_hashes, make_photo, make_photos, png_claiming


@pytest.fixture
def decodes(monkeypatch):
    """Counts image decodes done by the indexer."""
    calls = []
    original = indexer_module.load_pixels_and_info

    def counting(path, *args, **kwargs):
        calls.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(indexer_module, "load_pixels_and_info", counting)
    return calls


def index_json(cli, home, *paths):
    result = cli("--home", home, "index", *paths, "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def library_state(home):
    """(catalog records by path, vector ids) read by a fresh App, as a restarted app would."""
    app = App.from_home(home)
    try:
        records = {r.path: r for r in app.catalog.records()}
        ids = app.vector_store().ids()
    finally:
        app.close()
    return records, ids


def test_incremental_indexing(cli, tiny_home, tmp_path, decodes):
    photos = tmp_path / "photos"
    make_photos(photos, 12)
    report = index_json(cli, tiny_home, photos)
    assert (report["new"], report["skipped"], report["roots"]) == (12, 0, [str(photos)])
    assert len(decodes) == 12

    decodes.clear()
    report = index_json(cli, tiny_home, photos)
    assert (report["new"], report["unchanged"]) == (0, 12) and decodes == []

    records, ids = library_state(tiny_home)
    moved_id = records[str(photos / "IMG_00001.jpg")].id
    (photos / "album").mkdir()
    os.rename(photos / "IMG_00001.jpg", photos / "album" / "renamed.jpg")
    (photos / "IMG_00002.jpg").unlink()
    os.utime(photos / "IMG_00003.jpg")  # touched, same content
    make_photo(photos / "IMG_00004.jpg", color=(1, 2, 3))  # changed content
    make_photo(photos / "album" / "new.jpg", color=(9, 9, 9))
    report = index_json(cli, tiny_home, photos)
    assert {k: report[k] for k in ("new", "updated", "unchanged", "moved", "removed", "skipped")} == \
        {"new": 1, "updated": 1, "unchanged": 9, "moved": 1, "removed": 1, "skipped": 0}
    assert sorted(os.path.basename(p) for p in decodes) == ["IMG_00004.jpg", "new.jpg"]

    records, ids = library_state(tiny_home)
    assert records[str(photos / "album" / "renamed.jpg")].id == moved_id  # kept its embedding
    assert set(ids) == {r.id for r in records.values()} and len(ids) == 12
    assert records[str(photos / "IMG_00004.jpg")].width == 96


def test_metadata_is_stored_for_search(tiny_home, tmp_path, cli):
    photos = tmp_path / "photos"
    make_photo(photos / "a" / "b" / "x.jpg", size=(120, 80), orientation=6)
    index_json(cli, tiny_home, photos)
    app = App.from_home(tiny_home)
    try:
        [record] = app.catalog.records()
        assert (record.width, record.height) == (80, 120)  # after EXIF orientation
        assert record.taken_at == "2021-07-14T18:30:00" and record.camera_model == "TestCam 1"
        store = app.vector_store()
        [(hit_id, similarity, meta)] = store.query(store.get_embeddings([record.id])[record.id], 5,
                                                  where={"folders": {"$contains": str(photos / "a")}})
        assert hit_id == record.id and similarity > 0.99
        assert meta["relpath"] == "a/b/x.jpg" and meta["model"].startswith("tiny@") and meta["taken_ts"] > 0
    finally:
        app.close()


def test_broken_files_are_skipped_with_reasons_and_photos_never_written(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 3)
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "fake.jpg").write_text("I am a text file")
    good = (photos / "IMG_00000.jpg").read_bytes()
    (photos / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (photos / "bomb.png").write_bytes(png_claiming(30000, 30000))
    make_photo(photos / "strip.png", size=(1, 20000))
    name = os.fsdecode(b"caf\xe9-latin1.jpg")  # not UTF-8
    make_photo(photos / name)
    make_photo(photos / ("long-" + "x" * 240 + ".jpg"))
    make_photo(photos / ".hidden.jpg")
    make_photo(photos / ".cache" / "thumb.jpg")
    (photos / "notes.txt").write_text("not a photo at all")
    os.symlink(photos, photos / "loop")  # a folder symlink loop must not hang the scan
    before = file_hashes(photos)

    report = index_json(cli, tiny_home, photos)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in report["skipped_files"]}
    assert reasons == {
        "empty.jpg": "empty file",
        "fake.jpg": "not an image (or unsupported format)",
        "truncated.jpg": "truncated or corrupt image data",
        "bomb.png": "decompression bomb: 900,000,000 pixels",
    }
    assert report["new"] == 6  # 3 photos, the strip, the non-UTF-8 and the long name
    assert file_hashes(photos) == before

    status = json.loads(cli("--home", tiny_home, "status", "--skipped", "--json").out)
    assert status["skipped"] == 4 and status["photos"] == 6
    assert {os.path.basename(s["path"]) for s in status["skipped_files"]} == set(reasons)

    again = index_json(cli, tiny_home, photos)  # skipped files are read again, and still fail
    assert (again["new"], again["unchanged"], again["skipped"]) == (0, 6, 4)
    shutil.copy(photos / "IMG_00001.jpg", photos / "fake.jpg")  # fixed by the user
    assert index_json(cli, tiny_home, photos)["updated"] == 1


def test_formats(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    for i, ext in enumerate((".png", ".webp", ".tif", ".bmp", ".gif")):
        make_photo(photos / f"p{ext}", color=(i * 40, 100, 50), taken=None)
    # A phone's HEIC, read by the decode-only pi-heif the app installs (the tests cannot write HEIC without an encoder).
    shutil.copy(Path(__file__).resolve().parents[1] / "assets" / "quadrants-64x48.heic", photos / "IMG_0001.HEIC")
    report = index_json(cli, tiny_home, photos)
    assert report["new"] == 6 and report["skipped"] == 0, report["skipped_files"]


def test_model_switch_reencodes_in_place(cli, model_depot, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 5)
    index_json(cli, tiny_home, photos)
    cli("--home", tiny_home, "model", "import", model_depot.folder("shapes"))
    cli("--home", tiny_home, "model", "use", "shapes", "--now")
    status = json.loads(cli("--home", tiny_home, "status", "--json").out)
    assert status["pending"]["to re-encode"] == 5 and status["photos"] == 0
    report = index_json(cli, tiny_home, photos)
    assert (report["reencoded"], report["new"]) == (5, 0)
    records, ids = library_state(tiny_home)
    assert {r.embedded_model.partition("@")[0] for r in records.values()} == {"shapes"} and len(ids) == 5


def test_nested_roots_do_not_duplicate(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos / "inner", 2)
    make_photos(photos, 2, prefix="outer_")
    index_json(cli, tiny_home, photos / "inner")
    index_json(cli, tiny_home, photos)
    records, _ = library_state(tiny_home)
    assert len(records) == 4


def test_bad_arguments_get_one_line(cli, tiny_home, tmp_path):
    result = cli("--home", tiny_home, "index", tmp_path / "nope")
    assert result.returncode == 1 and result.err.strip() == f"photo-tagger: error: {tmp_path / 'nope'}: no such folder"
    (tmp_path / "file.jpg").write_bytes(b"x")
    assert "not a folder" in cli("--home", tiny_home, "index", tmp_path / "file.jpg").err


def test_a_second_process_gets_a_clear_message_instead_of_sharing_the_embedded_library(tiny_home, cli):
    first = App.from_home(tiny_home)
    first.catalog  # noqa: B018 (opens the library and takes its lock)
    try:
        result = cli("--home", tiny_home, "status")
        assert result.returncode == 1
        assert "is open in another Photo Tagger process" in result.err and len(result.err.splitlines()) == 1
    finally:
        first.close()
    assert cli("--home", tiny_home, "status").returncode == 0
