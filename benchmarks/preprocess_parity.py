"""Parity and speed of our preprocessing (exact and JPEG-draft paths) vs transformers' CLIPImageProcessor."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from photo_tagger.core import preprocess
from photo_tagger.core.types import PreprocessSpec


def reference(path: Path, proc) -> np.ndarray:
    """The seeds' way: full decode, Pillow's own exif_transpose, transformers' processor."""
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im).convert("RGB")
    return proc(images=upright, return_tensors="np")["pixel_values"][0]


def torch_yardstick(path: Path, spec: PreprocessSpec) -> np.ndarray | None:
    """transformers' other backend (torchvision) resizes with antialiased torch bicubic: a yardstick
    for how much two accepted implementations of "the same" preprocessing differ."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    with Image.open(path) as im:
        upright = np.array(ImageOps.exif_transpose(im).convert("RGB"))
    s = spec.image_size
    nw, nh = preprocess.resize_output_size(upright.shape[1], upright.shape[0], s)
    t = torch.from_numpy(upright).permute(2, 0, 1)[None].float()
    t = F.interpolate(t, size=(nh, nw), mode="bicubic", antialias=True, align_corners=False)
    a = t.round().clamp(0, 255)[0].permute(1, 2, 0).numpy()
    top, left = (nh - s) // 2, (nw - s) // 2
    a = (a[top : top + s, left : left + s].astype(np.float64) / 255).astype(np.float32)
    return ((a - np.float32(spec.mean)) / np.float32(spec.std)).transpose(2, 0, 1)


def timed(fn, repeats: int) -> float:
    fn()  # warm caches / page cache
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", type=Path, help="folder of JPEGs (benchmarks/make_corpus.py)")
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--oversample", type=float, nargs="*", default=[1.0, 1.5, 2.0],
                    help="draft min side as multiples of the model size")
    args = ap.parse_args(argv)

    from transformers import CLIPImageProcessor

    proc = CLIPImageProcessor()
    spec = PreprocessSpec()
    files = sorted(args.corpus.glob("*.jpg"))[: args.images]
    diffs: dict[str, list[np.ndarray]] = {"exact": [], "torch bicubic (yardstick)": []}
    diffs.update({f"draft x{o:g}": [] for o in args.oversample})
    timed_paths = ["reference (transformers)", *(k for k in diffs if "yardstick" not in k)]
    times: dict[str, list[float]] = {k: [] for k in timed_paths}
    for path in files:
        ref = reference(path, proc)
        diffs["exact"].append(np.abs(preprocess.load_pixels(path, spec, draft=False) - ref))
        yard = torch_yardstick(path, spec)
        if yard is not None:
            diffs["torch bicubic (yardstick)"].append(np.abs(yard - ref))
        times["exact"].append(timed(lambda: preprocess.load_pixels(path, spec, draft=False), args.repeats))
        ref_repeats = max(1, args.repeats // 2)
        times["reference (transformers)"].append(timed(lambda: reference(path, proc), ref_repeats))
        for o in args.oversample:
            m = round(spec.image_size * o)

            def draft() -> np.ndarray:
                return preprocess.clip_pixels(preprocess.open_rgb(path, min_side=m), spec)

            diffs[f"draft x{o:g}"].append(np.abs(draft() - ref))
            times[f"draft x{o:g}"].append(timed(draft, args.repeats))

    level = 1 / 255 / min(spec.std)  # one 8-bit step in normalized units, at the widest channel
    print(f"{len(files)} images from {args.corpus}, CLIP {spec.image_size}px; "
          f"one 8-bit level = {level:.4f} normalized")
    print("| path | max abs diff | mean abs diff | p99 abs diff | median ms/image (decode+preprocess) |")
    print("|---|---|---|---|---|")
    for key in [*times, "torch bicubic (yardstick)"]:
        if not diffs.get(key, True):
            continue
        d = np.concatenate([x.ravel() for x in diffs[key]]) if key in diffs else None
        stats = (f"{d.max():.4f} | {d.mean():.5f} | {np.percentile(d, 99):.4f}" if d is not None
                 else "0 (is the reference) | - | -")
        ms = f"{statistics.median(times[key]) * 1000:.1f}" if times.get(key) else "-"
        print(f"| {key} | {stats} | {ms} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
