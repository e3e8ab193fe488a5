"""Shared fixtures: offscreen Qt, an isolated app home per test, models built and installed once."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.keyring_file import file_keyring  # noqa: F401 (a fixture, for any test that asks for it)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"  # tests never reach for the network
# Tests never touch the user's keyring (library server tokens): none at all, as on a headless server; a test that
# needs one installs tests/keyring_file.py's. Nor do they see a token from the environment.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ.pop("PHOTO_TAGGER_STORE_TOKEN", None)
os.environ.pop("PHOTO_TAGGER_HOME", None)

REPO = Path(__file__).resolve().parents[1]


@dataclass
class CliResult:
    returncode: int
    out: str
    err: str


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(capsys):
    """Run `photo-tagger ARGS` in this process (fast); returns exit code and captured output."""
    from photo_tagger.cli.main import run

    def invoke(*args) -> CliResult:
        capsys.readouterr()
        try:
            code = run([str(a) for a in args])
        except SystemExit as exc:  # argparse errors
            code = exc.code
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def run_entry_point(*args, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a user's shell would."""
    return subprocess.run([sys.executable, "-m", "photo_tagger", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="session")
def tiny_checkpoint() -> Path:
    from tests.fixture_models.checkpoints import tiny_clip

    return tiny_clip()


@pytest.fixture(scope="session")
def shapes_checkpoint() -> Path:
    from tests.fixture_models.checkpoints import shapes_clip

    return shapes_clip()


class ModelDepot:
    """Models installed by `model install` once per session, on first request; tests import copies."""

    BUILDERS = {"tiny": "tiny_clip", "shapes": "shapes_clip", "world": "world_clip"}

    def __init__(self, home: Path, lock: Path | None = None):
        self.home = home
        self.lock = lock  # pytest-xdist's workers share one depot: one of them installs a model, the others wait

    def _locked(self):
        from tests.fixture_models.checkpoints import _locked

        return _locked(self.lock) if self.lock is not None else contextlib.nullcontext()

    def checkpoint(self, name: str) -> Path:
        from tests.fixture_models import checkpoints, world_checkpoints

        return getattr(world_checkpoints if name == "world" else checkpoints, self.BUILDERS[name])()

    def folder(self, name: str) -> Path:
        from photo_tagger.app import App

        with self._locked():
            models = App.from_home(self.home).models
            if name not in models.names():
                models.install_from_checkpoint(str(self.checkpoint(name)), name=name, int8=True)
            return models.get(name).path

    def installed(self, name: str):
        from photo_tagger.app import App

        self.folder(name)
        return App.from_home(self.home).models.get(name)


@pytest.fixture(scope="session")
def model_depot(tmp_path_factory) -> ModelDepot:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return ModelDepot(tmp_path_factory.mktemp("depot"))
    shared = tmp_path_factory.getbasetemp().parent / "depot"  # the run's folder, above each worker's own
    shared.mkdir(exist_ok=True)
    return ModelDepot(shared, lock=shared.parent / "depot.lock")


def _home_with(model_depot: ModelDepot, home: Path, name: str) -> Path:
    from photo_tagger.app import App

    app = App.from_home(home)
    app.models.import_folder(model_depot.folder(name))
    app.update_settings(model=name)
    return home


@pytest.fixture
def tiny_home(model_depot, home) -> Path:
    """A fresh app home whose active model is the tiny random CLIP."""
    return _home_with(model_depot, home, "tiny")


@pytest.fixture
def shapes_home(model_depot, home) -> Path:
    """A fresh app home whose active model is the trained shapes CLIP."""
    return _home_with(model_depot, home, "shapes")


@pytest.fixture(scope="session")
def real_photos():
    """A few real photographs that scikit-image ships, as upright RGB PIL images."""
    from PIL import Image
    from skimage import data

    return [Image.fromarray(getattr(data, name)()).convert("RGB") for name in ("astronaut", "coffee", "chelsea")]


@pytest.fixture
def system_trash(tmp_path, monkeypatch) -> Path:
    """The freedesktop trash inside tmp (HOME and XDG_DATA_HOME there); returns the trash folder. send2trash reads
    XDG_DATA_HOME once, on import, so its module's copies are pointed there too; and its own freedesktop code is
    used even where GIO is installed, which would reach the real user's trash."""
    from send2trash import plat_other

    data = tmp_path / "user" / ".local" / "share"
    data.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(data))
    monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(data / "Trash"))
    monkeypatch.setattr(plat_other, "HOMETRASH", str(data / "Trash"))
    monkeypatch.setattr("photo_tagger.services.trash.send2trash", plat_other.send2trash)
    return data / "Trash"


if os.environ.get("PYTEST_XDIST_WORKER"):
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        """A worker sends its reports to pytest-xdist's main process as UTF-8: a file name that is not (a surrogate
        escape, as the app logs one) goes in the captured output as a backslash escape instead of failing the run."""
        outcome = yield
        report = outcome.get_result()
        report.sections = [(title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
                           for title, text in report.sections]
