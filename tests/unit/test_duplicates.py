"""Duplicate grouping in core: candidate pairs found without comparing all pairs, groups that never chain, the
suggested keeper, and the tiers' reasons."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from photo_tagger.core import duplicate_candidates as candidates
from photo_tagger.core import duplicates as D
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.frame_match import thumbnail
from photo_tagger.core.types import PhotoRecord


def _record(n: int, *, width=640, height=480, taken: datetime | None = None, size=1000, digest=None) -> PhotoRecord:
    return PhotoRecord(id=f"p{n}", root="/photos", relpath=f"{n:03d}.jpg", size=size, mtime_ns=(n + 1) * 10 ** 9,
                       content_hash=digest or f"h{n}", status="indexed", width=width, height=height,
                       taken_at=taken.isoformat() if taken else None)


def test_band_pairs_find_every_pair_within_4_bits_like_brute_force():
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 2 ** 62, 400, dtype=np.uint64)
    for n in range(0, 200, 2):  # planted pairs 0-6 bits apart
        flips = rng.choice(64, n % 7, replace=False)
        hashes[n + 1] = hashes[n] ^ np.uint64(sum(1 << int(f) for f in flips))
    found = {tuple(p) for p in candidates.band_pairs(hashes).tolist()}
    close = {(i, j) for i, j in itertools.combinations(range(len(hashes)), 2)
             if candidates.hamming(hashes[i:i + 1], hashes[j:j + 1])[0] <= D.NEAR_PHASH}
    assert close and close <= found
    assert len(found) < len(hashes) * (len(hashes) - 1) / 2 / 50  # a few candidates, not every pair


def test_time_pairs_pair_only_photos_close_in_time_and_skip_undated():
    seconds = np.array([0, 30, 59, 200, np.nan, 230, 1000], dtype=np.float64)
    assert {tuple(p) for p in candidates.time_pairs(seconds, 60).tolist()} == {(0, 1), (0, 2), (1, 2), (3, 5)}


def _facts(records, embeddings=None, phashes=None, thumbs=None) -> D.PhotoFacts:
    n = len(records)
    thumb = thumbnail(Image.new("RGB", (64, 48), (90, 120, 200)))
    return D.PhotoFacts(records, np.array(phashes if phashes is not None else range(1, n + 1), np.uint64) * 1234567,
                        np.ones(n, bool), embeddings if embeddings is not None else np.ones((n, 4)) / 2,
                        lambda ids: {i: (thumbs or {}).get(i, thumb) for i in ids})


def test_a_long_series_is_not_chained_into_one_group():
    start = datetime(2024, 1, 1, 12)
    records = [_record(n, taken=start + timedelta(seconds=20 * n)) for n in range(30)]  # 10 minutes, 20 s steps
    groups = D.find_groups("similar", _facts(records, phashes=[(1 << n) * 3 + (1 << 40) * n for n in range(30)]))
    assert len(groups) > 1
    for group in groups:
        keep = datetime.fromisoformat(group.keep.taken_at)
        for record in group.photos[1:]:  # every member matched the keeper itself, within a minute of it
            assert abs((datetime.fromisoformat(record.taken_at) - keep).total_seconds()) <= D.SIMILAR_SECONDS
            assert group.reasons[record.id].endswith("s apart, cosine 1.00")


def test_the_keeper_is_the_largest_then_the_oldest_then_the_least_compressed():
    taken = datetime(2022, 5, 1, 10)
    small = _record(0, width=320, height=240, taken=taken - timedelta(days=300), digest="a")
    newer = _record(1, taken=taken + timedelta(days=1), size=5000)
    older = _record(2, taken=taken, size=800)
    older_bigger_file = _record(3, taken=taken, size=900)
    records = [small, newer, older, older_bigger_file]
    groups = D.find_groups("near", _facts(records, phashes=[7, 7, 7, 7]))
    assert [r.id for r in groups[0].photos] == ["p3", "p2", "p1", "p0"]
    assert groups[0].reasons["p0"] == "phash distance 0, cosine 1.00"


def test_the_keeper_is_the_camera_original_before_a_larger_or_older_exifless_re_save():
    """A PNG re-save of a camera JPEG keeps its pixels (or is upscaled) and may carry an older file date; the camera
    file with its EXIF is still the one to keep, and among files that kept the EXIF, a camera format wins."""
    taken = datetime(2022, 5, 1, 10)
    camera = replace(_record(0, taken=taken, size=900), camera_make="Canon", camera_model="EOS R6")
    png = replace(_record(1, width=1280, height=960, size=4_000_000), relpath="001.png", mtime_ns=1)
    stripped = _record(2, size=950)  # the same JPEG, EXIF stripped: no make, no date
    exif_png = replace(camera, id="p3", relpath="003.png", size=3_000_000, content_hash="h3")  # EXIF kept, re-saved
    groups = D.find_groups("near", _facts([png, stripped, exif_png, camera], phashes=[7, 7, 7, 7]))
    # Then, without EXIF, the format says nothing: the most pixels. A plain graphic's PNG beats its JPEG re-save.
    assert [r.id for r in groups[0].photos] == ["p0", "p3", "p1", "p2"]
    # Written in the same second, the JPEG re-save larger than the flat PNG: lossless first, then the larger file.
    graphic = replace(_record(4, size=9_000), relpath="004.png", mtime_ns=5 * 10**9 + 10)
    re_saved = replace(_record(5, size=40_000), relpath="005.jpg", mtime_ns=5 * 10**9 + 20)
    assert D.keeper_order(graphic) < D.keeper_order(re_saved)
    assert D.camera_facts(camera) == 2 and D.camera_facts(png) == 0 and not D.in_camera_format(png)


def test_near_needs_the_frames_to_agree_and_a_high_cosine_tiers_nest():
    records = [_record(0, digest="same"), _record(1, digest="same"), _record(2), _record(3)]
    other = thumbnail(Image.new("RGB", (64, 48), (200, 40, 40)))
    embeddings = np.array([[1, 0], [1, 0], [1, 0], [0.6, 0.8]], np.float32)
    facts = _facts(records, embeddings, phashes=[5, 5, 5, 5], thumbs={"p3": other})
    exact = D.find_groups("exact", facts)
    assert [[r.id for r in g.photos] for g in exact] == [["p0", "p1"]] and exact[0].reasons == {"p1": "same bytes"}
    near = D.find_groups("near", facts)  # p3: other frame; p2: same frame, p3's cosine too low anyway
    assert [[r.id for r in g.photos] for g in near] == [["p0", "p1", "p2"]]
    assert near[0].tiers == {"p1": "exact", "p2": "near"}
    facts = _facts(records, np.ones((4, 2)) / np.sqrt(2), phashes=[5, 5, 5, 5], thumbs={"p3": other})
    assert [[r.id for r in g.photos] for g in D.find_groups("near", facts)] == [["p0", "p1", "p2"]]


def test_unknown_tier_is_refused():
    with pytest.raises(ValueError):
        D.find_groups("nearish", _facts([_record(0)]))


def test_lsh_pairs_find_close_embeddings_and_skip_a_bucket_that_holds_everyone():
    rng = np.random.default_rng(2)
    emb = rng.normal(size=(2000, 64)).astype(np.float32)
    for n in range(0, 400, 2):  # planted pairs at cosine about 0.95
        emb[n + 1] = emb[n] + rng.normal(scale=0.33, size=64) * np.linalg.norm(emb[n]) / 8
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    pairs, skipped = candidates.lsh_pairs(emb)
    found = {tuple(p) for p in pairs.tolist()}
    planted = {(n, n + 1) for n in range(0, 400, 2)}
    assert min(float(emb[i] @ emb[j]) for i, j in planted) > 0.9
    assert len(found & planted) >= 0.95 * len(planted) and skipped == 0
    assert len(found) < 2000 * 1999 / 2 / 100
    same = np.ones((500, 64), np.float32) / 8  # a model that cannot tell: one bucket in every band, left out
    assert len(candidates.lsh_pairs(same)[0]) == 0 and candidates.lsh_pairs(same)[1] == candidates.LSH_BANDS


def test_crop_candidates_are_bounded_per_photo_and_same_moment_first():
    start = datetime(2024, 1, 1, 12)
    records = [_record(n, taken=start + timedelta(seconds=10 * (n // 20))) for n in range(40)]  # bursts 10 s apart
    pairs = D.crop_candidates(_facts(records), {})
    counts = np.bincount(pairs.ravel(), minlength=40)
    assert counts.max() <= D.CROP_PARTNERS and counts.min() > 0
    for first in (0, 20):  # the same moment first: the LSH pairs across bursts (cosine 1 too) come after
        partners = {i + j - first for i, j in pairs.tolist() if first in (i, j)}
        assert len(partners) == D.CROP_PARTNERS and all(n // 20 == first // 20 for n in partners), partners


@pytest.fixture
def shots(tmp_path):
    """An original photo, its crop, its nudged next shot, two burst frames, a moved object, and a broken file."""
    import random

    from tests import copy_sets as C

    scene = C.make_scene(7)
    rng = random.Random(7)
    original = C.render(scene)
    made = {"original": original, "crop": original.crop((30, 20, 610, 455)),
            "nudged": C.render(C.nudged(scene, rng)), "shifted": C.render(C.shifted(scene, rng)),
            **{f"burst{k}": C.render(C.burst_frame(scene, rng, k)) for k in (1, 2)}}
    paths = {}
    for name, image in made.items():
        paths[name] = tmp_path / f"{name}.jpg"
        image.save(paths[name], "JPEG", quality=90)
    paths["broken"] = tmp_path / "broken.jpg"
    paths["broken"].write_bytes(b"\xff\xd8 not a photo at all")
    return paths


def test_a_crop_is_near_with_its_reason_and_look_alikes_never_are(shots, caplog):
    from photo_tagger.services.duplicates import _aligner

    taken = datetime(2024, 5, 1, 9)
    records = [PhotoRecord(id=name, root=str(path.parent), relpath=path.name, size=path.stat().st_size,
                           mtime_ns=n, content_hash=name, status="indexed", width=640, height=480,
                           taken_at=taken.isoformat())  # all at the same moment: every pair is lined up
               for n, (name, path) in enumerate(shots.items())]
    facts = _facts(records, phashes=[1 << (2 * n) | 1 << (2 * n + 40) | 1 << n + 20 for n in range(len(records))])
    facts.align = _aligner()
    with caplog.at_level("WARNING"):
        groups = D.find_groups("near", facts)
    assert [[r.id for r in g.photos] for g in groups] == [["original", "crop"]]
    reason = groups[0].reasons["crop"]
    assert reason.startswith("cropped copy: ") and "% overlap, " in reason and "matching points" in reason, reason
    assert groups[0].tiers == {"crop": "near"}
    broken = [r for r in caplog.records if "broken.jpg" in r.getMessage()]
    assert len(broken) == 1 and broken[0].getMessage().startswith("not compared for crops: ")


def test_importing_opencv_leaves_the_environment_as_it_was():
    """The headless OpenCV has no Qt: it sets no Qt variable. Its loader still prepends its own lib64 folder to
    LD_LIBRARY_PATH (for child processes only); the wheel has no such folder, so a child loads nothing different."""
    import subprocess
    import sys

    code = ("import os; os.environ['QT_QPA_FONTDIR'] = '/mine'; os.environ.pop('QT_QPA_PLATFORM_PLUGIN_PATH', None)\n"
            "os.environ['LD_LIBRARY_PATH'] = '/lib/mine'\n"
            "before = dict(os.environ)\n"
            "from photo_tagger.infra.image_alignment import cv2_module\n"
            "assert cv2_module().__name__ == 'cv2'\n"
            "added = os.environ['LD_LIBRARY_PATH'].removesuffix('/lib/mine').split(':')\n"
            "assert not any(os.path.exists(p) for p in added if p), added\n"
            "os.environ['LD_LIBRARY_PATH'] = '/lib/mine'\n"
            "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_plain_graphic_and_its_centre_crop_line_up_by_correlation_and_look_alikes_never_do(tmp_path):
    """Plain graphics (flat colours, few corners): keypoints alone missed some 4% centre crops (too few of them,
    or a transform turned by 1.1 or 180 degrees); correlation lines those up, and the moved, recoloured and edited
    look-alikes stay out."""
    from photo_tagger.infra import image_alignment as IA
    from tests.copy_sets import CopySets, add_graphics

    sets = CopySets(tmp_path)
    add_graphics(sets, 10, seed=0)
    by_correlation = 0
    for original, copies in sets.copies.items():
        first = IA.features(original)
        for other in copies + sets.look_alikes[original]:
            found = IA.align(first, IA.features(other), accept=D.crop_verdict)
            verdict = D.crop_verdict(found) if found is not None else None
            assert (verdict is not None) == (other in copies), (other, found)
            if verdict and "lined up by correlation" in verdict:
                by_correlation += 1
                assert sets.kinds[other] == "centre_crop" and verdict.startswith("cropped copy: 9")
    assert by_correlation >= 1


def test_the_service_finds_exact_copies_in_the_catalog_and_refuses_an_unwatched_folder(tmp_path):
    from photo_tagger.infra.catalog import Catalog
    from photo_tagger.services.duplicates import DuplicateService

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    root = str(tmp_path)
    records = [PhotoRecord(f"p{n}", root, f"{n}.jpg", 1000 + n, 0, content, "indexed", embedded_model="m",
                           width=10, height=10)
               for n, content in enumerate(["same", "other", "same"])]
    catalog.add_root(root, 0.0)
    with catalog.transaction() as db:
        catalog.write(db, records)
    service = DuplicateService(catalog=catalog, model_key=lambda: "m")
    groups = service.find_groups("exact")
    assert [sorted(r.id for r in g.photos) for g in groups] == [["p0", "p2"]]
    assert service.find_groups("exact", root) == groups
    assert service.flagged(groups) == set()
    assert service.find_groups("exact", str(tmp_path.parent)) == groups  # above the watched folder: fine
    other = tmp_path.parent / f"{tmp_path.name}-other"
    other.mkdir()
    with pytest.raises(PhotoTaggerError, match="not a watched folder"):
        service.find_groups("exact", str(other))
    with pytest.raises(PhotoTaggerError, match="unknown tier"):
        service.find_groups("nearish")
    catalog.close()
