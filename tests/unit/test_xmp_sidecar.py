"""The XMP adapter alone: sidecars it writes and merges, keywords it reads from photos' bytes (never written)."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path
from xml.dom import minidom

from PIL import Image

from photo_tagger.core.keywords import KeywordSet
from photo_tagger.infra.xmp_packet import RDF, parse
from photo_tagger.infra.xmp_sidecar import DC, DIGIKAM, LR, NAMESPACE, XmpKeywordReader, XmpSidecars

SAMPLES = Path(__file__).parent.parent / "xmp_samples"
OURS = KeywordSet(("dog", "holiday"), ("AI|dog", "holiday"), ("AI/dog", "holiday"))


def array_kind(text: bytes, namespace: str, name: str) -> str:
    [element] = minidom.parseString(text).getElementsByTagNameNS(namespace, name)
    [array] = [c for c in element.childNodes if c.nodeType == c.ELEMENT_NODE]
    assert array.namespaceURI == RDF
    return array.localName


def test_a_new_sidecar_holds_bags_and_the_record_of_our_keywords(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    sidecars = XmpSidecars()
    assert sidecars.read(str(photo)) is None
    sidecars.write(str(photo), OURS, OURS)
    text = (tmp_path / "IMG_1.jpg.xmp").read_bytes()
    assert text.startswith('<?xpacket begin="\ufeff"'.encode()) and text.rstrip().endswith(b'<?xpacket end="w"?>')
    # The kinds Lightroom and digiKam write: digiKam reads a Seq of hierarchical keywords as flat ones.
    assert array_kind(text, DC, "subject") == "Bag" and array_kind(text, LR, "hierarchicalSubject") == "Bag"
    assert array_kind(text, DIGIKAM, "TagsList") == "Seq"
    assert b"<dc:subject>" in text and b"<lr:hierarchicalSubject>" in text  # the usual prefixes
    got = sidecars.read(str(photo))
    assert got.present == OURS and got.ours == OURS
    assert sorted(os.listdir(tmp_path)) == ["IMG_1.jpg.xmp"]  # no temporary file left


def test_emptied_properties_leave_the_sidecar_and_so_does_our_namespace(tmp_path):
    photo = str(tmp_path / "IMG_1.jpg")
    sidecars = XmpSidecars()
    sidecars.write(photo, OURS, OURS)
    sidecars.write(photo, KeywordSet(("foreign",)), KeywordSet())
    got = sidecars.read(photo)
    assert got.present == KeywordSet(("foreign",)) and got.ours is None
    text = (tmp_path / "IMG_1.jpg.xmp").read_text("utf-8")
    assert NAMESPACE not in text and "hierarchicalSubject" not in text and "TagsList" not in text


def test_a_folder_whose_name_is_not_utf8_gets_its_sidecar(tmp_path):
    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.mkdir(folder)
    photo = os.fsdecode(os.path.join(folder, b"IMG_1.jpg"))
    XmpSidecars().write(photo, OURS, OURS)
    assert XmpSidecars().read(photo).present == OURS


def test_keywords_embedded_by_other_programs_are_read_from_every_format():
    """Made by ExifTool (tests/xmp_samples/README.md): XMP, IPTC Keywords (UTF-8) and Windows' XPKeywords."""
    reader = XmpKeywordReader()
    jpeg = (SAMPLES / "keywords.jpg").read_bytes()
    # "AI|cat" is the app's own root: not imported; "Places" only a parent level.
    assert reader.keywords(jpeg, "/nonexistent/IMG_1.jpg") == \
        ["Geneva", "Alps", "DOG", "hiking", "Zürich", "snow", "winter"]
    for name in ("keywords.png", "keywords.tif", "keywords.webp"):
        assert reader.keywords((SAMPLES / name).read_bytes(), f"/nonexistent/{name}") == ["Ann", "Alps"], name
    assert reader.keywords(b"not a photo", "/nonexistent/IMG_2.jpg") == []


def test_keywords_of_both_sidecar_names_are_read_and_the_photo_is_not_opened_to_write(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    photo.write_bytes((SAMPLES / "keywords.png").read_bytes())
    (tmp_path / "IMG_1.jpg.xmp").write_bytes((SAMPLES / "digikam.xmp").read_bytes())
    (tmp_path / "IMG_1.xmp").write_bytes((SAMPLES / "lightroom.xmp").read_bytes())  # Lightroom's name
    before = photo.stat()
    got = XmpKeywordReader().keywords(photo.read_bytes(), str(photo))
    assert got == ["Ann", "Alps", "Christmas 2022", "Geneva"]
    after = photo.stat()
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def test_keywords_darktable_writes_are_read_without_its_bookkeeping(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    (tmp_path / "IMG_1.jpg.xmp").write_bytes((SAMPLES / "darktable.xmp").read_bytes())
    assert XmpKeywordReader().keywords(b"", str(photo)) == ["lake"]  # not "jpg", "changed" (darktable|...)


def test_a_keyword_xml_cannot_carry_is_refused_and_the_sidecar_kept(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    XmpSidecars().write(str(photo), OURS, OURS)
    before = (tmp_path / "IMG_1.jpg.xmp").read_bytes()
    bad = KeywordSet(("bell\x07",))
    try:
        XmpSidecars().write(str(photo), bad, bad)
    except OSError as exc:
        assert "cannot carry" in exc.strerror and "\n" not in exc.strerror
    else:
        raise AssertionError("a control character was written into XML")
    assert (tmp_path / "IMG_1.jpg.xmp").read_bytes() == before


def test_a_keyword_property_written_as_an_attribute_is_read_and_rewritten_as_an_array(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    (tmp_path / "IMG_1.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:subject="beach" '
        'dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>', "utf-8")
    sidecars = XmpSidecars()
    assert sidecars.read(str(photo)).present.subject == ("beach",)
    sidecars.write(str(photo), KeywordSet(("beach", "dog")), KeywordSet(("dog",)))
    packet = parse((tmp_path / "IMG_1.jpg.xmp").read_bytes())
    assert packet.values(DC, "subject") == ("beach", "dog") and packet.values(DC, "format") == ("image/jpeg",)
    [description] = packet.descriptions()
    assert not description.hasAttributeNS(DC, "subject")


def test_importing_the_adapter_loads_no_gpl_metadata_library():
    code = ("import sys, tempfile, os\n"
            "from photo_tagger.infra.xmp_sidecar import XmpSidecars, XmpKeywordReader\n"
            "from photo_tagger.core.keywords import KeywordSet\n"
            "photo = os.path.join(tempfile.mkdtemp(), 'IMG_1.jpg')\n"
            "XmpSidecars().write(photo, KeywordSet(('dog',)), KeywordSet(('dog',)))\n"
            "XmpKeywordReader().keywords(b'', photo)\n"
            "print(sorted(m for m in sys.modules if 'exiv' in m.lower()))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # no exiv2 binding (GPL) in the process


def test_hostile_xmp_inside_a_photo_is_refused_and_the_rest_of_its_keywords_read(caplog):
    from tests.unit.test_xmp_merge import BILLION_LAUGHS

    caplog.set_level(logging.INFO)
    exif = Image.Exif()
    exif[0x9C9E] = "snow;winter\x00".encode("utf-16-le")  # XPKeywords, as Windows writes them
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 20, 30)).save(buffer, "JPEG", exif=exif, xmp=BILLION_LAUGHS.encode("utf-8"))
    assert XmpKeywordReader().keywords(buffer.getvalue(), "/nonexistent/IMG_1.jpg") == ["snow", "winter"]
    assert any("DTD" in r.getMessage() for r in caplog.records)


def test_a_utf16_sidecar_is_read_and_merged(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    text = (SAMPLES / "darktable.xmp").read_text("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    (tmp_path / "IMG_1.jpg.xmp").write_bytes(text.encode("utf-16"))
    sidecars = XmpSidecars()
    assert sidecars.read(str(photo)).present.subject == ("Nature", "lake")
    sidecars.write(str(photo), KeywordSet(("Nature", "lake", "dog")), KeywordSet(("dog",)))
    written = (tmp_path / "IMG_1.jpg.xmp").read_bytes()
    assert written.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')  # written as UTF-8, and says so
    assert sidecars.read(str(photo)).present.subject == ("Nature", "lake", "dog")
    assert b'darktable:operation="filmicrgb"' in written
