"""RAW files to an encoder-ready image: the embedded preview (what indexing uses) against LibRaw's half-size decode
(the fallback) and its full decode (postprocess), side by side in one run, as medians and ratios.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_raw.py [--megapixels 24] [--repeats 5] [--json]

The DNGs are written with PiDNG (a dev dependency): a photo-like scene as a 16-bit RGGB mosaic, uncompressed, with a
full-size JPEG preview (as Canon and Sony write) and with a 1620-pixel one (as many Nikons write). Each timing reads the
file's bytes, decodes and makes the model's (3, 224, 224) pixels, as the indexer does (core/preprocess.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.core.preprocess import DRAFT_OVERSAMPLE, clip_pixels, load_pixels_and_info, read_bytes  # noqa: E402
from photo_tagger.core.types import PreprocessSpec  # noqa: E402
from photo_tagger.infra import raw_decode  # noqa: E402
from tests.raw_photos import write_dng  # noqa: E402

SPEC = PreprocessSpec()  # CLIP ViT-B/32: 224 pixels
MIN_SIDE = round(SPEC.image_size * DRAFT_OVERSAMPLE)


def scene(width: int, height: int) -> np.ndarray:
    """Smooth gradients, a few shapes and sensor-like noise: JPEGs of it are photo-sized, not trivially small."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width * 200 + 30, y / height * 180 + 40, (1 - x / width) * 160 + 60], axis=-1)
    for cx, cy, r, colour in ((0.3, 0.4, 0.15, (230, 40, 40)), (0.7, 0.6, 0.2, (40, 200, 60))):
        inside = (x - cx * width) ** 2 + (y - cy * height) ** 2 < (r * height) ** 2
        rgb[inside] = colour
    rgb += np.random.default_rng(7).normal(0, 2, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def encoder_ready(path: Path, way: str) -> np.ndarray:
    if way == "preview":  # the app's own path: registered decoder, preview at draft size
        return load_pixels_and_info(path, SPEC, data=read_bytes(path))[0]
    rendition = raw_decode.decode_raw(path, read_bytes(path), MIN_SIDE, prefer=way)
    return clip_pixels(rendition.image, SPEC)


def median_seconds(path: Path, way: str, repeats: int) -> float:
    encoder_ready(path, way)  # warm: the file in the page cache, LibRaw loaded
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pixels = encoder_ready(path, way)
        times.append(time.perf_counter() - started)
        assert pixels.shape == (3, SPEC.image_size, SPEC.image_size)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=24.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    raw_decode.register()
    width = round((args.megapixels * 1e6 * 1.5) ** 0.5) // 2 * 2
    height = round(width / 1.5) // 2 * 2
    results = {"megapixels": round(width * height / 1e6, 1), "size": f"{width}x{height}", "repeats": args.repeats,
               "cpu": cpu_name(), "load_before": loadavg(), "files": {}}
    with tempfile.TemporaryDirectory() as folder:
        rgb = scene(width, height)
        files = {"full-size preview": write_dng(Path(folder) / "full_preview.dng", rgb, preview="jpeg"),
                 "1620-px preview": write_dng(Path(folder) / "small_preview.dng", rgb, preview="jpeg",
                                              preview_width=1620)}
        del rgb
        for name, path in files.items():
            seconds = {way: median_seconds(path, way, args.repeats) for way in ("preview", "decode", "full")}
            results["files"][name] = {
                "file_mb": round(path.stat().st_size / 1e6, 1), "seconds": {k: round(v, 4) for k, v in seconds.items()},
                "half_decode_over_preview": round(seconds["decode"] / seconds["preview"], 1),
                "full_decode_over_preview": round(seconds["full"] / seconds["preview"], 1)}
    results["load_after"] = loadavg()
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"{results['megapixels']} MP DNG ({results['size']}), median of {args.repeats}, {results['cpu']}, "
          f"load {results['load_before']} -> {results['load_after']}")
    print("| file | preview | half-size decode | full decode | half / preview | full / preview |")
    print("|---|---|---|---|---|---|")
    for name, r in results["files"].items():
        s = r["seconds"]
        print(f"| {name} ({r['file_mb']} MB) | {s['preview']:.3f} s | {s['decode']:.3f} s | {s['full']:.3f} s | "
              f"{r['half_decode_over_preview']} | {r['full_decode_over_preview']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
