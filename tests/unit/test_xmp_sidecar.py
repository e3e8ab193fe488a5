"""The pyexiv2 adapter alone: sidecars it writes, keywords it reads from bytes (photos are never opened to write)."""

import io
import os

import pyexiv2
from PIL import Image

from photo_tagger.core.keywords import KeywordSet
from photo_tagger.infra.xmp_sidecar import XmpKeywordReader, XmpSidecars, _jpeg_header

OURS = KeywordSet(("dog", "holiday"), ("AI|dog", "holiday"), ("AI/dog", "holiday"))


def jpeg_with_keywords(subject: list[str], iptc: list[str]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    image = pyexiv2.ImageData(buffer.getvalue())
    try:
        image.modify_xmp({"Xmp.dc.subject": subject})
        image.modify_iptc({"Iptc.Application2.Keywords": iptc})
        return image.get_bytes()
    finally:
        image.close()


def test_a_new_sidecar_holds_bags_and_the_record_of_our_keywords(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    sidecars = XmpSidecars()
    assert sidecars.read(str(photo)) is None
    sidecars.write(str(photo), OURS, OURS)
    text = (tmp_path / "IMG_1.jpg.xmp").read_text("utf-8")
    assert "<dc:subject>\n    <rdf:Bag>" in text and "<lr:hierarchicalSubject>\n    <rdf:Bag>" in text
    assert "<digiKam:TagsList>\n    <rdf:Seq>" in text
    got = sidecars.read(str(photo))
    assert got.present == OURS and got.ours == OURS
    assert sorted(os.listdir(tmp_path)) == ["IMG_1.jpg.xmp"]  # no temporary file left


def test_emptied_properties_leave_the_sidecar(tmp_path):
    photo = str(tmp_path / "IMG_1.jpg")
    sidecars = XmpSidecars()
    sidecars.write(photo, OURS, OURS)
    sidecars.write(photo, KeywordSet(("foreign",)), KeywordSet())
    got = sidecars.read(photo)
    assert got.present == KeywordSet(("foreign",)) and got.ours is None


def test_a_folder_whose_name_is_not_utf8_gets_its_sidecar(tmp_path):
    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.mkdir(folder)
    photo = os.fsdecode(os.path.join(folder, b"IMG_1.jpg"))
    XmpSidecars().write(photo, OURS, OURS)
    assert XmpSidecars().read(photo).present == OURS


def test_keywords_are_read_from_a_jpegs_header_alone():
    data = jpeg_with_keywords(["Alps", "dog"], ["hiking"])
    header = _jpeg_header(data)
    assert len(header) < len(data) and header.endswith(b"\xff\xd9")
    assert XmpKeywordReader().keywords(data, "/nonexistent/IMG_1.jpg") == ["Alps", "dog", "hiking"]
    assert XmpKeywordReader().keywords(b"not a photo", "/nonexistent/IMG_2.jpg") == []
