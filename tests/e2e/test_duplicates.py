"""Duplicate tiers on the copy sets (tests/copy_sets.py) through the real indexer and the CLI: exact and near find
the copies (crops included) and never a look-alike, similar finds each burst, the keeper is the original, --folder
limits."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3

import pytest

from tests.copy_sets import make_copy_sets

SAME_FRAMING = ("same_bytes", "quality_60", "quality_35", "resized_50", "resized_25", "exif_stripped", "png")
LOOK_ALIKES = ("shifted", "recoloured", "burst", "nudged")


@pytest.fixture
def indexed(cli, tiny_home, tmp_path):
    sets = make_copy_sets(tmp_path / "photos", scenes=4, seed=3)
    for path, kind in sets.kinds.items():  # EXIF-less PNG re-saves whose file date is older than the capture date:
        if kind == "png":  # the camera JPEG is still the one to keep
            os.utime(path, ns=(1_500_000_000 * 10**9, 1_500_000_000 * 10**9))
    result = cli("--home", tiny_home, "index", sets.folder)
    assert result.returncode == 0, result.err
    return sets


def _groups(cli, home, *args) -> list[dict]:
    result = cli("--home", home, "duplicates", "--json", *args)
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def _pairs(groups) -> set[frozenset]:
    return {frozenset(pair) for g in groups for pair in itertools.combinations([p["path"] for p in g["photos"]], 2)}


def _truth(sets, kinds) -> set[frozenset]:
    return {frozenset(pair) for original, copies in sets.copies.items()
            for pair in itertools.combinations([original] + [c for c in copies if sets.kinds[c] in kinds], 2)}


def _precision_recall(found: set, truth: set) -> tuple[float, float]:
    hit = len(found & truth)
    return hit / max(1, len(found)), hit / len(truth)


def test_exact_and_near_find_the_copies_and_never_a_look_alike(cli, tiny_home, indexed):
    sets = indexed
    alike = {p for p, kind in sets.kinds.items() if kind in LOOK_ALIKES}
    exact = _groups(cli, tiny_home, "--tier", "exact")
    assert _precision_recall(_pairs(exact), _truth(sets, ("same_bytes",))) == (1.0, 1.0)
    near = _groups(cli, tiny_home)  # near is the default
    assert {g["tier"] for g in near} == {"near"}
    # Every pair found is of copies; every copy is found, crops included.
    precision, recall = _precision_recall(_pairs(near), _truth(sets, sets.kinds.values()))
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
    assert _precision_recall(_pairs(near), _truth(sets, SAME_FRAMING))[1] == 1.0
    for groups in (exact, near):
        assert not alike & {p["path"] for g in groups for p in g["photos"]}
    for group in near:  # the keeper is the original (the camera's EXIF and format, then largest, oldest); each other says why
        assert sets.kinds[group["keep"]] == "original" and group["photos"][0]["keep"]
        for photo in group["photos"][1:]:
            kind = sets.kinds[photo["path"]]
            start = {"same_bytes": "same bytes", "cropped": "cropped copy: ", "cropped_shrunk": "cropped copy: "}.get(
                kind, "phash distance ")
            assert photo["reason"].startswith(start), photo


def test_similar_groups_each_burst_and_says_how_far_apart(cli, tiny_home, indexed):
    sets = indexed
    similar = _groups(cli, tiny_home, "--tier", "similar")
    for burst in sets.bursts:
        holding = [g for g in similar if set(burst) & {p["path"] for p in g["photos"]}]
        assert len(holding) == 1 and set(burst) <= {p["path"] for p in holding[0]["photos"]}, burst
        reasons = [p["reason"] for p in holding[0]["photos"][1:] if p["path"] in burst]
        assert all(r.endswith(tuple(f"cosine {c / 100:.2f}" for c in range(85, 101))) and " s apart" in r
                   for r in reasons), reasons


def test_text_output_folder_filter_and_bad_arguments(cli, tiny_home, indexed):
    sets = indexed
    elsewhere = sets.folder.parent / "elsewhere"
    elsewhere.mkdir()
    scene = os.path.dirname(next(iter(sets.copies)))
    result = cli("--home", tiny_home, "duplicates", "--folder", scene)
    assert result.returncode == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"keep   {scene}/original.jpg (640x480)"
    assert any(line.startswith(f"  also {scene}/copy_same_bytes.jpg: same bytes") for line in lines)
    assert lines[-1].startswith("1 group, ")
    only = _groups(cli, tiny_home, "--folder", scene)
    assert {os.path.dirname(p["path"]) for g in only for p in g["photos"]} == {scene}
    for args, words in ((("--tier", "nearish"), "unknown tier 'nearish'"),
                        (("--folder", sets.folder / "nowhere"), "no such folder"),
                        (("--folder", elsewhere), "not a watched folder")):
        result = cli("--home", tiny_home, "duplicates", *args)
        assert result.returncode == 1 and words in result.err and len(result.err.strip().splitlines()) == 1, \
            result.err


def test_photos_indexed_before_hashes_existed_are_hashed_by_the_first_run(cli, tiny_home, indexed):
    catalog = tiny_home / "data" / "library" / "catalog.sqlite3"
    before = _groups(cli, tiny_home)
    with sqlite3.connect(catalog) as db:
        stored = db.execute("SELECT COUNT(*) FROM photo_hashes").fetchone()[0]
        db.execute("DELETE FROM photo_hashes")  # as a library indexed before this feature
    assert stored == len(indexed.kinds)
    assert _groups(cli, tiny_home) == before
    with sqlite3.connect(catalog) as db:
        assert db.execute("SELECT COUNT(*) FROM photo_hashes").fetchone()[0] == stored
