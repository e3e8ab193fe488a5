"""The window opens the search matrix on a query worker at start, before the first search needs it."""

from __future__ import annotations

import logging


def test_the_window_opens_the_search_matrix_at_start(qtbot, open_window, tiny_home, photo_folder, cli):
    assert cli("--home", tiny_home, "index", photo_folder).returncode == 0
    window = open_window(tiny_home)
    indexes = lambda: window.app.__dict__.get("_embedding_indexes", {})  # noqa: E731
    qtbot.waitUntil(lambda: any(index.loaded for index in indexes().values()), timeout=20_000)
    assert len(next(iter(indexes().values()))) == 6  # no search was asked
    assert list((window.app.paths.library_dir / "matrix").glob("*.json"))


def test_a_warm_up_that_fails_is_logged_not_shown(qtbot, caplog):
    from photo_tagger.gui.tasks import TaskRunner

    def no_library():
        raise OSError("the library is on a drive that is gone")

    runner = TaskRunner(lambda: None)
    failed = []
    runner.query_failed.connect(failed.append)
    try:
        with caplog.at_level(logging.INFO):
            runner.warm(no_library).result(timeout=5)
    finally:
        runner.shutdown()
    qtbot.wait(50)
    assert not failed and "the library is on a drive that is gone" in caplog.text
