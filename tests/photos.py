"""Photos the tests make: small JPEGs/PNGs with EXIF, broken files, odd names."""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path

from PIL import Image


def make_photo(path: Path, color=(200, 30, 30), size=(96, 64), *, orientation: int | None = None,
               taken: str | None = "2021:07:14 18:30:00", fmt: str | None = None,
               gps: tuple[float, float] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif[0x0110] = "TestCam 1"
        exif[0x010F] = "Photo Tagger"
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:  # (lat, lon) in degrees, written as EXIF GPS degrees/minutes/seconds with N/S and E/W
        exif.get_ifd(0x8825).update({1: "N" if gps[0] >= 0 else "S", 2: _dms(gps[0]),
                                     3: "E" if gps[1] >= 0 else "W", 4: _dms(gps[1])})
    kwargs = {"exif": exif} if (fmt or path.suffix.lower()) in (".jpg", ".jpeg", "JPEG", ".webp", ".png") else {}
    image.save(path, format=fmt, **kwargs)
    return path


def _dms(degrees: float) -> tuple[float, float, float]:
    value = abs(degrees)
    whole, minutes = int(value), (value - int(value)) * 60
    return float(whole), float(int(minutes)), round((minutes - int(minutes)) * 60, 4)


def make_photos(folder: Path, count: int, prefix: str = "IMG_") -> list[Path]:
    """Distinct photos (different colours, so different content hashes)."""
    return [make_photo(folder / f"{prefix}{i:05d}.jpg", ((i * 37) % 256, (i * 91) % 256, (i * 13) % 256))
            for i in range(count)]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb without the memory)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under root (symlinks not followed), for read-only checks."""
    hashes = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    hashes[path] = hashlib.sha256(f.read()).hexdigest()
    return hashes
