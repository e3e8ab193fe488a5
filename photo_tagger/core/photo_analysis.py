"""Facts computed from a photo's pixels while it is indexed (a perceptual hash, how likely it holds text), each
stored with the photo's record in the same transaction."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from PIL import Image

if TYPE_CHECKING:
    import sqlite3

    from photo_tagger.core.types import PhotoRecord

log = logging.getLogger(__name__)


class PhotoAnalyzer(Protocol):
    """One fact per photo, computed in the indexer's decode pool from the image it decoded anyway (RGB, at JPEG
    draft size: the short side at least the model's input size), so it costs no second read or decode."""

    name: str  # names the fact in logs

    def analyze(self, image: Image.Image, content_hash: str) -> object | None:
        """In a decode thread, before the image is closed; None when there is nothing to store (e.g. already
        known for this content)."""

    def store(self, catalog, db: sqlite3.Connection, results: dict[str, tuple[PhotoRecord, object]]) -> None:
        """Inside the batch's catalog transaction: the results of this batch by photo id."""


def analyze_all(analyzers, image: Image.Image, content_hash: str, path: str) -> dict[str, object]:
    """Every analyzer's result for one photo; one that fails is logged and left out, the photo indexes anyway."""
    results = {}
    for analyzer in analyzers:
        try:
            value = analyzer.analyze(image, content_hash)
        except Exception:
            log.exception("%s of %r failed", analyzer.name, path)
            continue
        if value is not None:
            results[analyzer.name] = value
    return results
