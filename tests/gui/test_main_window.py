"""The main window over the real services (tiny CLIP, embedded Chroma): first run, index, search, retag."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_add_folder_indexes_then_typing_a_query_shows_scored_results(qtbot, qtmodeltester, open_window, tiny_home,
                                                                       photo_folder):
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty)  # model, but no folder yet

    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)
    qtbot.waitUntil(lambda: window.header.text().startswith("6 photos"))
    assert window.pages.currentWidget() is window.browser
    assert "6 new" in window.status.message.text()
    qtbot.waitUntil(lambda: [(f.path, f.photos) for f in window.sidebar.folders.folders] == [(str(photo_folder), 6)])
    assert all(item.score is None for item in window.grid_model.items)
    qtmodeltester.check(window.grid_model)
    qtmodeltester.check(window.sidebar.folders)
    qtmodeltester.check(window.sidebar.tags)

    qtbot.keyClicks(window.search_bar.edit, "a red photo")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=10_000)
    assert window.query == "a red photo"
    items = window.grid_model.items
    assert len(items) == 6 and all(item.score is not None for item in items)
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    shown = window.grid_model.index(0, 0).data()  # a cosine under 0 (a random model's) is no likeness: not shown
    assert (f"{items[0].score:.3f}" in shown) == (items[0].score > 0) and shown.startswith(items[0].name)
    qtmodeltester.check(window.grid_model)

    # Thumbnails arrive off the GUI thread and land in the disk cache.
    cache = Path(window.app.paths.cache_dir) / "thumbnails"
    qtbot.waitUntil(lambda: len(list(cache.rglob("*.jpg"))) == 6, timeout=10_000)

    window.search_bar.edit.clear()
    qtbot.waitUntil(lambda: window.header.text().startswith("6 photos"), timeout=5_000)


def test_retag_from_the_folder_menu_decodes_no_image(qtbot, monkeypatch, open_window, tiny_home, photo_folder):
    window = open_window(tiny_home)
    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)

    def no_decoding(*args, **kwargs):
        raise AssertionError("retag decoded an image")

    monkeypatch.setattr("photo_tagger.core.indexer.load_pixels_and_info", no_decoding)
    monkeypatch.setattr("photo_tagger.core.preprocess.load_pixels_and_info", no_decoding)
    qtbot.waitUntil(lambda: len(window.sidebar.folders.folders) == 1)
    menu = window.sidebar.folder_menu(str(photo_folder))
    retag = next(a for a in menu.actions() if a.text() == "Retag folder")
    with qtbot.waitSignal(window.runner.job_finished, timeout=10_000) as finished:
        retag.trigger()
    job, report = finished.args
    assert job.description.startswith("Retagging") and report is not None
    assert report.photos == 6
    assert window.status.message.text().startswith("Retagged 6 photos")


def test_rescan_and_stop_watching_from_the_folder_menu(qtbot, open_window, tiny_home, photo_folder):
    window = open_window(tiny_home)
    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)
    (photo_folder / "IMG_00000.jpg").unlink()
    qtbot.waitUntil(lambda: len(window.sidebar.folders.folders) == 1)
    actions = {a.text(): a for a in window.sidebar.folder_menu(str(photo_folder)).actions()}
    actions["Rescan folder"].trigger()
    wait_idle(qtbot, window)
    assert "1 removed" in window.status.message.text()
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 5)

    window.confirm = lambda text: True
    actions["Stop watching"].trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty)
    assert window.app.catalog.records() == [] and window.app.vector_store().count() == 0
    assert len(list(photo_folder.iterdir())) == 5  # the photos themselves stay


def test_first_run_without_a_model_offers_an_install_then_the_empty_state(qtbot, open_window, home, model_depot):
    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    assert window.no_model.button.text() == "Install from a folder..."
    assert "CLIP checkpoint" in window.no_model.text.text() and window.no_model.note.isHidden()

    # The export itself (torch) is the model store's business and slow; the GUI's part is the flow around it.
    installed_folder = model_depot.folder("tiny")
    models = window.app.models
    calls = []

    def install(source, **kwargs):
        calls.append(source)
        return models.import_folder(installed_folder)

    models.install_from_checkpoint = install
    window.model_setup.install_from_folder("/some/checkpoint")
    assert not window.no_model.button.isEnabled()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    assert calls == ["/some/checkpoint"]
    assert window.app.settings.model == "tiny"
    assert window.no_model.button.isEnabled()


def test_a_failing_install_says_why_on_the_panel(qtbot, open_window, home, caplog):
    from photo_tagger.core.errors import ModelError

    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)

    def install(source, **kwargs):
        raise ModelError(f"{source} holds no CLIP checkpoint")

    window.app.models.install_from_checkpoint = install
    window.model_setup.install_from_folder("/nowhere")
    qtbot.waitUntil(lambda: "holds no CLIP checkpoint" in window.no_model.note.text())
    assert window.pages.currentWidget() is window.no_model
    caplog.clear()  # the failure was logged on purpose


def test_choosing_flagged_in_the_sidebar_filters_the_library_and_searches(qtbot, open_window, tiny_home,
                                                                         photo_folder):
    window = open_window(tiny_home)
    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.sidebar.tags.rowCount() >= 2)
    assert window.sidebar.tags.entries[1].kind == "flagged"
    window.sidebar.tag_view.setCurrentIndex(window.sidebar.tags.index(1, 0))

    def flagged_count() -> int:  # read anew: the sidebar reloads its counts when indexing ends
        return window.sidebar.tags.entries[1].count

    # Rows arrive in batches after the header changes: wait for the whole listing, not the first batch.
    qtbot.waitUntil(lambda: window.header.text().endswith("flagged, most recent first")
                    and window.grid_model.rowCount() == flagged_count())
    assert all(item.flags for item in window.grid_model.items)

    window.search_bar.edit.setText("anything")
    window.search_bar.submit()
    qtbot.waitUntil(lambda: window.header.text().endswith(" for \u201canything\u201d flagged")
                    and window.grid_model.rowCount() == flagged_count())
    assert all(item.flags and item.score is not None for item in window.grid_model.items)


def test_the_first_run_panel_imports_a_model_folder_made_elsewhere_without_torch(qtbot, open_window, home,
                                                                                 model_depot, monkeypatch):
    import sys

    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    monkeypatch.setitem(sys.modules, "torch", None)  # as in the packaged app
    window.model_setup.install_from_folder(str(model_depot.folder("tiny")))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    assert window.app.settings.model == "tiny"


def test_a_folder_dropped_on_the_window_is_added_and_a_file_is_refused(qtbot, open_window, tiny_home, photo_folder):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    window = open_window(tiny_home)
    added = []
    window.folders.add = added.append

    def drag(path) -> tuple:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime,  # QPoint, as in C++
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, enter)
        drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime,
                          Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(window, drop)
        return enter.isAccepted(), drop.isAccepted()

    assert drag(next(photo_folder.iterdir())) == (False, False)  # a photo file is not a folder to watch
    assert added == []
    assert drag(photo_folder) == (True, True)
    assert added == [str(photo_folder)]


def test_installing_from_the_hub_offline_says_so_in_one_line_and_the_window_stays_usable(qtbot, open_window, home,
                                                                                         caplog):
    from photo_tagger.infra.ready_models import DEFAULT_READY

    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    panel = window.no_model
    assert panel.hub_id.text() == DEFAULT_READY == "immich-app/ViT-B-32__openai"  # installs without torch
    assert panel.hub_button.isVisible() and panel.button.isVisible()  # the hub beside a local folder

    # HF_HUB_OFFLINE (tests/conftest.py) stands for a machine without network: the same service code as
    # `photo-tagger model install` runs, on the writer.
    with qtbot.waitSignal(window.runner.job_finished, timeout=60_000):
        qtbot.mouseClick(panel.hub_button, Qt.MouseButton.LeftButton)
        assert not panel.hub_button.isEnabled() and not panel.button.isEnabled()
        assert "Downloading immich-app/ViT-B-32__openai" in panel.note.text()
        assert window.runner.busy
    for record in caplog.get_records("call"):
        if "Installing the model failed" in record.getMessage():
            record.expected = True  # failing offline is what this test is about
    note = panel.note.text()
    assert note.startswith("The model could not be installed: cannot download immich-app/ViT-B-32__openai from "
                           "the Hugging Face hub")
    assert "Without network" in note and "Install from a folder..." in note and "\n" not in note
    assert "Traceback" not in note
    assert panel.note.isVisible() and window.pages.currentWidget() is window.no_model
    assert panel.hub_button.isEnabled() and panel.button.isEnabled() and panel.hub_id.isEnabled()
    assert "Installing the model failed" in window.status.message.text()
    assert window.app.models.names() == []  # nothing half-installed

    # Another id, typed and confirmed with Enter, goes the same way.
    panel.hub_id.setText("someone/other-clip")
    with qtbot.waitSignal(window.runner.job_finished, timeout=60_000):
        qtbot.keyClick(panel.hub_id, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "cannot download someone/other-clip" in panel.note.text())
    for record in caplog.get_records("call"):
        if "Installing the model failed" in record.getMessage():
            record.expected = True


def test_library_menu_adds_a_folder(qtbot, monkeypatch, open_window, tiny_home, photo_folder):
    from PySide6.QtWidgets import QFileDialog

    window = open_window(tiny_home)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(photo_folder))
    window.add_folder_action.trigger()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 6)


def test_installing_from_a_folder_suggests_the_model_s_name_and_takes_the_user_s(qtbot, open_window, home,
                                                                                  model_depot, monkeypatch, tmp_path):
    import shutil

    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "downloads" / "model"  # the folder's own name says nothing
    shutil.copytree(model_depot.folder("tiny"), folder)
    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(folder))
    asked = []
    monkeypatch.setattr(window.model_setup, "ask_name", lambda where, suggested: asked.append(suggested) or
                        ("Tiny test model", True))
    window.model_setup.choose_folder(window.no_model)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=20_000)
    assert asked == ["tiny"]  # the manifest's name, not "model"
    assert window.app.settings.model == "Tiny test model" and "Tiny test model" in window.app.models.names()
