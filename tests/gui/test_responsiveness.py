"""The GUI thread stays responsive while a few hundred photos are indexed: every decode, encode, model load and
store write runs off it. And the window shows before any model loads. How long the loop stalls is a timing, so it is
measured by benchmarks/bench_gui_responsiveness.py, not asserted here."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QApplication

from tests.photos import make_photo
from tests.stall_probe import StallProbe

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]

PHOTOS = 300


def test_window_shows_before_any_model_loads(qtbot, tiny_home):
    from photo_tagger.app import App
    from photo_tagger.gui.main_window import MainWindow

    app = App.from_home(tiny_home)
    start = time.perf_counter()
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    QApplication.processEvents()
    seconds = time.perf_counter() - start
    try:
        assert window.isVisible()
        loaded = {"image_encoder", "text_encoder", "cached_text_encoder"} & set(app.__dict__)
        assert not loaded, f"model sessions created before the window showed: {loaded}"
        print(f"\nstartup to visible window: {seconds:.3f} s")
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    finally:
        window.runner.shutdown()


def _record_gui_thread_calls(monkeypatch) -> list[str]:
    """Wraps the heavy calls (decoding, encoding, model loading, store writes and queries); returns the list that
    names each one made on the GUI thread."""
    from photo_tagger.core import preprocess
    from photo_tagger.infra import chroma_store, onnx_clip

    on_gui_thread: list[str] = []
    heavy = [(preprocess, "_decode"), (onnx_clip.OnnxImageEncoder, "encode_images"),
             (onnx_clip.OnnxTextEncoder, "encode_texts"), (onnx_clip._LazySession, "_create"),
             (chroma_store.ChromaVectorStore, "upsert"), (chroma_store.ChromaVectorStore, "update_metadata"),
             (chroma_store.ChromaVectorStore, "query")]
    for owner, name in heavy:
        original = getattr(owner, name)

        def wrapped(*args, _original=original, _name=f"{getattr(owner, '__name__', owner)}.{name}",  # noqa: B008
                    **kwargs):
            if threading.current_thread() is threading.main_thread():
                on_gui_thread.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(owner, name, wrapped)
    return on_gui_thread


def test_gui_loop_does_not_stall_while_indexing_and_searching(qtbot, open_window, tiny_home, tmp_path, monkeypatch):
    on_gui_thread = _record_gui_thread_calls(monkeypatch)
    folder = tmp_path / "many"
    for i in range(PHOTOS):
        make_photo(folder / f"IMG_{i:05d}.jpg", ((i * 37) % 256, (i * 91) % 256, (i * 13) % 256), size=(640, 480))
    window = open_window(tiny_home)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.empty, timeout=10_000)
    qtbot.wait(200)  # window creation and the first layout are not what is measured

    probe = StallProbe()
    probe.start()
    started = time.perf_counter()
    window.folders.add(str(folder))
    qtbot.waitUntil(lambda: window.runner.jobs and window.runner.jobs[0].done >= 20, timeout=15_000)
    assert window.runner.busy, "indexing finished before the query could be typed during it"
    qtbot.keyClicks(window.search_bar.edit, "a red photo")
    qtbot.waitUntil(lambda: "best match" in window.header.text() or "No photos found" in window.header.text(),
                    timeout=15_000)
    answered_while_indexing = window.runner.busy
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)
    indexing_s = time.perf_counter() - started
    qtbot.wait(300)  # the final refresh lands while the probe still runs
    probe.stop()

    print(f"\nindexed {PHOTOS} photos in {indexing_s:.1f} s; GUI loop ticks: {len(probe.gaps)}, "
          f"longest stall {probe.longest * 1000:.1f} ms, p99 {probe.stall(0.99) * 1000:.1f} ms, "
          f"top 3 {[round((g - probe.interval) * 1000) for g in sorted(probe.gaps)[-3:]]} ms; "
          f"search answered while indexing: {answered_while_indexing}")
    qtbot.waitUntil(lambda: "best match" in window.header.text(), timeout=10_000)
    assert window.query == "a red photo"
    assert window.grid_model.rowCount() > 0
    assert not on_gui_thread, f"heavy work ran on the GUI thread: {sorted(set(on_gui_thread))}"
