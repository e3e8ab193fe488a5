"""Tools > Compare models: the trained shapes CLIP tried beside the tiny random one in use; encoded in slices on
the writer (never the GUI thread), compared, then switched to (every photo encoded first) or removed."""

import threading

import pytest
from PySide6.QtWidgets import QMessageBox

from photo_tagger.app import App
from photo_tagger.config import Settings
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.tagging import TagDecision
from tests.fixture_models.shapes import COLORS, SHAPES, caption

PHOTOS = 32
SAMPLE = 12


@pytest.fixture
def two_models(tiny_home, model_depot, tmp_path):
    from photo_tagger.cli.main import run
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path / "shapes"
    folder.mkdir()
    for i, (image, _, _) in enumerate(heldout_shapes(PHOTOS, seed=7)):
        image.save(folder / f"{i:03d}.jpg", quality=95)
    app = App.from_home(tiny_home)
    app.models.import_folder(model_depot.folder("shapes"))
    app.save_labels(LabelSet(labels=tuple(Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES),
                             max_tags=1))
    app.close()
    assert run(["--home", str(tiny_home), "index", str(folder)]) == 0
    assert run(["--home", str(tiny_home), "search", "a photo of a green star"]) == 0
    app = App.from_home(tiny_home)
    ids = sorted(app.catalog.filter_ids(app.model_key()))
    with app.catalog.transaction() as db:  # half the photos flagged: the dialog blurs them as the grid does
        app.catalog.write_decisions(db, {i: TagDecision(flags=(("unsafe", 0.9),)) for i in ids[::2]})
    app.close()
    return tiny_home


@pytest.fixture
def dialog(qtbot, two_models, tmp_path, monkeypatch):
    from photo_tagger.gui import model_trial_driver
    from photo_tagger.gui.dialogs import model_trial_dialog
    from photo_tagger.gui.tasks import TaskRunner
    from photo_tagger.gui.thumbnails import ThumbnailCache, ThumbnailProvider

    monkeypatch.setattr(model_trial_driver, "SLICE", 5)  # three slices for the sample
    app = App.from_home(two_models)
    runner = TaskRunner(app.close)
    encoder_threads = []
    image_encoder, _ = app.encoders_for("shapes")
    original = image_encoder.encode_images
    image_encoder.encode_images = lambda pixels: encoder_threads.append(threading.current_thread().name) or \
        original(pixels)
    thumbnails = ThumbnailProvider(runner, ThumbnailCache(tmp_path / "thumbs", 96))
    messages = []
    driver = model_trial_driver.TrialDriver(app.model_trial_service, runner, sample=SAMPLE)
    driver.switched.connect(lambda report: messages.append(report))
    shown = model_trial_dialog.ModelTrialDialog(app, runner, thumbnails, driver, sample=SAMPLE,
                                                on_message=messages.append)
    qtbot.addWidget(shown)
    shown.show()
    yield app, shown, encoder_threads, messages
    runner.shutdown()


def test_the_dialog_compares_tags_photos_and_searches(qtbot, dialog):
    app, shown, encoder_threads, _ = dialog
    qtbot.waitUntil(lambda: shown.comparison is not None, timeout=60_000)
    comparison = shown.comparison
    assert comparison.photos == SAMPLE and comparison.trial_model == "shapes"
    assert encoder_threads and set(encoder_threads) == {"writer_0"}  # slices on the writer, never the GUI thread
    assert "of 12 photos" in shown.summary.text()
    assert shown.labels_table.rowCount() == len(SHAPES)
    assert shown.labels_table.horizontalHeaderItem(3).text() == "Only shapes"
    assert shown.photos_table.rowCount() == len(comparison.disagreements) > 0
    first = comparison.disagreements[0]
    assert shown.photos_table.item(0, 2).text() == (", ".join(first.trial) or "(none)")
    assert "green star" in shown.tabs.widget(2).widget().findChildren(type(shown.summary))[0].text()
    assert shown.switch_button.text() == "Switch to shapes" and shown.switch_button.isEnabled()
    # Thumbnails arrive from the thumbnail pool and replace the loading tiles; flagged photos come blurred.
    flagged = set(app.catalog.filter_ids(app.model_key(), flagged=True))
    assert shown.flagged and shown.flagged <= flagged
    record = app.catalog.get([first.photo_id])[first.photo_id]
    key = (record.path, record.mtime_ns)

    def shown_as(pixmap) -> bool:
        return shown.photos_table.item(0, 0).icon().pixmap(pixmap.size()).toImage() == pixmap.toImage()

    blurred = first.photo_id in flagged
    qtbot.waitUntil(lambda: not shown_as(shown.thumbnails.loading), timeout=20_000)
    if blurred:  # obscured on the thumbnail pool after the plain thumbnail is loaded
        qtbot.waitUntil(lambda: shown_as(shown.thumbnails.blurred_pixmap(*key)), timeout=20_000)
    assert shown_as(shown.thumbnails.blurred_pixmap(*key) if blurred else shown.thumbnails.pixmap(*key))
    assert not shown_as(shown.thumbnails.pixmap(*key) if blurred else shown.thumbnails.blurred_pixmap(*key))


def test_switch_encodes_every_photo_first_then_switches(qtbot, dialog):
    app, shown, _, messages = dialog
    qtbot.waitUntil(lambda: shown.comparison is not None, timeout=60_000)
    in_use = app.model_key()
    shown.switch_button.click()
    qtbot.waitUntil(lambda: bool(messages), timeout=60_000)
    assert (messages[0].model, messages[0].adopted, messages[0].to_encode) == ("shapes", PHOTOS, 0)
    assert not shown.isVisible()
    # Saved for the next start; this session goes on with the model its encoders and caches were made for.
    assert Settings.load(app.paths.settings_file).model == "shapes" and app.active_model().name == "tiny"
    key = app.models.get("shapes").key
    assert app.catalog.count_embedded(key) == PHOTOS and app.catalog.count_embedded(in_use) == 0


def test_remove_asks_then_removes(qtbot, dialog, monkeypatch):
    app, shown, _, messages = dialog
    qtbot.waitUntil(lambda: shown.switch_button.isEnabled(), timeout=60_000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown.remove_button.click()
    qtbot.waitUntil(lambda: bool(messages), timeout=30_000)
    assert messages == ["Removed shapes"] and "shapes" not in app.models.names()


def test_the_window_tries_a_second_model_in_the_background_and_opens_the_comparison(qtbot, two_models, open_window):
    window = open_window(two_models)
    driver = window.model_trial
    # No dialog opened: the window encodes the second model's sample itself (all 32 photos: under 500).
    qtbot.waitUntil(lambda: driver.state is not None and driver.state.complete and not driver.running,
                    timeout=120_000)  # generous: other tests share this machine
    assert driver.name == "shapes" and driver.state.encoded == PHOTOS
    assert window.app.settings.model == "tiny"  # still the model in use
    window.compare_models_action.trigger()
    dialog = window.model_trial_dialog
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=60_000)
    assert dialog.comparison.photos == PHOTOS and "all 32 of your photos" in dialog.state_text.text()
    dialog.reject()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)


def test_with_one_model_the_dialog_says_so_and_opens_install_another_model(qtbot, open_window, tiny_home):
    from PySide6.QtCore import Qt

    window = open_window(tiny_home)
    window.compare_models_action.trigger()
    dialog = window.model_trial_dialog
    qtbot.waitUntil(lambda: dialog.state_text.text().startswith("Only one model is installed"))
    text = dialog.state_text.text()
    assert "photo-tagger" not in text and "Install another model" in text
    assert not dialog.try_label.isVisible() and not dialog.model_box.isVisible()  # no stray "Try"
    assert not dialog.switch_button.isVisible() and not dialog.remove_button.isVisible()
    assert dialog.install_button.isVisible() and dialog.install_button.text() == "Install another model..."
    qtbot.mouseClick(dialog.install_button, Qt.MouseButton.LeftButton)
    added = window.model_setup.add_dialog
    assert added is not None and added.isVisible() and added.windowTitle() == "Install another model"
    assert not dialog.isVisible()
    added.close()
