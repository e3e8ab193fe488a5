"""Duplicate grouping at scale (synthetic phashes, embeddings and capture times, with planted copies, crops and
bursts) and its quality on the copy sets (tests/copy_sets.py: real photos, hashes and alignments; an embedding that
knows the scene but cannot tell a copy from a look-alike)."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.core import duplicates as D  # noqa: E402
from photo_tagger.core.types import PhotoRecord  # noqa: E402
from photo_tagger.infra.image_alignment import Alignment  # noqa: E402


def synthetic(n: int, seed: int = 0) -> tuple[D.PhotoFacts, int, dict]:
    """n photos: random phashes and embeddings, 1% of them near copies (1-2 bits flipped, the same thumbnail), 0.5%
    crops (another phash, cosine about 0.95, half of them without a capture time) and bursts of 5 frames 2 s apart;
    the rest taken hours apart. The alignment is a stand-in that says "crop" for the planted crop pairs only (its
    calls are counted: each costs what the copy sets measure)."""
    from PIL import Image

    from photo_tagger.core.frame_match import thumbnail

    rng = np.random.default_rng(seed)
    phashes = rng.integers(0, 2 ** 63, n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)
    emb = rng.normal(size=(n, 512)).astype(np.float32)
    seconds = np.cumsum(rng.uniform(600, 7200, n))
    planted = n // 100
    for k in range(planted):  # row 2k+1 copies row 2k
        a, b = 2 * k, 2 * k + 1
        phashes[b] = phashes[a] ^ np.uint64(1 << int(rng.integers(64)))
        emb[b] = emb[a] + rng.normal(scale=0.05, size=512)
    crops = set()
    for k in range(planted // 2):  # rows from n // 4 on: row 2k+1 is a crop of row 2k
        a, b = n // 4 + 2 * k, n // 4 + 2 * k + 1
        emb[b] = emb[a] + rng.normal(scale=0.3, size=512)
        seconds[b] = seconds[a] if k % 2 else np.nan
        crops.add((a, b))
    for start in range(n // 2, n // 2 + planted * 5, 5):  # bursts
        seconds[start:start + 5] = seconds[start] + 2 * np.arange(5)
        emb[start + 1:start + 5] = emb[start] + rng.normal(scale=0.2, size=(4, 512))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    records = [PhotoRecord(id=str(i), root="/p", relpath=f"{i}.jpg", size=1000, mtime_ns=i, content_hash=f"h{i}",
                           status="indexed", width=640, height=480,
                           taken_at=None if np.isnan(seconds[i]) else
                           time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1.6e9 + seconds[i])))
               for i in range(n)]
    thumb = thumbnail(Image.effect_noise((64, 64), 40).convert("RGB"))
    crop = Alignment(matches=60, inliers=50, rotation=0.0, cover_a=0.85, cover_b=1.0, residual=3.0)
    calls = {"align": 0}

    def align(a: PhotoRecord, b: PhotoRecord):
        calls["align"] += 1
        return crop if (int(a.id), int(b.id)) in crops else None

    return (D.PhotoFacts(records, phashes, np.ones(n, bool), emb, lambda ids: {i: thumb for i in ids}, align),
            planted, calls)


def _taken(path: str) -> str | None:
    from PIL import Image

    with Image.open(path) as image:
        found = image.getexif().get_ifd(0x8769).get(0x9003)
    return found.replace(":", "-", 2).replace(" ", "T") if found else None


def copy_set_quality(scenes: int, seeds: list[int], graphics: int = 0, correlation: bool = True) -> dict:
    """near through the real analyzer (hash_file), capture times and alignment (services.duplicates' aligner); an
    embedding per scene (every photo of a scene at cosine about 0.99: the model knows the scene, not the copy)."""
    from photo_tagger.infra import image_alignment
    from photo_tagger.infra.perceptual_hash import hash_file
    from photo_tagger.services.duplicates import _aligner
    from tests.copy_sets import CROP_KINDS, LOOK_ALIKE_KINDS, add_graphics, make_copy_sets

    correlate = image_alignment.correlate
    if not correlation:  # keypoints alone, the baseline
        image_alignment.correlate = lambda a, b: None

    totals = dict.fromkeys(("found", "hit", "truth", "hit_crops", "truth_crops", "alike_in", "hit_graphic_crops",
                            "truth_graphic_crops", "graphic_alike_in", "by_correlation"), 0)
    residuals: dict[str, list[float]] = {"crop": [], "look-alike": []}
    costs = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            sets = make_copy_sets(Path(tmp), scenes=scenes, seed=seed)
            add_graphics(sets, graphics, seed=seed)
            paths = sorted(sets.kinds)
            hashes = [hash_file(p) for p in paths]
            records = [PhotoRecord(id=p, root="/", relpath=p[1:], size=Path(p).stat().st_size, mtime_ns=n,
                                   content_hash=str(hash(Path(p).read_bytes())), status="indexed",
                                   width=sets.sizes[p][0], height=sets.sizes[p][1], taken_at=_taken(p))
                       for n, p in enumerate(paths)]
            rng = np.random.default_rng(seed)
            scene_vectors = {}
            emb = np.stack([scene_vectors.setdefault(Path(p).parent.name, rng.normal(size=64))
                            + rng.normal(scale=0.1, size=64) for p in paths]).astype(np.float32)
            emb /= np.linalg.norm(emb, axis=1, keepdims=True)
            thumbs = {p: h.thumb for p, h in zip(paths, hashes)}
            aligner = _aligner()

            def align(a, b):
                started = time.perf_counter()
                found = aligner(a, b)
                costs.append(time.perf_counter() - started)
                kinds = {sets.kinds[a.id], sets.kinds[b.id]}
                side = "look-alike" if kinds & set(LOOK_ALIKE_KINDS) else "crop" if kinds & set(CROP_KINDS) else ""
                if found is not None and side and found.residual != float("inf") and \
                        D.crop_verdict(found._replace(residual=0)) is not None:  # the geometry of a crop
                    residuals[side].append(found.residual)
                return found

            facts = D.PhotoFacts(records, np.array([h.phash for h in hashes], np.uint64), np.ones(len(paths), bool),
                                 emb, lambda ids: {i: thumbs[i] for i in ids}, align)
            groups = D.find_groups("near", facts)
            found = {frozenset(p) for g in groups for p in itertools.combinations([r.id for r in g.photos], 2)}
            every = {frozenset(p) for o, cs in sets.copies.items() for p in itertools.combinations([o] + cs, 2)}
            crops = {pair for pair in every if any(sets.kinds[p] in CROP_KINDS for p in pair)}
            totals["found"] += len(found)
            totals["hit"] += len(found & every)
            totals["truth"] += len(every)
            totals["hit_crops"] += len(found & crops)
            totals["truth_crops"] += len(crops)
            totals["alike_in"] += sum(sets.kinds[r.id] in LOOK_ALIKE_KINDS for g in groups for r in g.photos)
            centre = {pair for pair in crops if any(sets.kinds[p] == "centre_crop" for p in pair)}
            totals["hit_graphic_crops"] += len(found & centre)
            totals["truth_graphic_crops"] += len(centre)
            totals["graphic_alike_in"] += sum(sets.kinds[r.id] in LOOK_ALIKE_KINDS and "graphic" in r.id
                                              for g in groups for r in g.photos)
            totals["by_correlation"] += sum("by correlation" in reason for g in groups for reason in g.reasons.values())
            for g in groups:  # each look-alike let in, and why
                for r in g.photos[1:]:
                    if sets.kinds[r.id] in LOOK_ALIKE_KINDS or sets.kinds[g.keep.id] in LOOK_ALIKE_KINDS:
                        print(f"  look-alike in near: {Path(r.id).parent.name}/{Path(g.keep.id).name} + "
                              f"{Path(r.id).name}: {g.reasons[r.id]}")
    image_alignment.correlate = correlate
    return {"precision": round(totals["hit"] / max(1, totals["found"]), 4),
            "recall_all_copies": round(totals["hit"] / totals["truth"], 4),
            "recall_pairs_with_a_crop": round(totals["hit_crops"] / totals["truth_crops"], 4),
            "look_alikes_in_near": totals["alike_in"],
            "recall_graphic_centre_crops": round(totals["hit_graphic_crops"] / max(1, totals["truth_graphic_crops"]), 4),
            "graphic_centre_crop_pairs": totals["truth_graphic_crops"],
            "graphic_look_alikes_in_near": totals["graphic_alike_in"],
            "matched_by_correlation": totals["by_correlation"],
            "crop_residual_max": max(residuals["crop"], default=None),
            "crop_residual_p95": float(np.percentile(residuals["crop"], 95)) if residuals["crop"] else None,
            "look_alike_residual_min": min(residuals["look-alike"], default=None),
            "look_alike_residual_p5": float(np.percentile(residuals["look-alike"], 5)) if residuals["look-alike"]
            else None,
            "pairs_lined_up": len(costs), "ms_per_pair_median": round(1000 * statistics.median(costs), 1),
            "ms_per_pair_p90": round(1000 * float(np.percentile(costs, 90)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--graphics", type=int, default=0, help="plain graphics added to each seed's copy sets")
    args = parser.parse_args()
    if not args.skip_scale:
        scale(args.photos, args.runs)
    if args.graphics:  # keypoints alone first: the baseline, in the same run
        print("copy sets, near, keypoints only:",
              copy_set_quality(args.scenes, list(range(args.seeds)), args.graphics, correlation=False))
    print("copy sets, near:", copy_set_quality(args.scenes, list(range(args.seeds)), args.graphics))


def scale(photos: int, runs: int) -> None:
    facts, planted, calls = synthetic(photos)
    started = time.perf_counter()
    lsh, skipped = D.candidates.lsh_pairs(facts.embeddings)
    print(f"SimHash bands: {len(lsh)} pairs, {skipped} buckets over {D.candidates.LSH_BUCKET} skipped, "
          f"{time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    pairs = D.crop_candidates(facts, {})
    print(f"crop candidates (time + bands, cosine, cap): {len(pairs)} pairs, {time.perf_counter() - started:.2f} s")
    baseline = []
    for _ in range(runs):  # the same near tier without the crop stage, in the same run (the machine is shared)
        started = time.perf_counter()
        D.find_groups("near", dataclasses.replace(facts, align=None))
        baseline.append(time.perf_counter() - started)
    print(f"near without crops: median {statistics.median(baseline):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in baseline)})")
    for tier in ("exact", "near", "similar"):
        times, groups = [], []
        for _ in range(runs):
            calls["align"] = 0
            started = time.perf_counter()
            groups = D.find_groups(tier, facts)
            times.append(time.perf_counter() - started)
        crops = sum(r.startswith("cropped") for g in groups for r in g.reasons.values())
        print(f"{tier:8s} {photos} photos: median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}), {len(groups)} groups ({planted} copies, "
              f"{planted // 2} crops planted; {crops} crops found), {calls['align']} pairs lined up")


if __name__ == "__main__":
    main()
