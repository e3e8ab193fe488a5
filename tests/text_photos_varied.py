"""A more varied set for the text gate: signs, receipts, screenshots, slanted text, small text, text straight on busy
backgrounds, large words; and textless camera-like photos (foliage, skies, star fields, fabrics, bricks, water,
gravel, bokeh, scenes). Generated (seeded), 1600x1200 by default, as a phone photo would be."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tests.text_photos import NUMBERS, SECOND_WORDS, WORDS, load_font

TEXT_KINDS = ("sign", "receipt", "screenshot", "slanted", "small", "busy", "large")
TEXTLESS_KINDS = ("foliage", "sky", "stars", "fabric", "bricks", "water", "gravel", "bokeh", "scene", "gradient")


def _colour(rng, low=0, high=256) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(low, high, 3))


def _noise_field(rng, size, scale: float, octaves: int = 4) -> np.ndarray:
    """Smooth random field in 0..1 (sums of upsampled noise): clouds, water, foliage light."""
    w, h = size
    field = np.zeros((h, w), np.float32)
    for octave in range(octaves):
        cells = max(2, int(scale * 2 ** octave))
        small = rng.random((max(2, cells * h // w), cells)).astype(np.float32)
        up = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))
        field += up / 2 ** octave
    field -= field.min()
    return field / max(field.max(), 1e-6)


def _tinted(field: np.ndarray, a, b) -> Image.Image:
    a, b = np.array(a, np.float32), np.array(b, np.float32)
    pixels = a * (1 - field[..., None]) + b * field[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def textless_camera_photo(rng: np.random.Generator, kind: str, size=(1600, 1200)) -> Image.Image:
    w, h = size
    if kind == "foliage":
        img = _tinted(_noise_field(rng, size, 8, 5), (10, 40, 10), (120, 190, 60))
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(300, 900))):  # leaves: small ellipses of varied greens
            x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(4, 30))
            draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), fill=(int(rng.integers(20, 90)),
                                                                       int(rng.integers(80, 200)), int(rng.integers(10, 70))))
    elif kind == "sky":
        img = _tinted(_noise_field(rng, size, 3, 5) ** 2, (70, 130, 220), (245, 245, 250))
    elif kind == "stars":
        img = Image.new("RGB", size, _colour(rng, 0, 25))
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(200, 3000))):
            x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), float(rng.choice([0.5, 1, 1, 2, 3]))
            v = int(rng.integers(120, 256))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(v, v, int(min(255, v + rng.integers(0, 40)))))
    elif kind == "fabric":
        period = int(rng.integers(4, 16))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        turn = float(rng.uniform(-0.5, 0.5))  # the cloth's weave at an angle
        xx, yy = xx * np.cos(turn) - yy * np.sin(turn), xx * np.sin(turn) + yy * np.cos(turn)
        weave = ((xx // period + yy // period) % 2).astype(np.float32) * 0.5
        weave += 0.25 * np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / (period * 2))
        img = _tinted(np.clip(weave + 0.3 * _noise_field(rng, size, 20, 2), 0, 1), _colour(rng, 0, 120),
                      _colour(rng, 120, 256))
    elif kind == "bricks":
        mortar, brick = _colour(rng, 150, 220), (int(rng.integers(120, 200)), int(rng.integers(40, 90)), 40)
        img = Image.new("RGB", size, mortar)
        draw = ImageDraw.Draw(img)
        bh, bw = int(rng.integers(25, 70)), 0
        bw = bh * int(rng.integers(2, 4))
        for row, y in enumerate(range(0, h, bh)):
            for x in range(-(row % 2) * bw // 2, w, bw):
                shade = rng.integers(-30, 30)
                draw.rectangle((x + 3, y + 3, x + bw - 3, y + bh - 3), fill=tuple(int(np.clip(c + shade, 0, 255))
                                                                                  for c in brick))
        img = Image.blend(img, _tinted(_noise_field(rng, size, 30, 2), (0, 0, 0), (255, 255, 255)), 0.15)
    elif kind == "water":
        field = _noise_field(rng, (w, h // 4), 12, 4)
        img = _tinted(np.asarray(Image.fromarray(field).resize(size)), (10, 50, 90), (150, 200, 230))
    elif kind == "gravel":
        stone = int(rng.integers(3, 10))  # stones of a few pixels, in greys and browns
        shade = rng.integers(50, 210, (h // stone + 1, w // stone + 1, 1)).astype(np.float32)
        small = np.clip(shade * np.array([1.0, 0.93, 0.82]) + rng.normal(0, 8, shade.shape[:2] + (3,)), 0, 255)
        img = Image.fromarray(small.astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    elif kind == "bokeh":
        img = _tinted(_noise_field(rng, size, 2, 2), _colour(rng, 0, 80), _colour(rng, 60, 160))
        draw = ImageDraw.Draw(img, "RGBA")
        for _ in range(int(rng.integers(10, 60))):
            x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(20, 120))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(rng, 150, 256) + (int(rng.integers(60, 160)),))
    elif kind == "scene":
        img = _tinted(_noise_field(rng, size, 2, 3), _colour(rng), _colour(rng))
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(4, 14))):  # buildings, windows, a table: edges and corners, no text
            x, y = int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h))
            box = (x, y, x + int(rng.integers(w // 12, w // 3)), y + int(rng.integers(h // 12, h // 2)))
            (draw.rectangle if rng.random() < 0.6 else draw.ellipse)(box, fill=_colour(rng))
            if rng.random() < 0.4:  # a window grid
                for gx in range(box[0] + 10, box[2] - 20, 40):
                    for gy in range(box[1] + 10, box[3] - 20, 50):
                        draw.rectangle((gx, gy, gx + 20, gy + 28), fill=_colour(rng, 0, 90))
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 2))))
    else:
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        t = np.linspace(0, 1, h)[:, None, None]
        img = Image.fromarray(np.clip(top * (1 - t) + bottom * t, 0, 255).astype(np.uint8).repeat(w, axis=1))
    grain = rng.normal(0, float(rng.uniform(1, 7)), (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(img.convert("RGB"), np.float32) + grain, 0, 255).astype(np.uint8))


def _text_block(lines, font, ink, paper=None, pad=0) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    line_h = max(b[3] - b[1] for b in boxes) + max(2, font.size // 3)
    width = max(b[2] - b[0] for b in boxes) + 2 * pad
    block = Image.new("RGBA", (width, line_h * len(lines) + 2 * pad), (paper + (255,)) if paper else (0, 0, 0, 0))
    draw = ImageDraw.Draw(block)
    for i, (line, box) in enumerate(zip(lines, boxes)):
        draw.text((pad - box[0], pad + i * line_h - box[1]), line, font=font, fill=ink + (255,))
    return block


def varied_text_photo(rng: np.random.Generator, index: int, kind: str, size=(1600, 1200)) -> Image.Image:
    """One photo with legible text of `kind` (TEXT_KINDS) on a textless camera-like background."""
    w, h = size
    word = WORDS[index % len(WORDS)]
    second = SECOND_WORDS[int(rng.integers(0, len(SECOND_WORDS)))]
    img = textless_camera_photo(rng, TEXTLESS_KINDS[int(rng.integers(0, len(TEXTLESS_KINDS)))], size)
    angle = float(rng.uniform(-5, 5))
    if kind == "sign":
        paper = tuple(int(c) for c in rng.choice([(250, 250, 245), (20, 90, 40), (30, 60, 140), (200, 30, 30)]))
        ink = (20, 20, 20) if sum(paper) > 600 else (250, 250, 250)
        block = _text_block([f"{word} {second}"], load_font(index, int(h * rng.uniform(0.05, 0.12))), ink, paper,
                            pad=20)
    elif kind == "receipt":
        lines = [word.upper()] + [f"{WORDS[(index + k) % len(WORDS)].lower()}  {NUMBERS[k % len(NUMBERS)]}"
                                  for k in range(1, int(rng.integers(4, 9)))] + [f"TOTAL {NUMBERS[index % 8]}"]
        block = _text_block(lines, load_font(3, int(h * rng.uniform(0.022, 0.04))), (30, 30, 30), (240, 238, 228),
                            pad=24)
    elif kind == "screenshot":  # a whole screen: a window with a title bar and lines of UI text
        img = Image.new("RGB", size, _colour(rng, 200, 256) if rng.random() < 0.6 else _colour(rng, 20, 50))
        light = sum(img.getpixel((0, 0))) > 380
        ink = (30, 30, 30) if light else (220, 220, 220)
        lines = [f"{word} - {second}"] + [f"{WORDS[(index * 3 + k) % len(WORDS)]} settings {k}: "
                                          f"{NUMBERS[k % len(NUMBERS)]}" for k in range(int(rng.integers(5, 14)))]
        block = _text_block(lines, load_font(0, int(h * rng.uniform(0.018, 0.03))), ink)
        angle = 0.0
    elif kind == "slanted":
        block = _text_block([f"{word} {second}"], load_font(index, int(h * rng.uniform(0.05, 0.09))), (20, 20, 20),
                            (245, 240, 230), pad=16)
        angle = float(rng.choice([-1, 1]) * rng.uniform(12, 35))
    elif kind == "small":  # a label or a poster across the room: text 1.5-2.5% of the height
        block = _text_block([f"{word} {second}", f"{NUMBERS[index % 8]} {second}"],
                            load_font(index, int(h * rng.uniform(0.015, 0.025))), (20, 20, 20), (250, 250, 250), pad=8)
    elif kind == "busy":  # painted straight on the busy background: no plate
        ink = (255, 255, 255) if rng.random() < 0.5 else (10, 10, 10)
        block = _text_block([f"{word} {second}"], load_font(index + 1, int(h * rng.uniform(0.06, 0.12))), ink)
    else:  # large: one word across most of the photo
        block = _text_block([word.upper()], load_font(index, 100), (20, 20, 20), (250, 250, 245), pad=30)
        scale = w * rng.uniform(0.5, 0.9) / block.width
        block = block.resize((int(block.width * scale), int(block.height * scale)), Image.Resampling.LANCZOS)
    block = block.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    if block.width > w * 0.95 or block.height > h * 0.95:
        s = min(w * 0.95 / block.width, h * 0.95 / block.height)
        block = block.resize((max(1, int(block.width * s)), max(1, int(block.height * s))), Image.Resampling.LANCZOS)
    x = int(rng.integers(0, max(1, w - block.width)))
    y = int(rng.integers(0, max(1, h - block.height)))
    img.paste(block, (x, y), block)
    return img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 1.2))))  # a photo's softness, not a render


def make_varied_text_photos(folder: Path, per_kind: int, seed: int = 300, size=(1600, 1200)) -> list[Path]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(per_kind):
        for kind in TEXT_KINDS:
            path = folder / f"{kind}_{n:03d}.jpg"
            varied_text_photo(rng, len(paths), kind, size).save(path, quality=88)
            paths.append(path)
    return paths


def make_camera_like_photos(folder: Path, per_kind: int, seed: int = 301, size=(1600, 1200)) -> list[Path]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(per_kind):
        for kind in TEXTLESS_KINDS:
            path = folder / f"{kind}_{n:03d}.jpg"
            textless_camera_photo(rng, kind, size).save(path, quality=88)
            paths.append(path)
    return paths
