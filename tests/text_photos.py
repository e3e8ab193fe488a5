"""Photos with text the tests and benchmarks make: rendered words and numbers (signs, receipts, error messages) in
several fonts, sizes and slight rotations on photo-like backgrounds, and photo-like images without text."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Words that each name one photo (unique across a set, so a search for one has one right answer).
WORDS = ("Bakery", "Harbour", "Pharmacy", "Museum", "Library", "Station", "Platform", "Garage", "Florist", "Cinema",
         "Theatre", "Stadium", "Bicycle", "Parking", "Hospital", "Airport", "Hotel", "Market", "Butcher", "Laundry",
         "Gallery", "Tunnel", "Bridge", "Ferry", "Castle", "Chapel", "Orchard", "Vineyard", "Brewery", "Dentist",
         "Bookshop", "Pottery", "Jewellery", "Tailor", "Barber", "Mechanic", "Plumber", "Carpenter", "Gardener",
         "Lighthouse", "Aquarium", "Planetarium", "Observatory", "Zoo", "Playground", "Skatepark", "Marina",
         "Campsite", "Cottage", "Windmill", "Granary", "Dairy", "Creamery", "Bistro", "Pizzeria", "Noodles",
         "Sushi", "Tavern", "Cafeteria", "Canteen", "Timeout", "Segfault", "Overflow", "Deadlock", "Permission",
         "Checksum", "Firmware", "Keyboard", "Printer", "Scanner")
SECOND_WORDS = ("Street", "Open", "Closed", "Exit", "North", "South", "Daily", "Error", "Welcome", "Entrance")
NUMBERS = ("42.50", "17.95", "3.20", "128.00", "9.99", "64.10", "250.75", "5.05")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf",
              "DejaVuSansCondensed-Bold.ttf", "DejaVuSerif-Bold.ttf")


def font_paths() -> list[str]:
    """The DejaVu fonts found on this system (fonts-dejavu-core and -extra; .ci/run installs them)."""
    found = {Path(p).name: p for p in glob.glob("/usr/share/fonts/truetype/dejavu/*.ttf")}
    return [found[name] for name in FONT_FILES if name in found]


def load_font(index: int, size: int) -> ImageFont.FreeTypeFont:
    paths = font_paths()
    if paths:
        return ImageFont.truetype(paths[index % len(paths)], size)
    return ImageFont.load_default(size)  # Pillow's own scalable font (one face only)


@dataclass(frozen=True)
class TextPhoto:
    name: str
    image: Image.Image
    words: tuple[str, ...]  # the words rendered in it, in order
    kind: str  # sign | receipt | screen


def background(rng: np.random.Generator, size: tuple[int, int], kind: str) -> Image.Image:
    """Photo-like pixels without text: a sky-to-ground gradient, noise (grain, foliage), or shapes (a scene)."""
    w, h = size
    if kind == "gradient":
        top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        t = np.linspace(0, 1, h)[:, None, None]
        a = top * (1 - t) + bottom * t + rng.normal(0, 4, (h, w, 3))
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if kind == "noise":  # foliage, gravel, grass: texture at a random scale, blurred a little
        scale = int(rng.integers(2, 24))
        small = rng.integers(0, 256, (h // scale + 1, w // scale + 1, 3), dtype=np.uint8)
        img = Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC)
        tint = Image.new("RGB", size, tuple(int(c) for c in rng.integers(0, 256, 3)))
        return Image.blend(img, tint, float(rng.uniform(0.2, 0.7))).filter(ImageFilter.GaussianBlur(rng.uniform(0, 2)))
    img = background(rng, size, "gradient")  # shapes: a scene of a few objects
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 12))):
        x, y = int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h))
        box = (x, y, x + int(rng.integers(w // 10, w // 2)), y + int(rng.integers(h // 10, h // 2)))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = int(rng.integers(0, 3))
        if shape == 2:
            draw.pieslice(box, 0, int(rng.integers(90, 330)), fill=fill)
        else:
            (draw.ellipse if shape else draw.rectangle)(box, fill=fill)
    return img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 1.5))))


BACKGROUNDS = ("gradient", "noise", "shapes")


def textless_photo(rng: np.random.Generator, size: tuple[int, int] = (800, 600)) -> Image.Image:
    img = background(rng, size, BACKGROUNDS[int(rng.integers(0, 3))])
    if rng.random() < 0.5:  # the things that look a little like text to an edge counter: stripes, a fence, grain
        draw = ImageDraw.Draw(img)
        step = int(rng.integers(6, 30))
        x0 = int(rng.integers(0, size[0] // 2))
        for x in range(x0, x0 + int(rng.integers(size[0] // 6, size[0] // 2)), step):
            draw.rectangle((x, size[1] // 3, x + step // 3, size[1] // 3 + size[1] // 3), fill=(40, 30, 20))
    grain = rng.normal(0, float(rng.uniform(0, 8)), (size[1], size[0], 3))
    return Image.fromarray(np.clip(np.asarray(img, np.float32) + grain, 0, 255).astype(np.uint8))


def _plate(lines: list[str], font: ImageFont.FreeTypeFont, ink, paper, pad: int) -> Image.Image:
    """The text on its own sign, receipt or screen (RGBA, so it can be rotated and pasted)."""
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    boxes = [probe.textbbox((0, 0), line, font=font) for line in lines]
    line_h = max(b[3] - b[1] for b in boxes) + font.size // 3
    width = max(b[2] - b[0] for b in boxes) + 2 * pad
    plate = Image.new("RGBA", (width, line_h * len(lines) + 2 * pad), paper + (255,))
    draw = ImageDraw.Draw(plate)
    for i, (line, box) in enumerate(zip(lines, boxes)):
        draw.text((pad - box[0], pad + i * line_h - box[1]), line, font=font, fill=ink)
    return plate


def text_photo(rng: np.random.Generator, index: int, size: tuple[int, int] = (800, 600), *,
               angle: float | None = None) -> TextPhoto:
    """Photo `index` of a set: WORDS[index] (unique in the set) with another word or a price, as a sign, a
    receipt or an error message on a screen."""
    word = WORDS[index % len(WORDS)]
    kind = ("sign", "receipt", "screen")[index % 3]
    if kind == "sign":
        lines = [f"{word} {SECOND_WORDS[int(rng.integers(0, len(SECOND_WORDS)))]}"]
        paper = tuple(int(c) for c in rng.choice([(250, 250, 245), (20, 90, 40), (30, 60, 140), (200, 30, 30)]))
        ink = (20, 20, 20) if sum(paper) > 600 else (250, 250, 250)
    elif kind == "receipt":
        lines = [word.upper(), f"Total {NUMBERS[index % len(NUMBERS)]}"]
        paper, ink = (240, 238, 228), (30, 30, 30)
    else:
        lines = [f"{word} error", f"code {int(rng.integers(100, 999))}"]
        paper, ink = (25, 25, 35), (220, 230, 220)
    font = load_font(index, int(rng.integers(size[1] // 18, size[1] // 9)))
    plate = _plate(lines, font, ink, paper, pad=font.size // 2)
    angle = float(rng.uniform(-6, 6)) if angle is None else angle
    plate = plate.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    if plate.width > size[0] * 0.95 or plate.height > size[1] * 0.95:
        scale = min(size[0] * 0.95 / plate.width, size[1] * 0.95 / plate.height)
        plate = plate.resize((max(1, int(plate.width * scale)), max(1, int(plate.height * scale))),
                             Image.Resampling.LANCZOS)
    img = background(rng, size, BACKGROUNDS[index // 3 % 3])
    x = int(rng.integers(0, max(1, size[0] - plate.width)))
    y = int(rng.integers(0, max(1, size[1] - plate.height)))
    img.paste(plate, (x, y), plate)
    img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0, 0.8))))  # a photo, not a render
    words = tuple(w for line in lines for w in line.split())
    return TextPhoto(f"text_{index:03d}", img, words, kind)  # the name says nothing of the text (search matches names)


def make_text_photos(folder: Path, count: int, seed: int = 0, size: tuple[int, int] = (800, 600)) -> list[TextPhoto]:
    """`count` (at most len(WORDS)) JPEGs with text, each with its unique word (photo.words[0])."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    photos = [text_photo(rng, i, size) for i in range(min(count, len(WORDS)))]
    for photo in photos:
        photo.image.save(folder / f"{photo.name}.jpg", quality=90)
    return photos


def make_textless_photos(folder: Path, count: int, seed: int = 1, size: tuple[int, int] = (800, 600),
                         prefix: str = "plain") -> list[Path]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}_{i:04d}.jpg"
        textless_photo(rng, size).save(path, quality=90)
        paths.append(path)
    return paths


def many_boxes_photo(size: tuple[int, int] = (1600, 1200), cell: int = 22) -> Image.Image:
    """A page of thousands of tiny separate words (a worst case for the detector's box count)."""
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    font = load_font(0, cell // 2)
    for row, y in enumerate(range(2, size[1] - cell, cell)):
        for col, x in enumerate(range(2, size[0] - 2 * cell, 2 * cell)):
            draw.text((x, y), f"{(row * 7 + col) % 100}", font=font, fill=(0, 0, 0))
    return img


def rotated(img: Image.Image, degrees: int) -> Image.Image:
    return img.rotate(degrees, expand=True) if degrees % 360 else img

