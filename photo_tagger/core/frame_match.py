"""Whether two photos show the same frame, from tiny colour thumbnails: a re-encoded, resized or EXIF-stripped copy
agrees with its original cell by cell, while a look-alike (an object shifted or recoloured, a burst frame) leaves a
patch of cells far off even where its perceptual hash is as close as a copy's (the copy sets, RESULTS.md)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

THUMB = 32  # the stored thumbnail's side (RGB; about 1.4 KB a photo as a JPEG at quality 95, 4:4:4)
COMPARE = 16  # frames are compared at this side (averages of 2 x 2 thumbnail cells: JPEG noise averages out)


def thumbnail(image: Image.Image) -> bytes:
    """The whole frame at THUMB x THUMB (its aspect squashed), as a JPEG: a third of the raw size; its noise (about
    1 level in 255) is far below what tells copies from look-alikes."""
    out = io.BytesIO()
    image.convert("RGB").resize((THUMB, THUMB), Image.Resampling.BOX).save(out, "JPEG", quality=95, subsampling=0)
    return out.getvalue()


def as_array(thumb: bytes) -> np.ndarray:
    """A stored thumbnail at COMPARE x COMPARE (float32 RGB)."""
    with Image.open(io.BytesIO(thumb)) as image:
        cells = np.asarray(image.convert("RGB"), dtype=np.float32)
    side = THUMB // COMPARE
    return cells.reshape(COMPARE, side, COMPARE, side, 3).mean(axis=(1, 3))


def residual(a: np.ndarray, b: np.ndarray) -> float:
    """How far the frames disagree where they disagree most: the largest colour difference (0-255) of any cell. A
    moved or recoloured object leaves cells far off, however small it is; re-encoding and resizing leave none (a
    98th percentile missed a small low-contrast object moved: RESULTS.md)."""
    return float(np.abs(a - b).max())
