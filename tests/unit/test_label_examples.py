"""Issue 19 §3-5 in core: a prompt that ranks the user's examples no better than chance has no say (the examples
decide alone, with the threshold in the library's gap), and an edit's effect on the other labels is counted."""

import numpy as np
import pytest

from photo_tagger.core import learning
from photo_tagger.core.dry_run import side_effects
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.tagging import EffectiveTags, decide, prepare
from photo_tagger.core.training import train
from tests.unit.test_judgement import DIM, AxisText, unit


def test_prompt_auc_ranks_the_examples():
    assert learning.prompt_auc(np.array([0.3, 0.4]), np.array([0.1, 0.2])) == 1.0
    assert learning.prompt_auc(np.array([0.1]), np.array([0.1])) == 0.5  # a tie counts half
    assert learning.prompt_auc(np.array([0.1, 0.2]), np.array([0.3, 0.15])) == 0.25
    assert learning.prompt_auc(np.array([0.1]), np.array([])) is None
    assert learning.prompt_disagrees(0.5) and learning.prompt_disagrees(0.2)
    assert not learning.prompt_disagrees(0.51) and not learning.prompt_disagrees(None)


def _library():
    """60 photos near axis 3, 60 near axis 5, 120 of neither: (ids, embeddings)."""
    rng = np.random.default_rng(11)
    cloud = lambda n, axis: unit(rng.normal(size=(n, DIM)) * 0.15 + np.eye(DIM)[axis])  # noqa: E731
    library = np.concatenate([cloud(60, 3), cloud(60, 5), unit(rng.normal(size=(120, DIM)))])
    return [f"{i:040x}" for i in range(len(library))], library


class Choices:
    """The catalog as training reads it: label -> photos added and removed."""

    def __init__(self, name, added, removed):
        self.rows = [(i, name, "add") for i in added] + [(i, name, "remove") for i in removed]

    def all_choices(self):
        return self.rows, []


def _taught(prompt_axis: int | None):
    ids, library = _library()
    label = Label("blorp", (f"a photo of a axis{prompt_axis}.",)) if prompt_axis is not None else \
        Label("blorp", examples_only=True)
    prepared = prepare(LabelSet(labels=(label,)), AxisText())
    added, removed = ids[:10], ids[60:70]  # axis-3 photos are "blorp", axis-5 photos are not
    trained, _ = train(prepared, Choices("blorp", added, removed), "m", ids, (ids, library))
    tags = ["blorp" in {n for n, _ in d.tags} for d in decide(library, trained)]
    rest_pos, rest_neg = tags[10:60], tags[70:120]
    return trained.labels.learned["blorp"], np.mean(rest_pos), np.mean(rest_neg)


def test_a_prompt_that_ranks_removed_photos_first_has_no_say():
    model, recall, false_alarms = _taught(prompt_axis=5)  # the prompt names what the user removed
    assert model.examples_alone and model.prompt_auc is not None and model.prompt_auc <= 0.5
    assert recall >= 0.95 and false_alarms <= 0.05


def test_a_prompt_that_agrees_stays_the_prior_and_a_label_with_no_prompt_learns_alone():
    model, recall, false_alarms = _taught(prompt_axis=3)
    assert not model.examples_alone and model.prompt_auc > 0.9
    assert recall >= 0.95 and false_alarms <= 0.05
    model, recall, false_alarms = _taught(prompt_axis=None)
    assert model.examples_alone and model.prompt_auc is None
    assert recall >= 0.95 and false_alarms <= 0.05


def test_the_threshold_moves_into_the_librarys_gap_between_the_examples():
    weights = np.zeros(DIM, np.float32)
    weights[0] = 1.0
    at = lambda *xs: np.array([[x] + [0.0] * (DIM - 1) for x in xs], np.float32)  # noqa: E731
    model = learning.LearnedModel(weights, -0.5, 2, 2)
    examples = learning.Examples(at(0.9, 1.0), at(0.0, 0.1))
    library = at(0.0, 0.1, 0.15, 0.2, 0.7, 0.8, 0.9, 1.0)  # a gap from 0.2 to 0.7
    moved = learning.in_widest_gap(model, examples, library)
    assert moved.bias == pytest.approx(-0.45) and moved.weights is model.weights
    overlapping = learning.Examples(at(0.9, 0.05), at(0.0, 0.1))
    assert learning.in_widest_gap(model, overlapping, library) is model


def test_side_effects_leave_out_the_edited_labels():
    tags = lambda *names, flags=(): EffectiveTags(tuple(names), tuple(flags))  # noqa: E731
    before = {"a": tags("beach", "sunset"), "b": tags("beach"), "c": tags(), "d": tags("new")}
    after = {"a": tags("sunset", "new"), "b": tags(flags=("weapons",)), "c": tags("sunset"), "d": tags()}
    effects = side_effects(before, after, edited={"new"})
    assert effects.tags_lost == {"beach": 2} and effects.tags_gained == {"sunset": 1}
    assert effects.flags_gained == {"weapons": 1} and not effects.flags_lost
    assert effects.describe() == ("also changes: 2 photos lose 'beach', 1 photo gains 'sunset', "
                                  "1 photo newly flagged 'weapons'")
    assert not side_effects(before, before, set()) and side_effects(before, before, set()).describe() == ""
