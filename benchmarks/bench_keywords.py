"""Reading the keywords already in photos (embedded XMP, IPTC, sidecars) next to decoding them, per photo, on
12 MP camera-like JPEGs that carry a Lightroom XMP packet and IPTC keywords and have a digiKam sidecar.

`--repo PATH` times the reader of another checkout (for example the previous adapter) on the same photos."""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parents[1]
SAMPLES = HERE / "tests" / "xmp_samples"


def make_photos(folder: Path, count: int) -> list[Path]:
    """Noisy 4000x3000 JPEGs (so they compress like photos), each with Lightroom's XMP packet embedded, the IPTC
    Keywords of tests/xmp_samples/keywords.jpg, EXIF, and digiKam's sidecar beside it."""
    rng = np.random.default_rng(0)
    packet = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              + (SAMPLES / "lightroom.xmp").read_bytes() + b' ' * 2048 + b'\n<?xpacket end="w"?>')
    with Image.open(SAMPLES / "keywords.jpg") as tagged:  # its APP13 segment holds IPTC Keywords
        app13 = next(body for marker, body in tagged.applist if marker == "APP13")
    photos = []
    base = np.linspace(0, 255, 4000, dtype=np.float32)[None, :, None].repeat(3000, 0).repeat(3, 2)
    for i in range(count):
        pixels = np.clip(base + rng.normal(0, 18, base.shape) + i * 7, 0, 255).astype(np.uint8)
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R6"
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=90, exif=exif, xmp=packet)
        data = buffer.getvalue()
        segment = b"\xff\xed" + (len(app13) + 2).to_bytes(2, "big") + app13  # IPTC after SOI, like cameras' tools
        path = folder / f"IMG_{i:04d}.jpg"
        path.write_bytes(data[:2] + segment + data[2:])
        shutil.copyfile(SAMPLES / "digikam.xmp", f"{path}.xmp")
        photos.append(path)
    return photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout whose photo_tagger is timed")
    args = parser.parse_args()
    sys.path.insert(0, str(args.repo.resolve()))
    from photo_tagger.core.preprocess import load_pixels_and_info
    from photo_tagger.core.types import PreprocessSpec
    from photo_tagger.infra.xmp_sidecar import XmpKeywordReader

    with tempfile.TemporaryDirectory() as tmp:
        photos = make_photos(Path(tmp), args.count)
        reader, spec = XmpKeywordReader(), PreprocessSpec()
        blobs = [(p, p.read_bytes()) for p in photos]
        found = reader.keywords(blobs[0][1], str(blobs[0][0]))
        keywords, decode = [], []
        for _ in range(args.repeats):
            for path, data in blobs:
                start = time.perf_counter()
                reader.keywords(data, str(path))
                middle = time.perf_counter()
                load_pixels_and_info(path, spec, data=data)
                keywords.append(middle - start)
                decode.append(time.perf_counter() - middle)
    size = statistics.median(len(d) for _, d in blobs) / 1e6
    print(f"repo {args.repo}: {args.count} photos x {args.repeats}, {size:.1f} MB each; keywords found: {found}")
    ratio = statistics.median(keywords) / statistics.median(decode)
    print(f"keywords: median {statistics.median(keywords) * 1e3:.2f} ms/photo; decode (draft, 224 px): median "
          f"{statistics.median(decode) * 1e3:.1f} ms/photo; ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
