"""RAW files: LibRaw's embedded preview or a half-size decode, orientation, the RAW's EXIF, broken files skipped with a
reason, and RAW + JPEG twins folded into one photo."""

from __future__ import annotations

import os
from datetime import datetime

import numpy as np
import pytest

from photo_tagger.core import preprocess
from photo_tagger.core.raw_files import RAW_EXTENSIONS, fold_twins, twin_paths, with_twins
from photo_tagger.core.scan import is_photo_name
from photo_tagger.core.types import FileStat, PreprocessSpec
from photo_tagger.infra import raw_decode
from tests.raw_photos import write_dng

RED, GREEN, BLUE, WHITE = (220, 30, 30), (30, 200, 30), (30, 30, 220), (235, 235, 235)


@pytest.fixture(autouse=True)
def libraw():
    raw_decode.register()
    yield
    preprocess.register_raw_decoder(raw_decode.decode_raw)  # as the app has it


def corners(image) -> list[tuple[int, int, int]]:
    """The colour near each corner: top-left, top-right, bottom-left, bottom-right."""
    a = np.asarray(image).astype(int)
    h, w = a.shape[:2]
    return [tuple(a[y, x]) for y, x in ((h // 8, w // 8), (h // 8, -w // 8), (-h // 8, w // 8), (-h // 8, -w // 8))]


def close(found, expected, tolerance=40) -> bool:
    return all(max(abs(a - b) for a, b in zip(f, e)) <= tolerance for f, e in zip(found, expected))


def test_every_camera_raw_extension_is_scanned_whatever_its_case():
    for ext in (".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2"):
        assert ext in RAW_EXTENSIONS
        assert is_photo_name(f"IMG_0001{ext}") and is_photo_name(f"IMG_0001{ext.upper()}")
    assert not is_photo_name("IMG_0001.xmp")


def test_the_embedded_jpeg_preview_is_used_when_it_is_large_enough(tmp_path):
    path = write_dng(tmp_path / "a.dng", preview="jpeg")
    rendition = raw_decode.decode_raw(path, None, 64)
    assert rendition.source == "preview" and rendition.format == "DNG"
    assert (rendition.width, rendition.height) == (256, 192)
    assert rendition.image.size == (128, 96)  # the preview JPEG decoded at a reduced DCT scale (2 x 64 fits)
    assert close(corners(rendition.image), [RED, GREEN, BLUE, WHITE])


def test_a_bitmap_preview_is_used_too(tmp_path):
    rendition = raw_decode.decode_raw(write_dng(tmp_path / "b.dng", preview="bitmap"), None, 64)
    assert rendition.source == "preview" and rendition.image.size == (256, 192)
    assert close(corners(rendition.image), [RED, GREEN, BLUE, WHITE], tolerance=2)


@pytest.mark.parametrize("preview", [None, "tiny"])
def test_without_a_usable_preview_the_raw_data_is_decoded_at_half_size(tmp_path, preview):
    options = {"preview": None} if preview is None else {"preview": "jpeg", "preview_width": 32}
    rendition = raw_decode.decode_raw(write_dng(tmp_path / "c.dng", **options), None, 64)
    assert rendition.source == "decode"
    assert rendition.image.size == (128, 96)  # half of 256 x 192
    assert close(corners(rendition.image), [RED, GREEN, BLUE, WHITE], tolerance=60)


def test_a_broken_preview_jpeg_falls_back_to_the_decode(tmp_path, monkeypatch):
    path = write_dng(tmp_path / "d.dng", preview="jpeg")
    data = bytearray(path.read_bytes())
    start = data.find(b"\xff\xd8\xff")
    data[start + 2:start + 400] = b"\x00" * 398  # the preview's headers wiped; the RAW data after it is intact
    path.write_bytes(bytes(data))
    rendition = raw_decode.decode_raw(path, None, 64)
    assert rendition.source == "decode"
    assert close(corners(rendition.image), [RED, GREEN, BLUE, WHITE], tolerance=60)


@pytest.mark.parametrize("preview", ["jpeg", None])
def test_orientation_is_honoured_by_the_preview_and_the_decode_alike(tmp_path, preview):
    # Stored landscape, orientation 6 (turn 90 degrees clockwise): upright it is portrait, red at the top right.
    path = write_dng(tmp_path / "e.dng", preview=preview, orientation=6)
    rendition = raw_decode.decode_raw(path, None, 64)
    assert rendition.source == ("preview" if preview else "decode")
    assert (rendition.width, rendition.height) == (192, 256)
    assert rendition.image.width < rendition.image.height
    assert close(corners(rendition.image), [BLUE, RED, WHITE, GREEN], tolerance=60)


def test_the_raws_own_exif_gives_its_date_and_camera(tmp_path):
    path = write_dng(tmp_path / "f.dng", preview="jpeg", taken="2023:08:14 18:05:00", make="Nikon", model="Z 6")
    _image, info = preprocess.open_rgb_and_info(path, min_side=64)
    assert info.taken_at == datetime(2023, 8, 14, 18, 5, 0)
    assert (info.camera_make, info.camera_model, info.format) == ("Nikon", "Z 6", "DNG")
    assert (info.width, info.height) == (256, 192)
    pixels, same = preprocess.load_pixels_and_info(path, PreprocessSpec(image_size=32))
    assert pixels.shape == (3, 32, 32) and same.taken_at == info.taken_at


@pytest.mark.parametrize("ext", [".CR2", ".CR3", ".NEF", ".ARW", ".DNG", ".RAF", ".ORF", ".RW2"])
@pytest.mark.parametrize("content", ["garbage", "truncated", "empty"])
def test_a_raw_that_cannot_be_decoded_raises_with_a_reason(tmp_path, ext, content):
    path = tmp_path / f"broken{ext}"
    if content == "garbage":
        path.write_bytes(os.urandom(4096))
    elif content == "truncated":
        path.write_bytes(write_dng(tmp_path / "whole.dng", preview=None).read_bytes()[:600])
    else:
        path.write_bytes(b"")
    with pytest.raises(preprocess.UnreadableImage) as caught:
        preprocess.open_rgb(path, min_side=64)
    reason = caught.value.reason
    assert reason and "\n" not in reason
    if content == "empty":
        assert reason == "empty file"
    else:
        assert ext.lstrip(".") in reason or "RAW" in reason, reason


def test_without_a_registered_decoder_a_raw_is_skipped_with_why(tmp_path):
    path = write_dng(tmp_path / "g.dng")
    preprocess.register_raw_decoder(None)
    with pytest.raises(preprocess.UnreadableImage, match="no RAW decoder"):
        preprocess.open_rgb(path)


def test_a_raw_folds_into_its_jpeg_twin_and_raws_alone_stay_photos():
    names = ["a/IMG_1.JPG", "a/img_1.cr2", "a/IMG_2.NEF", "a/IMG_3.dng", "a/IMG_3.CR2", "b/IMG_1.CR2",
             "a/IMG_4.HEIC", "a/IMG_4.ARW", "a/IMG_4.png"]
    stats = [FileStat("/r", n, 1, 1) for n in names]
    kept, companions = fold_twins(stats)
    assert [s.relpath for s in kept] == ["a/IMG_1.JPG", "a/IMG_2.NEF", "a/IMG_3.dng", "a/IMG_3.CR2", "b/IMG_1.CR2",
                                         "a/IMG_4.HEIC", "a/IMG_4.png"]
    assert companions == {"a/IMG_1.JPG": ["a/img_1.cr2"], "a/IMG_4.HEIC": ["a/IMG_4.ARW"]}
    assert twin_paths("/x/IMG_1.JPG", ["IMG_1.JPG", "IMG_1.CR2", "IMG_1.xmp", "IMG_10.CR2"]) == ["/x/IMG_1.CR2"]
    assert twin_paths("/x/IMG_1.CR2", ["IMG_1.JPG", "IMG_1.CR2", "IMG_1.DNG"]) == ["/x/IMG_1.JPG"]


def test_a_scope_of_one_file_takes_its_twin_along_even_when_the_file_is_gone(tmp_path):
    (tmp_path / "IMG_1.CR2").write_bytes(b"x")
    (tmp_path / "IMG_2.JPG").write_bytes(b"x")
    gone = str(tmp_path / "IMG_1.JPG")  # a watcher's delete event: the RAW left behind must be looked at
    assert with_twins([gone, str(tmp_path / "IMG_2.JPG")]) == [gone, str(tmp_path / "IMG_2.JPG"),
                                                               str(tmp_path / "IMG_1.CR2")]
    assert with_twins([str(tmp_path)]) == [str(tmp_path)]


def test_the_rawpy_wheel_carries_no_gpl_code():
    import importlib.metadata
    import sys
    from pathlib import Path

    import rawpy

    from photo_tagger.infra import licences

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
    import check_licences

    found = licences.licence_of(importlib.metadata.distribution("rawpy"))
    assert check_licences.problems([found], []) == []
    assert any("libraw" in lib for lib in found.native_libraries)
    assert not rawpy.flags["DEMOSAIC_PACK_GPL2"] and not rawpy.flags["DEMOSAIC_PACK_GPL3"]
    notices = (Path(licences.__file__).parents[1] / "notices" / "ADDITIONAL_NOTICES.txt").read_text()
    assert "LibRaw" in notices and "libgomp" in notices
