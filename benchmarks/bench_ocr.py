"""Text in photos (issue 15 §1): the text gate, the reader's cost, indexing with ocr = auto against off, and words
found at rank 1 by search.

1. The gate (core/text_gate.py) on photos decoded as the indexer decodes them (open_rgb, short side >= 448):
   recall on --words generated text photos (tests/text_photos.py, seed 100: signs, receipts, error screens in six
   fonts, 3-13% of the height, rotated up to 6 degrees, on gradients, noise and shapes); false positives on
   --textless generated photo-like images (seed 101) and on crops of scikit-image's sample photos (real photos
   without text: astronaut, coffee, chelsea, rocket, horse, grass, gravel, brick, camera, moon, coins, hubble, retina,
   cat); milliseconds per photo (median).
2. The reader (infra/ocr_engine.py, RapidOCR): ms per photo on 800x600 text photos and textless ones (detection
   runs on every photo read), and on 4000x3000 photos decoded as the text stage decodes them.
3. Indexing --photos textless 1600x1200 JPEGs with the ViT-B/32-shaped model, ocr = off and auto alternated, each
   run from an empty library in a fresh App whose encoder is loaded before timing (after one untimed warm-up run);
   the timed call is the whole index job (services.folders.FolderService.add_folders: scan, decode, gate, encode, write, and the
   text stage). Medians of --repeats, ratio auto/off of the medians; and the process's CPU seconds per photo (all
   its threads), which a busy shared machine disturbs much less than the wall clock.
4. The gate where it runs: the indexer's decode of each of those photos with and without the gate, alternated photo
   by photo in one process (added milliseconds per photo, medians).
5. Rank 1: the --words text photos indexed with ocr = auto (the default) in that library; for each photo's unique word
   (lower case, as typed), the share where services.search.search ranks its photo first; and the share where
   catalog.text_matches alone does (the reader and FTS without the gate or the ranking).
6. The varied set (issue 21, --parts varied): the gate's two looks (first look, then the detector on what it passed)
   against the one-look gate before it: recall on tests/text_photos_varied.py's text photos (seed 300), photos read
   among its camera-like textless photos (seed 301) and among the sample photo crops, and the reading cost per
   textless photo (see varied()). Part 1 ("gate") measures the first look alone.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ocr.py --photos 120 --repeats 3

Results go to benchmarks/out/bench_ocr_PARTS.json; the ViT-B/32-shaped model is installed once under benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.core.photo_text import GATE_DECODE_SIDE, MIN_RUN, OCR_DECODE_SIDE  # noqa: E402
from photo_tagger.core.preprocess import open_rgb  # noqa: E402
from photo_tagger.core.text_gate import text_score  # noqa: E402
from tests.text_photos import WORDS, make_text_photos, make_textless_photos, text_photo  # noqa: E402

OUT = HERE / "out"
SAMPLES = ("astronaut", "coffee", "chelsea", "rocket", "horse", "grass", "gravel", "brick", "camera", "moon", "coins",
           "hubble_deep_field", "retina", "cat")


def ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 2)


def sample_crops(folder: Path, per_photo: int, seed: int = 102) -> list[Path]:
    """Crops (half to all of each side) of scikit-image's sample photos, as 1600x1200 JPEGs."""
    import skimage.data

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLES:
        pixels = getattr(skimage.data, name)()
        image = Image.fromarray(pixels if pixels.dtype == np.uint8 else (pixels * 255).astype(np.uint8)).convert("RGB")
        for k in range(per_photo):
            w, h = image.size
            s = rng.uniform(0.5, 1)
            cw, ch = int(w * s), int(h * s)
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            path = folder / f"{name}_{k}.jpg"
            image.crop((x, y, x + cw, y + ch)).resize((1600, 1200), Image.Resampling.BICUBIC).save(path, quality=90)
            paths.append(path)
    return paths


def gate(work: Path, words: int, textless: int) -> dict:
    texts = make_text_photos(work / "gate_text", words, seed=100)
    plain = make_textless_photos(work / "gate_plain", textless, seed=101, size=(1600, 1200))
    crops = sample_crops(work / "gate_samples", 8)
    images = {
        "text": [open_rgb(work / "gate_text" / f"{p.name}.jpg", min_side=GATE_DECODE_SIDE) for p in texts],
        "generated_textless": [open_rgb(p, min_side=GATE_DECODE_SIDE) for p in plain],
        "sample_photo_crops": [open_rgb(p, min_side=GATE_DECODE_SIDE) for p in crops],
    }
    out, times = {"min_run": MIN_RUN}, []
    for kind, batch in images.items():
        scores = []
        for image in batch:
            started = time.perf_counter()
            scores.append(text_score(image))
            times.append(time.perf_counter() - started)
        out[kind] = {"photos": len(batch), "judged_likely": sum(s >= MIN_RUN for s in scores)}
    crop_names = [p.stem.rsplit("_", 1)[0] for p in crops]
    crop_scores = [text_score(i) for i in images["sample_photo_crops"]]
    out["sample_false_positives"] = sorted({n for n, s in zip(crop_names, crop_scores) if s >= MIN_RUN})
    out["recall"] = round(out["text"]["judged_likely"] / out["text"]["photos"], 3)
    out["false_positive_generated"] = round(out["generated_textless"]["judged_likely"] / textless, 3)
    out["false_positive_samples"] = round(out["sample_photo_crops"]["judged_likely"] / len(crops), 3)
    out["ms_per_photo"] = ms(times)
    out["decoded_size"] = list(images["generated_textless"][0].size)
    return out


def _gate_before_issue_21(image: Image.Image) -> float:
    """The one-look gate this replaced (320 px and half that, 2 extra cells for the coarse look; read from 4)."""
    from photo_tagger.core.text_gate import _lines

    factor = -(-max(image.size) // 320)
    grey = (image.reduce(factor) if factor > 1 else image).convert("L")
    return max(_lines(np.asarray(grey, dtype=np.int16)), _lines(np.asarray(grey.reduce(2), dtype=np.int16)) - 2, 0)


def varied(work: Path, per_kind: int, textless_per_kind: int, threads: int) -> dict:
    """The gate's two looks (core/text_gate.py, then infra/text_detector.py on what it passed) on
    tests/text_photos_varied.py's photos, decoded as the indexer (first look) and the text stage (detector) decode
    them; against the one-look gate before issue 21. Reading cost per textless photo = detector ms x share passed
    by the first look + reader ms on a textless photo x share read (the old gate: reader ms x share read)."""
    from collections import Counter

    from photo_tagger.core.photo_text import MIN_TEXT_PIXELS
    from photo_tagger.infra.ocr_engine import RapidOcrEngine
    from photo_tagger.infra.text_detector import TextDetector
    from tests.text_photos_varied import make_camera_like_photos, make_varied_text_photos

    sets = {"text": make_varied_text_photos(work / "varied_text", per_kind, seed=300),
            "textless": make_camera_like_photos(work / "camera_like", textless_per_kind, seed=301),
            "real_photo_crops": sample_crops(work / "gate_samples", 8)}
    detector, engine = TextDetector(threads=threads), RapidOcrEngine(threads=threads)
    out, first_ms, detect_ms, read_ms = {}, [], [], []
    for kind, paths in sets.items():
        old, passed, read, missed = 0, 0, 0, Counter()
        for path in paths:
            image = open_rgb(path, min_side=GATE_DECODE_SIDE)
            old += _gate_before_issue_21(image) >= 4
            started = time.perf_counter()
            first = text_score(image) >= MIN_RUN
            first_ms.append(time.perf_counter() - started)
            found = False
            if first:
                passed += 1
                large = open_rgb(path, min_side=OCR_DECODE_SIDE)
                started = time.perf_counter()
                found = detector.text_pixels(large) >= MIN_TEXT_PIXELS
                detect_ms.append(time.perf_counter() - started)
                read += found
                if kind == "textless" and len(read_ms) < 12:  # what reading a textless photo costs
                    started = time.perf_counter()
                    engine.read(large)
                    read_ms.append(time.perf_counter() - started)
            if not found:
                missed[path.stem.split("_")[0]] += 1
        out[kind] = {"photos": len(paths), "old_gate_read": old, "first_look_passed": passed, "read": read,
                     "not_read_by_kind": dict(missed) if kind == "text" else None}
    crops = out["real_photo_crops"]
    out["false_positive_real_photo_crops"] = round(crops["read"] / crops["photos"], 3)
    out["false_positive_real_photo_crops_old_gate"] = round(crops["old_gate_read"] / crops["photos"], 3)
    text, plain = out["text"], out["textless"]
    out["recall"] = round(text["read"] / text["photos"], 3)
    out["recall_old_gate"] = round(text["old_gate_read"] / text["photos"], 3)
    out["false_positive"] = round(plain["read"] / plain["photos"], 3)
    out["false_positive_old_gate"] = round(plain["old_gate_read"] / plain["photos"], 3)
    out["first_look_pass_rate_textless"] = round(plain["first_look_passed"] / plain["photos"], 3)
    out.update(first_look_ms_median=ms(first_ms), detector_ms_median=ms(detect_ms),
               reader_textless_ms_median=ms(read_ms))
    reading = ms(read_ms)
    out["cost_per_textless_photo_ms"] = round(out["first_look_pass_rate_textless"] * ms(detect_ms)
                                              + out["false_positive"] * reading, 1)
    out["cost_per_textless_photo_ms_old_gate"] = round(out["false_positive_old_gate"] * reading, 1)
    return out


def reader(work: Path, threads: int) -> dict:
    from photo_tagger.infra.ocr_engine import RapidOcrEngine

    engine = RapidOcrEngine(threads=threads)
    rng = np.random.default_rng(200)
    text_images = [text_photo(rng, i).image for i in range(12)]
    plain = [open_rgb(p) for p in make_textless_photos(work / "reader_plain", 8, seed=201, size=(800, 600))]
    big_dir = work / "reader_big"
    big_dir.mkdir(parents=True, exist_ok=True)
    for i in range(4):
        text_photo(rng, 20 + i, (4000, 3000)).image.save(big_dir / f"{i}.jpg", quality=90)
    started = time.perf_counter()
    engine.read(text_images[0])  # the models load on the first read
    load_s = time.perf_counter() - started
    out = {"threads": engine.threads or "min(4, cores)", "first_read_with_load_s": round(load_s, 2)}
    for kind, batch in (("text_800x600", text_images[1:]), ("textless_800x600", plain),
                        ("text_4000x3000_decoded_as_the_stage_does", None)):
        times = []
        for i in range(len(batch) if batch else 4):
            started = time.perf_counter()
            image = batch[i] if batch else open_rgb(big_dir / f"{i}.jpg", min_side=OCR_DECODE_SIDE)
            engine.read(image)
            times.append(time.perf_counter() - started)
        out[kind] = {"photos": len(times), "ms_median": ms(times), "ms_max": round(max(times) * 1000, 1)}
    return out


def decode_ab(work: Path, photos: int, repeats: int) -> dict:
    """The gate's cost where it runs: the indexer's decode of each textless 1600x1200 JPEG (load_pixels_and_info at
    a 224 px model's draft size) without and with the gate on the decoded image, alternated photo by photo."""
    from photo_tagger.core.preprocess import load_pixels_and_info
    from photo_tagger.core.types import PreprocessSpec

    folder = work / "textless"
    if len(list(folder.glob("*.jpg"))) != photos:
        shutil.rmtree(folder, ignore_errors=True)
        make_textless_photos(folder, photos, seed=300, size=(1600, 1200))
    spec, files = PreprocessSpec(image_size=224), sorted(folder.glob("*.jpg"))
    plain, gated = [], []
    for r in range(repeats):
        for i, path in enumerate(files):
            for with_gate in ((False, True) if (i + r) % 2 == 0 else (True, False)):
                started = time.perf_counter()
                load_pixels_and_info(path, spec, on_image=text_score if with_gate else None)
                (gated if with_gate else plain).append(time.perf_counter() - started)
    return {"photos": len(files), "repeats": repeats, "decode_ms_median": ms(plain),
            "decode_and_gate_ms_median": ms(gated), "added_ms_median": round(ms(gated) - ms(plain), 2)}


def fresh_app(home: Path, mode: str):
    from photo_tagger.app import App

    shutil.rmtree(home / "data" / "library", ignore_errors=True)
    app = App.from_home(home)
    app.override(ocr=mode)
    app.image_encoder.encode_images(np.zeros((1, 3, 224, 224), np.float32))  # the session loads before timing
    return app


def index_once(home: Path, folder: Path, mode: str) -> tuple[float, dict, object]:
    from photo_tagger.cli.progress import TerminalProgress
    from photo_tagger.core.jobs import JobControl

    app = fresh_app(home, mode)
    started, cpu = time.perf_counter(), time.process_time()
    _, report = app.folder_service.add_folders([str(folder)], TerminalProgress(enabled=False), JobControl())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.new and not report.skipped, report.summary(str(folder))
    app.cpu_seconds = cpu  # every thread of this process: decode pool, encoder, writer, text stage
    return seconds, app.catalog.text_counts(), app


def throughput(home: Path, work: Path, photos: int, repeats: int) -> dict:
    folder = work / "textless"
    if len(list(folder.glob("*.jpg"))) != photos:
        shutil.rmtree(folder, ignore_errors=True)
        make_textless_photos(folder, photos, seed=300, size=(1600, 1200))
    runs, cpu = {"off": [], "auto": []}, {"off": [], "auto": []}
    counts = {}
    index_once(home, folder, "off")[2].close()  # warm-up: the label embeddings are computed and cached once
    for r in range(repeats):
        for mode in (("off", "auto") if r % 2 == 0 else ("auto", "off")):
            seconds, counts[mode], app = index_once(home, folder, mode)
            app.close()
            runs[mode].append(seconds)
            cpu[mode].append(app.cpu_seconds)
            print(f"  {mode}: {photos / seconds:.2f} photos/s, {app.cpu_seconds / photos * 1000:.0f} ms CPU per photo",
                  flush=True)
    rate = {m: photos / statistics.median(s) for m, s in runs.items()}
    cpu_ms = {m: statistics.median(s) / photos * 1000 for m, s in cpu.items()}
    pairs = [a / o for a, o in zip(runs["off"], runs["auto"])]  # per repeat: auto's rate over off's
    return {"photos": photos, "size": "1600x1200", "runs_s": {m: [round(x, 2) for x in s] for m, s in runs.items()},
            "photos_per_s_median": {m: round(v, 2) for m, v in rate.items()},
            "auto_over_off": round(rate["auto"] / rate["off"], 3),
            "auto_over_off_per_repeat_median": round(statistics.median(pairs), 3),
            "cpu_ms_per_photo_median": {m: round(v, 1) for m, v in cpu_ms.items()},
            "cpu_auto_over_off": round(cpu_ms["auto"] / cpu_ms["off"], 3), "text_rows_auto": counts.get("auto")}


def rank_one(home: Path, work: Path, words: int) -> dict:
    folder = work / "words"
    shutil.rmtree(folder, ignore_errors=True)
    photos = make_text_photos(folder, words, seed=100)  # named text_000.jpg ...: a name never gives the word away
    seconds, counts, app = index_once(home, folder, "auto")
    try:
        ids = {r.relpath: r.id for r in app.catalog.records()}
        by_search = by_fts = 0
        misses = []
        for photo in photos:
            target, word = ids[f"{photo.name}.jpg"], photo.words[0].lower()
            top = app.search_service.search(word, limit=5, remember=False).hits[:1]
            by_search += bool(top) and top[0].record.id == target
            fts = app.catalog.text_matches(f'"{word}"', 5)[:1]
            by_fts += bool(fts) and fts[0][0] == target
            if not (top and top[0].record.id == target):
                misses.append(word)
    finally:
        app.close()
    return {"photos": len(photos), "ocr": "auto", "index_with_text_stage_s": round(seconds, 1), "text_rows": counts,
            "rank1_share_search": round(by_search / len(photos), 3),
            "rank1_share_text_matches": round(by_fts / len(photos), 3),
            "ranked_by": "photo_tagger.services.search.search (unified ranking)", "missed_words": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=120, help="textless photos for the throughput runs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--words", type=int, default=len(WORDS), help=f"text photos (at most {len(WORDS)})")
    parser.add_argument("--textless", type=int, default=300, help="generated textless photos for the gate")
    parser.add_argument("--threads", type=int, default=0, help="the reader's threads (0: as the app picks)")
    parser.add_argument("--per-kind", type=int, default=10, help="varied text photos of each kind (7 kinds)")
    parser.add_argument("--textless-per-kind", type=int, default=20, help="camera-like photos of each (10) kind")
    parser.add_argument("--parts", default="gate,varied,reader,decode,index,rank1",
                        help="parts to run, comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    work = OUT / "ocr"
    work.mkdir(parents=True, exist_ok=True)
    result = {"machine": {"cpu": cpu_name(), "loadavg_start": loadavg()}}
    if "gate" in parts:
        print("gate ...", flush=True)
        result["gate"] = gate(work, args.words, args.textless)
        print(json.dumps(result["gate"]), flush=True)
    if "varied" in parts:
        print("varied text and camera-like photos ...", flush=True)
        result["varied"] = varied(work, args.per_kind, args.textless_per_kind, args.threads)
        print(json.dumps(result["varied"]), flush=True)
    if "reader" in parts:
        print("reader ...", flush=True)
        result["reader"] = reader(work, args.threads)
        print(json.dumps(result["reader"]), flush=True)
    if "decode" in parts:
        print("decode with and without the gate ...", flush=True)
        result["decode"] = decode_ab(work, args.photos, args.repeats)
        print(json.dumps(result["decode"]), flush=True)
    if parts & {"index", "rank1"}:
        from benchmarks.bench_index import VIT_NAME, ensure_model
        from photo_tagger.config import Settings
        from tests.fixture_models.checkpoints import vit_b32_clip

        home = OUT / "ocr-home-vitb32"
        ensure_model(home, VIT_NAME, vit_b32_clip(), int8=False)
        Settings(model=VIT_NAME).save(home / "config" / "settings.toml")
        if "index" in parts:
            print("throughput ...", flush=True)
            result["index"] = throughput(home, work, args.photos, args.repeats)
            print(json.dumps(result["index"]), flush=True)
        if "rank1" in parts:
            print("rank 1 ...", flush=True)
            result["rank1"] = rank_one(home, work, args.words)
            print(json.dumps(result["rank1"]), flush=True)
    result["machine"]["loadavg_end"] = loadavg()
    (OUT / f"bench_ocr_{'_'.join(sorted(parts))}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
