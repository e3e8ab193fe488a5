"""Peak memory of a whole `photo-tagger index` run with `ocr = all` over very large images (JPEG, PNG, TIFF, 16-bit,
RGBA, palette, a 196-megapixel PNG), measured as the child process's peak RSS (resource.getrusage).

    .venv/bin/python benchmarks/bench_decode_memory.py [--repeats 1] [--keep DIR]

Prints one JSON line per run (peak RSS in MB, seconds, indexed/skipped counts, text rows) and the median.
The images are made once per run in a temporary folder (about 400 MB on disk).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _scene(width: int, height: int) -> Image.Image:
    """A compressible photo-like RGB image with lines of large text, tiled from a small one (the encoders cost
    time, not the memory under test)."""
    tile = Image.new("RGB", (1000, 750), (200, 220, 235))
    draw = ImageDraw.Draw(tile)
    for y in range(0, 750, 150):
        draw.text((40, y + 40), "RECEIPT TOTAL 42.50", fill=(10, 10, 10), font_size=60)
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 24, (750, 1000, 3), dtype=np.uint8)
    tile = Image.fromarray(np.clip(np.asarray(tile, dtype=np.int16) - noise, 0, 255).astype(np.uint8))
    big = Image.new("RGB", (width, height))
    for x in range(0, width, 1000):
        for y in range(0, height, 750):
            big.paste(tile, (x, y))
    return big


def make_images(folder: Path) -> list[str]:
    """Each one made and saved in its own process step, freed before the next (this process is not measured)."""
    folder.mkdir(parents=True, exist_ok=True)
    made: list[str] = []

    def save(name: str, image: Image.Image, **options) -> None:
        if (folder / name).exists():
            return
        image.save(folder / name, **options)
        made.append(f"{name} {image.width}x{image.height} {image.mode}")
        image.close()

    save("camera_8000x6000.jpg", _scene(8000, 6000), quality=90)
    save("scan_8000x6000.png", _scene(8000, 6000), compress_level=1)
    save("scan_8000x6000.tif", _scene(8000, 6000))  # uncompressed: 144 MB of file
    gray = (np.asarray(_scene(8000, 6000).convert("L"), dtype=np.uint16) * 257).astype("<u2")
    save("depth_8000x6000_16bit.tif", Image.frombuffer("I;16", (8000, 6000), gray.tobytes(), "raw", "I;16", 0, 1))
    del gray
    rgba = _scene(10000, 8000).convert("RGBA")
    save("overlay_10000x8000_rgba.png", rgba, compress_level=1)
    save("palette_12000x12000.png", _scene(12000, 12000).quantize(64), compress_level=1)
    save("panorama_14000x14000.png", _scene(14000, 14000), compress_level=1)  # 196 MP, under the 200 MP cap
    return made


# `photo-tagger ARGV` that prints its own peak RSS (kB, resource.getrusage: the kernel's high-water mark of this
# process, threads included) on its last stderr line.
_MEASURED = """
import resource, sys
from photo_tagger.cli.main import run
code = run(sys.argv[1:])
print("peak_rss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def measured_index(home: Path, photos: Path) -> dict:
    """One `index` in a child process, which reports its own peak RSS."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURED, "--home", str(home), "index", str(photos), "--json"],
                          capture_output=True, text=True, cwd=REPO)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"index failed: {done.stderr[-2000:]}")
    peak_kb = int(done.stderr.strip().splitlines()[-1].split()[-1])
    report = json.loads(done.stdout)
    return {"peak_rss_mb": round(peak_kb / 1024), "seconds": round(seconds, 1), "new": report["new"],
            "skipped": report["skipped"],
            "skipped_files": [f"{Path(s['path']).name}: {s['reason']}" for s in report["skipped_files"]]}


def text_rows(home: Path) -> dict:
    import sqlite3

    db = sqlite3.connect(home / "data" / "library" / "catalog.sqlite3")
    try:
        return dict(db.execute("SELECT status, count(*) FROM photo_text GROUP BY status").fetchall())
    finally:
        db.close()


def new_home(root: Path) -> Path:
    from photo_tagger.app import App
    from tests.fixture_models.checkpoints import tiny_clip

    home = root / "home"
    app = App.from_home(home)
    app.models.install_from_checkpoint(str(tiny_clip()), name="tiny", int8=False)
    app.update_settings(model="tiny", ocr="all")
    app.close()
    return home


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="make (or reuse) the images in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="decode-memory-") as tmp:
        photos = args.keep or Path(tmp) / "photos"
        if not photos.exists() or not any(photos.iterdir()):
            subprocess.run([sys.executable, __file__, "--make", str(photos)], check=True, cwd=REPO)
        peaks = []
        for repeat in range(args.repeats):
            home = new_home(Path(tmp) / f"run{repeat}")
            row = measured_index(home, photos)
            row["text"] = text_rows(home)
            peaks.append(row["peak_rss_mb"])
            print(json.dumps(row), flush=True)
        print(json.dumps({"median_peak_rss_mb": statistics.median(peaks), "runs": len(peaks)}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--make":
        print("\n".join(make_images(Path(sys.argv[2]))))
        sys.exit(0)
    sys.exit(main())
