"""`photo-tagger settings [KEY [VALUE]]`: list, show, set; one line and exit 2 for what Settings refuses."""

from __future__ import annotations

import json
import tomllib

import pytest

from photo_tagger.config import SETTINGS_HELP, Settings, parse_setting
from photo_tagger.core.errors import ConfigError


def saved(home) -> dict:
    return tomllib.loads((home / "config" / "settings.toml").read_text())


def test_settings_lists_every_setting_with_its_value_and_what_it_does(cli, home):
    result = cli("--home", home, "settings")
    assert result.returncode == 0, result.err
    lines = result.out.splitlines()
    for key, help_text in SETTINGS_HELP.items():
        row = next(i for i, line in enumerate(lines) if line.split()[:1] == [key])
        assert lines[row + 1].strip() == help_text
    assert "device          auto" in result.out and "batch_size      16" in result.out
    assert "store_url       (empty)" in result.out
    assert "roots" not in result.out  # the watched folders live in the library, not here
    listed = json.loads(cli("--home", home, "settings", "--json").out)
    assert listed["thumbnail_size"] == 160 and listed["fast_decode"] is False and set(listed) == set(SETTINGS_HELP)


def test_settings_shows_and_sets_one(cli, home):
    assert cli("--home", home, "settings", "device").out == "auto\n"
    result = cli("--home", home, "settings", "device", "cpu")
    assert (result.returncode, result.out) == (0, "device = cpu\n")
    assert cli("--home", home, "settings", "device").out == "cpu\n"
    assert cli("--home", home, "settings", "fast_decode", "yes").returncode == 0
    assert cli("--home", home, "settings", "batch_size", "32").returncode == 0
    assert cli("--home", home, "settings", "store_url", "http://nas.local:8000").returncode == 0
    assert cli("--home", home, "settings", "ocr", "all").out == "ocr = all\n"
    assert saved(home) == {"model": "", "device": "cpu", "precision": "fp32", "batch_size": 32, "threads": 0,
                           "store_url": "http://nas.local:8000", "store_ca_file": "", "fast_decode": True,
                           "thumbnail_size": 160, "ocr": "all", "sidecar_albums": False}
    assert cli("--home", home, "settings", "store_url", "").returncode == 0  # empty: back to this computer
    assert saved(home)["store_url"] == ""


@pytest.mark.parametrize("args, message", [
    (("colour", "red"), "unknown setting 'colour'; the settings are model, device"),
    (("colour",), "unknown setting 'colour'"),
    (("device", "tpu"), "device must be one of auto, cpu, gpu, not 'tpu'"),
    (("batch_size", "many"), "batch_size must be a whole number, not 'many'"),
    (("batch_size", "0"), "batch_size must be between 1 and 1024, not 0"),
    (("fast_decode", "maybe"), "fast_decode must be true or false, not 'maybe'"),
    (("thumbnail_size", "9000"), "thumbnail_size must be between 48 and 512"),
    (("ocr", "sometimes"), "ocr must be one of auto, all, off, not 'sometimes'"),
    (("store_url", "nas.local:8000"), "did you mean http://nas.local:8000?"),
    (("roots", "/photos"), "roots is not a setting to change: the watched folders are kept in the library"),
    (("model", "nope"), "no model named 'nope' is installed"),
])
def test_a_refused_setting_is_one_line_exit_2_and_nothing_saved(cli, home, args, message):
    result = cli("--home", home, "settings", *args)
    assert result.returncode == 2, result
    assert result.err.startswith("photo-tagger settings: error: ") and message in result.err, result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err and result.out == ""
    assert not (home / "config" / "settings.toml").exists()


def test_int8_is_refused_for_a_model_installed_without_it(cli, tiny_home, monkeypatch):
    from photo_tagger.infra.model_store import InstalledModel

    assert cli("--home", tiny_home, "settings", "precision", "int8").returncode == 0  # the tiny model has it
    assert cli("--home", tiny_home, "settings", "precision", "fp32").returncode == 0
    monkeypatch.setattr(InstalledModel, "precisions", property(lambda self: ("fp32",)))  # installed without --int8
    result = cli("--home", tiny_home, "settings", "precision", "int8")
    assert result.returncode == 2 and "has no int8 image encoder" in result.err
    assert saved(tiny_home)["precision"] == "fp32"


def test_parse_setting_types_text_as_settings_holds_it():
    assert parse_setting("threads", " 4 ") == 4
    assert parse_setting("fast_decode", "On") is True and parse_setting("fast_decode", "0") is False
    assert parse_setting("store_url", "http://x:8000") == "http://x:8000"
    with pytest.raises(ConfigError, match="whole number"):
        parse_setting("threads", "4.5")


@pytest.mark.parametrize("changes, message", [
    ({"batch_size": "16"}, "batch_size must be a whole number, not '16'"),
    ({"fast_decode": 1}, "fast_decode must be true or false"),
    ({"thumbnail_size": True}, "thumbnail_size must be a whole number"),
])
def test_settings_refuses_values_of_the_wrong_kind(changes, message):
    """settings.toml holding `batch_size = "16"` gets the same one line as the CLI, not a TypeError."""
    with pytest.raises(ConfigError, match=message):
        Settings().with_changes(**changes)
