"""A library with bursts the tests make: scenes shot a few seconds apart by one camera, some frames blurred or
over-exposed, so each burst has one sharp, well-exposed best shot; and lone photos that stack with nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, size=(480, 360)) -> Image.Image:
    """A busy scene (edges everywhere, so blur shows), different per seed."""
    image = Image.new("RGB", size, ((seed * 53) % 120 + 60, (seed * 29) % 120 + 60, (seed * 71) % 120 + 60))
    draw = ImageDraw.Draw(image)
    for k in range(0, size[0], 18):
        top = 30 + (k * (seed + 3)) % 90
        draw.rectangle([k, top, k + 9, size[1] - 40 - (k % 50)], fill=((k * 7 + seed * 40) % 200 + 20, 70, 150))
    draw.ellipse([size[0] // 3, size[1] // 4, size[0] // 3 + 150, size[1] // 4 + 150], fill=(220, 190, 60),
                 outline=(15, 15, 15), width=4)
    return image


def save(image: Image.Image, path: Path, taken: datetime | None, camera=("Photo Tagger", "BurstCam")) -> Path:
    exif = Image.Exif()
    if taken is not None:
        exif[0x010F], exif[0x0110] = camera
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=92, exif=exif)
    return path


@dataclass
class Bursts:
    folder: Path
    bursts: list[list[Path]] = field(default_factory=list)  # each burst's frames, in capture order
    best: list[Path] = field(default_factory=list)  # each burst's sharp, well-exposed frame
    lone: list[Path] = field(default_factory=list)


# Per burst, what each frame is: "sharp" (the best), "blur" (Gaussian blur), "bright" (over-exposed, clipped).
PLANS = (("blur", "sharp", "blur", "bright", "blur", "blur", "blur"), ("bright", "blur", "sharp"),
         ("blur", "sharp", "blur", "bright"))


def make_bursts(folder: Path, plans=PLANS, lone: int = 3) -> Bursts:
    made = Bursts(folder)
    start = datetime(2025, 5, 3, 10, 0, 0)
    for b, plan in enumerate(plans):
        frames = []
        for f, kind in enumerate(plan):
            image = scene(b)
            if kind == "blur":
                image = image.filter(ImageFilter.GaussianBlur(2.5 + f % 2))
            elif kind == "bright":
                image = image.point(lambda v: min(255, int(v * 1.8 + 110)))  # burnt out: a third clips
            path = save(image, folder / f"burst{b}_{f:02d}.jpg", start + timedelta(hours=b, seconds=f))
            frames.append(path)
            if kind == "sharp":
                made.best.append(path)
        made.bursts.append(frames)
    for n in range(lone):
        made.lone.append(save(scene(10 + n), folder / f"lone_{n}.jpg", start + timedelta(days=1 + n)))
    return made
