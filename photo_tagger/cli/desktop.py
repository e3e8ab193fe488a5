"""`photo-tagger install-desktop`: add Photo Tagger to (or remove it from) this user's Linux app menu."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say

if TYPE_CHECKING:
    from photo_tagger.app import App

log = logging.getLogger(__name__)

APP_ID = "photo-tagger"  # desktop file name, icon name and launcher name
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
_ASSETS = ("gui", "assets")  # in the package, the one copy of the icons (resources/make_icons.py renders them)
_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')  # characters that make an Exec argument need quotes


def register(subparsers) -> None:
    p = subparsers.add_parser("install-desktop",
                              help="add Photo Tagger to your application menu, with its icon (Linux, this user)")
    p.add_argument("--uninstall", action="store_true", help="remove the menu entry and icons again")
    p.set_defaults(handler=_install_desktop)


def _install_desktop(app: App, args) -> int:
    if not sys.platform.startswith("linux"):
        say(f"install-desktop is for Linux desktops; on {sys.platform} start the packaged app "
            f"(see README, \"Build the double-clickable app\") or run photo-tagger.", file=sys.stderr)
        return 1
    data_dir = data_home()
    if args.uninstall:
        removed = uninstall(data_dir)
        say(f"Removed {len(removed)} files from {data_dir}." if removed else f"Nothing to remove in {data_dir}.")
        return 0
    command = launcher_command()
    written = install(data_dir, command)
    say(f"Installed {written[0]}")
    say(f"  starts: {exec_line(command)}")
    say(f"  icons:  {len(written) - 1} files under {data_dir / 'icons' / 'hicolor'}")
    say("Photo Tagger is in your application menu (log out and in if it does not show yet).")
    return 0


def data_home(environ: os._Environ | dict | None = None) -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when unset or not absolute (as the spec says)."""
    value = (os.environ if environ is None else environ).get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """The command a menu click should run: this app, in this environment, by absolute path."""
    if getattr(sys, "frozen", False):  # PyInstaller build: the executable is the app
        return [os.path.abspath(sys.executable)]
    # The launcher installed beside this interpreter (venv bin/ or Scripts/), then the scheme's scripts
    # folders; never $PATH, which may lead to another environment's photo-tagger.
    exe_dir = Path(os.path.abspath(sys.executable)).parent  # not resolved: a venv's python is a symlink
    folders = [exe_dir, Path(sysconfig.get_path("scripts"))]
    try:
        folders.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")))
    except KeyError:
        pass
    for folder in folders:
        candidate = folder / APP_ID
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    return [os.path.abspath(sys.executable), "-m", "photo_tagger"]


def exec_line(argv: list[str]) -> str:
    """An Exec= value per the Desktop Entry spec: quote what needs it, escape for the string type too."""
    parts = []
    for arg in argv:
        if any(ch in _RESERVED for ch in arg):
            arg = '"' + "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg) + '"'
        parts.append(arg.replace("%", "%%"))
    return " ".join(parts).replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """The packaged .desktop file with Exec (and TryExec) pointing at `command`."""
    template = _assets().joinpath(f"{APP_ID}.desktop").read_text(encoding="utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line(command)}"
            # TryExec is a plain path (no Exec quoting): menus hide the entry once it is gone.
            lines.append("TryExec=" + command[0].replace("\\", "\\\\"))
        lines.append(line)
    return "\n".join(lines) + "\n"


def _assets():
    # Through the top package: importing photo_tagger.gui would be wrong for a headless command.
    return resources.files("photo_tagger").joinpath(*_ASSETS)


def _targets(data_dir: Path) -> dict[str, Path]:
    """Asset name -> installed path."""
    icons = data_dir / "icons" / "hicolor"
    targets = {f"{APP_ID}.desktop": data_dir / "applications" / f"{APP_ID}.desktop"}
    for size in ICON_SIZES:
        targets[f"icon-{size}.png"] = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    targets["icon.svg"] = icons / "scalable" / "apps" / f"{APP_ID}.svg"
    return targets


def install(data_dir: Path, command: list[str]) -> list[Path]:
    """Write the desktop entry and icons under data_dir; returns the paths, the desktop file first."""
    assets = _assets()
    written = []
    for name, target in _targets(data_dir).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".desktop"):
            data = desktop_entry(command).encode("utf-8")
        else:
            data = assets.joinpath(name).read_bytes()
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o644)
        os.replace(tmp, target)  # never a half-written entry in the menu
        written.append(target)
    _refresh(data_dir)
    return written


def uninstall(data_dir: Path) -> list[Path]:
    removed = []
    for target in _targets(data_dir).values():
        if target.exists():
            target.unlink()
            removed.append(target)
    if removed:
        _refresh(data_dir)
    return removed


def _refresh(data_dir: Path) -> None:
    """Tell menus and icon themes about the change, with whichever tools this system has."""
    apps = data_dir / "applications"
    if shutil.which("update-desktop-database") and apps.is_dir():
        _run(["update-desktop-database", "-q", str(apps)])
    hicolor = data_dir / "icons" / "hicolor"
    if not hicolor.is_dir():
        return
    os.utime(hicolor)  # GTK and Qt notice a newer theme folder and rescan it
    # Only refresh a cache that is already there: creating one would hide icons other apps add later.
    if (hicolor / "icon-theme.cache").exists() and shutil.which("gtk-update-icon-cache"):
        _run(["gtk-update-icon-cache", "-q", "-t", "-f", str(hicolor)])


def _run(argv: list[str]) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("%s failed: %s", argv[0], exc)
        return
    if result.returncode:
        log.warning("%s exited %s: %s", argv[0], result.returncode, result.stderr.strip())
