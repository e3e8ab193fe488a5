"""Lining two photos up (OpenCV: ORB keypoints, a RANSAC similarity transform) to tell a cropped copy from a
look-alike: core/duplicates.py asks for the alignment of a candidate pair and decides from what it measured."""

from __future__ import annotations

from collections import OrderedDict
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


def align(a: Features, b: Features) -> Alignment | None:
    """How the two photos line up, b onto a (cover_a, cover_b as named); None where too few keypoints match for any
    transform. Both ways are estimated and the one whose overlap differs least is kept: a transform off by a pixel
    at one side leaves a residual there (crops measured 22 or 38 one way, 7 the other)."""
    forward, backward = _align_one_way(a, b), _align_one_way(b, a)
    if backward is not None:
        backward = backward._replace(cover_a=backward.cover_b, cover_b=backward.cover_a)
    found = [x for x in (forward, backward) if x is not None]
    return min(found, key=lambda x: x.residual) if found else None


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
