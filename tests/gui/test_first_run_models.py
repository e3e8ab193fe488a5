"""The first-run screen's list of ready models: download sizes from the hub (or "size unknown: offline"), an install
from a local hub with progress in bytes, Cancel midway leaving no model and a second install resuming; the Models
dialog's costs (images/s measured at install)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from photo_tagger.infra.model_catalogue import CATALOGUE, human_bytes
from photo_tagger.infra.ready_models import DEFAULT_READY, LAYOUT
from tests.fixture_models.immich_layout import shapes_immich
from tests.fixture_models.local_hub import LocalHub
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise")]


@pytest.fixture
def local_hub(monkeypatch):
    """The ready default served (as the trained shapes model: it passes the install's red/blue self-check) by a
    hub on 127.0.0.1 that huggingface_hub in this process is pointed at."""
    from huggingface_hub import constants

    with LocalHub({DEFAULT_READY: shapes_immich(), CATALOGUE[1].repo_id: shapes_immich()}) as hub:
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # tests/conftest.py sets it: this hub is local
        # As HF_ENDPOINT does when it is set before huggingface_hub is imported (the packaged app's check does that).
        monkeypatch.setattr(constants, "ENDPOINT", hub.url)
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                            hub.url + "/{repo_id}/resolve/{revision}/{filename}")
        yield hub


def layout_size(folder) -> int:
    return sum((folder / p).stat().st_size for p in LAYOUT)


def open_panel(qtbot, open_window, home):
    window = open_window(home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.no_model)
    return window, window.no_model


def test_the_list_offers_the_ready_models_with_sizes_from_the_hub(qtbot, open_window, home, local_hub):
    window, panel = open_panel(qtbot, open_window, home)
    assert [b.text() for b in panel.choices.buttons()] == [m.title for m in CATALOGUE]
    assert panel.choices.checkedButton().property("repo_id") == DEFAULT_READY == panel.hub_id.text()
    size = human_bytes(layout_size(shapes_immich())) + " download"
    qtbot.waitUntil(lambda: panel.sizes[DEFAULT_READY].text() == size)
    qtbot.waitUntil(lambda: panel.sizes[CATALOGUE[1].repo_id].text() == size)
    for ready in CATALOGUE[2:]:  # not served by this hub
        qtbot.waitUntil(lambda r=ready: panel.sizes[r.repo_id].text() == "size unknown: not on the hub")
    # What each is good for, its languages and the licence of its weights with a link to its model card.
    texts = [label.text() for label in panel.findChildren(type(panel.note))]
    assert all(any(m.good_for in t and m.languages in t and f"Weights: {m.licence}" in t and m.model_card in t
                   for t in texts) for m in CATALOGUE)

    panel.choices.buttons()[2].click()  # choosing one puts its id in the field the button installs
    assert panel.hub_id.text() == CATALOGUE[2].repo_id
    qtbot.keyClicks(panel.hub_id, "-other")  # typing another id leaves none of the list chosen
    assert panel.choices.checkedButton() is None


def test_offline_the_sizes_say_so(qtbot, open_window, home):
    window, panel = open_panel(qtbot, open_window, home)  # HF_HUB_OFFLINE (tests/conftest.py): no network
    for ready in CATALOGUE:
        qtbot.waitUntil(lambda r=ready: panel.sizes[r.repo_id].text() == "size unknown: offline")
    assert panel.hub_button.isEnabled()


def test_a_step_without_a_total_is_said_under_the_bar(qtbot, open_window, home):
    """Busy bars show no text in most styles (Fusion on Xvfb showed none): the step goes to the line below."""
    window, panel = open_panel(qtbot, open_window, home)
    panel.set_busy("Downloading x/y from the Hugging Face hub...")
    panel.show_progress(5_000_000, 10_000_000, "Downloading: 5.0 MB of 10 MB", cancellable=True)
    assert panel.progress.format() == "Downloading: 5.0 MB of 10 MB" and panel.cancel_button.isEnabled()
    assert panel.note.text() == "Downloading x/y from the Hugging Face hub..."
    panel.show_progress(0, None, "Checking the model...")
    assert panel.note.text() == "Checking the model..." and panel.progress.maximum() == 0
    assert not panel.cancel_button.isEnabled()
    panel.set_busy(None)
    assert not panel.progress.isVisible() and panel.hub_button.isEnabled()


def test_installing_from_the_list_shows_the_bytes_then_the_model_is_in_use_and_measured(qtbot, open_window, home,
                                                                                     local_hub):
    window, panel = open_panel(qtbot, open_window, home)
    shown = []
    real_show = panel.show_progress
    panel.show_progress = lambda *args, **kwargs: (shown.append(args), real_show(*args, **kwargs))[1]
    qtbot.mouseClick(panel.hub_button, Qt.MouseButton.LeftButton)
    assert not panel.hub_button.isEnabled() and panel.progress.isVisible() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=60_000)

    total = layout_size(shapes_immich())
    shown = [args for args in shown if args[0] is not None]  # (None,): the bar hidden
    downloads = [(done, of, text) for done, of, text, *_ in shown if of]
    assert downloads and all(of == total for _, of, _ in downloads)
    assert [d for d, _, _ in downloads] == sorted(d for d, _, _ in downloads) and downloads[-1][0] == total
    assert downloads[-1][2].startswith(f"Downloading: {human_bytes(total)} of {human_bytes(total)}")
    later = [text for done, of, text, *_ in shown if not of]
    assert any(t.startswith("Checking the model") for t in later)
    assert any(t.startswith("Measuring its speed") for t in later)

    name = DEFAULT_READY.rsplit("/", 1)[1]
    assert window.app.settings.model == name
    manifest = json.loads((home / "data/models" / name / "manifest.json").read_text())
    assert manifest["source"] == DEFAULT_READY and manifest["measured"]["images_per_s"]["fp32"] > 0
    assert manifest["languages"] == "English"  # the list's words for it
    assert window.status.message.text().startswith(f"Installed model {name}: ")
    assert "images/s on this computer" in window.status.message.text()


def test_cancel_midway_installs_nothing_and_the_next_install_resumes(qtbot, open_window, home, local_hub):
    window, panel = open_panel(qtbot, open_window, home)
    local_hub.rate = 2_000_000  # bytes/s: the 9 MB visual graph takes seconds
    qtbot.mouseClick(panel.hub_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.progress.maximum() > 0 and panel.progress.value() > 1000, timeout=30_000)
    with qtbot.waitSignal(window.runner.job_finished, timeout=30_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.note.text().startswith("Cancelled: nothing was installed")
    assert panel.hub_button.isEnabled() and not panel.progress.isVisible()
    assert window.app.models.names() == [] and window.pages.currentWidget() is window.no_model
    parts = list((home / "data/models/.downloads").rglob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 0  # kept to resume from
    kept, file = parts[0].stat().st_size, parts[0].relative_to(next((home / "data/models/.downloads").iterdir()))
    repo_path = file.relative_to(file.parts[0]).as_posix()[:-len(".part")]

    local_hub.rate = None
    qtbot.mouseClick(panel.hub_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=60_000)
    assert window.app.models.names() == [DEFAULT_READY.rsplit("/", 1)[1]]
    ranges = [r for method, _, path, r in local_hub.requests if method == "GET" and path == repo_path]
    assert ranges == [None, f"bytes={kept}-"]  # resumed where the cancelled one stopped


def test_an_unknown_id_is_one_line_on_the_panel(qtbot, open_window, home, local_hub, caplog):
    window, panel = open_panel(qtbot, open_window, home)
    panel.hub_id.setText("nobody/no-such-model")
    with qtbot.waitSignal(window.runner.job_finished, timeout=30_000):
        qtbot.keyClick(panel.hub_id, Qt.Key.Key_Return)
    for record in caplog.get_records("call"):
        if "Installing the model failed" in record.getMessage():
            record.expected = True
    assert panel.note.text().startswith("The model could not be installed: no model nobody/no-such-model on the "
                                        "Hugging Face hub")
    assert "\n" not in panel.note.text() and not panel.progress.isVisible()


def test_the_models_dialog_shows_what_each_model_costs_and_measures_again(qtbot, open_window, tiny_home):
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is not window.loading)
    wait_idle(qtbot, window)
    window.models_action.trigger()
    dialog = window.model_setup.models_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    cells = {dialog.table.horizontalHeaderItem(c).text(): dialog.table.item(0, c).text()
             for c in range(dialog.table.columnCount())}
    assert cells["Model"] == "tiny (in use)" and cells["Precisions"] == "fp32 + int8"
    assert cells["Languages"] == "English"
    assert cells["On disk"].endswith("MB") and cells["Download"] == "not recorded"  # a checkpoint exported here
    assert cells["Images/s here"] == "not measured"  # made before measuring existed (the depot imports it)
    assert dialog.measure_button.isEnabled()
    qtbot.mouseClick(dialog.measure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.item(0, 3).text() != "not measured", timeout=30_000)
    fp32, int8 = dialog.table.item(0, 3).text().split(", ")  # each precision measured: "1234 fp32", "2345 int8"
    assert fp32.endswith(" fp32") and int8.endswith(" int8") and float(fp32.split()[0]) > 0
    assert "CPU" in dialog.note.text() and "measured at install" in dialog.note.text()
    dialog.close()


def test_another_model_is_installed_from_the_models_dialog(qtbot, open_window, tiny_home, local_hub):
    """The packaged app has no terminal: a second model comes from the same list, in a dialog; the one in use stays."""
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is not window.loading)
    window.models_action.trigger()
    dialog = window.model_setup.models_dialog
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    panel = window.model_setup.add_dialog.panel
    assert panel.title.text() == "Install another model" and panel.hub_id.text() == DEFAULT_READY
    qtbot.waitUntil(lambda: panel.sizes[DEFAULT_READY].text().endswith(" download"))
    window.model_setup.add_dialog.panel.choices.buttons()[1].setChecked(True)  # as if SigLIP 2 were installed:
    panel.mark_installed({CATALOGUE[1].repo_id})  # not offered again, and the default stays chosen
    assert not panel.choices.buttons()[1].isEnabled() and panel.choices.buttons()[1].text().endswith(" (installed)")
    assert panel.choices.checkedButton().property("repo_id") == DEFAULT_READY == panel.hub_id.text()
    panel.mark_installed(set())
    qtbot.mouseClick(panel.hub_button, Qt.MouseButton.LeftButton)
    name = DEFAULT_READY.rsplit("/", 1)[1]
    qtbot.waitUntil(lambda: panel.note.text().startswith(f"Installed {name}: "), timeout=60_000)
    assert "images/s on this computer" in panel.note.text() and panel.hub_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    qtbot.waitUntil(lambda: not panel.choices.buttons()[0].isEnabled())  # now installed
    assert panel.choices.buttons()[0].text() == f"{CATALOGUE[0].title} (installed)"
    assert window.app.settings.model == "tiny"  # the model in use stays until the user switches
    wait_idle(qtbot, window, timeout=60_000)  # the new model's trial sample (model_trial) may run meanwhile
    window.model_setup.add_dialog.close()
    dialog.close()
