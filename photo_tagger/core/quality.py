"""How good a shot is, measured from its pixels (sharpness, clipped highlights and shadows), the best shot of a
stack by those measures, and how much the user's own keep choices favour sharpness over exposure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

MEASURE_SIDE = 256  # the grey image measured: long side in pixels (the indexer's draft decode is about this size)
HIGHLIGHT = 250  # grey levels at or above: a clipped highlight
SHADOW = 5  # at or below: a clipped shadow
# Exposure counts twice a clipped share against the sharpness ratio: a burst frame with a fifth of its pixels
# burnt out is worse than one a little softer (measured in tests/unit/test_quality.py on generated shots).
CLIPPED_WEIGHT = 2.0
DEFAULT_SHARPNESS_WEIGHT = 0.5
MIN_CHOICES = 5  # keep choices that decide between sharpness and exposure, before they weigh in
SHARPER = 1.10  # a kept photo this much sharper (ratio) than another counts as the sharper one
BETTER_EXPOSED = 0.02  # ... this much less clipped (share of pixels) as the better exposed one


@dataclass(frozen=True)
class Quality:
    sharpness: float  # variance of the Laplacian of the grey image at MEASURE_SIDE (higher: sharper)
    highlights: float  # share of pixels clipped white
    shadows: float  # share of pixels clipped black

    @property
    def clipped(self) -> float:
        return self.highlights + self.shadows


def measure(image: Image.Image) -> Quality:
    """The measures of a decoded photo (any mode); the image is not changed."""
    grey = image.convert("L")
    if max(grey.size) > MEASURE_SIDE:
        scale = MEASURE_SIDE / max(grey.size)
        grey = grey.resize(
            (max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.Resampling.BILINEAR
        )
    pixels = np.asarray(grey, dtype=np.float32)
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        sharpness = 0.0
    else:  # the 4-neighbour Laplacian on the inner pixels
        laplacian = pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:] - 4 * pixels[1:-1, 1:-1]
        sharpness = float(laplacian.var())
    count = max(1, pixels.size)
    return Quality(sharpness, float((pixels >= HIGHLIGHT).sum()) / count, float((pixels <= SHADOW).sum()) / count)


@dataclass(frozen=True)
class Preference:
    """How much sharpness counts against exposure in a best shot (0..1), and from how many keep choices."""

    sharpness_weight: float = DEFAULT_SHARPNESS_WEIGHT
    choices: int = 0  # deciding choices it was learned from; 0: the default

    @property
    def learned(self) -> bool:
        return self.choices >= MIN_CHOICES


def learn_preference(pairs: Iterable[tuple[Quality, Quality]]) -> Preference:
    """From (kept, passed over) pairs: the share of the deciding ones (one photo sharper, the other better exposed)
    where the user kept the sharper, smoothed towards even; the default until MIN_CHOICES decided."""
    sharp = exposed = 0
    for kept, other in pairs:
        kept_sharper = kept.sharpness > other.sharpness * SHARPER
        other_sharper = other.sharpness > kept.sharpness * SHARPER
        kept_exposed = kept.clipped < other.clipped - BETTER_EXPOSED
        other_exposed = other.clipped < kept.clipped - BETTER_EXPOSED
        if kept_sharper and other_exposed:
            sharp += 1
        elif kept_exposed and other_sharper:
            exposed += 1
    decided = sharp + exposed
    if decided < MIN_CHOICES:
        return Preference(DEFAULT_SHARPNESS_WEIGHT, decided)
    return Preference((sharp + 1) / (decided + 2), decided)


def scores(qualities: Sequence[Quality], preference: Preference = Preference()) -> list[float]:
    """Each shot's score in its stack: sharpness as a share of the sharpest's (on a log scale: blur divides the
    variance many times over) against exposure (1 less the clipped share, counted CLIPPED_WEIGHT times)."""
    logs = [math.log1p(max(0.0, q.sharpness)) for q in qualities]
    top = max(logs, default=0.0) or 1.0
    w = preference.sharpness_weight
    return [w * (s / top) + (1 - w) * max(0.0, 1.0 - CLIPPED_WEIGHT * q.clipped) for s, q in zip(logs, qualities)]


def best_shot(qualities: Sequence[Quality | None], preference: Preference = Preference()) -> tuple[int, str]:
    """The index of the best shot and why, e.g. "sharpest of 7"; shots not measured (None) count only when none
    is. Ties go to the first (the caller's order: the earliest shot)."""
    count = len(qualities)
    known = [n for n, q in enumerate(qualities) if q is not None]
    measured = [q for q in qualities if q is not None]
    if not known:
        return 0, f"first of {count}"
    chosen = scores(measured, preference)
    best = max(range(len(known)), key=lambda k: (chosen[k], -k))
    default = scores(measured)
    if preference.learned and max(range(len(known)), key=lambda k: (default[k], -k)) != best:
        return known[best], f"like your picks, of {count}"
    winner = measured[best]
    if winner.sharpness >= max(q.sharpness for q in measured):
        return known[best], f"sharpest of {count}"
    if winner.clipped <= min(q.clipped for q in measured):
        return known[best], f"best exposed of {count}"
    return known[best], f"sharp and well exposed, of {count}"


def measure_file(path: str) -> Quality:
    """For a photo indexed before measures existed: decoded at draft size (raises UnreadableImage with a
    reason), never written."""
    from photo_tagger.core.preprocess import open_rgb

    with open_rgb(path, min_side=MEASURE_SIDE) as image:
        return measure(image)


class QualityAnalyzer:
    """The indexer's photo analyzer (core/photo_analysis.py) for sharpness and exposure."""

    name = "sharpness and exposure"

    def analyze(self, image: Image.Image, content_hash: str) -> Quality:
        return measure(image)

    def store(self, catalog, db, results) -> None:
        catalog.write_quality(
            db, [(photo_id, record.content_hash, value) for photo_id, (record, value) in results.items()]
        )
