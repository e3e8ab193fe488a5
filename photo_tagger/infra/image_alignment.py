"""Lining two photos up to tell a cropped copy from a look-alike (OpenCV): by ORB keypoints and a RANSAC similarity
transform, and, where keypoints are too few (a plain graphic: flat colours, few corners), by normalised
cross-correlation of one photo shrunk over a range of scales inside the other (cv2.matchTemplate). core/duplicates.py
asks for the alignment of a candidate pair and decides from what it measured."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

SIDE = 512  # photos are compared at this long side: keypoints enough, 0.3 MB each, a few ms to decode at draft size
_FEATURES = 2000
_RATIO = 0.75  # Lowe's ratio test: a match must be clearly better than the second best
_FAST = 7  # FAST corner threshold (default 20): smooth photos (sky, skin, synthetic scenes) give few corners
_RANSAC_PX = 3.0
GRID = 32  # the overlap is compared in GRID x GRID cells (16 and 24 let a nudged low-contrast object through)
SLACK = 2  # pixels a cell may move to meet its match: the transform is good to a pixel or two
_CACHE = 64  # photos kept decoded: candidate pairs are sorted, so a photo's pairs come together
_ENOUGH_POINTS = 10  # inliers that make the keypoint alignment trusted (core's CROP_MIN_INLIERS): else correlation
_COARSE = 160  # long side the correlation searches at: a scale step of a pixel is 0.6% there
_KEEPS = 0.60  # the smallest share of the larger photo a crop keeps (core's CROP_KEEPS): the scales searched
_FINE_STEPS = 3  # scales tried around the coarse one at full size (within one coarse pixel)
_UPRIGHT = 1.0  # degrees: a keypoint transform turned more than this is not trusted (a crop is not turned)
_cv2 = None


def cv2_module():
    """OpenCV (the headless build: no Qt of its own), imported on first use: commands that never compare crops do not
    pay for loading it."""
    global _cv2
    if _cv2 is None:
        import cv2

        _cv2 = cv2
    return _cv2


class Features(NamedTuple):
    pixels: np.ndarray  # RGB uint8, long side SIDE at most
    points: np.ndarray  # (n, 2) float32 keypoint positions
    descriptors: np.ndarray | None  # ORB's 32-byte descriptors, None without keypoints


class Alignment(NamedTuple):
    """How photo b lines up with photo a: b's pixels map into a's frame by a scale, a rotation and a shift."""

    matches: int  # matches that passed the ratio test
    inliers: int  # of those, the ones the transform explains (within _RANSAC_PX pixels)
    rotation: float  # degrees
    cover_a: float  # share of a's frame that b covers
    cover_b: float  # share of b's frame that lies inside a
    residual: float  # largest colour difference (0-255) of any of GRID x GRID cells over the overlap
    correlation: float = 0.0  # lined up by correlation (no keypoints): its normalised cross-correlation; 0 else


def features(path: str) -> Features:
    """A photo's pixels and keypoints (raises UnreadableImage with a reason for a photo that cannot be decoded)."""
    from PIL import Image

    from photo_tagger.core.preprocess import open_rgb

    cv2 = cv2_module()
    with open_rgb(path, min_side=SIDE) as image:
        image.thumbnail((SIDE, SIDE), Image.Resampling.BOX)  # never enlarges
        pixels = np.asarray(image.convert("RGB"))
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    keypoints, descriptors = cv2.ORB_create(_FEATURES, fastThreshold=_FAST).detectAndCompute(grey, None)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return Features(pixels, points, descriptors)


def align(a: Features, b: Features, accept: Callable[[Alignment], object] | None = None) -> Alignment | None:
    """How the two photos line up, b onto a (cover_a, cover_b as named); None where nothing lines them up. By
    keypoints first: both ways are estimated and the one whose overlap differs least is kept (a transform off by a
    pixel at one side leaves a residual there: crops measured 22 or 38 one way, 7 the other). Where that is not
    `accept`ed (the caller's verdict; without one: fewer than _ENOUGH_POINTS inliers), by correlation, which needs
    no corners; the correlation's alignment is returned when it is accepted."""
    forward, backward = _align_one_way(a, b), _align_one_way(b, a)
    if backward is not None:
        backward = backward._replace(cover_a=backward.cover_b, cover_b=backward.cover_a)
    found = [x for x in (forward, backward) if x is not None]
    best = min(found, key=lambda x: x.residual) if found else None
    accept = accept or (lambda x: x.inliers >= _ENOUGH_POINTS and x.residual < float("inf"))
    if best is not None and (accept(best) or _trusted_geometry(best)):
        return best  # a look-alike whose keypoints agree on the frame: its cells differ, correlation would too
    correlated = correlate(a, b)  # too few corners to trust, or a transform turned or off the frame
    if correlated is not None and (accept(correlated) or best is None):
        return correlated
    return best


def _trusted_geometry(found: Alignment) -> bool:
    """Enough keypoints agree on an upright transform that covers the frames: what they found is the frame."""
    return (found.inliers >= _ENOUGH_POINTS and abs(found.rotation) <= _UPRIGHT and found.residual < float("inf")
            and min(found.cover_a, found.cover_b) > 0)


def correlate(a: Features, b: Features) -> Alignment | None:
    """How the smaller photo lies inside the larger, found without keypoints: the smaller one shrunk to each scale
    at which it keeps at least _KEEPS of the larger and still fits inside it, its best normalised cross-correlation
    at a coarse size, then refined at full size; None when neither fits inside the other. b onto a, as align()."""
    if a.pixels.shape[0] * a.pixels.shape[1] >= b.pixels.shape[0] * b.pixels.shape[1]:
        return _correlate_inside(a, b)
    found = _correlate_inside(b, a)
    return found._replace(cover_a=found.cover_b, cover_b=found.cover_a) if found is not None else None


def _correlate_inside(large: Features, small: Features) -> Alignment | None:
    cv2 = cv2_module()
    hl, wl = large.pixels.shape[:2]
    hs, ws = small.pixels.shape[:2]
    # Scales of the small photo in the large one's pixels: fits inside, keeps at least _KEEPS of its area.
    top_scale = min(wl / ws, hl / hs)
    low_scale = np.sqrt(_KEEPS * wl * hl / (ws * hs))
    if low_scale > top_scale * 1.0001:
        return None
    coarse = min(1.0, _COARSE / max(wl, hl))
    large_grey = cv2.cvtColor(large.pixels, cv2.COLOR_RGB2GRAY)
    small_grey = cv2.cvtColor(small.pixels, cv2.COLOR_RGB2GRAY)
    target = cv2.resize(large_grey, (max(1, round(wl * coarse)), max(1, round(hl * coarse))),
                        interpolation=cv2.INTER_AREA)
    steps = max(2, int(np.ceil((top_scale - low_scale) * ws * coarse)) + 1)  # a pixel of width a step
    best = _best_match(cv2, target, small_grey, np.linspace(low_scale * coarse, top_scale * coarse, steps))
    if best is None:
        return None
    _, scale, _ = best
    scale /= coarse
    spread = (top_scale - low_scale) / (steps - 1) if steps > 1 else 0.0
    fine = np.clip(np.linspace(scale - spread, scale + spread, _FINE_STEPS), low_scale, top_scale)
    # At full size only around the coarse place: a coarse pixel each way, and the template's size at most.
    x0, y0 = (int(v / coarse) for v in best[2])
    margin = int(np.ceil(1 / coarse)) + 2
    left, top = max(0, x0 - margin), max(0, y0 - margin)
    right = min(wl, x0 + margin + int(np.ceil(top_scale * ws)) + 1)
    bottom = min(hl, y0 + margin + int(np.ceil(top_scale * hs)) + 1)
    best = _best_match(cv2, large_grey[top:bottom, left:right], small_grey, np.unique(fine))
    if best is None:
        return None
    score, scale, (x, y) = best
    x, y = x + left, y + top
    transform = np.array([[scale, 0.0, x], [0.0, scale, y]], np.float64)
    box = (float(x), float(y), x + scale * ws, y + scale * hs)
    overlap = (box[2] - box[0]) * (box[3] - box[1])
    difference = float("inf")
    if box[2] - box[0] >= GRID and box[3] - box[1] >= GRID:
        difference = _overlap_residual(cv2, large.pixels, small.pixels, transform, scale, box)
    return Alignment(0, 0, 0.0, overlap / (wl * hl), min(1.0, overlap / max(1e-9, scale * scale * ws * hs)),
                     difference, round(score, 4))


def _best_match(cv2, target: np.ndarray, template: np.ndarray, scales) -> tuple[float, float, tuple] | None:
    """The best (correlation, scale, top-left) of `template` shrunk to each scale and slid over `target`."""
    best = None
    ht, wt = target.shape[:2]
    for scale in scales:
        w, h = round(template.shape[1] * scale), round(template.shape[0] * scale)
        if w < 8 or h < 8 or w > wt or h > ht:
            continue
        shrunk = cv2.resize(template, (w, h), interpolation=cv2.INTER_AREA)
        found = np.nan_to_num(cv2.matchTemplate(target, shrunk, cv2.TM_CCOEFF_NORMED), nan=-1.0, posinf=-1.0)
        _, score, _, where = cv2.minMaxLoc(found)
        # Scale the template as measured, not as asked: rounding to whole pixels moves its edges.
        if best is None or score > best[0]:
            best = (float(score), (w / template.shape[1] + h / template.shape[0]) / 2, where)
    return best


def _align_one_way(a: Features, b: Features) -> Alignment | None:
    cv2 = cv2_module()
    if a.descriptors is None or b.descriptors is None or len(a.points) < 2 or len(b.points) < 2:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(b.descriptors, a.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < 3:
        return None
    source = b.points[[m.queryIdx for m in good]]
    target = a.points[[m.trainIdx for m in good]]
    transform, inlier_mask = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC,
                                                         ransacReprojThreshold=_RANSAC_PX)
    if transform is None:
        return None
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    rotation = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    ha, wa = a.pixels.shape[:2]
    hb, wb = b.pixels.shape[:2]
    corners = np.array([[0, 0, 1], [wb, 0, 1], [wb, hb, 1], [0, hb, 1]], np.float64) @ transform.T
    # The overlap: the largest upright box inside both frames (the rotation is tiny or the pair is refused).
    left = max(0.0, corners[0, 0], corners[3, 0])
    right = min(float(wa), corners[1, 0], corners[2, 0])
    top = max(0.0, corners[0, 1], corners[1, 1])
    bottom = min(float(ha), corners[2, 1], corners[3, 1])
    overlap = max(0.0, right - left) * max(0.0, bottom - top)
    cover_a = overlap / (wa * ha)
    cover_b = overlap / max(1e-9, scale * scale * wb * hb)
    difference = float("inf")
    if right - left >= GRID and bottom - top >= GRID:
        difference = _overlap_residual(cv2, a.pixels, b.pixels, transform, scale, (left, top, right, bottom))
    return Alignment(len(good), int(inlier_mask.sum()), rotation, cover_a, cover_b, difference)


def _overlap_residual(cv2, a: np.ndarray, b: np.ndarray, transform: np.ndarray, scale: float, box) -> float:
    """The overlap of both photos at the coarser one's resolution (the sharper one is shrunk onto it: enlarging the
    coarser would leave blurred edges that differ like a moved object), cut a pixel in from its edges, averaged into
    GRID x GRID cells; the largest colour difference of any cell."""
    left, top, right, bottom = box
    if scale > 1.0:  # b has fewer pixels for the same content: a goes onto b's frame
        inverse = cv2.invertAffineTransform(transform)
        corners = np.array([[left, top, 1], [right, bottom, 1]], np.float64) @ inverse.T
        (left, top), (right, bottom) = corners.min(axis=0), corners.max(axis=0)
        a, b, transform = b, a, inverse
    ha, wa = a.shape[:2]
    warped = cv2.warpAffine(b, transform, (wa, ha), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    left, top = int(np.ceil(left)) + 1, int(np.ceil(top)) + 1
    right, bottom = int(right) - 1, int(bottom) - 1
    if right - left < GRID + 2 * SLACK or bottom - top < GRID + 2 * SLACK:
        return float("inf")
    ys = np.linspace(top + SLACK, bottom - SLACK, GRID + 1).round().astype(np.int64)
    xs = np.linspace(left + SLACK, right - SLACK, GRID + 1).round().astype(np.int64)
    cells = _cell_means(_integral(cv2, a), ys, xs)
    moved_sums = _integral(cv2, warped)
    # Each cell compared with the other photo's cell moved by up to SLACK pixels, the closest kept: the transform is
    # estimated from keypoints to a pixel or so, and a high-contrast edge off by a pixel changes a cell's mean.
    closest = np.full((GRID, GRID), np.inf)
    for dy in range(-SLACK, SLACK + 1):
        for dx in range(-SLACK, SLACK + 1):
            moved = _cell_means(moved_sums, ys + dy, xs + dx)
            closest = np.minimum(closest, np.abs(cells - moved).max(axis=2))
    return float(np.round(closest.max()))


def _integral(cv2, image: np.ndarray) -> np.ndarray:
    """Sums of every top-left rectangle, (h + 1, w + 1, channels): any box's mean in four lookups."""
    return cv2.integral(np.ascontiguousarray(image), sdepth=cv2.CV_64F).reshape(image.shape[0] + 1,
                                                                               image.shape[1] + 1, -1)


def _cell_means(sums: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The mean colour of each cell between the row bounds ys and the column bounds xs."""
    y0, y1, x0, x1 = ys[:-1, None], ys[1:, None], xs[None, :-1], xs[None, 1:]
    total = sums[y1, x1] - sums[y0, x1] - sums[y1, x0] + sums[y0, x0]
    return total / ((y1 - y0) * (x1 - x0))[..., None]


class FeatureCache:
    """The features of the photos compared last, so a photo in several candidate pairs is decoded once."""

    def __init__(self, size: int = _CACHE):
        self._size = size
        self._found: OrderedDict[str, Features] = OrderedDict()

    def get(self, path: str) -> Features:
        if path in self._found:
            self._found.move_to_end(path)
            return self._found[path]
        found = self._found[path] = features(path)
        if len(self._found) > self._size:
            self._found.popitem(last=False)
        return found
