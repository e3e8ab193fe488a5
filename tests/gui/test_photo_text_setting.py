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
    # The status line after indexing counts the text stage in its time.
    done = next(m for m in messages if m.startswith(f"{folder}: 3 new"))
    assert "s of it reading text" in done, done
    total, reading = float(done.split("(")[1].split(" s")[0]), float(done.split(", ")[-1].split(" s of it")[0])
    assert total >= reading > 0

    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.editors.settings_dialog is not None and window.editors.settings_dialog.isVisible())
    dialog = window.editors.settings_dialog
    assert dialog.ocr.currentData() == "auto" and dialog.ocr_estimate.isHidden()
    dialog.ocr.setCurrentIndex(dialog.ocr.findData("all"))
    # Before it starts: the photos it will read (the one judged textless) and the time, at the measured pace.
    qtbot.waitUntil(lambda: "will be read" in dialog.ocr_estimate.text(), timeout=10_000)
    assert dialog.ocr_estimate.text().startswith("1 photo will be read, about ")
    assert "as measured on this library's photos" in dialog.ocr_estimate.text()
    dialog.accept()
    qtbot.waitUntil(lambda: any(d == "Reading text in photos" for d, _ in seen), timeout=30_000)
    wait_idle(qtbot, window, timeout=120_000)
    after = statuses(window)
    assert len(after) == 3 and "unlikely" not in after.values(), after  # the plain photo was read too
    qtbot.waitUntil(lambda: App.from_home(tiny_home).settings.ocr == "all")


def test_the_details_say_why_text_was_not_read_and_read_it_on_request(qtbot, open_window, tiny_home, tmp_path):
    from PySide6.QtCore import Qt

    from photo_tagger.services.photo_details import PhotoDetails

    folder = tmp_path / "photos"
    folder.mkdir()
    photo = text_photo(np.random.default_rng(5), 0)  # "Bakery ..." on a sign
    photo.image.save(folder / "sign.jpg", quality=92)
    window = open_window(tiny_home)
    window.app.update_settings(ocr="off")
    window.folders.add(str(folder))
    wait_idle(qtbot, window, timeout=120_000)
    assert statuses(window) == {}
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 1)  # the listing after the index run has come
    window.grid.setCurrentIndex(window.grid_model.index(0, 0))
    panel = window.details
    qtbot.waitUntil(lambda: panel.details is not None and panel.text_note.isVisible(), timeout=20_000)
    assert panel.text_note.text() == "Text not read: reading text in photos is off (Settings)."
    assert panel.read_text.isVisible() and panel.text.isHidden()

    qtbot.mouseClick(panel.read_text, Qt.MouseButton.LeftButton)  # read on the writer, then shown
    assert not panel.read_text.isEnabled()
    qtbot.waitUntil(lambda: panel.text.isVisible(), timeout=60_000)
    assert photo.words[0] in panel.text.text() and panel.read_text.isHidden() and panel.text_note.isHidden()
    assert list(statuses(window).values()) == ["text"]

    # The gate's reason, where it judged a photo textless; a photo read with nothing found has no button.
    details = panel.details
    for status, reason, note, button in (
            ("unlikely", "no lines of text seen (score 0 < 1)",
             "Text not read: judged unlikely to hold text (no lines of text seen (score 0 < 1)).", True),
            ("unlikely", "the text detector found no text (3 < 40 pixels)",
             "Text not read: judged unlikely to hold text (the text detector found no text (3 < 40 pixels)).", True),
            ("none", "", "No text found in this photo.", False)):
        panel.set_details(PhotoDetails(details.item, details.record, details.tags, details.flags,
                                       text_status=status, text_reason=reason))
        assert panel.text_note.text() == note and panel.read_text.isVisible() == button
