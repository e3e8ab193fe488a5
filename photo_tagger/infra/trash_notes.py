"""The freedesktop trash's notes (`info/NAME.trashinfo`) that send2trash leaves behind when moving a file fails."""

from __future__ import annotations

import logging
import os
import sys
from urllib.parse import unquote

log = logging.getLogger(__name__)
_SUFFIX = ".trashinfo"


def _info_dirs(path: str) -> list[str]:
    """The trash folders a file could be sent to: the home trash and its disk's own (freedesktop trash spec)."""
    if sys.platform in ("darwin", "win32"):  # their trash calls move a file or do nothing
        return []
    from send2trash import plat_other

    dirs = [os.path.join(os.fsdecode(plat_other.HOMETRASH_B), "info")]
    try:
        top = os.fsdecode(plat_other.find_mount_point(os.fsencode(path)))
    except OSError:
        return dirs
    uid = os.getuid()
    return dirs + [os.path.join(top, ".Trash", str(uid), "info"), os.path.join(top, f".Trash-{uid}", "info")]


def trash_notes(path: str) -> dict[str, set[str]]:
    """The notes now in each trash `path` could go to (taken before sending it)."""
    found = {}
    for folder in _info_dirs(path):
        try:
            found[folder] = {n for n in os.listdir(folder) if n.endswith(_SUFFIX)}
        except OSError:
            found[folder] = set()
    return found


def remove_orphan_notes(path: str, before: dict[str, set[str]]) -> int:
    """Delete the notes written for `path` since `before` whose file never reached the trash: send2trash writes
    the note first and moves the file second, and a failed move (or a cross-disk retry) leaves the note, which
    file managers then list as a trashed file that cannot be restored. Returns how many went."""
    removed = 0
    name = os.path.basename(path)
    for folder, names in trash_notes(path).items():
        for note in names - before.get(folder, set()):
            if os.path.lexists(os.path.join(os.path.dirname(folder), "files", note[:-len(_SUFFIX)])):
                continue  # the file is in the trash: the note is how it is restored
            if _note_path_name(os.path.join(folder, note)) != name:
                continue  # another program's trashing, not ours
            try:
                os.unlink(os.path.join(folder, note))
                removed += 1
                log.info("removed the trash note %s left by a failed move of %s", note, path)
            except OSError as exc:
                log.warning("could not remove the trash note %s: %s", note, exc)
    return removed


def _note_path_name(note: str) -> str:
    try:
        with open(note, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("Path="):
                    return os.path.basename(unquote(line[5:].strip()))
    except OSError:
        pass
    return ""
