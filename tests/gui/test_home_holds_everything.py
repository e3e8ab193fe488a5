"""--home holds everything the window writes: nothing lands in the user's HOME or XDG folders (issue 10, §9)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# Quits the window a moment after it opened, through the real command line (`photo-tagger --home H`).
DRIVER = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from photo_tagger.cli.main import run

    qt_app = QApplication(sys.argv[:1])
    def close():
        for widget in qt_app.topLevelWidgets():
            if widget.isWindow() and widget.isVisible():
                widget.resize(900, 640)
                widget.close()
    QTimer.singleShot(1500, close)
    sys.exit(run(["--home", sys.argv[1]]))
""")


def files_under(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_onnxruntime_writes_nothing_outside_the_home(tmp_path):
    # Its telemetry would leave a device id under ~/.cache/Microsoft (onnxruntime 1.2x+).
    user_home = tmp_path / "user"
    user_home.mkdir()
    env = {**os.environ, "HOME": str(user_home), "XDG_CACHE_HOME": str(user_home / ".cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    done = subprocess.run([sys.executable, "-c", "import photo_tagger.infra.onnx_clip"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert files_under(user_home) == []


def test_the_window_writes_only_under_its_home(tmp_path):
    user_home, app_home = tmp_path / "user", tmp_path / "app"
    user_home.mkdir()
    env = {**os.environ, "HOME": str(user_home), "QT_QPA_PLATFORM": "offscreen",
           "XDG_CONFIG_HOME": str(user_home / ".config"), "XDG_CACHE_HOME": str(user_home / ".cache"),
           "XDG_DATA_HOME": str(user_home / ".local" / "share"), "XDG_STATE_HOME": str(user_home / ".local" / "state")}
    env.pop("PHOTO_TAGGER_HOME", None)
    done = subprocess.run([sys.executable, "-c", DRIVER, str(app_home)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert files_under(user_home) == []
    settings = app_home.rglob("gui.ini")
    assert any("geometry" in p.read_text() for p in settings), files_under(app_home)
