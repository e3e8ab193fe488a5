"""Walk watched folders for photo files, and diff what is on disk against the catalog."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from photo_tagger.core.types import FileStat, PhotoRecord

log = logging.getLogger(__name__)

PHOTO_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif",
    ".heic", ".heif", ".hif", ".avif",
})


def is_photo_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in PHOTO_EXTENSIONS


def walk_photos(root: str, start: str | None = None, *, skip_dirs: Iterable[str] = ()) -> Iterator[FileStat]:
    """Photo files under `start` (default: the root), reported relative to `root`.

    Hidden files and folders and the app's own folders are skipped. Folder symlinks are followed once:
    a (device, inode) already visited is not entered again, so symlink loops end.
    """
    skip = {os.path.realpath(d) for d in skip_dirs}
    visited: set[tuple[int, int]] = set()
    stack = [start or root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            log.warning("cannot enter %r: %s", folder, exc)
            continue
        if (st.st_dev, st.st_ino) in visited or os.path.realpath(folder) in skip:
            continue
        visited.add((st.st_dev, st.st_ino))
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:  # permission denied, vanished mid-scan: report, keep going
            log.warning("cannot list %r: %s", folder, exc)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():  # follows symlinks; loops are caught by `visited`
                    stack.append(entry.path)
                elif is_photo_name(entry.name) and entry.is_file():
                    st = entry.stat()
                    yield FileStat(root, prefix_relpath(entry.path, root), st.st_size, st.st_mtime_ns)
            except OSError as exc:  # vanished between listing and stat, broken symlink
                log.info("skipping %r: %s", entry.path, exc)


def is_under(path: str, folder: str) -> bool:
    """path is folder itself or inside it (plain string paths, as the catalog stores them)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def prefix_relpath(path: str, root: str) -> str:
    """`path` relative to `root` with '/' separators; path must start with root (scandir paths do),
    which makes a slice enough: os.path.relpath per file was most of a re-scan's time."""
    relative = path[len(root.rstrip(os.sep)) + 1:]
    return relative if os.sep == "/" else relative.replace(os.sep, "/")


@dataclass
class ScanDiff:
    """Files on disk against catalog records of the same scope."""

    new: list[FileStat] = field(default_factory=list)
    changed: list[tuple[PhotoRecord, FileStat]] = field(default_factory=list)
    unchanged: list[PhotoRecord] = field(default_factory=list)
    missing: list[PhotoRecord] = field(default_factory=list)


def diff_against_catalog(on_disk: Iterable[FileStat], known: Iterable[PhotoRecord]) -> ScanDiff:
    """Same size and mtime = unchanged (never decoded again); content hashes settle the rest later."""
    by_key = {(r.root, r.relpath): r for r in known}
    diff = ScanDiff()
    for stat in on_disk:
        record = by_key.pop((stat.root, stat.relpath), None)
        if record is None:
            diff.new.append(stat)
        elif record.size == stat.size and record.mtime_ns == stat.mtime_ns:
            diff.unchanged.append(record)
        else:
            diff.changed.append((record, stat))
    diff.missing = list(by_key.values())
    return diff
