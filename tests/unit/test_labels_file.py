"""An empty or mistyped labels.toml never wipes the labels in use (issue 11, items 3 and 11)."""

import logging

import pytest

from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import LabelSet, default_label_set, label_set_from_dict
from photo_tagger.infra.labels_file import LabelsFile


@pytest.mark.parametrize("text", ["", "label = []\n", "# every label removed\n\n[settings]\nmax_tags = 3\n"])
def test_an_empty_file_is_broken_and_the_last_good_labels_stay(tmp_path, caplog, text):
    labels_file = LabelsFile(tmp_path / "labels.toml")
    good = labels_file.load()  # first use writes the defaults, and the last-good copy
    last_good = labels_file.last_good.read_bytes()
    labels_file.path.write_text(text)
    with caplog.at_level(logging.WARNING):
        assert labels_file.load() == good
        assert labels_file.load() == good
    assert "no labels and no moderation categories" in labels_file.problem
    assert "labels.toml" in labels_file.problem and "labels remove" in labels_file.problem
    assert len(caplog.records) == 1 and "\n" not in caplog.records[0].getMessage()  # one line, once
    assert labels_file.last_good.read_bytes() == last_good


def test_removing_everything_on_purpose_is_saved_and_loads_but_is_no_fallback(tmp_path):
    labels_file = LabelsFile(tmp_path / "labels.toml")
    labels_file.load()
    last_good = labels_file.last_good.read_bytes()
    labels_file.save(LabelSet())  # the CLI or the editor
    assert LabelsFile(labels_file.path).load() == LabelSet()
    assert labels_file.last_good.read_bytes() == last_good  # never replaced by an empty set
    labels_file.save(default_label_set())
    assert labels_file.last_good.read_bytes() == labels_file.path.read_bytes()  # a real set is, again


def test_labels_without_moderation_are_not_empty(tmp_path):
    labels_file = LabelsFile(tmp_path / "labels.toml")
    labels_file.path.write_text('label = []\n[[moderation]]\nname = "x"\nunsafe = ["u"]\nsafe = ["s"]\n')
    assert [c.name for c in labels_file.load().moderation] == ["x"] and not labels_file.problem


@pytest.mark.parametrize("data, message", [
    ({"label": "oops"}, "label must be a list of [[label]] tables (each with a name), not a string ('oops')"),
    ({"label": ["dog"]}, "label #1 must be a [[label]] table with a name, not a string ('dog')"),
    ({"moderation": {"name": "x"}}, "moderation must be a list of [[moderation]] tables"),
    ({"settings": 3}, "settings must be a [settings] table, not a number (3)"),
])
def test_a_mistyped_entry_says_what_is_wrong(data, message):
    with pytest.raises(ConfigError) as caught:
        label_set_from_dict(data)
    assert message in str(caught.value)
