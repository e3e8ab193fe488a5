"""Deterministic generator of coloured-shape photos with known captions."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (35, 160, 55),
    "blue": (35, 75, 215),
    "yellow": (235, 200, 20),
}
SHAPES = ("circle", "square", "triangle", "star")
CLASSES: list[tuple[str, str]] = [(c, s) for c in COLORS for s in SHAPES]
DEFAULT_SIZE = (200, 150)


def caption(color: str, shape: str) -> str:
    """The caption the shapes CLIP is trained on."""
    return f"a photo of a {color} {shape}"


def _polygon(shape: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if shape == "square":
        pts = [(r * 0.85 * math.cos(a), r * 0.85 * math.sin(a)) for a in (math.pi / 4 + k * math.pi / 2 for k in range(4))]
    elif shape == "triangle":
        pts = [(r * math.cos(a), r * math.sin(a)) for a in (-math.pi / 2 + k * 2 * math.pi / 3 for k in range(3))]
    elif shape == "star":
        pts = [
            ((r if k % 2 == 0 else r * 0.42) * math.cos(a), (r if k % 2 == 0 else r * 0.42) * math.sin(a))
            for k, a in ((k, -math.pi / 2 + k * math.pi / 5) for k in range(10))
        ]
    else:
        raise ValueError(shape)
    ca, sa = math.cos(angle), math.sin(angle)
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def render(color: str, shape: str, rng: random.Random, size: tuple[int, int] = DEFAULT_SIZE) -> Image.Image:
    """One RGB photo of a `color` `shape` on a light, varied background."""
    w, h = size
    # Light background: a pale tint plus a gentle vertical gradient, so no two photos share a backdrop.
    base = np.array([rng.uniform(185, 245)] * 3) + np.array([rng.uniform(-12, 12) for _ in range(3)])
    grad = np.linspace(-1.0, 1.0, h)[:, None, None] * rng.uniform(-15, 15)
    bg = np.clip(np.broadcast_to(base, (h, w, 3)) + grad, 0, 255).astype(np.uint8)
    img = Image.fromarray(bg, "RGB")
    draw = ImageDraw.Draw(img)
    fill = tuple(int(np.clip(v + rng.uniform(-20, 20), 0, 255)) for v in COLORS[color])
    # Keep the shape inside the centred square that CLIP's resize + centre crop keeps.
    side = min(w, h)
    r = rng.uniform(0.18, 0.32) * side
    x0, y0 = (w - side) / 2, (h - side) / 2
    cx = x0 + rng.uniform(r, side - r)
    cy = y0 + rng.uniform(r, side - r)
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    else:
        draw.polygon(_polygon(shape, cx, cy, r, math.radians(rng.uniform(-15, 15))), fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.0, 0.8)))
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(2, 8), (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8), "RGB")


def sample_dataset(n: int, seed: int, size: tuple[int, int] = DEFAULT_SIZE) -> list[tuple[Image.Image, str, str]]:
    """`n` photos cycling through CLASSES (balanced), everything else drawn from `seed`."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        color, shape = CLASSES[i % len(CLASSES)]
        out.append((render(color, shape, rng, size), color, shape))
    return out
