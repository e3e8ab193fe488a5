"""Facts computed from photos indexed before the fact existed (perceptual hashes, sharpness measures): each photo
decoded once in a small pool, stored batch by batch, a photo that cannot be read logged with its reason."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.preprocess import UnreadableImage
from photo_tagger.core.types import PhotoRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 64  # facts written per transaction


def backfill(
    missing: Sequence[PhotoRecord],
    compute: Callable[[str], T],
    store: Callable[[list[tuple[PhotoRecord, T]]], None] | None,
    *,
    what: str,
    doing: str,
    progress=None,
    control: JobControl,
) -> list[tuple[PhotoRecord, T]]:
    """`compute(path)` for each record, `store` called with each batch computed (None: kept in memory only, e.g.
    on a full disk); `what` names the fact in the log, `doing` is what the progress says. Returns every (record,
    fact) computed."""
    if not missing:
        return []
    if progress is not None:
        progress.started(len(missing), doing)

    def one(record: PhotoRecord) -> tuple[PhotoRecord, T | None]:
        try:
            return record, compute(record.path)
        except UnreadableImage as exc:
            log.warning("no %s for %s: %s", what, record.path, exc.reason)
        except Exception:
            log.exception("%s of %r failed", what, record.path)
        return record, None

    found: list[tuple[PhotoRecord, T]] = []
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="backfill") as pool:
        for start in range(0, len(missing), BATCH):
            control.checkpoint()
            chunk = missing[start : start + BATCH]
            batch = [(r, fact) for r, fact in pool.map(one, chunk) if fact is not None]
            if batch and store is not None:
                store(batch)
            found += batch
            if progress is not None:
                progress.advanced(start + len(chunk))
    if progress is not None:
        progress.finished()
    return found
