"""GUI fixtures: windows over real services on a temp home, closed (and the library released) after each test."""

from __future__ import annotations

import logging

import pytest

from tests.photos import make_photos


def wait_idle(qtbot, window, timeout=20_000):
    """Until the window's TaskRunner has no job or query left (imported by the test modules)."""
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=timeout)


@pytest.fixture(autouse=True, scope="session")
def qt_reference_guard():
    """Widgets made without a window (model and widget tests) get the window's guard against a PySide6 that
    drops references to None on every void call (photo_tagger.gui.qt_compat)."""
    from photo_tagger.gui.qt_compat import guard_singletons

    guard_singletons()


@pytest.fixture(autouse=True)
def no_warnings_logged(caplog):
    """A GUI test fails when the app logs a warning or an error it did not expect."""
    caplog.set_level(logging.INFO)
    yield
    bad = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING and r.name.startswith("photo_tagger")
           and not getattr(r, "expected", False)]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


@pytest.fixture
def open_window(qtbot):
    """open_window(home, stacks=False) -> a shown MainWindow over App.from_home(home), stacking as asked; shut down
    at teardown."""
    from photo_tagger.app import App
    from photo_tagger.gui.main_window import MainWindow

    windows = []

    def make(home, *, stacks: bool = False):
        app = App.from_home(home)
        # Stacking folds photos taken at the same second by one camera (tests.photos gives most photos one date):
        # on only where a test is about stacks (tests/gui/test_stacks_grid.py), so other tests count every photo.
        from PySide6.QtCore import QSettings

        QSettings(str(app.paths.config_dir / "gui.ini"), QSettings.Format.IniFormat).setValue("view/stack_photos",
                                                                                               stacks)
        window = MainWindow(app)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.runner.shutdown()


@pytest.fixture
def photo_folder(tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 6)
    return folder
