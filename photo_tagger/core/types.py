"""Plain data passed between layers (frozen dataclasses, no behaviour beyond small helpers)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

# OpenAI CLIP's normalization constants (the defaults of every CLIP checkpoint in transformers).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class PreprocessSpec:
    """How a model wants its pixels: resized to image_size (resize_mode "shortest": shorter side, then center
    crop, as CLIP; "squash": both sides, no crop, as SigLIP) with `interpolation` (a PIL filter name), normalized."""

    image_size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    resize_mode: str = "shortest"
    interpolation: str = "bicubic"


def join_relpath(root: str, relpath: str) -> str:
    """The absolute path of a catalog entry: its root and its '/'-separated relative path."""
    return os.path.join(root, *relpath.split("/"))


@dataclass(frozen=True)
class FileStat:
    """A photo file as the scan saw it. relpath uses '/' and os.fsdecode (non-UTF-8 names survive)."""

    root: str
    relpath: str
    size: int
    mtime_ns: int

    @property
    def path(self) -> str:
        return join_relpath(self.root, self.relpath)


@dataclass(frozen=True)
class PhotoRecord:
    """One photo in the library catalog (a skipped file is a record too, with its reason)."""

    id: str
    root: str
    relpath: str
    size: int
    mtime_ns: int
    content_hash: str
    status: str  # "indexed" | "skipped"
    skip_reason: str = ""
    embedded_model: str = ""  # the model whose embedding of this content is stored ("" = none)
    width: int | None = None
    height: int | None = None
    taken_at: str | None = None  # ISO 8601, camera-local time
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    indexed_at: float = 0.0

    @property
    def path(self) -> str:
        return join_relpath(self.root, self.relpath)


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class IndexReport:
    """What an index run did; counts are files."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    reencoded: int = 0  # unchanged files whose embedding was stale (another model) or missing
    interrupted: int = 0  # vector writes of an interrupted (killed) run, repaired at the start
    encoded_again: int = 0  # of those, encodes the interrupted run made that this run repeats
    skipped: list[SkippedFile] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # folders missing (unmounted?) or unlistable: kept
    cancelled: bool = False
    seconds: float = 0.0  # scanning, decoding, encoding and writing
    stage_seconds: float = 0.0  # the stages after those (reading text in photos)

    def summary(self, what: str) -> str:
        """One line for people: what happened to the files of `what` (a folder, or several)."""
        if self.cancelled:
            return f"{what}: stopped after {self.new + self.updated + self.reencoded} photos (run again to finish)"
        encoded = self.new + self.updated + self.reencoded
        rate = f", {encoded / self.seconds:.1f} photos/s" if encoded and self.seconds else ""
        if self.stage_seconds >= 0.05:  # the whole time, text reading included (the rate is the encoding's)
            rate = f"{rate}, {self.stage_seconds:.1f} s of it reading text"
        again = f", {self.reencoded} re-encoded for a new model" if self.reencoded else ""
        again += f", {self.encoded_again} encoded again after an interrupted run" if self.encoded_again else ""
        missing = f"; not available, left as it was: {', '.join(self.unavailable)}" if self.unavailable else ""
        return (
            f"{what}: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, {self.moved} moved, "
            f"{self.removed} removed, {len(self.skipped)} skipped{again} ({self.seconds + self.stage_seconds:.1f} s{rate}){missing}"
        )

    def as_dict(self) -> dict:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "moved": self.moved,
            "removed": self.removed,
            "reencoded": self.reencoded,
            "skipped": len(self.skipped),
            "skipped_files": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "unavailable_folders": list(self.unavailable),
            "interrupted_writes": self.interrupted,
            "reencoded_after_interrupt": self.encoded_again,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "text_seconds": round(self.stage_seconds, 3),
        }
