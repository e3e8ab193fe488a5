"""ExifTool, an independent reader, agrees: sidecars digiKam, darktable and Lightroom wrote keep every field
after the app merges its keywords in, and what the app writes is valid XMP."""

import json
import shutil
from pathlib import Path

import pytest

from photo_tagger.core.keywords import KeywordSet, merge
from photo_tagger.infra.xmp_sidecar import XmpSidecars
from tests.e2e.test_xmp_sidecars import exiftool, run_exiftool  # noqa: F401 (fixture)

SAMPLES = Path(__file__).parent.parent / "xmp_samples"
WANTED = KeywordSet(("dog", "holiday"), ("AI|dog", "holiday", "AI|Sensitive|violence"),
                    ("AI/dog", "holiday", "AI/Sensitive/violence"))
KEYWORD_TAGS = {"XMP-dc:Subject": WANTED.subject, "XMP-lr:HierarchicalSubject": WANTED.hierarchical,
                "XMP-digiKam:TagsList": WANTED.tags_list}
OUR_TAGS = ("XMP-phototagger:WrittenSubject", "XMP-phototagger:WrittenHierarchicalSubject",
            "XMP-phototagger:WrittenTagsList")


def everything(exiftool: str, path: Path) -> dict:  # noqa: F811 (fixture)
    """Every tag ExifTool reads from the file, structures whole, by group; not the file system's."""
    info = json.loads(run_exiftool(exiftool, "-j", "-struct", "-G1", "-a", path))[0]
    return {k: v for k, v in info.items() if k.split(":")[0] not in ("SourceFile", "ExifTool", "System", "File")}


def as_list(value) -> list:
    return [] if value is None else [str(v) for v in (value if isinstance(value, list) else [value])]


def warnings(exiftool: str, path: Path) -> set[str]:  # noqa: F811 (fixture)
    """ExifTool's -validate findings for the file (none for valid XMP)."""
    info = json.loads(run_exiftool(exiftool, "-j", "-validate", "-warning", "-a", path))[0]
    return set(as_list(info.get("Warning")))


@pytest.mark.parametrize("sample", ["darktable.xmp", "digikam.xmp", "lightroom.xmp", "adobe_blocks.xmp"])
def test_exiftool_reads_every_original_field_back_from_a_merged_sidecar(tmp_path, exiftool, sample):  # noqa: F811
    photo = tmp_path / "IMG_1.jpg"
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    shutil.copyfile(SAMPLES / sample, sidecar)
    before = everything(exiftool, sidecar)
    sidecars = XmpSidecars()
    result = merge(sidecars.read(str(photo)), WANTED)
    sidecars.write(str(photo), result.present, result.ours)

    after = everything(exiftool, sidecar)
    for tag, value in before.items():
        if tag not in KEYWORD_TAGS:
            assert after.get(tag) == value, tag  # title, rating, crop, history, face regions...
    for tag, ours in KEYWORD_TAGS.items():
        theirs = as_list(before.get(tag))
        assert as_list(after.get(tag)) == list(dict.fromkeys([*theirs, *ours])), tag
    for tag, recorded in zip(OUR_TAGS, result.ours.fields()):
        assert as_list(after.get(tag)) == list(recorded), tag  # the app's record, in its own namespace
    assert set(after) - set(before) <= set(KEYWORD_TAGS) | set(OUR_TAGS)
    assert warnings(exiftool, sidecar) <= warnings(exiftool, SAMPLES / sample)  # no new XMP problem


def test_a_sidecar_the_app_makes_is_valid_xmp_to_exiftool(tmp_path, exiftool):  # noqa: F811 (fixture)
    photo = tmp_path / "IMG_1.jpg"
    keywords = KeywordSet(("dog", "café & <bar>", "holiday"), ("AI|dog", "AI|café & <bar>"),
                          ("AI/dog", "AI/café & <bar>"))
    XmpSidecars().write(str(photo), keywords, keywords)
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    assert warnings(exiftool, sidecar) == set()
    got = everything(exiftool, sidecar)
    assert as_list(got["XMP-dc:Subject"]) == list(keywords.subject)
    assert as_list(got["XMP-lr:HierarchicalSubject"]) == list(keywords.hierarchical)
    assert as_list(got["XMP-digiKam:TagsList"]) == list(keywords.tags_list)
