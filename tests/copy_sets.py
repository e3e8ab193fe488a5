"""Sets of copies for the duplicate tiers, made here: each scene's photo with its copies (the same bytes, re-encoded
at other JPEG qualities, resized, cropped 5-10%, cropped 8-15% and shrunk without EXIF, EXIF stripped, re-saved as
PNG) among look-alikes that are not copies (the same scene re-rendered with an object shifted, an object in another
colour, burst frames, the next shot a second later with the front object nudged 2-4% and the frame moved)."""

from __future__ import annotations

import io
import math
import random
import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = (640, 480)
COPY_KINDS = ("same_bytes", "quality_60", "quality_35", "resized_50", "resized_25", "cropped", "cropped_shrunk",
              "exif_stripped", "png")
CROP_KINDS = ("cropped", "cropped_shrunk", "centre_crop")
LOOK_ALIKE_KINDS = ("shifted", "recoloured", "burst", "nudged", "edited")
GRAPHIC_COPY_KINDS = ("centre_crop", "jpeg")  # a plain graphic's copies: 2% cut off each side, a JPEG re-save


@dataclass(frozen=True)
class Thing:
    shape: str  # "ellipse" | "box" | "triangle"
    cx: float  # centre, as a fraction of the width / height
    cy: float
    rx: float  # half sizes, as fractions of the width / height
    ry: float
    color: tuple[int, int, int]
    angle: float = 0.0


@dataclass(frozen=True)
class Scene:
    seed: int
    sky: tuple[tuple[int, int, int], tuple[int, int, int]]  # top and horizon colours
    ground: tuple[int, int, int]
    horizon: float
    things: tuple[Thing, ...]
    pan: tuple[float, float] = (0.0, 0.0)  # the camera moved, as a fraction of the frame
    noise_seed: int = 0


def _color(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randrange(20, 236) for _ in range(3))


def make_scene(seed: int) -> Scene:
    rng = random.Random(seed)
    things = tuple(Thing(rng.choice(("ellipse", "box", "triangle")), rng.uniform(0.15, 0.85), rng.uniform(0.25, 0.8),
                         rng.uniform(0.06, 0.16), rng.uniform(0.08, 0.2), _color(rng), rng.uniform(-30, 30))
                   for _ in range(rng.randint(3, 6)))
    return Scene(seed, (_color(rng), _color(rng)), _color(rng), rng.uniform(0.45, 0.7), things, noise_seed=seed)


def _texture(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Low-frequency shading, as light falls on a real scene: a coarse random field blown up smoothly."""
    coarse = Image.fromarray((rng.random((6, 8)) * 255).astype(np.uint8), "L")
    return np.asarray(coarse.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0 - 0.5


def render(scene: Scene, size: tuple[int, int] = SIZE) -> Image.Image:
    """The scene as a camera would take it; a pan moves the whole frame, things stay where they are in the world."""
    w, h = size
    # Render a wider world and cut the frame out of it, so a pan shows a little more of the world on one side.
    margin = 0.1
    ww, wh = round(w * (1 + 2 * margin)), round(h * (1 + 2 * margin))
    rng = np.random.default_rng(scene.seed)
    y = np.linspace(0, 1, wh)[:, None, None]
    top, bottom = np.array(scene.sky[0], np.float32), np.array(scene.sky[1], np.float32)
    world = np.broadcast_to(top + (bottom - top) * y, (wh, ww, 3)).copy()
    horizon = round(wh * scene.horizon)
    world[horizon:] = np.array(scene.ground, np.float32)
    world += _texture(rng, ww, wh)[..., None] * 70
    image = Image.fromarray(np.clip(world, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for thing in scene.things:
        cx = (margin * w + thing.cx * w)
        cy = (margin * h + thing.cy * h)
        rx, ry = thing.rx * w, thing.ry * h
        if thing.shape == "ellipse":
            draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=thing.color)
        else:
            corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)] if thing.shape == "box" else [(0, -1), (1, 1), (-1, 1)]
            a = math.radians(thing.angle)
            draw.polygon([(cx + x * rx * math.cos(a) - y * ry * math.sin(a),
                           cy + x * rx * math.sin(a) + y * ry * math.cos(a)) for x, y in corners], fill=thing.color)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    left = round(margin * w + scene.pan[0] * w)
    upper = round(margin * h + scene.pan[1] * h)
    frame = np.asarray(image.crop((left, upper, left + w, upper + h)), dtype=np.float32)
    noise = np.random.default_rng(scene.noise_seed).normal(0, 4, frame.shape)  # each shot has its own sensor noise
    return Image.fromarray(np.clip(frame + noise, 0, 255).astype(np.uint8), "RGB")


def shifted(scene: Scene, rng: random.Random) -> Scene:
    """The thing in front (drawn last: nothing hides it) moved by 8-15% of the frame: another photo of the same
    scene, not a copy."""
    things = list(scene.things)
    n = len(things) - 1
    dx = rng.choice((-1, 1)) * rng.uniform(0.08, 0.15)
    things[n] = replace(things[n], cx=min(0.92, max(0.08, things[n].cx + dx)))
    return replace(scene, things=tuple(things), noise_seed=rng.randrange(1 << 30))


def recoloured(scene: Scene, rng: random.Random) -> Scene:
    """The thing in front in another colour of about the same brightness (a grey-level hash cannot tell)."""
    things = list(scene.things)
    n = len(things) - 1
    r, g, b = things[n].color
    things[n] = replace(things[n], color=(b, r, g) if abs(r - b) + abs(g - r) > 60 else (255 - r, g, 255 - b))
    return replace(scene, things=tuple(things), noise_seed=rng.randrange(1 << 30))


def nudged(scene: Scene, rng: random.Random) -> Scene:
    """The next shot, a second later: the thing in front nudged by 2-4% of the frame and the camera moved 2-3% (its
    frame looks like a light crop of the first one's, but it is another photo)."""
    things = list(scene.things)
    things[-1] = replace(things[-1], cx=things[-1].cx + rng.choice((-1, 1)) * rng.uniform(0.02, 0.04))
    return replace(scene, things=tuple(things), pan=(rng.choice((-1, 1)) * rng.uniform(0.02, 0.03),
                                                      rng.choice((-1, 1)) * rng.uniform(0.02, 0.03)),
                   noise_seed=rng.randrange(1 << 30))


def burst_frame(scene: Scene, rng: random.Random, step: int) -> Scene:
    """The next frame of a burst: the camera pans a little and the thing in front moves on."""
    things = list(scene.things)
    things[-1] = replace(things[-1], cx=things[-1].cx + 0.05 * step, cy=things[-1].cy - 0.02 * step)
    return replace(scene, things=tuple(things), pan=(0.015 * step * rng.choice((-1, 1)), 0.01 * step),
                   noise_seed=rng.randrange(1 << 30))


def _exif(taken: datetime, camera: str = "CopyCam") -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Photo Tagger"
    exif[0x0110] = camera
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    return exif


def strip_exif(data: bytes) -> bytes:
    """The same JPEG without its APP1 (EXIF) segment: the pixels are untouched, the bytes differ."""
    assert data[:2] == b"\xff\xd8"
    out, pos = bytearray(data[:2]), 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker != 0xE1:
            out += data[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out)


@dataclass
class CopySets:
    """What was made: `copies` maps each original to its copies (the near groups' truth, the same bytes
    included), `same_bytes` each original to its byte-for-byte copy (the exact groups' truth), `look_alikes` each
    original to photos that are not copies of it, `bursts` the frames of each burst (the similar groups' truth)."""

    folder: Path
    copies: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # path -> copy or look-alike kind ("original")
    same_bytes: dict[str, str] = field(default_factory=dict)
    look_alikes: dict[str, list[str]] = field(default_factory=dict)
    bursts: list[list[str]] = field(default_factory=list)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)


def render_graphic(seed: int, size: tuple[int, int] = SIZE, moved: float = 0.0, recolour: bool = False,
                   extra: bool = False) -> Image.Image:
    """A plain graphic (a slide, a logo, a chart): a flat background and a few flat shapes with no texture, no
    noise and few corners. `moved` shifts the last shape by that share of the width, `recolour` gives it another
    colour of about the same brightness, `extra` adds a small box (an edit): look-alikes, not copies."""
    rng = random.Random(seed)
    w, h = size
    image = Image.new("RGB", size, _color(rng))
    draw = ImageDraw.Draw(image)
    shapes = []
    for _ in range(rng.randint(2, 4)):
        cx, cy = rng.uniform(0.2, 0.8), rng.uniform(0.25, 0.75)
        rx, ry = rng.uniform(0.08, 0.2), rng.uniform(0.08, 0.2)
        shapes.append(["ellipse" if rng.random() < 0.8 else "box", cx, cy, rx, ry, _color(rng)])  # few corners
    if moved:
        shapes[-1][1] += moved
    if recolour:  # another colour, plainly (a grey one turned would stay the same)
        r, g, b = shapes[-1][5]
        shapes[-1][5] = (b, r, g) if abs(r - b) + abs(g - r) + abs(b - g) > 90 else (255 - r, 255 - g, 255 - b)
    for kind, cx, cy, rx, ry, colour in shapes:
        box = [(cx - rx) * w, (cy - ry) * h, (cx + rx) * w, (cy + ry) * h]
        (draw.ellipse if kind == "ellipse" else draw.rectangle)(box, fill=colour)
    if extra:
        x, y = rng.uniform(0.1, 0.8) * w, rng.uniform(0.1, 0.8) * h
        draw.rectangle([x, y, x + 0.08 * w, y + 0.06 * h], outline=(0, 0, 0), width=2,
                       fill=tuple(255 - c for c in image.getpixel((int(x), int(y)))))  # seen on what it covers
    return image


def add_graphics(sets: CopySets, count: int, seed: int = 0, size: tuple[int, int] = SIZE) -> None:
    """`count` plain graphics (PNG, no EXIF), each with its copies (a 4% centre crop: 2% of each side cut off, as
    a re-export trims a border; a JPEG re-save) and its look-alikes (the last shape moved 8-15%, recoloured, a small
    box added)."""
    rng = random.Random(seed + 7)
    for n in range(count):
        base = sets.folder / f"graphic{n:02d}"
        base.mkdir(parents=True, exist_ok=True)
        graphic_seed = seed * 1000 + 500 + n
        image = render_graphic(graphic_seed, size)
        original = base / "original.png"
        image.save(original, "PNG")
        w, h = size
        cut_w, cut_h = round(w * 0.02), round(h * 0.02)
        copies = {"centre_crop": base / "copy_centre_crop.png", "jpeg": base / "copy.jpg"}
        image.crop((cut_w, cut_h, w - cut_w, h - cut_h)).save(copies["centre_crop"], "PNG")
        image.save(copies["jpeg"], "JPEG", quality=90)
        sets.copies[str(original)] = [str(p) for p in copies.values()]
        sets.kinds[str(original)] = "original"
        sets.kinds.update((str(p), kind) for kind, p in copies.items())
        alike = []
        for kind, other in (("shifted", render_graphic(graphic_seed, size, moved=rng.choice((-1, 1)) *
                                                       rng.uniform(0.08, 0.15))),
                            ("recoloured", render_graphic(graphic_seed, size, recolour=True)),
                            ("edited", render_graphic(graphic_seed, size, extra=True))):
            path = base / f"alike_{kind}.png"
            other.save(path, "PNG")
            alike.append(str(path))
            sets.kinds[str(path)] = kind
        sets.look_alikes[str(original)] = alike
        for path in [original, *copies.values()] + [Path(p) for p in alike]:
            with Image.open(path) as img:
                sets.sizes[str(path)] = img.size


def _save_jpeg(path: Path, image: Image.Image, taken: datetime | None, quality: int = 92) -> None:
    kwargs = {"exif": _exif(taken)} if taken else {}
    image.save(path, "JPEG", quality=quality, **kwargs)


def make_copy_sets(folder: Path, scenes: int = 12, seed: int = 0, start: datetime = datetime(2024, 5, 1, 9, 0),
                   size: tuple[int, int] = SIZE) -> CopySets:
    """`scenes` scenes, each: an original, one copy of every COPY_KIND, and the look-alikes (a shifted and a
    recoloured re-render, the nudged next shot a second later, 3 burst frames one second apart). Scenes are an hour
    apart; copies keep the original's EXIF (date included) except the stripped one, the PNG and the cropped and
    shrunk one."""
    folder.mkdir(parents=True, exist_ok=True)
    sets = CopySets(folder)
    rng = random.Random(seed)
    for n in range(scenes):
        scene = make_scene(seed * 1000 + n)
        taken = start + timedelta(hours=n)
        base = folder / f"scene{n:02d}"
        base.mkdir(exist_ok=True)
        original = base / "original.jpg"
        image = render(scene, size)
        _save_jpeg(original, image, taken)
        data = original.read_bytes()
        copies = {}
        copies["same_bytes"] = base / "copy_same_bytes.jpg"
        shutil.copyfile(original, copies["same_bytes"])
        decoded = Image.open(io.BytesIO(data)).convert("RGB")
        for quality in (60, 35):
            copies[f"quality_{quality}"] = base / f"copy_quality_{quality}.jpg"
            _save_jpeg(copies[f"quality_{quality}"], decoded, taken, quality)
        for percent in (50, 25):
            copies[f"resized_{percent}"] = base / f"copy_resized_{percent}.jpg"
            small = decoded.resize((size[0] * percent // 100, size[1] * percent // 100), Image.Resampling.LANCZOS)
            _save_jpeg(copies[f"resized_{percent}"], small, taken, 90)
        # 5-10% of the width and of the height cut away, split at random between the two sides.
        cut_w, cut_h = (round(s * rng.uniform(0.05, 0.10)) for s in size)
        left, top = rng.randint(0, cut_w), rng.randint(0, cut_h)
        copies["cropped"] = base / "copy_cropped.jpg"
        _save_jpeg(copies["cropped"], decoded.crop((left, top, size[0] - (cut_w - left), size[1] - (cut_h - top))),
                   taken, 90)
        # Cropped 8-15% and shrunk to 60% for sharing, EXIF gone (no capture time to pair it by).
        cut_w, cut_h = (round(s * rng.uniform(0.08, 0.15)) for s in size)
        left, top = rng.randint(0, cut_w), rng.randint(0, cut_h)
        cut = decoded.crop((left, top, size[0] - (cut_w - left), size[1] - (cut_h - top)))
        copies["cropped_shrunk"] = base / "copy_cropped_shrunk.jpg"
        cut.resize((cut.width * 3 // 5, cut.height * 3 // 5), Image.Resampling.LANCZOS).save(
            copies["cropped_shrunk"], "JPEG", quality=85)
        copies["exif_stripped"] = base / "copy_exif_stripped.jpg"
        copies["exif_stripped"].write_bytes(strip_exif(data))
        copies["png"] = base / "copy.png"
        decoded.save(copies["png"], "PNG")
        sets.copies[str(original)] = [str(p) for p in copies.values()]
        sets.same_bytes[str(original)] = str(copies["same_bytes"])
        sets.kinds[str(original)] = "original"
        sets.kinds.update((str(p), kind) for kind, p in copies.items())
        looks = {"shifted": shifted(scene, rng), "recoloured": recoloured(scene, rng)}
        alike = []
        for kind, other in looks.items():
            path = base / f"alike_{kind}.jpg"
            _save_jpeg(path, render(other, size), taken + timedelta(minutes=20))
            alike.append(str(path))
            sets.kinds[str(path)] = kind
        path = base / "alike_nudged.jpg"
        _save_jpeg(path, render(nudged(scene, rng), size), taken + timedelta(seconds=1))
        alike.append(str(path))
        sets.kinds[str(path)] = "nudged"
        burst = []
        for step in range(3):
            path = base / f"burst_{step}.jpg"
            frame = render(burst_frame(scene, rng, step + 1), size)
            _save_jpeg(path, frame, taken + timedelta(minutes=40, seconds=step))
            burst.append(str(path))
            sets.kinds[str(path)] = "burst"
        sets.look_alikes[str(original)] = alike + burst
        sets.bursts.append(burst)
    for path in sets.kinds:
        with Image.open(path) as img:
            sets.sizes[path] = img.size
    return sets
