"""The one blur for flagged photos: colours kept, shapes gone (grid, details, viewer, duplicates, compare, review)."""

from __future__ import annotations

from PIL import Image, ImageFilter

# The photo is first shrunk to at most this many pixels on its long side: a 160 px tile, a screen-sized viewer
# picture and a 64 px icon keep the same few blobs of colour, so no size shows more of the subject than another
# (tests/test_privacy_blur.py measures it: the shapes fixture model no longer tells a blurred shape's class).
TINY_SIDE = 6
SMOOTH_SIDE = 48  # the tiny copy is brought up to this size and blurred there: no block or ramp edge is left
SMOOTH_RADIUS = 7.0  # pixels of the SMOOTH_SIDE copy (about a block and a quarter of the tiny copy)
GREY_VEIL = 0.35  # share of a flat mid-grey laid over it: what is left reads as "hidden", not as a soft photo
VEIL = (128, 128, 128)


def obscure(image: Image.Image, size: tuple[int, int] | None = None) -> Image.Image:
    """`image` (any mode) made unrecognisable: shrunk to TINY_SIDE on its long side (a box average), brought
    smoothly up with a strong Gaussian (nothing blocky), and veiled with grey; RGB at `size` (its own by default).
    Pure Pillow, thread-safe: the callers run it on worker threads where they decode."""
    width, height = size or image.size
    if width < 1 or height < 1:
        return Image.new("RGB", (max(1, width), max(1, height)), VEIL)
    rgb = image.convert("RGB")
    scale = TINY_SIDE / max(rgb.size)
    tiny = rgb.resize(
        (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.Resampling.BOX, reducing_gap=2.0
    )
    # Up to SMOOTH_SIDE on the long side, padded by reflection first so the Gaussian does not darken the borders.
    smooth_scale = SMOOTH_SIDE / max(width, height)
    sw, sh = max(2, round(width * smooth_scale)), max(2, round(height * smooth_scale))
    mid = tiny.resize((sw, sh), Image.Resampling.BICUBIC)
    pad = int(SMOOTH_RADIUS * 2)
    padded = Image.new("RGB", (sw + 2 * pad, sh + 2 * pad))
    padded.paste(tiny.resize((sw + 2 * pad, sh + 2 * pad), Image.Resampling.BILINEAR))
    padded.paste(mid, (pad, pad))
    mid = padded.filter(ImageFilter.GaussianBlur(SMOOTH_RADIUS)).crop((pad, pad, pad + sw, pad + sh))
    mid = Image.blend(mid, Image.new("RGB", mid.size, VEIL), GREY_VEIL)
    return mid.resize((width, height), Image.Resampling.BICUBIC)
