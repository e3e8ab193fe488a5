"""Walk watched folders for photo files, and diff what is on disk against the catalog."""

from __future__ import annotations

import logging
import os
import stat as stat_mode
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from photo_tagger.core.raw_files import RAW_EXTENSIONS
from photo_tagger.core.types import FileStat, PhotoRecord

log = logging.getLogger(__name__)

PHOTO_EXTENSIONS = (
    frozenset(
        {
            ".jpg",
            ".jpeg",
            ".jpe",
            ".jfif",
            ".png",
            ".webp",
            ".tif",
            ".tiff",
            ".bmp",
            ".gif",
            ".heic",
            ".heif",
            ".hif",
            ".avif",
        }
    )
    | RAW_EXTENSIONS
)


def is_photo_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in PHOTO_EXTENSIONS


@dataclass
class ScanProblems:
    """What a walk could not read. Photos the catalog knows there are kept, not taken for deleted."""

    folders: dict[str, str] = field(default_factory=dict)  # could not be listed: path -> reason
    files: dict[str, str] = field(default_factory=dict)  # photo names that are no regular file: path -> reason
    links: set[str] = field(default_factory=set)  # other broken symlinks (maybe a folder on an unplugged drive)

    def keep(self, missing: Iterable[PhotoRecord]) -> tuple[list[PhotoRecord], dict[str, int]]:
        """Split records not found on disk: those really gone, and per unreadable path how many it keeps."""
        blocked = [*self.folders, *self.files, *self.links]
        kept = dict.fromkeys(blocked, 0)
        gone = []
        for record in missing:
            place = next((b for b in blocked if is_under(record.path, b)), None) if blocked else None
            if place is None:
                gone.append(record)
            else:
                kept[place] += 1
        return gone, kept


def walk_photos(
    root: str, start: str | None = None, *, skip_dirs: Iterable[str] = (), problems: ScanProblems | None = None
) -> Iterator[FileStat]:
    """Photo files under `start` (default: the root), reported relative to `root`.

    Hidden files and folders and the app's own folders are skipped. Folder symlinks are followed once:
    a (device, inode) already visited is not entered again, so symlink loops end. What cannot be read
    (a folder without permission, a FIFO or a broken link with a photo's name) goes into `problems`.
    """
    problems = problems if problems is not None else ScanProblems()
    skip = {os.path.realpath(d) for d in skip_dirs}
    visited: set[tuple[int, int]] = set()
    stack = [start or root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            problems.folders[folder] = f"cannot enter this folder: {exc.strerror or exc}"
            continue
        if (st.st_dev, st.st_ino) in visited or os.path.realpath(folder) in skip:
            continue
        visited.add((st.st_dev, st.st_ino))
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:  # permission denied, vanished mid-scan: its photos are not "deleted"
            problems.folders[folder] = f"cannot list this folder: {exc.strerror or exc}"
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():  # follows symlinks; loops are caught by `visited`
                    stack.append(entry.path)
                elif is_photo_name(entry.name):
                    if entry.is_file():
                        st = entry.stat()
                        yield FileStat(root, prefix_relpath(entry.path, root), st.st_size, st.st_mtime_ns)
                    else:
                        problems.files[entry.path] = _not_a_file(entry.path)
                elif entry.is_symlink() and not os.path.exists(entry.path):
                    problems.links.add(entry.path)
            except OSError as exc:  # vanished between listing and stat
                log.info("skipping %r: %s", entry.path, exc)


def _not_a_file(path: str) -> str:
    """Why a photo-named entry is not read (a FIFO would block the reader forever)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "broken symbolic link (its target is missing)"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    for test, what in (
        (stat_mode.S_ISFIFO, "a named pipe (FIFO)"),
        (stat_mode.S_ISSOCK, "a socket"),
        (stat_mode.S_ISCHR, "a device"),
        (stat_mode.S_ISBLK, "a device"),
    ):
        if test(mode):
            return f"not a regular file: {what}"
    return "not a regular file"


def is_under(path: str, folder: str) -> bool:
    """path is folder itself or inside it (plain string paths, as the catalog stores them)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another of them, each once: a folder and the files in it (a watcher's report of a
    folder copied in) are walked once, so no photo is read twice in one run. Sorted by components, a path's
    descendants follow it directly."""
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: p.split(os.sep)):
        if not kept or not is_under(path, kept[-1]):
            kept.append(path)
    return kept


def prefix_relpath(path: str, root: str) -> str:
    """`path` relative to `root` with '/' separators; path must start with root (scandir paths do),
    which makes a slice enough: os.path.relpath per file was most of a re-scan's time."""
    relative = path[len(root.rstrip(os.sep)) + 1 :]
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
