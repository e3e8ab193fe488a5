"""XMP sidecars and embedded keywords with pyexiv2 (exiv2): read photos' bytes, write only `<photo>.xmp` files."""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
import tempfile
import threading

import pyexiv2

from photo_tagger.core.keywords import KeywordSet, SidecarKeywords, foreign_keywords

log = logging.getLogger(__name__)

NAMESPACE = "http://ns.photo-tagger.invalid/phototagger/1.0/"  # .invalid: a reserved name, never anyone's site
PREFIX = "phototagger"
SUBJECT, HIERARCHICAL, TAGS_LIST = "Xmp.dc.subject", "Xmp.lr.hierarchicalSubject", "Xmp.digiKam.TagsList"
IPTC_KEYWORDS = "Iptc.Application2.Keywords"
# The app's record of what it wrote last time, per property, so a re-export removes exactly those.
OURS = (f"Xmp.{PREFIX}.writtenSubject", f"Xmp.{PREFIX}.writtenHierarchicalSubject", f"Xmp.{PREFIX}.writtenTagsList")
# Array kinds as Lightroom, digiKam and ExifTool write them (dc:subject and lr:hierarchicalSubject are bags).
_ARRAYS = {SUBJECT: "Bag", HIERARCHICAL: "Bag", TAGS_LIST: "Seq", **{key: "Bag" for key in OURS}}
# exiv2 needs a file to start from: the smallest valid XMP packet.
EMPTY_PACKET = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
                '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
                ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
                '</x:xmpmeta>\n<?xpacket end="w"?>\n').encode("utf-8")

# exiv2's log and XMP toolkit state are process-wide, and pyexiv2 reports an error through a shared buffer:
# one lock for every pyexiv2 call in the process (reading keywords is cheap next to decoding the photo).
_EXIV2 = threading.Lock()
with _EXIV2:
    pyexiv2.registerNs(NAMESPACE, PREFIX)
    pyexiv2.set_log_level(3)  # exiv2 prints warnings on stdout, which must stay clean for --json


def sidecar_path(photo_path: str) -> str:
    """`IMG_1.jpg.xmp`: the digiKam and darktable name, which the app writes."""
    return photo_path + ".xmp"


def sidecar_paths(photo_path: str) -> list[str]:
    """Sidecars read on import: `IMG_1.jpg.xmp`, and Lightroom's `IMG_1.xmp`."""
    lightroom = os.path.splitext(photo_path)[0] + ".xmp"
    return [sidecar_path(photo_path)] + ([lightroom] if lightroom != sidecar_path(photo_path) else [])


def _as_list(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, dict):  # a LangAlt where a list belongs: its texts
        return tuple(v for v in value.values() if v.strip())
    return tuple(v for v in value if v.strip())


def _keyword_sets(xmp: dict) -> SidecarKeywords:
    present = KeywordSet(_as_list(xmp.get(SUBJECT)), _as_list(xmp.get(HIERARCHICAL)), _as_list(xmp.get(TAGS_LIST)))
    ours = KeywordSet(*(_as_list(xmp.get(key)) for key in OURS)) if any(key in xmp for key in OURS) else None
    return SidecarKeywords(present, ours)


def _read_bytes(data: bytes) -> tuple[dict, dict]:
    """XMP and IPTC of an image or sidecar in memory (nothing is opened on disk)."""
    with _EXIV2:
        image = pyexiv2.ImageData(data)
        try:
            xmp = image.read_xmp()
            try:
                iptc = image.read_iptc()
            except UnicodeDecodeError:  # IPTC from before UTF-8 was common
                iptc = image.read_iptc(encoding="latin-1")
        finally:
            image.close()
    return xmp, iptc


def _jpeg_header(data: bytes) -> bytes:
    """A JPEG's segments before its image data (where XMP and IPTC live), closed with an end marker: exiv2
    then parses a few kilobytes instead of copying and walking megabytes. Other formats are passed whole."""
    if not data.startswith(b"\xff\xd8"):
        return data
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in (0xDA, 0xD9):  # start of scan, end of image
            return data[:pos] + b"\xff\xd9"
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
        else:
            pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return data


def _read_file(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a 255-byte photo name: no sidecar name can be longer
            return None
        raise


class XmpKeywordReader:
    """Keywords already in a photo (embedded XMP, IPTC) and its sidecars, for import as the user's tags."""

    def keywords(self, data: bytes, path: str) -> list[str]:
        found: list[str] = []
        sources = [("embedded", _jpeg_header(data))] + [(p, _read_file(p)) for p in sidecar_paths(path)]
        for source, blob in sources:
            if not blob:
                continue
            try:
                xmp, iptc = _read_bytes(blob)
            except Exception as exc:  # no metadata exiv2 can parse: nothing to import, indexing goes on
                log.debug("no keywords read from %s of %s: %s", source, path, exc)
                continue
            keywords = _keyword_sets(xmp)
            found += foreign_keywords(*keywords.present.fields(), iptc=_as_list(iptc.get(IPTC_KEYWORDS)),
                                      ours=keywords.ours)
        return list(dict.fromkeys(found))


class XmpSidecars:
    """Reads and merges `<photo>.xmp` sidecars; writes through a temporary file renamed into place."""

    def read(self, photo_path: str) -> SidecarKeywords | None:
        path = sidecar_path(photo_path)
        data = _read_file(path)
        if data is None:
            return None
        try:
            xmp, _ = _read_bytes(data)
        except Exception as exc:
            raise OSError(errno.EINVAL, f"the existing sidecar {path} is not readable XMP ({exc}); left as it is")
        return _keyword_sets(xmp)

    def write(self, photo_path: str, present: KeywordSet, ours: KeywordSet) -> None:
        path = sidecar_path(photo_path)
        folder = os.path.dirname(path)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise OSError(errno.EPERM, f"the sidecar {path} is a symbolic link; left as it is")
        if info is not None and not info.st_mode & 0o222:
            raise OSError(errno.EACCES, f"the sidecar {path} is read-only; left as it is")
        data = _read_file(path) if info is not None else EMPTY_PACKET
        values = dict(zip((SUBJECT, HIERARCHICAL, TAGS_LIST, *OURS), (*present.fields(), *ours.fields())))
        data = _with_arrays(data, values)
        # Hidden, so scans and watchers skip it; O_EXCL: never anyone else's file; 0o666 less the umask.
        temp = os.path.join(folder, f".phototagger-{secrets.token_hex(8)}.xmp.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write in the folder {folder} ({exc.strerror}); is it read-only?") from exc
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if info is not None:
                os.chmod(temp, stat.S_IMODE(info.st_mode))
            os.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise


def _with_arrays(data: bytes, values: dict[str, tuple[str, ...]]) -> bytes:
    """An XMP packet with these array properties replaced, everything else as it was, by pyexiv2.

    exiv2 edits files, so this works on a copy in the system's temporary folder (whose path pyexiv2 can
    always encode, unlike some photo folders' names). pyexiv2 writes every list as an rdf:Seq, while
    dc:subject and lr:hierarchicalSubject are bags (digiKam reads a Seq of hierarchical keywords as flat
    ones): so the arrays are first made empty with their kind ("type=Bag"), then, reopened, filled item by
    item (`Xmp.dc.subject[1]`...)."""
    for value in (v for items in values.values() for v in items):
        if value.startswith("type="):  # exiv2 would read it as an array kind, not a keyword
            raise OSError(errno.EINVAL, f"a keyword cannot start with 'type=': {value!r}")
    fd, work = tempfile.mkstemp(prefix="photo-tagger-", suffix=".xmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        with _EXIV2:
            image = pyexiv2.Image(work)
            try:
                image.modify_xmp({key: f"type={_ARRAYS[key]}" if items else None for key, items in values.items()})
            finally:
                image.close()
            items = {f"{key}[{i}]": item for key, list_ in values.items() for i, item in enumerate(list_, 1)}
            if items:
                image = pyexiv2.Image(work)
                try:
                    image.modify_xmp(items)
                finally:
                    image.close()
        with open(work, "rb") as f:
            return f.read()
    except RuntimeError as exc:  # exiv2's errors: the existing sidecar is left as it is
        raise OSError(errno.EINVAL, f"exiv2 could not update the sidecar ({exc}); left as it is") from exc
    finally:
        os.unlink(work)
