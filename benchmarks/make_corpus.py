"""Make a deterministic corpus of camera-like 12 MP JPEGs (EXIF, all 8 orientations) from skimage photos."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

CAMERAS = [("Canon", "Canon EOS 80D"), ("NIKON CORPORATION", "NIKON D7500"), ("Apple", "iPhone 13"),
           ("SONY", "ILCE-7M3"), ("FUJIFILM", "X-T30"), ("samsung", "SM-G991B")]
# The stored pixels are the upright picture put through the inverse of what the viewer will apply.
_INVERSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def _sources() -> dict[str, np.ndarray]:
    import skimage.data as d

    left, right, _ = d.stereo_motorcycle()
    return {"astronaut": d.astronaut(), "coffee": d.coffee(), "chelsea": d.chelsea(), "rocket": d.rocket(),
            "hubble": d.hubble_deep_field(), "ihc": d.immunohistochemistry(), "retina": d.retina(),
            "motorcycle_left": left, "motorcycle_right": right}


_SRC: dict[str, np.ndarray] | None = None


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    return (float(deg), float(minutes), round((value - deg - minutes / 60) * 3600, 2))


def make_one(args: tuple[str, int, int]) -> dict:
    global _SRC
    out_dir, index, seed = args
    if _SRC is None:
        _SRC = _sources()
    rng = np.random.default_rng([seed, index])
    names = sorted(_SRC)
    name = names[index % len(names)]
    src = Image.fromarray(_SRC[name])
    portrait = bool(rng.random() < 0.3)
    size = (3000, 4000) if portrait else (4000, 3000)
    # Random crop with the target aspect, 55-100% of the largest such window: files differ.
    aspect = size[0] / size[1]
    w, h = src.size
    cw = min(w, h * aspect) * rng.uniform(0.55, 1.0)
    ch = cw / aspect
    x0, y0 = rng.uniform(0, w - cw), rng.uniform(0, h - ch)
    up = src.resize(size, Image.Resampling.BICUBIC, box=(x0, y0, x0 + cw, y0 + ch))
    a = np.asarray(up, dtype=np.float32)
    a *= rng.uniform(0.85, 1.15, size=3).astype(np.float32)  # white balance / exposure jitter
    a += rng.uniform(-12, 12)
    # Sensor-like noise; int8 draws keep 36 M samples cheap.
    a += rng.integers(-10, 11, size=a.shape, dtype=np.int8)
    upright = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

    orientation = index % 8 + 1
    stored = upright.transpose(_INVERSE[orientation]) if orientation in _INVERSE else upright
    make, model = CAMERAS[int(rng.integers(len(CAMERAS)))]
    taken = datetime(2015, 1, 1) + timedelta(seconds=int(rng.integers(0, 10 * 365 * 86400)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, orientation
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    lat = lon = None
    if rng.random() < 0.5:
        lat, lon = round(float(rng.uniform(-60, 70)), 5), round(float(rng.uniform(-180, 180)), 5)
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    path = Path(out_dir) / f"IMG_{index:05d}.jpg"
    stored.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return {"file": path.name, "source": name, "orientation": orientation, "upright_size": list(size),
            "make": make, "model": model, "taken_at": taken.isoformat(),
            "gps": [lat, lon] if lat is not None else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    jobs = [(str(args.outdir), i, args.seed) for i in range(args.count)]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        manifest = list(pool.map(make_one, jobs, chunksize=4))
    (args.outdir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    took = time.perf_counter() - start
    total = sum((args.outdir / m["file"]).stat().st_size for m in manifest)
    print(f"{args.count} JPEGs, {total / 1e6:.0f} MB, in {took:.1f} s with {args.workers} workers "
          f"({took / max(1, args.count) * 1000:.0f} ms/file wall)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
