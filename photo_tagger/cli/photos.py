"""Shared by the CLI commands: a photo's date and a hit as JSON."""

from __future__ import annotations

from photo_tagger.core.dates import record_date
from photo_tagger.core.types import PhotoRecord


def date_fields(record: PhotoRecord) -> dict:
    """The date a photo counts as taken (what --since/--until filter on) and where it comes from: "exif" (the
    capture date, also in "taken_at") or "file" (no capture date: the file's modification time)."""
    found = record_date(record)
    return {"date": found.at if found else None, "date_source": found.source if found else None}


def hit_dict(hit) -> dict:
    r = hit.record
    return {"path": r.path, "score": round(hit.score, 4), "tags": list(hit.tags), "flags": list(hit.flags),
            "taken_at": r.taken_at, **date_fields(r), "width": r.width, "height": r.height}
