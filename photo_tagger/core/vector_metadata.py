"""The metadata stored beside each vector: what searches filter on and what a hit shows without a lookup."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from photo_tagger.core.dates import PhotoDate, record_date
from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import PhotoRecord

_UNTAGGED = EffectiveTags((), ())
# The app instance (library home) that wrote a vector: on a shared server, photos of other instances are shown
# from their metadata, while this instance's vectors without a catalog record are leftovers of a crash.
OWNER_KEY = "library_id"
_TAG_KEYS = ("tags", "flags", "flagged")


def display(path: str) -> str:
    """Vector-store strings must be valid UTF-8; undecodable bytes in names become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def folder_chain(record: PhotoRecord) -> list[str]:
    """The root and every folder between it and the photo, so one `$contains` filters a subtree."""
    parts = record.relpath.split("/")[:-1]
    chain = [record.root]
    for part in parts:
        chain.append(os.path.join(chain[-1], part))
    return [display(p) for p in chain]


def vector_metadata(record: PhotoRecord, tags: EffectiveTags | None = None) -> dict:
    """Everything a search filters on; `tags` are the photo's effective tags and flags."""
    metadata = {
        "root": display(record.root),
        "relpath": display(record.relpath),
        "folders": folder_chain(record),
        "size": record.size,
        "mtime_ns": record.mtime_ns,
        "content_hash": record.content_hash,
        "model": record.embedded_model,
        "status": record.status,
        "width": record.width,
        "height": record.height,
        "taken_at": record.taken_at,
        # Seconds since the epoch (local time read as UTC) of the photo's date as core.dates has it (the capture
        # date, else the file's), for range filters on dates.
        "taken_ts": _timestamp(record_date(record)),
        "camera_make": record.camera_make,
        "camera_model": record.camera_model,
        "gps_lat": record.gps_lat,
        "gps_lon": record.gps_lon,
    }
    metadata = {k: v for k, v in metadata.items() if v is not None}
    return {**metadata, **(tags or _UNTAGGED).as_metadata()}


def _timestamp(found: PhotoDate | None) -> int | None:
    return int(datetime.fromisoformat(found.at).replace(tzinfo=UTC).timestamp()) if found else None


def owner_of(metadata: dict) -> str | None:
    return metadata.get(OWNER_KEY) or None


def foreign_record(photo_id: str, metadata: dict, own_library_id: str | None) -> PhotoRecord | None:
    """The record of a photo another app instance wrote to a shared store, rebuilt from its metadata;
    None for this instance's own vectors and for vectors that name no writer."""
    owner = owner_of(metadata)
    if owner is None or owner == own_library_id or "root" not in metadata or "relpath" not in metadata:
        return None
    return record_from_metadata(photo_id, metadata)


def record_from_metadata(photo_id: str, metadata: dict) -> PhotoRecord:
    """A PhotoRecord from what vector_metadata() stored (the inverse, as far as the metadata goes)."""
    m = metadata

    def number(key, kind):
        value = m.get(key)
        return kind(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    return PhotoRecord(
        id=photo_id,
        root=str(m.get("root", "")),
        relpath=str(m.get("relpath", "")),
        size=number("size", int) or 0,
        mtime_ns=number("mtime_ns", int) or 0,
        content_hash=str(m.get("content_hash", "")),
        status=str(m.get("status", "indexed")),
        embedded_model=str(m.get("model", "")),
        width=number("width", int),
        height=number("height", int),
        taken_at=m.get("taken_at") if isinstance(m.get("taken_at"), str) else None,
        camera_make=m.get("camera_make") if isinstance(m.get("camera_make"), str) else None,
        camera_model=m.get("camera_model") if isinstance(m.get("camera_model"), str) else None,
        gps_lat=number("gps_lat", float),
        gps_lon=number("gps_lon", float),
    )


def copied_metadata(metadata: dict, library_id: str, tags: EffectiveTags | None) -> dict:
    """A vector's metadata as `store migrate` copies it: stamped with its writer; with the photo's `tags` from
    the catalog for a shared server (which must carry them), without tags (None) for a private store."""
    out = {k: v for k, v in metadata.items() if k not in _TAG_KEYS}
    out[OWNER_KEY] = library_id
    return {**out, **(tags or _UNTAGGED).as_metadata()}
