"""Issue 20, item 6: a label edit killed before its retag ended is finished when the window opens."""

from __future__ import annotations

import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import Label
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_the_window_finishes_a_retag_a_killed_label_edit_left(qtbot, open_window, tiny_home, photo_folder, cli):
    assert cli("--home", tiny_home, "index", photo_folder).returncode == 0
    app = App.from_home(tiny_home)
    try:  # what `labels add everything --threshold 0` leaves when killed after saving labels.toml
        app.pending_retag_service.mark_retag_pending("a label change")
        app.save_labels(app.labels().with_label(Label("everything", threshold=0.0)))
        assert "everything" not in app.catalog.tag_counts()
    finally:
        app.close()
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: not window.app.pending_retag_service.retag_pending(), timeout=20_000)
    wait_idle(qtbot, window)
    assert window.app.catalog.tag_counts().get("everything", 0) > 0
    qtbot.waitUntil(lambda: "retagged 6 photos" in window.status.message.text())
