"""Metadata embedded in a photo's bytes, read with Pillow: the XMP packet, IPTC and EXIF (Windows) keywords."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, IptcImagePlugin

IPTC_KEYWORDS = (2, 25)  # IPTC-IIM Application record, Keywords (repeatable)
IPTC_CHARSET = (1, 90)  # Envelope record, CodedCharacterSet; ESC % G declares UTF-8
XP_KEYWORDS = 0x9C9E  # EXIF XPKeywords: what Windows Explorer's "Tags" wrote before XMP; UTF-16LE, ';'-separated


@dataclass(frozen=True)
class EmbeddedMetadata:
    xmp: bytes | None = None  # the raw XMP packet (JPEG APP1, PNG iTXt, TIFF tag 700, WebP, HEIC/AVIF)
    iptc_keywords: tuple[str, ...] = ()
    windows_keywords: tuple[str, ...] = ()


def read_embedded(data: bytes) -> EmbeddedMetadata:
    """What a photo in memory carries. Pillow reads only the headers here (no pixels are decoded), and
    nothing is opened on disk. Raises what Pillow raises for bytes it cannot identify."""
    with Image.open(io.BytesIO(data)) as image:
        xmp = image.info.get("xmp")
        if isinstance(xmp, str):
            xmp = xmp.encode("utf-8")
        return EmbeddedMetadata(xmp or None, _iptc_keywords(image), _windows_keywords(image))


def _iptc_keywords(image) -> tuple[str, ...]:
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:  # a broken IPTC block costs only its keywords: Pillow raises SyntaxError and others
        return ()
    raw = iptc.get(IPTC_KEYWORDS) or []
    raw = [raw] if isinstance(raw, bytes) else raw
    utf8 = iptc.get(IPTC_CHARSET) == b"\x1b%G"
    return tuple(k for k in (_decode_iptc(value, utf8) for value in raw) if k.strip())


def _decode_iptc(value: bytes, utf8: bool) -> str:
    if utf8:
        return value.decode("utf-8", "replace")
    try:  # most writers use UTF-8 without declaring it; older ones wrote Latin-1
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _windows_keywords(image) -> tuple[str, ...]:
    try:
        value = image.getexif().get(XP_KEYWORDS)
    except Exception:  # a broken EXIF block costs only these keywords
        return ()
    if isinstance(value, tuple):
        value = bytes(value)
    if not isinstance(value, bytes):
        return ()
    text = value.decode("utf-16-le", "replace").rstrip("\x00")
    return tuple(k.strip() for k in text.split(";") if k.strip())
