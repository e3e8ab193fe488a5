"""Duplicate groups in tiers: exact (same bytes), near (the same shot re-encoded, resized, lightly cropped or
stripped of EXIF), similar (other shots of the same scene).

Tiers nest: a tier's groups hold the photos that match at that tier or a stricter one (near includes exact copies,
similar includes both), each member saying which. Groups never chain: every member matched the group's suggested
keeper itself, so a long series taken a few seconds apart breaks into groups around their keepers instead of
becoming one group by small steps. Thresholds were measured on the copy sets (tests/copy_sets.py, RESULTS.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from photo_tagger.core import duplicate_candidates as candidates
from photo_tagger.core.dates import record_date
from photo_tagger.core.frame_match import as_array, residual
from photo_tagger.core.types import PhotoRecord

TIERS = ("exact", "near", "similar")

# near: phashes within 4 bits (re-encoded, resized, stripped and PNG copies measured 0-2; look-alikes go down to
# 0), frames that agree cell by cell (copies differed by at most 17 levels in any cell, look-alikes by 41 and up),
# and a high cosine where the model can tell (real CLIP puts re-encodes at 0.95 and up). The cosine is never enough
# alone: a toy or random model gives every pair a high one, so the hash and the frames decide.
NEAR_PHASH = 4  # = candidates.BANDS - 1: the bands find every such pair
NEAR_RESIDUAL = 28.0
NEAR_COSINE = 0.90
# near, cropped: a crop moves every cell and its phash (6-22 bits). Pairs taken within CROP_SECONDS of each other or
# sharing an LSH band of their embeddings (cosine >= NEAR_COSINE) are lined up pixel by pixel (infra/image_alignment):
# a crop maps onto its original by a scale and a shift, lies inside it and, once warped onto it, differs by JPEG
# noise only (crops measured up to 8 levels in the worst cell, burst frames, the next shot and moved objects 28 and
# up: RESULTS.md).
CROP_SECONDS = 2.0
CROP_PARTNERS = 8  # candidates lined up per photo at most, the closest in meaning first: a long burst stays linear
CROP_MIN_INLIERS = 10  # keypoints the transform explains (crops measured 8-104)
CROP_MAX_ROTATION = 1.0  # degrees: a crop is not turned (a transform off by 1.2 degrees left a crop residual of 23)
CROP_INSIDE = 0.95  # share of the smaller photo inside the larger one
CROP_KEEPS = 0.60  # share of the larger photo the smaller one keeps: "lightly" cropped (a 20% cut of each side)
CROP_RESIDUAL = 18.0  # 32 x 32 cells, each allowed 2 px: crops measured up to 8, look-alikes 28 and up
# A plain graphic (flat colours, few corners) gives too few keypoints: the aligner then lines it up by normalised
# cross-correlation instead, and the same geometry and cell checks decide (RESULTS.md, plain graphics).
CROP_MIN_CORRELATION = 0.90
# similar: taken within a minute of the keeper (capture times only: a file's time is when it was copied) and
# close in meaning.
SIMILAR_SECONDS = 60.0
SIMILAR_COSINE = 0.85


@dataclass(frozen=True)
class DuplicateGroup:
    tier: str  # one of TIERS
    photos: tuple[PhotoRecord, ...]  # the suggested photo to keep first (keeper_order: the camera's original)
    reasons: dict[str, str]  # photo id -> why it is in the group, e.g. "same bytes", "phash distance 4, cosine 0.97"
    tiers: dict[str, str] = field(default_factory=dict)  # photo id -> the tier it matched the keeper at

    @property
    def keep(self) -> PhotoRecord:
        return self.photos[0]


@dataclass
class PhotoFacts:
    """What grouping looks at, row by row: records, their phashes (uint64; 0 where `hashed` is False), their
    embeddings (normalized rows; None for the exact tier) and a way to fetch thumbnails of a few photos."""

    records: list[PhotoRecord]
    phashes: np.ndarray
    hashed: np.ndarray
    embeddings: np.ndarray | None
    thumbnails: Callable[[list[str]], dict[str, bytes]]
    # How the second photo lines up with the first (infra.image_alignment.Alignment), None where it cannot be told
    # (a photo that cannot be decoded: the caller logs why); without it crops are not looked for.
    align: Callable[[PhotoRecord, PhotoRecord], object | None] | None = None


# Formats a camera writes (its original file); a copy in another format (a PNG or WebP re-save, a GIF) was made
# later from one of them, whatever its file date says.
CAMERA_FORMATS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".heic",
        ".heif",
        ".hif",
        ".avif",
        ".dng",
        ".cr2",
        ".cr3",
        ".nef",
        ".nrw",
        ".arw",
        ".srf",
        ".sr2",
        ".orf",
        ".rw2",
        ".raf",
        ".pef",
        ".srw",
        ".x3f",
    }
)


LOSSY_FORMATS = frozenset({".jpg", ".jpeg", ".jpe", ".heic", ".heif", ".hif", ".avif", ".webp"})


def camera_facts(record: PhotoRecord) -> int:
    """How much of a camera's EXIF the file kept: a camera make or model, and a capture date (0-2)."""
    return int(bool(record.camera_make or record.camera_model)) + int(bool(record.taken_at))


def in_camera_format(record: PhotoRecord) -> bool:
    return os.path.splitext(record.relpath)[1].lower() in CAMERA_FORMATS


def keeper_order(record: PhotoRecord) -> tuple:
    """The suggested photo to keep sorts first: the original, the camera's file, is the one with the camera's EXIF
    (make or model, capture date), then, among those, the one in a camera's format (a JPEG or HEIC over a PNG
    re-save); then the most pixels, then the oldest (capture date, else file date); among equals a lossless file
    over a lossy one, then the largest file (the least compressed), then the file written first. The format counts only beside the EXIF: without any, a
    file's format says nothing of where it came from (a plain graphic's original is the PNG, its JPEG the re-save)."""
    found = record_date(record)
    facts = camera_facts(record)
    lossy = os.path.splitext(record.relpath)[1].lower() in LOSSY_FORMATS  # a larger file is less compressed only
    return (
        -facts,
        facts > 0 and not in_camera_format(record),
        -(record.width or 0) * (record.height or 0),
        found.at if found else "9999",
        lossy,
        -record.size,
        record.mtime_ns,
        record.path,
    )  # in one format


def find_groups(
    tier: str, facts: PhotoFacts, checkpoint: Callable[[], None] = lambda: None, progress=None
) -> list[DuplicateGroup]:
    """The groups of `tier` (ValueError for an unknown tier), largest first."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")
    rank = TIERS.index(tier)
    edges: dict[tuple[int, int], tuple[int, str]] = {}
    _exact(facts.records, edges)
    if rank >= 1:
        _near(facts, edges, checkpoint, progress)
        _crops(facts, edges, checkpoint, progress)
    if rank >= 2:
        _similar(facts, edges)
    return _star_groups(tier, facts.records, edges)


def _add(edges: dict, i: int, j: int, level: int, reason: str) -> None:
    key = (i, j) if i < j else (j, i)
    if key not in edges or edges[key][0] > level:
        edges[key] = (level, reason)


def _exact(records: list[PhotoRecord], edges: dict) -> None:
    by_hash: dict[str, list[int]] = {}
    for n, record in enumerate(records):
        if record.content_hash:
            by_hash.setdefault(record.content_hash, []).append(n)
    for rows in by_hash.values():
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                _add(edges, rows[a], rows[b], 0, "same bytes")


def near_candidates(facts: PhotoFacts) -> np.ndarray:
    """Pairs of hashed photos whose phashes agree on a whole band: every pair within NEAR_PHASH bits."""
    hashed = np.flatnonzero(facts.hashed)
    return hashed[candidates.band_pairs(facts.phashes[hashed])].reshape(-1, 2)


def _cosines(embeddings: np.ndarray | None, pairs: np.ndarray) -> np.ndarray:
    if embeddings is None:
        return np.ones(len(pairs))
    return np.einsum("ij,ij->i", embeddings[pairs[:, 0]], embeddings[pairs[:, 1]])


def _near(facts: PhotoFacts, edges: dict, checkpoint, progress) -> None:
    pairs = near_candidates(facts)
    distance = candidates.hamming(facts.phashes[pairs[:, 0]], facts.phashes[pairs[:, 1]])
    pairs, distance = pairs[distance <= NEAR_PHASH], distance[distance <= NEAR_PHASH]
    cosine = _cosines(facts.embeddings, pairs)
    keep = (cosine >= NEAR_COSINE) & np.array([tuple(p) not in edges for p in pairs.tolist()], bool)
    pairs, distance, cosine = pairs[keep], distance[keep], cosine[keep]
    records = facts.records
    thumbs = facts.thumbnails(sorted({records[n].id for n in pairs.ravel().tolist()}))
    arrays: dict[str, np.ndarray] = {}
    if progress is not None:
        progress.started(len(pairs), "comparing look-alikes")
    for done, ((i, j), d, c) in enumerate(zip(pairs.tolist(), distance.tolist(), cosine.tolist()), 1):
        if done % 64 == 0:
            checkpoint()
            if progress is not None:
                progress.advanced(done)
        a, b = records[i].id, records[j].id
        if a not in thumbs or b not in thumbs:
            continue
        for key in (a, b):
            if key not in arrays:
                arrays[key] = as_array(thumbs[key])
        if residual(arrays[a], arrays[b]) <= NEAR_RESIDUAL:
            _add(edges, i, j, 1, f"phash distance {d}, cosine {c:.2f}")
    if progress is not None:
        progress.finished()


def crop_candidates(facts: PhotoFacts, edges: dict) -> np.ndarray:
    """Pairs not yet matched that were taken within CROP_SECONDS or share an LSH band, with cosine >= NEAR_COSINE;
    at most CROP_PARTNERS a photo, those taken at the same moment first, then the closest. Sorted, so each photo's
    pairs come together."""
    if facts.embeddings is None or len(facts.records) < 2:
        return np.zeros((0, 2), np.int64)
    seconds = np.array([capture_seconds(r) for r in facts.records], dtype=np.float64)
    lsh, _ = candidates.lsh_pairs(facts.embeddings)
    pairs = candidates.unique_pairs(np.concatenate([candidates.time_pairs(seconds, CROP_SECONDS), lsh]))
    # Photos already matched as copies are one photo here, their best keeper: a crop is lined up with the original
    # once, not with each of its re-encodes (which would also fill its CROP_PARTNERS).
    stand_in = _keepers_of_copies(facts.records, edges)
    pairs = candidates.unique_pairs(stand_in[pairs]) if len(pairs) else pairs
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    cosine = _cosines(facts.embeddings, pairs)
    pairs, cosine = pairs[cosine >= NEAR_COSINE], cosine[cosine >= NEAR_COSINE]
    # Taken at the same moment first, then the closest in meaning, then the closest phash (crops measured 6-22 bits,
    # unrelated photos about 32): a weak model gives every pair a cosine of 0.99 or more.
    apart = np.abs(seconds[pairs[:, 0]] - seconds[pairs[:, 1]])
    same_moment = apart <= CROP_SECONDS  # False where either has no capture time (NaN)
    bits = candidates.hamming(facts.phashes[pairs[:, 0]], facts.phashes[pairs[:, 1]])
    bits[~(facts.hashed[pairs[:, 0]] & facts.hashed[pairs[:, 1]])] = 64
    count: dict[int, int] = {}
    kept = []
    for i, j in pairs[np.lexsort((bits, -np.round(cosine, 2), ~same_moment))].tolist():
        if (i, j) in edges or count.get(i, 0) >= CROP_PARTNERS or count.get(j, 0) >= CROP_PARTNERS:
            continue
        count[i] = count.get(i, 0) + 1
        count[j] = count.get(j, 0) + 1
        kept.append((i, j))
    return np.array(sorted(kept), np.int64).reshape(-1, 2)


def _keepers_of_copies(records: list[PhotoRecord], edges: dict) -> np.ndarray:
    """For each row, the best keeper (keeper_order) among the photos it is matched with, directly or not."""
    parent = np.arange(len(records))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for i, j in edges:
        a, b = sorted((root(i), root(j)), key=lambda n: keeper_order(records[n]))
        if a != b:
            parent[b] = a
    return np.array([root(n) for n in range(len(records))], np.int64)


def crop_verdict(alignment) -> str | None:
    """The reason a lined-up pair is a copy (the same frame or a light crop of it), None for a look-alike."""
    inside, keeps = max(alignment.cover_a, alignment.cover_b), min(alignment.cover_a, alignment.cover_b)
    correlated = getattr(alignment, "correlation", 0.0) >= CROP_MIN_CORRELATION and alignment.inliers == 0
    if (
        (alignment.inliers < CROP_MIN_INLIERS and not correlated)
        or abs(alignment.rotation) > CROP_MAX_ROTATION
        or inside < CROP_INSIDE
        or keeps < CROP_KEEPS
        or not alignment.residual <= CROP_RESIDUAL
    ):
        return None
    kind = "aligned copy" if keeps >= CROP_INSIDE else "cropped copy"
    how = (
        f"lined up by correlation {alignment.correlation:.2f}" if correlated else f"{alignment.inliers} matching points"
    )
    return f"{kind}: {keeps:.0%} overlap, {how}, largest cell difference {alignment.residual:.0f}"


def _crops(facts: PhotoFacts, edges: dict, checkpoint, progress) -> None:
    if facts.align is None:
        return
    pairs = crop_candidates(facts, edges)
    if progress is not None:
        progress.started(len(pairs), "lining up possible crops")
    records = facts.records
    for done, (i, j) in enumerate(pairs.tolist(), 1):
        if done % 8 == 0:
            checkpoint()
            if progress is not None:
                progress.advanced(done)
        alignment = facts.align(records[i], records[j])
        reason = crop_verdict(alignment) if alignment is not None else None
        if reason is not None:
            _add(edges, i, j, 1, reason)
    if progress is not None:
        progress.finished()


def capture_seconds(record: PhotoRecord) -> float:
    """Seconds of the capture time (camera-local: only differences count); NaN without one."""
    if not record.taken_at:
        return float("nan")
    try:
        return datetime.fromisoformat(record.taken_at).replace(tzinfo=None).timestamp()
    except ValueError:
        return float("nan")


def similar_pairs(seconds: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Pairs of rows of the similar tier (taken within SIMILAR_SECONDS, cosine >= SIMILAR_COSINE), the closest in
    meaning first (stacks, core/stacks.py, join them in that order)."""
    pairs = candidates.time_pairs(seconds, SIMILAR_SECONDS)
    cosine = _cosines(embeddings, pairs)
    keep = cosine >= SIMILAR_COSINE
    pairs, cosine = pairs[keep], cosine[keep]
    return pairs[np.argsort(-cosine, kind="stable")]


def _similar(facts: PhotoFacts, edges: dict) -> None:
    if facts.embeddings is None:
        return
    seconds = np.array([capture_seconds(r) for r in facts.records], dtype=np.float64)
    pairs = similar_pairs(seconds, facts.embeddings)
    cosine = _cosines(facts.embeddings, pairs)
    for (i, j), c in zip(pairs.tolist(), cosine.tolist()):
        apart = abs(seconds[j] - seconds[i])
        _add(edges, i, j, 2, f"{apart:.0f} s apart, cosine {c:.2f}")


def _star_groups(tier: str, records: list[PhotoRecord], edges: dict) -> list[DuplicateGroup]:
    """Stars: the best keeper not yet taken, with every photo not yet taken that it matched itself; again and again.
    Linear in the matches (a time-lapse of 100,000 frames a few seconds apart is one long chain of them)."""
    neighbours: dict[int, dict[int, tuple[int, str]]] = {}
    for (i, j), edge in edges.items():
        neighbours.setdefault(i, {})[j] = edge
        neighbours.setdefault(j, {})[i] = edge
    order = sorted(neighbours, key=lambda n: keeper_order(records[n]))
    position = {n: k for k, n in enumerate(order)}
    groups = []
    taken: set[int] = set()
    for keeper in order:
        if keeper in taken:
            continue
        taken.add(keeper)
        matched = sorted((n for n in neighbours[keeper] if n not in taken), key=position.__getitem__)
        if matched:
            taken.update(matched)
            groups.append(
                DuplicateGroup(
                    tier,
                    tuple(records[n] for n in (keeper, *matched)),
                    {records[n].id: neighbours[keeper][n][1] for n in matched},
                    {records[n].id: TIERS[neighbours[keeper][n][0]] for n in matched},
                )
            )
    groups.sort(key=lambda g: (-len(g.photos), keeper_order(g.keep)))
    return groups
