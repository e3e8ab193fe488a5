"""The metadata stored beside each vector: what searches filter on and what a hit shows without a lookup."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import PhotoRecord

_UNTAGGED = EffectiveTags((), ())


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
        # Seconds since the epoch (camera-local time read as UTC) for range filters on dates.
        "taken_ts": int(datetime.fromisoformat(record.taken_at).replace(tzinfo=timezone.utc).timestamp())
        if record.taken_at else None,
        "camera_make": record.camera_make,
        "camera_model": record.camera_model,
        "gps_lat": record.gps_lat,
        "gps_lon": record.gps_lon,
    }
    metadata = {k: v for k, v in metadata.items() if v is not None}
    return {**metadata, **(tags or _UNTAGGED).as_metadata()}
