"""core/model_comparison.py: the trial's sample, tag agreement, search tops."""

import numpy as np
import pytest

from photo_tagger.core.model_comparison import (
    Disagreement,
    LabelAgreement,
    ModelComparison,
    SearchTops,
    compare_tags,
    spread_sample,
    top_ids,
)


def test_sample_is_seeded_spread_and_starts_with_the_given_photos():
    ids = [f"p{i:04d}" for i in range(1000)]
    sample = spread_sample(ids, 50)
    assert sample == spread_sample(ids, 50)  # a trial stopped and started again picks the same photos
    assert len(set(sample)) == 50
    positions = sorted(ids.index(i) for i in sample)
    assert all(20 * k <= p < 20 * (k + 1) for k, p in enumerate(positions))  # one from each twentieth
    assert spread_sample(ids, 50, seed=1) != sample
    first = spread_sample(ids, 50, first=["p0007", "p0007", "unknown", "p0999"])
    assert first[:2] == ["p0007", "p0999"] and len(set(first)) == 50


def test_sample_of_a_small_library_is_all_of_it():
    assert sorted(spread_sample(["a", "b", "c"], 10)) == ["a", "b", "c"]
    assert spread_sample([], 10) == []
    assert spread_sample(["a", "b", "c"], 2, first=["c", "b", "a"]) == ["c", "b"]


def test_compare_tags_counts_agreement_per_photo_and_label():
    current = {"1": ("dog",), "2": ("dog", "beach"), "3": (), "4": ("cat",)}
    trial = {"1": ("dog",), "2": ("beach", "dog"), "3": ("cat",)}  # "4" missing: no tags there
    agreed, labels, differ = compare_tags(["1", "2", "3", "4"], current, trial, ["dog", "beach", "cat", "car"])
    assert agreed == 2  # the same tags in another order agree
    assert labels == (LabelAgreement("dog", 2, 0, 0), LabelAgreement("beach", 1, 0, 0),
                      LabelAgreement("cat", 0, 1, 1), LabelAgreement("car", 0, 0, 0))
    assert differ == (Disagreement("3", (), ("cat",)), Disagreement("4", ("cat",), ()))
    assert differ[0].only_trial == ("cat",) and differ[0].only_current == ()


def test_a_tag_outside_the_labels_is_counted_after_them():
    _, labels, _ = compare_tags(["1"], {"1": ("old",)}, {"1": ()}, ["dog"])
    assert [label.label for label in labels] == ["dog", "old"]


def test_top_ids_best_first_and_limited():
    ids = ["a", "b", "c"]
    matrix = np.array([[1, 0], [0, 1], [0.6, 0.8]], np.float32)
    assert top_ids(ids, matrix, np.array([0, 1], np.float32), 2) == ("b", "c")
    assert top_ids(ids, matrix, np.array([1, 0], np.float32), 10) == ("a", "c", "b")
    assert top_ids([], np.zeros((0, 2)), np.array([1, 0]), 3) == ()


def test_json_names_photos_by_path_when_given():
    result = ModelComparison("b32", "b16", 3, 2, (LabelAgreement("dog", 1, 1, 0),),
                             (Disagreement("x", ("dog",), ()),), (SearchTops("dog", ("x", "y"), ("y", "z")),))
    data = result.as_json({"x": "/p/x.jpg", "y": "/p/y.jpg"})
    assert data["disagreements"] == [{"photo": {"id": "x", "path": "/p/x.jpg"}, "current": ["dog"], "trial": []}]
    assert data["searches"][0]["shared"] == 1 and data["searches"][0]["trial"][1] == {"id": "z", "path": None}
    assert result.as_json()["searches"][0]["current"] == ["x", "y"]


@pytest.mark.parametrize("size", [1, 7, 100])
def test_sample_size_is_kept(size):
    assert len(spread_sample([str(i) for i in range(100)], size)) == size
