"""Candidate pairs for the duplicate tiers without comparing every photo with every other: phash bands (multi-index
hashing) and neighbours in time. Each returns pairs (i, j), i < j, of row numbers; core/duplicates.py verifies
them."""

from __future__ import annotations

import numpy as np

BANDS = 5  # 64 bits in 5 bands: two phashes within Hamming distance 4 agree on at least one band (pigeonhole)
MAX_BUCKET = 256  # photos sharing one band value beyond this are featureless (flat, black): that band is skipped


def _pairs_within(order: np.ndarray, keys: np.ndarray, max_run: int) -> np.ndarray:
    """Every pair of rows with the same key (rows in `order` sorted by key); runs longer than max_run skipped."""
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    lengths = np.diff(np.r_[starts, len(order)])
    out, upper = [], {}
    for start, length in zip(starts[lengths > 1].tolist(), lengths[lengths > 1].tolist()):
        if length > max_run:
            continue
        rows = order[start : start + length]
        if length not in upper:
            upper[length] = np.triu_indices(length, 1)
        i, j = upper[length]
        out.append(np.stack([rows[i], rows[j]], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 2), np.int64)


def band_pairs(phashes: np.ndarray) -> np.ndarray:
    """Pairs whose 64-bit phashes (uint64) agree on a whole band: every pair within Hamming distance BANDS - 1."""
    widths = [64 // BANDS + (1 if b < 64 % BANDS else 0) for b in range(BANDS)]
    found, shift = [], 0
    for width in widths:
        keys = (phashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        found.append(_pairs_within(np.argsort(keys, kind="stable"), keys, MAX_BUCKET))
        shift += width
    return unique_pairs(np.concatenate(found))


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bits that differ between uint64 arrays."""
    xor = np.ascontiguousarray(np.bitwise_xor(a, b), dtype=np.uint64)
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(xor).astype(np.int64)
    return np.unpackbits(xor.view(np.uint8)).reshape(-1, 64).sum(axis=1).astype(np.int64)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Each pair once, as (i, j) with i < j, sorted."""
    if not len(pairs):
        return pairs.reshape(0, 2).astype(np.int64)
    pairs = np.sort(pairs, axis=1).astype(np.int64)
    width = int(pairs.max()) + 1
    keys = np.unique(pairs[:, 0] * width + pairs[:, 1])  # one int per pair: far faster than unique rows
    return np.stack([keys // width, keys % width], axis=1)


def time_pairs(seconds: np.ndarray, max_apart: float, max_each: int = 64) -> np.ndarray:
    """Pairs of rows taken at most max_apart seconds apart (NaN: no capture time, never paired); each row is
    paired with at most max_each that follow it (a burst of a thousand frames stays linear)."""
    known = np.flatnonzero(~np.isnan(seconds))
    order = known[np.argsort(seconds[known], kind="stable")]
    times = seconds[order]
    found = []
    for step in range(1, max_each + 1):
        if step >= len(order):
            break
        close = np.flatnonzero(times[step:] - times[:-step] <= max_apart)
        if not len(close):
            break
        found.append(np.stack([order[close], order[close + step]], axis=1))
    return unique_pairs(np.concatenate(found)) if found else np.zeros((0, 2), np.int64)


# Random-hyperplane LSH (SimHash) on the embeddings, for copies the phash bands miss (crops): two photos at angle t
# agree on one hyperplane's side with probability 1 - t/pi, on a band of LSH_BITS with that to the power LSH_BITS.
# Cosine 0.93 (centred): 0.88 a bit, 0.10 a band, 97% to share one of 32 bands; cosine 0 shares a band 1 in 260,000.
LSH_BITS = 18
LSH_BANDS = 32
LSH_BUCKET = 64  # a bucket this full is a series of shots of one scene (found by time) or a model that cannot tell
LSH_MAX_DIFFER = 0.25  # share of all LSH_BITS * LSH_BANDS signs: an angle of 45 degrees, cosine 0.71
_CHUNK = 65536


def lsh_pairs(embeddings: np.ndarray, seed: int = 0) -> tuple[np.ndarray, int]:
    """Pairs of rows whose embeddings share a whole band of LSH_BITS random-hyperplane signs, and how many buckets
    over LSH_BUCKET were skipped (a random-weight model puts every photo in one). The embeddings are centred first:
    a real model's vectors share a common direction that would make every pair look close."""
    if len(embeddings) < 2:
        return np.zeros((0, 2), np.int64), 0
    centred = embeddings - embeddings.mean(axis=0, keepdims=True)
    planes = np.random.default_rng(seed).standard_normal((embeddings.shape[1], LSH_BITS * LSH_BANDS))
    planes = planes.astype(np.float32)
    weights = 1 << np.arange(LSH_BITS, dtype=np.int64)
    found, skipped = [], 0
    keys = np.empty((len(embeddings), LSH_BANDS), np.int64)
    packed = np.empty((len(embeddings), LSH_BITS * LSH_BANDS // 64), np.uint64)
    for start in range(0, len(embeddings), _CHUNK):
        signs = (centred[start : start + _CHUNK].astype(np.float32) @ planes) > 0
        keys[start : start + _CHUNK] = signs.reshape(-1, LSH_BANDS, LSH_BITS) @ weights
        packed[start : start + _CHUNK] = np.packbits(signs, axis=1).view(np.uint64)
    for band in range(LSH_BANDS):
        band_keys = keys[:, band]
        order = np.argsort(band_keys, kind="stable")
        found.append(_pairs_within(order, band_keys, LSH_BUCKET))
        sorted_keys = band_keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        skipped += int((np.diff(np.r_[starts, len(order)]) > LSH_BUCKET).sum())
    pairs = unique_pairs(np.concatenate(found))
    # A pair that shares one band by chance disagrees on about half of all the signs: gone before any cosine is
    # computed (cosine 0.9 disagrees on 14% of them, give or take 1.5%).
    differ = sum(hamming(packed[pairs[:, 0], k], packed[pairs[:, 1], k]) for k in range(packed.shape[1]))
    return pairs[differ <= LSH_MAX_DIFFER * packed.shape[1] * 64], skipped
