"""XMP sidecars and embedded keywords: photos are only read (Pillow), sidecars merged as XML (infra/xmp_packet)."""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat

from photo_tagger.core.keywords import KeywordSet, SidecarKeywords, foreign_keywords
from photo_tagger.infra.embedded_metadata import read_embedded
from photo_tagger.infra.xmp_packet import MAX_BYTES, XmpError, XmpPacket, new_packet, parse

log = logging.getLogger(__name__)
EMBEDDED = "its embedded XMP"

NAMESPACE = "http://ns.photo-tagger.invalid/phototagger/1.0/"  # .invalid: a reserved name, never anyone's site
PREFIX = "phototagger"
DC, LR, DIGIKAM = ("http://purl.org/dc/elements/1.1/", "http://ns.adobe.com/lightroom/1.0/",
                   "http://www.digikam.org/ns/1.0/")
# (namespace, usual prefix, property, array kind) of dc:subject, lr:hierarchicalSubject, digiKam:TagsList: the
# kinds Lightroom, digiKam and ExifTool write (digiKam reads a Seq of hierarchical keywords as flat ones).
KEYWORDS = ((DC, "dc", "subject", "Bag"), (LR, "lr", "hierarchicalSubject", "Bag"),
            (DIGIKAM, "digiKam", "TagsList", "Seq"))
# The app's record of what it wrote last time, per property, so a re-export removes exactly those.
OURS = tuple((NAMESPACE, PREFIX, name, "Bag")
             for name in ("writtenSubject", "writtenHierarchicalSubject", "writtenTagsList"))


def sidecar_path(photo_path: str) -> str:
    """`IMG_1.jpg.xmp`: the digiKam and darktable name, which the app writes."""
    return photo_path + ".xmp"


def sidecar_paths(photo_path: str) -> list[str]:
    """Sidecars read on import: `IMG_1.jpg.xmp`, and Lightroom's `IMG_1.xmp`."""
    lightroom = os.path.splitext(photo_path)[0] + ".xmp"
    return [sidecar_path(photo_path)] + ([lightroom] if lightroom != sidecar_path(photo_path) else [])


def _keyword_sets(packet: XmpPacket) -> SidecarKeywords:
    present = KeywordSet(*(packet.values(ns, name) for ns, _, name, _ in KEYWORDS))
    recorded = any(packet.has(ns, name) for ns, _, name, _ in OURS)
    ours = KeywordSet(*(packet.values(ns, name) for ns, _, name, _ in OURS)) if recorded else None
    return SidecarKeywords(present, ours)


def _read_file(path: str) -> bytes | None:
    """The sidecar's bytes, or None if there is none; past MAX_BYTES only enough to be refused as too large."""
    try:
        with open(path, "rb") as f:
            return f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a 255-byte photo name: no sidecar name can be longer
            return None
        raise


class XmpKeywordReader:
    """Keywords already in a photo (embedded XMP, IPTC, Windows' EXIF keywords) and its sidecars, for import
    as the user's tags. Reads the bytes the indexer already holds, and the sidecars; writes nothing."""

    def keywords(self, data: bytes, path: str) -> list[str]:
        found: list[str] = []
        try:
            embedded = read_embedded(data)
        except Exception as exc:  # bytes Pillow cannot identify: nothing embedded to import, indexing goes on
            log.debug("no embedded keywords read from %s: %s", path, exc)
        else:
            flat = (*embedded.iptc_keywords, *embedded.windows_keywords)
            found += self._from_xmp(embedded.xmp, EMBEDDED, path, flat)
        for sidecar in sidecar_paths(path):
            found += self._from_xmp(_read_file(sidecar), sidecar, path)
        return list(dict.fromkeys(found))

    @staticmethod
    def _from_xmp(data: bytes | None, source: str, path: str, flat: tuple[str, ...] = ()) -> list[str]:
        keywords = SidecarKeywords(KeywordSet())
        if data:
            try:
                keywords = _keyword_sets(parse(data))
            except XmpError as exc:  # nothing to import from it; the photo is indexed all the same
                # A sidecar is a file the user can fix; odd embedded XMP is common and not theirs to fix.
                log.log(logging.INFO if source == EMBEDDED else logging.WARNING,
                        "keywords of %s not read from %s: %s", path, source, exc)
        return foreign_keywords(*keywords.present.fields(), iptc=flat, ours=keywords.ours)


class XmpSidecars:
    """Reads and merges `<photo>.xmp` sidecars; writes through a temporary file renamed into place."""

    def read(self, photo_path: str) -> SidecarKeywords | None:
        path = sidecar_path(photo_path)
        data = _read_file(path)
        if data is None:
            return None
        return _keyword_sets(_parse_sidecar(data, path))

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
        existing = _read_file(path) if info is not None else None
        data = _merged(_parse_sidecar(existing, path) if existing is not None else new_packet(), present, ours, path)
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


def _parse_sidecar(data: bytes, path: str) -> XmpPacket:
    try:
        return parse(data)
    except XmpError as exc:  # export reports the reason; the file is never replaced
        raise OSError(errno.EINVAL, f"the existing sidecar {path} was left as it is: {exc}") from None


def _merged(packet: XmpPacket, present: KeywordSet, ours: KeywordSet, path: str) -> bytes:
    """The packet with the keyword properties and the app's record set to these values (a property with
    none is removed); every other property, namespace, attribute and description block as it was."""
    try:
        for (namespace, prefix, name, kind), values in zip((*KEYWORDS, *OURS), (*present.fields(), *ours.fields())):
            packet.set_array(namespace, prefix, name, kind, values)
    except XmpError as exc:
        raise OSError(errno.EINVAL, f"the sidecar {path} was not written: {exc}") from None
    packet.forget_namespace(NAMESPACE)
    return packet.to_bytes()
