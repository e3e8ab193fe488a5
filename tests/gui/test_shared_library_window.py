"""The window on a library shared through a real `chroma run` server: another computer's photos are found by
search and shown read-only; this computer's folder is indexed into the same server."""

from __future__ import annotations

import os

import pytest

from photo_tagger.app import App
from tests.e2e.test_server_mode import chroma_server, new_home, shapes_folder  # noqa: F401 (fixture)
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def test_window_searches_and_indexes_a_shared_library(qtbot, cli, model_depot, tmp_path, open_window, caplog,
                                                      chroma_server):  # noqa: F811 (fixture)
    alice, bob = new_home(model_depot, tmp_path / "alice"), new_home(model_depot, tmp_path / "bob")
    alice_truth = shapes_folder(tmp_path / "alice-photos", per_class=1)
    assert cli("--home", alice, "--store", chroma_server.url, "index", tmp_path / "alice-photos").returncode == 0
    App.from_home(bob).update_settings(store_url=chroma_server.url)
    alice_app = App.from_home(alice)
    try:  # what Alice's computer decided (the absolute rule may leave a photo of a 16-photo library untagged)
        records = {r.id: r.path for r in alice_app.catalog.records()}
        alice_tags = {records[i]: {n for n, _ in d.tags} for i, d in alice_app.catalog.decisions(records).items()}
    finally:
        alice_app.close()

    window = open_window(bob)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    qtbot.keyClicks(window.search_bar.edit, "a photo of a red circle")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=15_000)
    best = window.grid_model.items[0]
    assert alice_truth[best.path] == ("red", "circle") and set(best.tags) == alice_tags.get(best.path, set())
    assert "circle" in set().union(*alice_tags.values())  # Alice's photo and tags

    window.photos.show(best)  # read-only details from the server's record, no error
    qtbot.waitUntil(lambda: window.details.path.text() == os.path.dirname(best.path), timeout=10_000)
    window.photos.edit_tags(add=["holiday"])
    wait_idle(qtbot, window, timeout=30_000)
    assert "not in this computer's library" in window.status.message.text()
    for record in caplog.get_records("call"):
        if "not in this computer's library" in record.getMessage():
            record.expected = True  # refusing to retag another computer's photo is what this step checks

    bob_truth = shapes_folder(tmp_path / "bob-photos", per_class=1, seed=11)
    window.folders.add(str(tmp_path / "bob-photos"))
    wait_idle(qtbot, window, timeout=30_000)
    assert f"{len(bob_truth)} new" in window.status.message.text()
    assert chroma_server.collection().count() == len(alice_truth) + len(bob_truth)
    assert not (bob / "data" / "library" / "chroma").exists()
