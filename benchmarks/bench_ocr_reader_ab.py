"""The text reader of the environment it runs in, on the same rendered text photos: how many photos' words it finds and
how long a read takes. Run it once per environment to compare two readers (issue 22: rapidocr-onnxruntime's PP-OCRv4
against rapidocr 3's PP-OCRv6 small), alternately, on the same machine:

    PYTHONPATH=CHECKOUT VENV/bin/python benchmarks/bench_ocr_reader_ab.py --photos 40
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # tests.text_photos; PYTHONPATH picks photo_tagger

import numpy as np  # noqa: E402

from tests.text_photos import WORDS, text_photo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=40, help=f"text photos (at most {len(WORDS)})")
    parser.add_argument("--seed", type=int, default=300, help="the photos' random seed")
    args = parser.parse_args()
    from photo_tagger.infra.ocr_engine import RapidOcrEngine

    engine = RapidOcrEngine(device="cpu")
    rng = np.random.default_rng(args.seed)
    photos = [text_photo(rng, i) for i in range(args.photos)]
    started = time.perf_counter()
    engine.read(photos[0].image)
    load_s = time.perf_counter() - started
    found, times, missed = 0, [], []
    for photo in photos:
        started = time.perf_counter()
        text = engine.read(photo.image).text
        times.append(time.perf_counter() - started)
        if photo.words[0].lower() in text.lower():
            found += 1
        else:
            missed.append(f"{photo.name}: {' '.join(photo.words)!r} read as {text!r}")
    print(json.dumps({"reader": engine.__module__, "photos": len(photos), "word_found": found,
                      "first_read_with_load_s": round(load_s, 2),
                      "ms_median": round(statistics.median(times) * 1000, 1), "missed": missed}))


if __name__ == "__main__":
    main()
