"""Settings and app folders."""


import pytest

from photo_tagger.config import AppPaths, Settings
from photo_tagger.core.errors import ConfigError


def test_home_keeps_everything_under_one_folder(tmp_path):
    paths = AppPaths.resolve(tmp_path / "h")
    for folder in paths.app_dirs():
        assert folder.is_relative_to(tmp_path / "h")
    assert paths.models_dir.is_relative_to(paths.data_dir)


def test_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PHOTO_TAGGER_HOME", str(tmp_path))
    assert AppPaths.resolve().config_dir == tmp_path / "config"


def test_without_home_uses_platform_user_dirs(monkeypatch):
    monkeypatch.delenv("PHOTO_TAGGER_HOME", raising=False)
    paths = AppPaths.resolve()
    assert "photo-tagger" in str(paths.config_dir) and paths.config_dir != paths.data_dir


def test_settings_round_trip(tmp_path):
    path = tmp_path / "settings.toml"
    settings = Settings(model="m", device="cpu", precision="int8", fast_decode=True)
    settings.save(path)
    assert Settings.load(path) == settings


def test_an_older_file_with_watched_folders_loads_and_the_next_save_drops_them(tmp_path, caplog):
    """Before the catalog kept them, settings.toml had `roots`: read past without a word, not written again."""
    path = tmp_path / "settings.toml"
    path.write_text('device = "cpu"\nroots = ["/a", "/b"]\n')
    settings = Settings.load(path)
    assert settings.device == "cpu" and "roots" not in caplog.text
    settings.save(path)
    assert "roots" not in path.read_text()


def test_missing_file_gives_defaults(tmp_path):
    assert Settings.load(tmp_path / "none.toml") == Settings()


@pytest.mark.parametrize("text, fragment", [
    ('device = "tpu"', "device must be one of"),
    ("batch_size = 0", "batch_size"),
    ('device = \nmodel = "x"\n', "line 1"),
    ('model = "a"\nmodel = "b"\nthreads = 1\n', "line 2"),
])
def test_bad_settings_name_the_problem(tmp_path, text, fragment):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        Settings.load(path)


def test_unknown_keys_are_ignored_with_a_warning(tmp_path, caplog):
    path = tmp_path / "settings.toml"
    path.write_text('device = "cpu"\nfuture_option = 1\n')
    assert Settings.load(path).device == "cpu"
    assert "future_option" in caplog.text
