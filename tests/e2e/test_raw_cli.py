"""RAW files through the command line: indexed from their preview or a decode, a RAW + JPEG pair is one photo whose
tags survive either twin going, a broken RAW is skipped with its reason, and no photo is ever written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

from photo_tagger.app import App
from tests.photos import make_photo
from tests.raw_photos import write_dng


def hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def photos(home) -> dict[str, object]:
    app = App.from_home(home)
    try:
        return {r.relpath: r for r in app.catalog.records()}
    finally:
        app.close()


def test_raw_files_index_as_photos_and_a_twin_pair_as_one(cli, tiny_home, tmp_path):
    folder = tmp_path / "card"
    jpeg = make_photo(folder / "IMG_0001.JPG", (200, 30, 30), size=(256, 192), taken="2024:05:03 10:20:30")
    twin = write_dng(folder / "IMG_0001.DNG", preview="jpeg")
    write_dng(folder / "solo.dng", preview="jpeg", taken="2023:08:14 18:05:00", make="Nikon", model="Z 6")
    write_dng(folder / "portrait.dng", preview=None, orientation=6)
    (folder / "garbage.NEF").write_bytes(os.urandom(8192))
    (folder / "cut.CR2").write_bytes(write_dng(tmp_path / "whole.dng", preview=None).read_bytes()[:700])
    before = hashes(folder)

    result = cli("--home", tiny_home, "index", folder, "--json")
    assert result.returncode == 0, result.err
    report = json.loads(result.out)
    assert report["new"] == 3  # the pair once, solo, portrait
    assert {os.path.basename(s["path"]): s["reason"] for s in report["skipped_files"]} == {
        "garbage.NEF": "not a NEF file LibRaw can read (unsupported camera or corrupt file)",
        "cut.CR2": "truncated or corrupt CR2 data"}
    assert hashes(folder) == before  # read, never written

    records = photos(tiny_home)
    assert set(records) == {"IMG_0001.JPG", "solo.dng", "portrait.dng", "garbage.NEF", "cut.CR2"}
    assert (records["solo.dng"].camera_make, records["solo.dng"].taken_at) == ("Nikon", "2023-08-14T18:05:00")
    assert (records["portrait.dng"].width, records["portrait.dng"].height) == (192, 256)  # upright
    info = json.loads(cli("--home", tiny_home, "tags", jpeg, "--json").out)
    assert info["companions"] == [str(twin)]
    assert f"+ {twin}" in cli("--home", tiny_home, "tags", jpeg).out

    # Search sees the pair once.
    hits = json.loads(cli("--home", tiny_home, "search", "a photo", "--min-score", "-1", "--json").out)
    names = sorted(os.path.basename(h["path"]) for h in hits)
    assert names == ["IMG_0001.JPG", "portrait.dng", "solo.dng"]

    # The user tags the pair; the JPEG is deleted: the RAW keeps the photo and its tag.
    assert cli("--home", tiny_home, "tag", jpeg, "--add", "holiday").returncode == 0
    photo_id = records["IMG_0001.JPG"].id
    saved = tmp_path / "saved.jpg"
    shutil.move(jpeg, saved)
    report = json.loads(cli("--home", tiny_home, "index", folder, "--json").out)
    assert (report["updated"], report["removed"], report["new"]) == (1, 0, 0)
    records = photos(tiny_home)
    assert records["IMG_0001.DNG"].id == photo_id and "IMG_0001.JPG" not in records
    assert records["IMG_0001.DNG"].status == "indexed"
    assert "holiday" in json.loads(cli("--home", tiny_home, "tags", twin, "--json").out)["tags"]

    # The JPEG comes back: it is the photo again, still with the tag; the RAW is its companion.
    shutil.move(saved, jpeg)
    report = json.loads(cli("--home", tiny_home, "index", folder, "--json").out)
    assert (report["updated"], report["removed"], report["new"]) == (1, 0, 0)
    records = photos(tiny_home)
    assert records["IMG_0001.JPG"].id == photo_id and "IMG_0001.DNG" not in records
    assert "holiday" in json.loads(cli("--home", tiny_home, "tags", jpeg, "--json").out)["tags"]
    assert hashes(folder) == before


def test_a_raw_indexed_alone_hands_its_photo_to_the_jpeg_copied_in_later(cli, tiny_home, tmp_path):
    """A card copied file by file: the watcher's run sees IMG_0002.DNG first, then a run told of the JPEG alone."""
    folder = tmp_path / "card"
    raw = write_dng(folder / "IMG_0002.DNG", preview="jpeg")
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    assert cli("--home", tiny_home, "tag", raw, "--add", "keeper").returncode == 0
    photo_id = photos(tiny_home)["IMG_0002.DNG"].id
    jpeg = make_photo(folder / "IMG_0002.JPG", (30, 30, 200), size=(256, 192))
    app = App.from_home(tiny_home)
    try:
        report = app.indexer.index([str(folder)], scope=[str(jpeg)])  # what a watcher's event for the JPEG runs
        records = {r.relpath: r for r in app.catalog.records()}
    finally:
        app.close()
    assert (report.updated, report.new, report.removed) == (1, 0, 0)
    assert set(records) == {"IMG_0002.JPG"} and records["IMG_0002.JPG"].id == photo_id
    assert "keeper" in json.loads(cli("--home", tiny_home, "tags", jpeg, "--json").out)["tags"]
