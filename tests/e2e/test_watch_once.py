"""`watch` through a folder copied in, a move and a delete in one step: each photo encoded once, reported once, and
no rows left behind for photos that are gone (issue 20, item 5)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from photo_tagger.app import App
from photo_tagger.core.vector_metadata import vector_metadata
from tests.conftest import run_entry_point
from tests.photos import make_photos

# `photo-tagger ARGS` with every image-encoder call counted (one line per batch) in the file named first.
_COUNTED = """
import sys
from photo_tagger.infra import onnx_clip
encode = onnx_clip.OnnxImageEncoder.encode_images
def counted(self, pixels):
    result = encode(self, pixels)
    with open(sys.argv[1], "a") as f:
        f.write(f"{len(pixels)}\\n")
    return result
onnx_clip.OnnxImageEncoder.encode_images = counted
from photo_tagger.cli.main import run
sys.exit(run(sys.argv[2:]))
"""
# Rows keyed by a photo id that no photo record holds any more.
ORPHAN_TABLES = ("vectors", "photo_text", "photo_hashes", "auto_tags", "auto_flags", "auto_sources", "user_tags",
                 "user_not_sensitive")


def orphans(home: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{home / 'data' / 'library' / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        return {t: n for t in ORPHAN_TABLES if (n := db.execute(
            f"SELECT count(*) FROM {t} WHERE photo_id NOT IN (SELECT id FROM photos)").fetchone()[0])}
    finally:
        db.close()


def indexed_paths(home: Path) -> set[str]:
    db = sqlite3.connect(f"file:{home / 'data' / 'library' / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        return {os.fsdecode(r[0]) for r in db.execute("SELECT relpath FROM photos WHERE status = 'indexed'")}
    finally:
        db.close()


def test_a_folder_copied_in_with_a_move_and_a_delete_is_encoded_once(tiny_home, tmp_path):
    photos, album = tmp_path / "photos", tmp_path / "album"
    for i, made in enumerate(make_photos(tmp_path / "made", 43)):  # 43 different photos: 3 old ones, 40 to copy
        target = photos / f"OLD_{i - 40:05d}.jpg" if i >= 40 else album / made.name
        target.parent.mkdir(exist_ok=True)
        made.rename(target)
    assert run_entry_point("--home", tiny_home, "settings", "ocr", "off").returncode == 0
    assert run_entry_point("--home", tiny_home, "index", photos).returncode == 0
    counter = tmp_path / "encodes"
    watcher = subprocess.Popen([sys.executable, "-c", _COUNTED, str(counter), "--home", str(tiny_home), "watch",
                                "--debounce", "0.3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    lines = []
    try:
        while not (line := watcher.stdout.readline()).startswith("Watching"):  # after the catch-up run
            assert line, watcher.stderr.read()
        # One step: a folder of 40 copied in, one photo moved, one deleted.
        shutil.copytree(album, photos / "trip")
        # The move stays in a folder the watcher already watches. A move into the folder being copied in can reach
        # the watcher as a delete and, in a later batch, a new file (inotify watches the new folder only once it
        # exists): then it is indexed as new and its old record forgotten (seen once under CI-like load; open).
        os.rename(photos / "OLD_00000.jpg", photos / "moved.jpg")
        os.remove(photos / "OLD_00001.jpg")
        expected = {f"trip/IMG_{i:05d}.jpg" for i in range(40)} | {"moved.jpg", "OLD_00002.jpg"}
        deadline = time.monotonic() + 240
        while indexed_paths(tiny_home) != expected:
            assert time.monotonic() < deadline and watcher.poll() is None, "the watcher did not catch up"
            time.sleep(0.2)
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=120)
    assert watcher.returncode == 0, err
    lines = [line for line in out.splitlines() if "changes:" in line]
    new = sum(int(m.group(1)) for line in lines if (m := re.search(r"(\d+) new", line)))
    assert new == 40, out
    assert sum(int(n) for n in counter.read_text().split()) == 40, out  # the moved photo keeps its vector
    assert orphans(tiny_home) == {}


def test_orphans_an_older_watcher_left_are_found_by_check_and_removed_by_repair(cli, tiny_home, tmp_path):
    """The old bug's state: each record replaced under a new id at the same path (INSERT OR REPLACE), so the old
    id's vector, tags, hash rows stay in the catalog and its vector in the store."""
    import uuid
    from dataclasses import replace

    photos = make_photos(tmp_path / "p", 5)[0].parent
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    app = App.from_home(tiny_home)
    try:
        key, store = app.model_key(), app.vector_store()
        records = [r for r in app.catalog.records() if r.status == "indexed"]
        vectors = app.catalog.vectors(key, [r.id for r in records])
        again = [replace(r, id=uuid.uuid4().hex) for r in records]
        with app.catalog.transaction() as db:
            app.catalog.write(db, upserts=again)
            app.catalog.write_vectors(db, key, [r.id for r in again], np.stack([vectors[r.id] for r in records]))
        store.upsert([r.id for r in again], np.stack([vectors[r.id] for r in records]),
                     [vector_metadata(r) for r in again])
    finally:
        app.close()
    made = orphans(tiny_home)
    assert made["vectors"] == 5 and made["photo_hashes"] == 5

    check = cli("--home", tiny_home, "library", "check")
    assert check.returncode == 1 and "Rows of photos no longer in the library: " in check.out
    repair = cli("--home", tiny_home, "library", "repair")
    assert repair.returncode == 0 and "Removed rows of photos no longer in the library: " in repair.out
    assert orphans(tiny_home) == {}
    check = cli("--home", tiny_home, "library", "check")
    assert check.returncode == 0 and "Photos with a vector: 5 in the catalog, 5 in the vector store" in check.out
    app = App.from_home(tiny_home)
    try:
        assert app.vector_store().ids() == {r.id for r in app.catalog.records()}
    finally:
        app.close()


def test_a_scope_is_walked_from_its_outermost_paths_only():
    from photo_tagger.core.scan import outermost

    scope = ["/p/trip/IMG_1.jpg", "/p/trip", "/p/trip/sub/x.jpg", "/p/trip 2/a.jpg", "/p/trip", "/p/other.jpg",
             "/p/tripod.jpg"]
    assert outermost(scope) == ["/p/other.jpg", "/p/trip", "/p/trip 2/a.jpg", "/p/tripod.jpg"]
