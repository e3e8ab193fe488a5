"""Issue 20, items 2, 3, 8 and the store address: names checked at every way in, broken files never silently
overwritten, a bad setting said with its file and key."""

import logging

import pytest

from photo_tagger.cli.output import shown
from photo_tagger.config import Settings
from photo_tagger.core.errors import ConfigError
from photo_tagger.core.labels import (
    Label,
    ModerationCategory,
    default_label_set,
    label_set_from_dict,
    label_set_to_dict,
)
from photo_tagger.infra.labels_file import LabelsFile

HOSTILE = ["", "   ", "\t", "red\x1b[31m", "\x1b]0;owned\x07", "a\nb", "a\rb", "x\u202ey", "\x9b2J"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_blank_or_hostile_name_is_refused_for_labels_and_categories(name):
    with pytest.raises(ConfigError) as refused:
        Label(name)
    assert "\n" not in str(refused.value) and "\x1b" not in str(refused.value)
    with pytest.raises(ConfigError):
        ModerationCategory(name, ("u",), ("s",))


def test_names_lose_their_outer_spaces_and_keep_everything_else():
    assert Label("  boat ").name == "boat"
    assert Label("café au lait").name == "café au lait"
    assert Label("猫").name == "猫"


def test_the_file_format_refuses_a_nameless_label_but_a_library_file_skips_it():
    data = label_set_to_dict(default_label_set())
    data["label"].insert(3, {"name": "", "enabled": True})
    with pytest.raises(ConfigError, match="label #4"):
        label_set_from_dict(data)
    labels = label_set_from_dict(data, skip_bad_names=True)
    assert [label.name for label in labels.labels] == [label.name for label in default_label_set().labels]
    assert labels.ignored and "label #4" in labels.ignored[0][1]
    cleaned = labels.without_label("")  # `labels remove ""`
    assert not cleaned.ignored and cleaned.labels == labels.labels
    assert label_set_from_dict(label_set_to_dict(cleaned)) == cleaned


def test_output_escapes_control_characters_but_keeps_the_layout():
    assert shown("tag \x1b[2J\x1b]0;x\x07 \x9b \u202e.\nnext\tcol") == \
        "tag \\x1b[2J\\x1b]0;x\\x07 \\x9b \\u202e.\nnext\tcol"


def _broken_labels(path):
    labels_file = LabelsFile(path)
    labels_file.load()
    text = path.read_text() + '\n[[label]]\nname = "hand1"\n\n[[label]]\nname = "hand2"\n[oops\n'
    path.write_text(text)
    return labels_file, text


def test_a_labels_file_with_a_syntax_error_says_file_line_and_column(tmp_path):
    labels_file, _ = _broken_labels(tmp_path / "labels.toml")
    problem = labels_file.on_disk_problem()
    assert str(labels_file.path) in problem and "line" in problem and "column" in problem


def test_saving_over_a_broken_labels_file_keeps_the_users_text_aside(tmp_path, caplog):
    labels_file, text = _broken_labels(tmp_path / "labels.toml")
    with caplog.at_level(logging.WARNING):
        labels_file.save(default_label_set().with_label(Label("boat2")))
    assert labels_file.kept_aside is not None and labels_file.kept_aside.read_text() == text
    assert str(labels_file.kept_aside) in caplog.text
    assert LabelsFile(labels_file.path).load().label("boat2")
    labels_file.save(default_label_set())  # a sound file is replaced as before, nothing kept aside
    assert labels_file.kept_aside is None


@pytest.mark.parametrize("line, key", [("ocr = 5", "ocr"), ('batch_size = "x"', "batch_size"),
                                        ('store_url = "http://[::1"', "store_url"), ("device = 'tpu'", "device")])
def test_a_bad_setting_names_the_file_and_the_key_and_the_lenient_load_keeps_the_rest(tmp_path, line, key):
    path = tmp_path / "settings.toml"
    path.write_text(f'model = "mine"\nthreads = 3\n{line}\n')
    with pytest.raises(ConfigError) as refused:
        Settings.load(path)
    assert str(path) in str(refused.value) and key in str(refused.value)
    settings, problems = Settings.load_lenient(path)
    assert (settings.model, settings.threads) == ("mine", 3)
    assert getattr(settings, key) == getattr(Settings(), key)
    assert len(problems) == 1 and key in problems[0] and str(path) in problems[0]


def test_saving_over_settings_that_are_not_toml_keeps_them_aside(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("ocr = [\nthreads = 2\n")
    settings, problems = Settings.load_lenient(path)
    assert settings == Settings() and "line 2" in problems[0]
    settings.with_changes(ocr="off").save(path)
    kept = list(tmp_path.glob("settings.toml.broken-*"))
    assert len(kept) == 1 and kept[0].read_text() == "ocr = [\nthreads = 2\n"
    assert Settings.load(path).ocr == "off"


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999", "http://:80", "https://host:port"])
def test_a_store_url_that_is_no_address_is_refused(url):
    with pytest.raises(ConfigError, match="store_url"):
        Settings(store_url=url)


def test_a_store_url_with_an_ipv6_host_is_fine():
    assert Settings(store_url="http://[::1]:8000").store_url == "http://[::1]:8000"


def test_console_log_lines_escape_control_characters_too():
    from photo_tagger.log_setup import _ConsoleFormatter

    record = logging.LogRecord("photo_tagger.x", logging.WARNING, __file__, 1, "cannot read %s", ("a\x1b[2J.jpg",),
                               None)
    assert _ConsoleFormatter(None, False).format(record) == "WARNING: cannot read a\\x1b[2J.jpg"
