"""Duplicate grouping at scale (synthetic phashes, embeddings and capture times, with planted copies and bursts)
and its quality on the copy sets (tests/copy_sets.py: real photos and hashes, an uninformative embedding)."""

from __future__ import annotations

import argparse
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


def synthetic(n: int, seed: int = 0) -> tuple[D.PhotoFacts, int]:
    """n photos: random phashes and embeddings, 1% of them near copies (1-2 bits flipped, the same thumbnail) and
    bursts of 5 frames 2 s apart; the rest taken hours apart."""
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
    for start in range(n // 2, n // 2 + planted * 5, 5):  # bursts
        seconds[start:start + 5] = seconds[start] + 2 * np.arange(5)
        emb[start + 1:start + 5] = emb[start] + rng.normal(scale=0.2, size=(4, 512))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    records = [PhotoRecord(id=str(i), root="/p", relpath=f"{i}.jpg", size=1000, mtime_ns=i, content_hash=f"h{i}",
                           status="indexed", width=640, height=480,
                           taken_at=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1.6e9 + seconds[i])))
               for i in range(n)]
    thumb = thumbnail(Image.effect_noise((64, 64), 40).convert("RGB"))
    return D.PhotoFacts(records, phashes, np.ones(n, bool), emb, lambda ids: {i: thumb for i in ids}), planted


def copy_set_quality(scenes: int, seeds: list[int]) -> dict:
    from tests.copy_sets import make_copy_sets
    from photo_tagger.infra.perceptual_hash import hash_file

    found_near = truth_all = truth_same = alike_in = 0
    hit_all = hit_same = 0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            sets = make_copy_sets(Path(tmp), scenes=scenes, seed=seed)
            paths = sorted(sets.kinds)
            hashes = [hash_file(p) for p in paths]
            records = [PhotoRecord(id=p, root="/", relpath=p[1:], size=Path(p).stat().st_size, mtime_ns=n,
                                   content_hash=str(hash(Path(p).read_bytes())), status="indexed",
                                   width=sets.sizes[p][0], height=sets.sizes[p][1]) for n, p in enumerate(paths)]
            ones = np.ones((len(paths), 8), np.float32) / np.sqrt(8)  # cosine 1 everywhere: the model cannot tell
            thumbs = {p: h.thumb for p, h in zip(paths, hashes)}
            facts = D.PhotoFacts(records, np.array([h.phash for h in hashes], np.uint64), np.ones(len(paths), bool),
                                 ones, lambda ids: {i: thumbs[i] for i in ids})
            groups = D.find_groups("near", facts)
            found = {frozenset(p) for g in groups for p in itertools.combinations([r.id for r in g.photos], 2)}
            every = {frozenset(p) for o, cs in sets.copies.items() for p in itertools.combinations([o] + cs, 2)}
            same = {frozenset(p) for o, cs in sets.copies.items()
                    for p in itertools.combinations([o] + [c for c in cs if sets.kinds[c] != "cropped"], 2)}
            found_near += len(found)
            hit_all += len(found & every)
            truth_all += len(every)
            hit_same += len(found & same)
            truth_same += len(same)
            alike_in += sum(sets.kinds[r.id] in ("shifted", "recoloured", "burst") for g in groups for r in g.photos)
    return {"precision": hit_all / max(1, found_near), "recall_all_copies": hit_all / truth_all,
            "recall_same_framing": hit_same / truth_same, "look_alikes_in_near": alike_in}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenes", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    facts, planted = synthetic(args.photos)
    for tier in ("exact", "near", "similar"):
        times, groups = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            groups = D.find_groups(tier, facts)
            times.append(time.perf_counter() - started)
        print(f"{tier:8s} {args.photos} photos: median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}), {len(groups)} groups ({planted} copies planted)")
    print("copy sets, near:", copy_set_quality(args.scenes, list(range(args.seeds))))


if __name__ == "__main__":
    main()
