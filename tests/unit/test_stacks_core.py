"""Stacks (core/stacks.py) and the best shot (core/quality.py): grouping, incremental restacking, measures of
generated sharp, blurred and over-exposed shots, and how keep choices weigh in."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from photo_tagger.core import quality
from photo_tagger.core.quality import (
    Preference,
    Quality,
    best_shot,
    learn_preference,
    measure,
)
from photo_tagger.core.stacks import (
    StackFacts,
    codes,
    find_stacks,
    restack,
    similar_candidates,
    with_embeddings,
)

NAN = float("nan")


def _facts(seconds, cameras=None, contents=None, embeddings=None, ids=None):
    n = len(seconds)
    facts = StackFacts(ids or [f"p{k}" for k in range(n)], np.array(seconds, np.float64),
                       codes(cameras or ["cam"] * n), np.array(contents or [-1] * n, np.int64))
    return facts if embeddings is None else with_embeddings(facts, np.array(embeddings, np.float32))


def test_a_burst_chains_frames_of_one_camera_and_stops_at_a_gap():
    facts = _facts([0, 1, 2.5, 4, 10, 11, 30])
    assert find_stacks(facts) == [(0, 1, 2, 3), (4, 5)]


def test_two_cameras_at_the_same_moment_make_two_bursts_and_undated_photos_never_stack():
    facts = _facts([0, 0.5, 1, 1.5, NAN, NAN], cameras=["a", "b", "a", "b", "a", "a"])
    assert find_stacks(facts) == [(0, 2), (1, 3)]


def test_copies_of_the_same_bytes_stack_whatever_their_dates():
    facts = _facts([0, 5000, NAN, 90000], contents=[7, 7, 7, 8])
    assert find_stacks(facts) == [(0, 1, 2)]


def test_similar_shots_join_within_a_minute_but_never_chain_beyond_it():
    same = [1.0, 0.0]
    other = [0.0, 1.0]
    # Six look-alike shots 20 s apart (too far for a burst): they join in minute-long stacks, not one of 100 s.
    facts = _facts([0, 20, 40, 60, 80, 100, 45], embeddings=[same] * 6 + [other])
    stacks = find_stacks(facts)
    assert all(len(s) <= 4 for s in stacks) and sum(len(s) for s in stacks) == 6
    for stack in stacks:
        assert np.ptp(facts.seconds[list(stack)]) <= 60 and 6 not in stack  # the other scene stays alone
    # Without meaning (no embeddings) they are six single photos.
    assert find_stacks(_facts([0, 20, 40, 60, 80, 100])) == []
    # Embeddings of only the photos with a neighbour in time give the same stacks.
    lone = _facts([0, 20, 40, 60, 80, 100, 45, 5000])
    rows = similar_candidates(lone.seconds)
    assert 7 not in rows.tolist()
    vectors = np.array([same] * 6 + [other, same], np.float32)
    assert find_stacks(with_embeddings(lone, vectors[rows], rows)) == stacks
    # A burst's frames need no embedding to stack with each other: only its neighbours outside it.
    burst = _facts([0, 1, 2, 3, 100, 130])
    assert similar_candidates(burst.seconds, burst.cameras).tolist() == [4, 5]
    assert similar_candidates(burst.seconds).tolist() == [0, 1, 2, 3, 4, 5]


def test_restack_with_similar_shots_keeps_the_stacks_away_from_the_new_photos():
    same, other = [1.0, 0.0], [0.0, 1.0]
    seconds = [0, 20, 40, 1000, 1010, 1020, 30]
    vectors = [same, same, same, other, other, other, same]
    everything = _facts(seconds, embeddings=vectors)
    before = everything.subset(np.arange(6))
    previous = [tuple(before.ids[n] for n in g) for g in find_stacks(before)]
    assert previous == [("p0", "p1", "p2"), ("p3", "p4", "p5")]
    updated = restack(everything, previous, {"p6"})
    assert sorted(updated) == sorted([("p0", "p1", "p6", "p2"), ("p3", "p4", "p5")])


def test_restack_after_new_photos_equals_stacking_everything_again():
    rng = np.random.default_rng(3)
    seconds = np.sort(rng.uniform(0, 5000, 400))
    seconds[50:60] = seconds[50] + np.arange(10) * 0.5  # a burst
    cameras = rng.choice(["a", "b"], 400).tolist()
    cameras[50:60] = ["a"] * 10
    facts = _facts(seconds.tolist(), cameras=cameras)
    old_rows = [n for n in range(400) if n % 7]
    before = facts.subset(np.array(old_rows))
    previous = [tuple(before.ids[n] for n in g) for g in find_stacks(before)]
    new_ids = {facts.ids[n] for n in range(400) if not n % 7}
    updated = restack(facts, previous, new_ids)
    full = [tuple(facts.ids[n] for n in g) for g in find_stacks(facts)]
    assert sorted(updated) == sorted(full)
    assert any(len(s) >= 10 for s in full)


def _scene(size=(320, 240)) -> Image.Image:
    image = Image.new("RGB", size, (110, 120, 130))
    draw = ImageDraw.Draw(image)
    for k in range(0, size[0], 16):  # edges everywhere: blur shows
        draw.rectangle([k, 40 + (k % 48), k + 7, 200 - (k % 32)], fill=(30 + k % 150, 60, 160))
    draw.ellipse([100, 60, 220, 180], fill=(200, 180, 60), outline=(20, 20, 20), width=3)
    return image


def test_measures_tell_a_blurred_shot_and_an_over_exposed_one_from_the_sharp_one():
    sharp = measure(_scene())
    blurred = measure(_scene().filter(ImageFilter.GaussianBlur(3)))
    bright = measure(ImageEnhance.Brightness(_scene()).enhance(2.6))
    dark = measure(ImageEnhance.Brightness(_scene()).enhance(0.03))
    assert blurred.sharpness < sharp.sharpness / 4
    assert sharp.clipped < 0.01
    assert bright.highlights > 0.3 and dark.shadows > 0.2


def test_the_best_shot_is_the_sharp_well_exposed_one_and_says_why():
    sharp, blurred = measure(_scene()), measure(_scene().filter(ImageFilter.GaussianBlur(2.5)))
    bright = measure(ImageEnhance.Brightness(_scene()).enhance(2.6))
    assert best_shot([blurred, sharp, blurred]) == (1, "sharpest of 3")
    index, reason = best_shot([bright, blurred, sharp])
    assert index == 2 and reason in ("sharpest of 3", "best exposed of 3")
    # Unmeasured shots count only when none is measured; then the first.
    assert best_shot([None, blurred, sharp]) == (2, "sharpest of 3")
    assert best_shot([None, None]) == (0, "first of 2")


def test_an_over_exposed_sharper_shot_loses_to_a_well_exposed_one():
    burnt = Quality(sharpness=900.0, highlights=0.35, shadows=0.0)
    fine = Quality(sharpness=700.0, highlights=0.0, shadows=0.01)
    assert best_shot([burnt, fine]) == (1, "best exposed of 2")


def test_keep_choices_weigh_in_only_once_there_are_enough():
    sharp_burnt = Quality(1000.0, 0.12, 0.0)
    soft_fine = Quality(150.0, 0.0, 0.0)
    # By default the sharper shot wins this pair ...
    assert best_shot([sharp_burnt, soft_fine])[0] == 0
    kept_exposure = [(soft_fine, sharp_burnt)] * quality.MIN_CHOICES
    assert not learn_preference(kept_exposure[:-1]).learned
    learned = learn_preference(kept_exposure)
    assert learned.learned and learned.sharpness_weight < 0.2
    # ... a user who keeps the better exposed one gets that, told so.
    assert best_shot([sharp_burnt, soft_fine], learned) == (1, "like your picks, of 2")
    # Choices that decide nothing (one photo better in both) do not count.
    assert learn_preference([(soft_fine, Quality(10.0, 0.5, 0.0))] * 9) == Preference(0.5, 0)


def test_measure_handles_tiny_and_grey_images():
    assert measure(Image.new("L", (2, 2), 255)).highlights == pytest.approx(1.0)
    assert measure(Image.new("RGBA", (40, 40))).sharpness == 0.0
