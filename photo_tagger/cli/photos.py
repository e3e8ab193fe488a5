"""Shared by the CLI commands: finding a photo of the library by its path, a hit as JSON."""

from __future__ import annotations

import os
from pathlib import Path

from photo_tagger.core.dates import record_date
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.library import containing_root
from photo_tagger.core.scan import prefix_relpath
from photo_tagger.core.types import PhotoRecord


def find_photo(app, path: Path) -> PhotoRecord:
    """The library record of a photo path, or a one-line error saying why there is none."""
    absolute = str(path.expanduser().resolve())
    root = containing_root(app.catalog.roots(), absolute)
    if root is not None and root != absolute:
        record = app.catalog.find_by_path(root, prefix_relpath(absolute, root))
        if record is not None:
            return record
    if not os.path.exists(absolute):
        raise PhotoTaggerError(f"{path}: no such file")
    raise PhotoTaggerError(f"{path} is not in the library (photo-tagger index FOLDER adds its folder)")


def date_fields(record: PhotoRecord) -> dict:
    """The date a photo counts as taken (what --since/--until filter on) and where it comes from: "exif" (the
    capture date, also in "taken_at") or "file" (no capture date: the file's modification time)."""
    found = record_date(record)
    return {"date": found.at if found else None, "date_source": found.source if found else None}


def hit_dict(hit) -> dict:
    r = hit.record
    return {"path": r.path, "score": round(hit.score, 4), "tags": list(hit.tags), "flags": list(hit.flags),
            "taken_at": r.taken_at, **date_fields(r), "width": r.width, "height": r.height}
