"""The installed `photo-tagger` opens a window on a real X server (Xvfb, Qt's xcb platform), and says in one
line which system libraries are missing instead of letting Qt abort."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photo_tagger.infra.qt_platform import PACKAGES, check_desktop, missing_libraries_message

ENTRY_POINT = Path(sys.executable).parent / "photo-tagger"  # what pip installed, as a user starts it


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: .ci/run installs it (apt-get install {package})")
        pytest.skip(f"{tool} is not installed (apt-get install {package}); CI installs it")
    return path


@pytest.fixture(scope="module")
def x_display():
    """A fresh Xvfb display of our own, so the test sees only the windows it opens."""
    xvfb = _need("Xvfb", "xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        number = f.readline().strip()  # Xvfb writes the display number once it accepts connections
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def _desktop_env(display: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "LD_LIBRARY_PATH")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", **extra)
    return env


def _visible_windows(xdotool: str, display: str, pid: int) -> list[str]:
    found = subprocess.run([xdotool, "search", "--onlyvisible", "--pid", str(pid), "--name", "Photo Tagger"],
                           capture_output=True, text=True, env={**os.environ, "DISPLAY": display})
    return found.stdout.split()


def _broken_library_folder(tmp_path: Path, soname: str) -> Path:
    """A folder holding an empty file named after a library: the loader finds it first and cannot load it."""
    folder = tmp_path / "broken-libs"
    folder.mkdir()
    (folder / soname).write_bytes(b"")
    return folder


def test_window_appears_on_a_real_x_server(x_display, tmp_path):
    xdotool = _need("xdotool", "xdotool")
    assert ENTRY_POINT.exists(), "the test runs in the venv the README's test command installs"
    app = subprocess.Popen([str(ENTRY_POINT), "--home", str(tmp_path / "home")], env=_desktop_env(x_display),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        windows: list[str] = []
        while not windows and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.3)
            windows = _visible_windows(xdotool, x_display, app.pid)
        assert windows, f"no visible window (exit code {app.poll()}): {app.stderr.read() if app.poll() else ''}"
        app.send_signal(signal.SIGTERM)  # closes the window as a user would
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


@pytest.mark.parametrize("soname", ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
def test_a_missing_system_library_is_named_in_one_line_without_a_core_dump(x_display, tmp_path, soname):
    folder = _broken_library_folder(tmp_path, soname)
    result = subprocess.run([str(ENTRY_POINT), "--home", str(tmp_path / "home")], capture_output=True, text=True,
                            timeout=60, env=_desktop_env(x_display, LD_LIBRARY_PATH=str(folder)))
    assert result.returncode == 1  # not 134 (SIGABRT) nor any other signal
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    debian, fedora = PACKAGES[soname]
    assert soname in lines[0]
    assert f"apt-get install {debian}" in lines[0] and f"dnf install {fedora}" in lines[0]


def test_doctor_reports_the_same_check(tmp_path):
    folder = _broken_library_folder(tmp_path, "libxcb-icccm.so.4")
    env = _desktop_env("", LD_LIBRARY_PATH=str(folder))
    result = subprocess.run([sys.executable, "-m", "photo_tagger", "--home", str(tmp_path / "home"), "doctor"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert "Desktop window (Qt xcb): missing libxcb-icccm.so.4" in result.stdout
    assert "apt-get install libxcb-icccm4" in result.stdout


def test_no_display_is_one_line_too(tmp_path):
    env = {k: v for k, v in _desktop_env("").items() if k != "DISPLAY"}
    result = subprocess.run([str(ENTRY_POINT), "--home", str(tmp_path / "home")], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "photo-tagger: cannot open the window: no display to open a window on (DISPLAY is not set): start Photo "
        "Tagger from a desktop session; its commands work without one (--help)"]


def test_only_the_xcb_platform_is_checked_ahead_of_qt():
    assert not check_desktop({"QT_QPA_PLATFORM": "offscreen"}).checked
    assert check_desktop({"WAYLAND_DISPLAY": "wayland-0"}).platform == "wayland"
    assert check_desktop({"QT_QPA_PLATFORM": "xcb;wayland", "DISPLAY": ":0"}).platform == "xcb"


def test_the_message_names_packages_for_both_families_and_unknown_libraries_by_name():
    message = missing_libraries_message(("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo.so.9"))
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 (Debian/Ubuntu)" in message
    assert "sudo dnf install xcb-util-keysyms xcb-util-wm (Fedora)" in message
    assert "the package that provides libfoo.so.9" in message
    assert "\n" not in message
