"""Camera RAW files: their names, what a RAW decoder returns, and RAW + JPEG twins shown as one photo."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from PIL import Image

# Decoded by the RAW decoder the composition root registers (infra/raw_decode.py, LibRaw), never by Pillow: its TIFF
# plugin would open a DNG's or NEF's small first image as if it were the photo.
RAW_EXTENSIONS = frozenset(
    {
        ".dng",
        ".cr2",
        ".cr3",
        ".crw",
        ".nef",
        ".nrw",
        ".arw",
        ".srf",
        ".sr2",
        ".raf",
        ".orf",
        ".rw2",
        ".pef",
        ".srw",
        ".x3f",
        ".3fr",
        ".iiq",
        ".erf",
        ".mrw",
        ".dcr",
        ".kdc",
        ".mos",
        ".rwl",
    }
)


def is_raw_name(path: os.PathLike | str) -> bool:
    return os.path.splitext(os.fspath(path))[1].lower() in RAW_EXTENSIONS


@dataclass(frozen=True)
class RawRendition:
    """What a RAW decoder hands back: an upright picture of the photo and the facts of the RAW itself."""

    image: Image.Image  # upright; the embedded preview, or a half-size decode when there is no usable one
    width: int  # the RAW's upright size at full resolution
    height: int
    exif: Image.Exif  # the RAW's own EXIF (dates, camera, GPS); empty when it has none that can be read
    format: str  # "DNG", "CR2" ...
    source: str  # "preview" or "decode": how `image` was made


class RawDecoder(Protocol):
    def __call__(self, path: os.PathLike | str, data: bytes | None, min_side: int | None) -> RawRendition:
        """Raises UnreadableImage with a reason for a RAW it cannot decode."""


# -- twins: IMG_0001.CR2 next to IMG_0001.JPG is one photo. The camera's JPEG (or HEIC) is the photo the library
# indexes and shows: it is the camera's own rendition, and decodes faster than any RAW. The RAW is its companion.
# When either twin goes, the other keeps the photo (the indexer hands the record over: tags, albums, choices).


def twin_key(relpath: str) -> tuple[str, str]:
    """(folder, stem) of a relative path, case-insensitive: what twins share."""
    folder, name = posixpath.split(relpath)
    return folder, os.path.splitext(name)[0].lower()


_T = TypeVar("_T")


def fold_twins(files: Sequence[_T], relpath=lambda f: f.relpath) -> tuple[list[_T], dict[str, list[str]]]:
    """The files that are photos of their own, and per photo (its relpath) the RAW twins folded into it.

    A RAW is folded into a non-RAW file of the same folder and stem; a folder-and-stem group of RAWs only (a CR2 and
    the DNG made from it) stays as it is: those are separate files, as the duplicates view shows."""
    others: dict[tuple[str, str], str] = {}
    for f in files:
        path = relpath(f)
        if not is_raw_name(path):
            others.setdefault(twin_key(path), path)
    kept: list[_T] = []
    companions: dict[str, list[str]] = {}
    for f in files:
        path = relpath(f)
        primary = others.get(twin_key(path)) if is_raw_name(path) else None
        if primary is None:
            kept.append(f)
        else:
            companions.setdefault(primary, []).append(path)
    return kept, companions


def are_twins(a: str, b: str) -> bool:
    """Two relative paths of one photo: same folder and stem, exactly one of them a RAW."""
    return a != b and twin_key(a) == twin_key(b) and is_raw_name(a) != is_raw_name(b)


def twin_paths(path: str, names: Iterable[str]) -> list[str]:
    """The twins of the file at `path` among `names` (the names in its folder), as paths in that folder."""
    folder, name = os.path.split(path)
    return sorted(os.path.join(folder, other) for other in names if are_twins(name, other))


def companions_on_disk(path: str) -> list[str]:
    """The RAW (or JPEG) twins of the photo file at `path` that are on disk now (lists its folder: worker threads)."""
    try:
        names = os.listdir(os.path.dirname(path) or ".")
    except OSError:
        return []
    return twin_paths(path, names)


def with_twins(paths: Iterable[str], is_file=os.path.isfile) -> list[str]:
    """`paths` and, for each file among them, its twins on disk: a run told of IMG_0001.JPG alone (a watcher's
    event) still sees the IMG_0001.CR2 beside it, so the pair stays one photo."""
    found = list(paths)
    listed: dict[str, list[str]] = {}
    for path in list(found):
        if os.path.isdir(path):
            continue  # its walk sees every pair in it; a file deleted (a watcher's event) still has its twins looked up
        folder = os.path.dirname(path)
        if folder not in listed:
            try:
                listed[folder] = os.listdir(folder)
            except OSError:
                listed[folder] = []
        found += [twin for twin in twin_paths(path, listed[folder]) if is_file(twin)]
    return list(dict.fromkeys(found))
