"""A GUI-thread callback that raises reaches the crash dialog, like any other uncaught error."""

from __future__ import annotations

import sys

import pytest

from photo_tagger.gui.crash import install_excepthook
from photo_tagger.gui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot):
    runner = TaskRunner(lambda: None)
    yield runner
    runner.shutdown()


def broken_callback(result):
    raise ValueError(f"the window could not show {result}")


def test_an_exception_in_a_query_callback_goes_to_the_excepthook(qtbot, runner):
    with qtbot.capture_exceptions() as exceptions:
        runner.query(lambda: "the hits", on_done=broken_callback)
        qtbot.waitUntil(lambda: bool(exceptions), timeout=5000)
    assert str(exceptions[0][1]) == "the window could not show the hits"


def test_an_exception_in_a_write_callback_shows_the_crash_dialog(qtbot, runner, caplog):
    previous = install_excepthook(lambda: None)
    hook = sys.excepthook
    try:
        runner.write("Retag", lambda progress, control: "3 photos", on_done=broken_callback)
        qtbot.waitUntil(lambda: bool(hook.dialogs), timeout=5000)
    finally:
        sys.excepthook = previous
    dialog = hook.dialogs[-1]
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and "ValueError: the window could not show 3 photos" in dialog.report.toPlainText()
    assert any(r.levelname == "CRITICAL" for r in caplog.records)
    caplog.clear()  # logged on purpose
