"""Duplicate groups in tiers: exact (same bytes), near (the same shot re-encoded, resized, lightly cropped or
stripped of EXIF), similar (other shots of the same scene)."""

from __future__ import annotations

from dataclasses import dataclass

from photo_tagger.core.types import PhotoRecord

TIERS = ("exact", "near", "similar")


@dataclass(frozen=True)
class DuplicateGroup:
    tier: str  # one of TIERS
    photos: tuple[PhotoRecord, ...]  # the suggested photo to keep first: the largest resolution, then the oldest
    reasons: dict[str, str]  # photo id -> why it is in the group, e.g. "same bytes", "phash distance 4, cosine 0.97"

    @property
    def keep(self) -> PhotoRecord:
        return self.photos[0]
