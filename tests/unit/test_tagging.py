"""Labels, the tag rule, user choices, the text-embedding cache (fakes, no model)."""

import numpy as np
import pytest

from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import (
    Label,
    LabelSet,
    ModerationCategory,
    default_label_set,
    label_set_from_dict,
    label_set_to_dict,
)
from photo_tagger.core.tagging import TagDecision, UserChoices, decide, effective, prepare
from photo_tagger.core.text_cache import CachedTextEncoder
from photo_tagger.infra.labels_file import LabelsFile


class WordEncoder:
    """Text embedding = normalized bag of a few known words: enough to check the arithmetic."""

    WORDS = ("red", "green", "blue", "circle", "square")
    embedding_dim = len(WORDS)

    def __init__(self):
        self.calls = 0

    def encode_texts(self, texts):
        self.calls += len(texts)
        vectors = np.array([[t.count(w) + 1e-3 for w in self.WORDS] for t in texts], np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def unit(*values):
    v = np.array(values, np.float32)
    return v / np.linalg.norm(v)


def test_default_labels_are_about_fifty_everyday_ones_plus_moderation():
    labels = default_label_set()
    assert 45 <= len(labels.labels) <= 60 and {"dog", "beach", "receipt", "screenshot"} <= {label.name for label in labels.labels}
    assert {c.name for c in labels.moderation} >= {"nudity", "violence", "weapons", "drugs", "self-harm"}
    assert label_set_from_dict(label_set_to_dict(labels)) == labels


def test_tag_rule_threshold_and_max_tags():
    labels = LabelSet(labels=(Label("red", prompts=("red",)), Label("green", prompts=("green",)),
                              Label("blue", prompts=("blue",), threshold=0.9), Label("off", ("square",), enabled=False)),
                      threshold=0.4, max_tags=1)
    prepared = prepare(labels, WordEncoder(), logit_scale=10.0)
    assert prepared.names == ["red", "green", "blue"]  # disabled labels take no part
    photos = np.stack([unit(1, 0, 0, 0, 0), unit(0.7, 0.7, 0, 0, 0), unit(0, 0, 1, 0, 0), unit(0, 0, 0, 1, 0)])
    decisions = decide(photos, prepared)
    assert [name for name, _ in decisions[0].tags] == ["red"]
    assert len(decisions[1].tags) == 1  # two labels pass, max_tags keeps the best
    assert [name for name, _ in decisions[2].tags] == ["blue"]  # 0.9 threshold, probability ~0.99
    assert decisions[3].tags == ()  # no label fits: a third each, under the 0.4 threshold


def test_a_label_decides_alone_adding_or_disabling_another_never_moves_it():
    """The absolute rule (core/calibration.py): no softmax over the user's labels."""
    photos = np.stack([unit(1, 1, 1, 1, 1), unit(1, 0.8, 0, 0, 0), unit(0, 0, 1, 0, 0)])
    one = LabelSet(labels=(Label("red", prompts=("red",)),))
    many = LabelSet(labels=(Label("red", prompts=("red",)), Label("green", prompts=("green",)),
                            Label("blue", prompts=("blue",)), Label("x", prompts=("circle",), enabled=False)))
    alone = decide(photos, prepare(one, WordEncoder()))
    among = decide(photos, prepare(many, WordEncoder()))
    assert [list(d.tags[:1]) for d in alone] == [[t for t in d.tags if t[0] == "red"][:1] for d in among]
    assert [name for name, _ in alone[1].tags] == ["red"]  # the photo is red and green: red alone still says so
    assert [name for name, _ in among[1].tags] == ["red"]  # green loses to the everyday word "red" here
    assert alone[0].tags == () and among[0].tags == ()  # a flat photo stands out for nothing
    assert all(source == "prompt" for d in among for source in d.tag_sources)


def test_moderation_flags_when_unsafe_mass_passes_the_threshold():
    labels = LabelSet(moderation=(ModerationCategory("circles", ("circle",), ("square",), threshold=0.7),
                                  ModerationCategory("off", ("square",), ("circle",), enabled=False)))
    prepared = prepare(labels, WordEncoder(), logit_scale=10.0)
    decisions = decide(np.stack([unit(0, 0, 0, 1, 0), unit(0, 0, 0, 0, 1), unit(0, 0, 0, 1, 1)]), prepared)
    assert [d.flags[0][0] if d.flags else None for d in decisions] == ["circles", None, None]


def test_user_choices_win():
    decision = TagDecision(tags=(("dog", 0.6), ("beach", 0.3)), flags=(("violence", 0.9),))
    assert effective(decision, None).tags == ("beach", "dog") and effective(decision, None).flags == ("violence",)
    mine = UserChoices(added=frozenset({"holiday"}), removed=frozenset({"dog"}), not_sensitive=True)
    result = effective(decision, mine)
    assert result.tags == ("beach", "holiday") and result.flags == ()
    assert result.as_metadata() == {"tags": ["beach", "holiday"], "flags": None, "flagged": 0}


@pytest.mark.parametrize("text, fragment", [
    ('[[label]]\nname = "a"\nthreshold = 2\n', "label 'a': threshold must be a number between 0 and 1"),
    ('[[label]]\nname = "a"\n[[label]]\nname = "a"\n', "label 'a' is defined twice"),
    ('[settings]\ntemplates = ["no placeholder"]\n', "every template needs a {}"),
    ('[[moderation]]\nname = "x"\nunsafe = ["u"]\n', "moderation 'x': safe: expected a list"),
    ('[[label]]\nname = "a"\nprompts = "one"\nenabled = true\n', "label 'a': prompts"),
    ('[[label]]\nname = \n[[label]]\n', "line 2"),
])
def test_broken_labels_file_names_the_problem_and_keeps_the_last_good_labels(tmp_path, text, fragment):
    labels_file = LabelsFile(tmp_path / "labels.toml")
    good = labels_file.load()  # first use writes the defaults
    assert good == default_label_set()
    (tmp_path / "labels.toml").write_text(text)
    assert labels_file.load() == good
    assert fragment in labels_file.problem and "labels.toml" in labels_file.problem
    (tmp_path / "labels.last-good.toml").unlink()
    with pytest.raises(ConfigError, match="labels.toml"):
        labels_file.load()


def test_text_cache_encodes_each_text_once_across_restarts(tmp_path):
    encoder = WordEncoder()
    cache = CachedTextEncoder(encoder, "m1", tmp_path / "cache.sqlite3")
    first = cache.encode_texts(["red circle", "blue square", "red circle"])
    assert encoder.calls == 2
    cache.encode_texts(["blue square"])
    cache.close()
    again = CachedTextEncoder(encoder, "m1", tmp_path / "cache.sqlite3")
    np.testing.assert_array_equal(again.encode_texts(["red circle"])[0], first[0])
    assert encoder.calls == 2
    other_model = CachedTextEncoder(encoder, "m2", tmp_path / "cache.sqlite3")
    other_model.encode_texts(["red circle"])
    assert encoder.calls == 3  # keyed by model too
