"""The window and text in photos: the index job's text stage shows in the status bar, and choosing "All photos" in
Settings reads the photos not read yet at once, on the writer (real RapidOCR)."""

from __future__ import annotations

import numpy as np
import pytest

from photo_tagger.app import App
from tests.gui.conftest import wait_idle
from tests.text_photos import text_photo, textless_photo

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def statuses(window):
    return dict(window.app.catalog._query("SELECT photo_id, status FROM photo_text"))


def test_reading_text_is_a_stage_of_indexing_and_follows_the_setting(qtbot, open_window, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(4)
    for i in range(2):
        photo = text_photo(rng, i)
        photo.image.save(folder / f"{photo.name}.jpg", quality=92)
    textless_photo(rng).save(folder / "plain.jpg", quality=92)
    window = open_window(tiny_home)
    seen, messages = [], []
    window.runner.job_progressed.connect(lambda job: seen.append((job.description, job.what)))
    original = window.status.show_message
    window.status.show_message = lambda text, **kw: (messages.append(text), original(text, **kw))

    window.folders.add(str(folder))  # ocr = auto: the two photos with text are read after encoding
    wait_idle(qtbot, window, timeout=120_000)
    assert any(what == "reading text" and description.startswith("Indexing") for description, what in seen), seen
    assert any("(reading text)" in m for m in messages), messages
    assert sorted(statuses(window).values()) == ["text", "text", "unlikely"]

    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    assert dialog.ocr.currentData() == "auto"
    dialog.ocr.setCurrentIndex(dialog.ocr.findData("all"))
    dialog.accept()
    qtbot.waitUntil(lambda: any(d == "Reading text in photos" for d, _ in seen), timeout=30_000)
    wait_idle(qtbot, window, timeout=120_000)
    after = statuses(window)
    assert len(after) == 3 and "unlikely" not in after.values(), after  # the plain photo was read too
    qtbot.waitUntil(lambda: App.from_home(tiny_home).settings.ocr == "all")
