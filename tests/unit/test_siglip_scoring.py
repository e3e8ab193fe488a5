"""SigLIP's own probability in the tag rule (synthetic embeddings, no model): a second way in for labels, nothing
changes for CLIP models (no sigmoid) or for moderation categories."""

import numpy as np

from photo_tagger.core import calibration
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from photo_tagger.core.tagging import calibrated, decide, prepare, scores
from photo_tagger.infra.model_store import InstalledModel
from tests.unit.test_judgement import DIM, AxisText, unit

SIGMOID = (10.0, -5.6)  # p = 0.5 at a cosine of 0.56


def _library():
    """40 photos of axis1 alone, 40 where axis1 shares the photo with a stronger everyday word ("dog"), 120 of
    nothing in particular."""
    rng = np.random.default_rng(3)
    noise = unit(rng.normal(size=(200, DIM)))
    alone = unit(noise[:40] * 0.3 + np.eye(DIM)[1])
    shared = unit(noise[40:80] * 0.2 + np.eye(DIM)[1] + 1.2 * np.eye(DIM)[2])
    return np.concatenate([alone, shared, noise[80:]])


LABELS = LabelSet(labels=(Label("axis1", prompts=("a photo of a axis1.",)),),
                  moderation=(ModerationCategory("axis3", ("axis3",), ("axis0",), threshold=0.5),))


def _tagged(prepared, library):
    return np.array(["axis1" in {n for n, _ in d.tags} for d in decide(library, calibrated(prepared, library))])


def test_the_model_probability_lets_in_a_label_that_shares_the_photo_with_a_stronger_everyday_word():
    library = _library()
    relative = _tagged(prepare(LABELS, AxisText()), library)
    siglip = _tagged(prepare(LABELS, AxisText(), sigmoid=SIGMOID), library)
    assert relative[:40].mean() >= 0.9 and siglip[:40].mean() >= 0.9  # alone: both rules
    assert relative[40:80].mean() <= 0.1  # beaten by "dog" on every photo: the relative rule says no
    assert siglip[40:80].mean() >= 0.9  # the model's own probability: cos >= 0.6 -> p >= 0.6
    assert not relative[80:].any() and not siglip[80:].any()  # "none of these" still holds


def test_the_confidence_is_the_higher_of_the_calibrated_one_and_the_model_probability():
    library = _library()
    base = calibrated(prepare(LABELS, AxisText()), library)
    with_model = calibrated(prepare(LABELS, AxisText(), sigmoid=SIGMOID), library)
    cos = library @ base.labels.groups[0]
    expected = np.maximum(scores(library, base)[0][:, 0], calibration.model_probability(cos, *SIGMOID))
    assert np.allclose(scores(library, with_model)[0][:, 0], expected, atol=1e-6)
    assert np.allclose(calibration.model_probability(np.array([0.56, 0.86]), *SIGMOID), [0.5, 1 / (1 + np.exp(-3))])


def test_moderation_categories_and_clip_models_are_scored_as_before():
    library = np.concatenate([_library(), unit(np.eye(DIM)[3] + 0.4 * np.eye(DIM)[0])[None].repeat(20, 0)])
    base = calibrated(prepare(LABELS, AxisText()), library)
    with_model = calibrated(prepare(LABELS, AxisText(), sigmoid=SIGMOID), library)
    assert np.array_equal(scores(library, base)[2], scores(library, with_model)[2])  # flags: untouched
    clip = InstalledModel("clip", None, {"family": "clip", "logit_scale": 100.0})
    ready_siglip = InstalledModel("s", None, {"family": "siglip", "logit_scale": None, "logit_bias": None})
    siglip = InstalledModel("s", None, {"family": "siglip", "logit_scale": 117.3, "logit_bias": -12.9})
    assert clip.sigmoid is None and ready_siglip.sigmoid is None and siglip.sigmoid == (117.3, -12.9)
    same = calibrated(prepare(LABELS, AxisText(), sigmoid=clip.sigmoid), library)
    assert [d.tags for d in decide(library, same)] == [d.tags for d in decide(library, base)]
