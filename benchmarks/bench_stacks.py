"""Stacks at scale: grouping 100,000 photos (synthetic capture times, cameras, contents and embeddings with planted
bursts and similar shots), choosing every stack's best shot, restacking after new photos against stacking all
again, and the index-time cost of measuring a photo beside its perceptual hash (the baseline, same images)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.core import stacks as S
from photo_tagger.core.quality import Quality, best_shot, measure


def synthetic(n: int, seed: int = 0):
    """n photos over about three years: sessions of shots a minute or more apart, a fifth of the photos in bursts
    of 3-10 frames 0.5 s apart, a tenth re-taken within 20 s as a look-alike (the same scene's embedding, a little
    noise), 0.5% exact copies; two cameras; 2% without a capture time. Returns (facts, embeddings)."""
    rng = np.random.default_rng(seed)
    seconds = np.cumsum(rng.exponential(900, n)).astype(np.float64)
    emb = rng.normal(size=(n, 512)).astype(np.float32)
    cameras = rng.integers(0, 2, n)
    contents = np.arange(n, dtype=np.int64)
    row = 0
    while row < n:
        kind = rng.random()
        if kind < 0.04:  # a burst (0.04 of starts x about 6.5 frames: a fifth of the photos)
            length = min(int(rng.integers(3, 11)), n - row)
            seconds[row:row + length] = seconds[row] + 0.5 * np.arange(length)
            cameras[row:row + length] = cameras[row]
            emb[row:row + length] = emb[row] + 0.1 * rng.normal(size=(length, 512))
            row += length
        elif kind < 0.14 and row + 1 < n:  # a look-alike re-take
            seconds[row + 1] = seconds[row] + rng.uniform(5, 20)
            emb[row + 1] = emb[row] + 0.2 * rng.normal(size=512)
            row += 2
        else:
            row += 1
    order = np.argsort(seconds, kind="stable")
    seconds, emb, cameras = seconds[order], emb[order], cameras[order]
    copies = rng.choice(n, n // 200, replace=False)
    contents[copies] = contents[rng.choice(n, len(copies))]
    seconds[rng.random(n) < 0.02] = np.nan
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    facts = S.StackFacts([f"p{k:06d}" for k in range(n)], seconds, cameras.astype(np.int64), contents)
    return facts, emb


def full_stacking(facts: S.StackFacts, emb: np.ndarray) -> list:
    """What the stacks service does after reading the catalog: similar pairs of the photos with a neighbour in
    time, then the groups."""
    rows = S.similar_candidates(facts.seconds, facts.cameras)
    S.with_embeddings(facts, emb[rows], rows)
    return S.find_stacks(facts)


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--service", action="store_true",
                        help="also time the stacks service over a catalog of these photos (what the grid runs)")
    args = parser.parse_args()
    facts, emb = synthetic(args.photos)
    seconds, groups = timed(lambda: full_stacking(S.StackFacts(facts.ids, facts.seconds, facts.cameras,
                                                               facts.contents), emb), args.runs)
    stacked = sum(len(g) for g in groups)
    print(f"{args.photos} photos: {len(groups)} stacks of {stacked} photos; full stacking median "
          f"{seconds:.3f} s ({args.runs} runs)")
    rng = np.random.default_rng(1)
    qualities = {i: Quality(float(rng.uniform(5, 900)), float(rng.uniform(0, 0.2)), 0.0) for i in
                 (n for g in groups for n in g)}
    best, _ = timed(lambda: [best_shot([qualities[n] for n in g]) for g in groups], args.runs)
    print(f"best shot of every stack: median {best:.3f} s")
    for added in (1, 100, 1000):
        new_rows = np.sort(rng.choice(args.photos, added, replace=False))
        old_rows = np.setdiff1d(np.arange(args.photos), new_rows)
        before = facts.subset(old_rows)
        previous = [tuple(before.ids[n] for n in g) for g in full_stacking(before, emb[old_rows])]
        every = S.StackFacts(facts.ids, facts.seconds, facts.cameras, facts.contents)
        full_stacking(every, emb)  # the similar pairs, as the service reads them
        new_ids = {facts.ids[n] for n in new_rows.tolist()}
        update, result = timed(lambda e=every, p=previous, n=new_ids: S.restack(e, p, n), args.runs)
        again, truth = timed(lambda e=every: S.find_stacks(e), args.runs)
        same = sorted(result) == sorted(tuple(every.ids[n] for n in g) for g in truth)
        print(f"+{added} new photos: restack median {update * 1000:.1f} ms vs grouping all again "
              f"{again * 1000:.1f} ms (ratio {again / update:.1f}x), same stacks: {same}")
    measure_cost()
    if args.service:
        service_cost(facts, emb, args.runs)


def service_cost(facts: S.StackFacts, emb: np.ndarray, runs: int) -> None:
    """services.stacks.find_stacks over a real catalog holding these photos, their embeddings and every stack
    member's measures: reading records and the embeddings of photos with a neighbour in time, grouping, best
    shots. The catalog is written once in a temporary folder."""
    import tempfile
    from datetime import datetime

    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.services.stacks import StackService

    rng = np.random.default_rng(2)
    with tempfile.TemporaryDirectory() as folder:
        catalog = Catalog(Path(folder) / "catalog.sqlite3")
        records = [PhotoRecord(i, "/photos", f"{i}.jpg", 1000, 0, f"c{facts.contents[n]}", "indexed",
                               taken_at=None if np.isnan(facts.seconds[n]) else
                               datetime.fromtimestamp(1.6e9 + facts.seconds[n]).isoformat(),
                               camera_make="Cam", camera_model=str(facts.cameras[n]))
                   for n, i in enumerate(facts.ids)]
        start = time.perf_counter()
        for first in range(0, len(records), 5000):
            with catalog.transaction() as db:
                catalog.write(db, records[first:first + 5000])
                catalog.write_vectors(db, "bench", facts.ids[first:first + 5000], emb[first:first + 5000])
                catalog.write_quality(db, [(r.id, r.content_hash, Quality(float(rng.uniform(5, 900)),
                                                                          float(rng.uniform(0, 0.2)), 0.0))
                                           for r in records[first:first + 5000]])
        print(f"catalog of {len(records)} photos written in {time.perf_counter() - start:.0f} s")
        service = StackService(catalog=catalog, model_key=lambda: "bench")
        whole, found = timed(service.find_stacks, runs)
        print(f"stacks service, whole library: median {whole:.2f} s ({len(found)} stacks)")
        catalog.close()


def measure_cost(count: int = 40) -> None:
    """Per photo, on the decoded draft-size image the indexer hands its analyzers (448x336 here)."""
    from photo_tagger.infra.perceptual_hash import photo_hash
    from tests.burst_photos import scene

    images = [scene(n, (448, 336)) for n in range(count)]
    photo_hash(images[0])  # imports imagehash and scipy once
    hashing, _ = timed(lambda: [photo_hash(i) for i in images], 5)
    measuring, _ = timed(lambda: [measure(i) for i in images], 5)
    print(f"index time per photo: measure {measuring / count * 1000:.2f} ms, perceptual hash (baseline) "
          f"{hashing / count * 1000:.2f} ms, ratio {measuring / hashing:.2f}")


if __name__ == "__main__":
    main()
