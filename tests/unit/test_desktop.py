"""`photo-tagger install-desktop`: menu entry and icons land under $XDG_DATA_HOME and point at this app."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from photo_tagger.cli import desktop
from photo_tagger.cli.main import run

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop menus are Linux")


def _entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def _exec_argv(value: str) -> list[str]:
    # Undo the string-level escape, then the Exec quoting (a subset of shell quoting).
    return shlex.split(value.replace("\\\\", "\\").replace("%%", "%"))


@linux_only
def test_install_and_uninstall(tmp_path, monkeypatch, capsys):
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))

    assert run(["--home", str(tmp_path / "home"), "install-desktop"]) == 0
    assert "application menu" in capsys.readouterr().out

    desktop_file = data / "applications" / "photo-tagger.desktop"
    entry = _entry(desktop_file)
    assert entry["Name"] == "Photo Tagger"
    assert entry["Icon"] == "photo-tagger"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Graphics;Photography;"
    argv = _exec_argv(entry["Exec"])
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK), argv
    assert argv == [sys.executable, "-m", "photo_tagger"] or Path(argv[0]).name == "photo-tagger"
    assert entry["TryExec"].replace("\\\\", "\\") == argv[0]

    for size in desktop.ICON_SIZES:
        png = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "photo-tagger.png"
        with Image.open(png) as image:
            assert image.size == (size, size)
    svg = data / "icons" / "hicolor" / "scalable" / "apps" / "photo-tagger.svg"
    assert svg.read_text().lstrip().startswith("<?xml")

    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(desktop_file)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr

    # Installing again is harmless; uninstalling removes every file it wrote.
    assert run(["--home", str(tmp_path / "home"), "install-desktop"]) == 0
    assert run(["--home", str(tmp_path / "home"), "install-desktop", "--uninstall"]) == 0
    left = [p for p in data.rglob("*") if p.is_file() and "photo-tagger" in p.name]
    assert left == []


def test_exec_line_quotes_what_needs_it():
    assert desktop.exec_line(["/usr/bin/photo-tagger"]) == "/usr/bin/photo-tagger"
    assert desktop.exec_line(["/opt/Photo Tagger/photo-tagger"]) == '"/opt/Photo Tagger/photo-tagger"'
    # `$` is escaped inside the quotes, then every backslash is doubled for the string type.
    assert desktop.exec_line(["/a b/$x"]) == '"/a b/\\\\$x"'
    assert desktop.exec_line(["/100%/app"]) == "/100%%/app"
    assert _exec_argv(desktop.exec_line(["/opt/Photo Tagger/photo-tagger", "-m", "x"])) == [
        "/opt/Photo Tagger/photo-tagger", "-m", "x"]


def test_launcher_is_this_environment(monkeypatch):
    command = desktop.launcher_command()
    assert os.access(command[0], os.X_OK)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert desktop.launcher_command() == [os.path.abspath(sys.executable)]


def test_data_home_follows_the_spec(monkeypatch, tmp_path):
    assert desktop.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert desktop.data_home({"XDG_DATA_HOME": "relative/ignored"}) == Path.home() / ".local" / "share"
    assert desktop.data_home({}) == Path.home() / ".local" / "share"


def test_other_systems_get_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(desktop.sys, "platform", "win32")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert run(["--home", str(tmp_path / "home"), "install-desktop"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Linux" in err
    assert not (tmp_path / "xdg-data").exists()


def test_packaging_takes_the_icons_and_desktop_file_from_the_package_and_nothing_is_committed_twice():
    """photo_tagger/gui/assets/ is the one copy (the installed package needs it at run time); packaging/ reads it."""
    import hashlib
    import re

    root = Path(__file__).resolve().parents[2]
    named = re.findall(r"\bcp (\S+)", (root / "packaging" / "build.sh").read_text())
    spec = (root / "packaging" / "photo-tagger.spec").read_text()
    named += ["/".join(re.findall(r'"([^"]+)"', line)) for line in spec.splitlines()
              if line.strip().startswith("icon = str(")]
    named = [path for path in named if not path.startswith("build/")]  # made by build.sh itself (the notices)
    assert len(named) >= 4 and all((root / path).is_file() for path in named), named
    digests: dict[str, Path] = {}
    for path in [*(root / "resources").rglob("*"), *(root / "photo_tagger" / "gui" / "assets").iterdir()]:
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest not in digests, f"{path} repeats {digests[digest]}"
            digests[digest] = path
