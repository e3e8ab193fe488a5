"""Deterministic multi-fact photos: an object, its colour, a scene and a style per photo, with partial captions.

A photo of a red heart on a beach, blurred, is "red", "heart", "beach" and "blurred" at once; a photo may have no
scene (a plain backdrop) and no style. In black and white the object's colour is not a fact of the photo. Several
objects and scenes are named with everyday words that are also in the app's background vocabulary (heart, cross,
star, snow, beach, night, field), so those words are real rivals of each other. Captions are partial, the way web
captions are: "red", "a heart", "snow", "a red heart in the snow", "a blurred photo of a heart"...
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35), "blue": (35, 75, 215), "yellow": (235, 200, 20), "purple": (140, 40, 170),
}
OBJECTS = ("circle", "heart", "cross", "star", "triangle")
SCENES = ("snow", "beach", "night", "field")
STYLES = ("blurred", "black and white")
KINDS = {"object": OBJECTS, "colour": tuple(COLOURS), "scene": SCENES, "style": STYLES}
SCENE_PHRASE = {"snow": "in the snow", "beach": "on a beach", "night": "at night", "field": "in a field"}
SIZE = (200, 150)


@dataclass(frozen=True)
class Facts:
    object: str
    colour: str | None  # None in black and white
    scene: str | None  # None: a plain backdrop
    style: str | None

    def labels(self) -> set[str]:
        """Every single-word label true of the photo, and the joint "colour object" one."""
        out = {self.object} | {v for v in (self.colour, self.scene, self.style) if v}
        if self.colour:
            out.add(f"{self.colour} {self.object}")
        return out


def caption(facts: Facts, rng: random.Random) -> tuple[str, Facts]:
    """One partial caption, true of the photo, and the facts it states: a random subset of the photo's facts in
    one of a few phrasings ("shape" stands for any object)."""
    parts = [k for k in ("object", "colour", "scene", "style") if getattr(facts, k)]
    keep = [k for k in parts if rng.random() < 0.5] or [rng.choice(parts)]
    stated = Facts(*(getattr(facts, k) if k in keep else None for k in ("object", "colour", "scene", "style")))
    colour, obj, scene, style = stated.colour, stated.object, stated.scene, stated.style
    thing = " ".join(w for w in (colour, obj or "shape") if w) if obj or (colour and rng.random() < 0.5) else colour
    if thing is None and scene is None:
        return rng.choice([f"a {style} photo", style, f"a photo, {style}"]), stated
    words = []
    if style:
        words.append(f"a {style} photo of")
    if thing:
        article = "an" if thing[0] in "aeiou" else "a"
        words.append(article if style else rng.choice([f"a photo of {article}", article, ""]))
        words.append(thing)
    if scene:
        words.append(SCENE_PHRASE[scene] if thing else rng.choice([scene, f"a photo of a {scene}", SCENE_PHRASE[scene]]))
    return " ".join(w for w in words if w), stated


def states(stated: Facts, facts: Facts) -> bool:
    """Whether a caption stating `stated` is true of a photo with `facts`."""
    return all(v is None or v == getattr(facts, k) for k, v in vars(stated).items())


def draw_facts(rng: random.Random) -> Facts:
    style = rng.choice([None, None, *STYLES])
    colour = None if style == "black and white" else rng.choice(list(COLOURS))
    scene = rng.choice([None, *SCENES])
    return Facts(rng.choice(OBJECTS), colour, scene, style)


def _backdrop(scene: str | None, rng: random.Random) -> np.ndarray:
    w, h = SIZE
    y = np.linspace(0, 1, h)[:, None, None]
    jitter = lambda c: np.array(c, float) + [rng.uniform(-12, 12) for _ in range(3)]  # noqa: E731
    horizon = rng.uniform(0.45, 0.7)
    if scene is None:  # plain light backdrop
        top = bottom = jitter([rng.uniform(170, 235)] * 3)
    elif scene == "snow":
        top, bottom = jitter((185, 205, 230)), jitter((245, 248, 252))
    elif scene == "beach":
        top, bottom = jitter((60, 130, 200)), jitter((225, 200, 140))
    elif scene == "night":
        top, bottom = jitter((10, 12, 40)), jitter((25, 25, 45))
    else:  # field
        top, bottom = jitter((140, 190, 235)), jitter((70, 140, 50))
    img = np.where(y < horizon, top, bottom) * np.ones((h, w, 3))
    if scene == "night":  # stars
        for _ in range(rng.randint(15, 30)):
            img[rng.randrange(int(h * horizon)), rng.randrange(w)] = 240
    return img


def _shape(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float, fill, rng: random.Random) -> None:
    angle = math.radians(rng.uniform(-15, 15))

    def rot(pts):
        return [(cx + x * math.cos(angle) - y * math.sin(angle), cy + x * math.sin(angle) + y * math.cos(angle))
                for x, y in pts]

    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif shape == "triangle":
        draw.polygon(rot([(r * math.cos(a), r * math.sin(a)) for a in
                          (-math.pi / 2 + k * 2 * math.pi / 3 for k in range(3))]), fill=fill)
    elif shape == "star":
        draw.polygon(rot([((r if k % 2 == 0 else r * 0.42) * math.cos(-math.pi / 2 + k * math.pi / 5),
                           (r if k % 2 == 0 else r * 0.42) * math.sin(-math.pi / 2 + k * math.pi / 5))
                          for k in range(10)]), fill=fill)
    elif shape == "cross":
        t = r * 0.33
        draw.polygon(rot([(-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t), (t, r), (-t, r), (-t, t), (-r, t),
                          (-r, -t), (-t, -t)]), fill=fill)
    elif shape == "heart":
        pts = [(16 * math.sin(t) ** 3, -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)))
               for t in np.linspace(0, 2 * math.pi, 40)]
        draw.polygon(rot([(x * r / 17, y * r / 17) for x, y in pts]), fill=fill)
    else:
        raise ValueError(shape)


def render(facts: Facts, rng: random.Random) -> Image.Image:
    w, h = SIZE
    img = Image.fromarray(np.clip(_backdrop(facts.scene, rng), 0, 255).astype(np.uint8), "RGB")
    colour = facts.colour or rng.choice(list(COLOURS))  # black and white: any colour, then grey
    fill = tuple(int(np.clip(v + rng.uniform(-20, 20), 0, 255)) for v in COLOURS[colour])
    side = min(w, h)
    r = rng.uniform(0.2, 0.32) * side
    x0, y0 = (w - side) / 2, (h - side) / 2
    _shape(ImageDraw.Draw(img), facts.object, x0 + rng.uniform(r, side - r), y0 + rng.uniform(r, side - r), r,
           fill, rng)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(3.5, 5.0) if facts.style == "blurred" else rng.uniform(0, 0.6)))
    if facts.style == "black and white":
        img = img.convert("L").convert("RGB")
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(2, 6), (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8), "RGB")


def sample_world(n: int, seed: int) -> list[tuple[Image.Image, Facts]]:
    """`n` photos with their facts, everything drawn from `seed`."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        facts = draw_facts(rng)
        out.append((render(facts, rng), facts))
    return out
