"""Killing the indexer at any moment, and watching folders through a burst of files."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from photo_tagger.app import App
from tests.conftest import run_entry_point
from tests.photos import make_photo
from tests.waiting import wait_for


def catalog_rows(home: Path) -> dict[str, str]:
    """relpath -> status, read like any other reader would while the app writes (WAL)."""
    path = home / "data" / "library" / "catalog.sqlite3"
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return {os.fsdecode(r[0]): r[1] for r in db.execute("SELECT relpath, status FROM photos")}
    except sqlite3.OperationalError:  # schema not created yet
        return {}
    finally:
        db.close()


def consistent_library(home: Path) -> tuple[int, set]:
    app = App.from_home(home)
    try:
        records = app.catalog.records()
        store = app.vector_store()
        ids = store.ids()
        indexed = {r.id for r in records if r.status == "indexed"}
        hits = store.query(store.get_embeddings([next(iter(indexed))])[next(iter(indexed))], 5) if indexed else []
        return len(indexed), ids, hits
    finally:
        app.close()


@pytest.mark.parametrize("kill_after", [9, 40])
def test_sigkill_mid_run_resumes_without_reencoding(tiny_home, tmp_path, kill_after):
    photos = tmp_path / "photos"
    for i in range(90):
        make_photo(photos / f"{i:03d}.jpg", ((i * 7) % 256, (i * 29) % 256, 90), size=(1600, 1200))
    App.from_home(tiny_home).update_settings(batch_size=4)

    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "index", str(photos)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while len(catalog_rows(tiny_home)) < kill_after:
        assert child.poll() is None, f"finished before the kill: {child.stderr.read()}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()

    done_before, ids, hits = consistent_library(tiny_home)
    assert 0 < done_before < 90
    assert hits, "search works on the interrupted library"

    result = run_entry_point("--home", tiny_home, "index", photos, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["unchanged"] == done_before, "what was done is not encoded again"
    assert report["new"] == 90 - done_before
    indexed, ids, _ = consistent_library(tiny_home)
    assert indexed == 90 and len(ids) == 90


def write_png(path: Path, i: int) -> None:
    Image.new("RGB", (16, 16), (i % 256, (i // 256) % 256, 77)).save(path)


@pytest.mark.slow
def test_watch_keeps_the_index_equal_to_the_disk_through_a_burst(tiny_home, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    assert run_entry_point("--home", tiny_home, "index", photos).returncode == 0
    App.from_home(tiny_home).update_settings(batch_size=64)
    watcher = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "watch",
                                "--debounce", "0.3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watcher.stdout.readline().startswith("Catching up")
        while not watcher.stdout.readline().startswith("Watching"):  # after the catch-up run
            assert watcher.poll() is None, watcher.stderr.read()
        for i in range(2000):
            write_png(photos / f"burst_{i:04d}.png", i)
        (photos / "draft.png.part").write_bytes(b"partial download")
        on_disk = lambda: {p.name for p in photos.rglob("*.png")}  # noqa: E731
        wait_for(lambda: {Path(p).name for p in catalog_rows(tiny_home)} == on_disk(), 180, "the burst")

        (photos / "album").mkdir()
        for i in range(0, 100):
            (photos / f"burst_{i:04d}.png").unlink()
        for i in range(100, 150):
            os.rename(photos / f"burst_{i:04d}.png", photos / "album" / f"burst_{i:04d}.png")
        with open(photos / "slow.png", "wb") as f:  # a partial write that completes later
            data = (photos / "burst_0500.png").read_bytes()
            f.write(data[:20])
            f.flush()
            time.sleep(0.8)
            f.write(data[20:])
        expected = lambda: {str(p.relative_to(photos)) for p in photos.rglob("*.png")}  # noqa: E731
        wait_for(lambda: set(catalog_rows(tiny_home)) == expected(), 120, "deletes and moves")
        assert set(catalog_rows(tiny_home).values()) == {"indexed"}
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    indexed, ids, _ = consistent_library(tiny_home)
    assert indexed == len(ids) == 1900 + 1
