"""A full disk under the library, made real with a small tmpfs: one line that says so, reads still work,
nothing is lost, and the next run after freeing space picks up where it stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photo_tagger.app import App
from tests.conftest import _home_with, run_entry_point
from tests.e2e.test_crash_and_watch import catalog_rows
from tests.photos import make_photos


def mount_small_disk(where: Path, size: str) -> None:
    """A tmpfs of `size` at `where` (root in a sandbox or CI); skipped elsewhere, failed in CI."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        message = f"cannot mount a small tmpfs here ({done.stderr.strip()}): needs root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    mount_small_disk(disk, "40m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Write a filler file until the disk has `leave` bytes (or fewer) free. A disk the run under test has
    already filled cannot even take the filler's name; it is full either way (seen once in CI)."""
    filler = disk / "filler"
    try:
        with open(filler, "wb") as f:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            f.write(b"\0" * max(0, free - leave))
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        pass
    return filler


def library_state(home: Path) -> tuple[int, int, int]:
    """(indexed photos, distinct vector ids in Chroma, catalog rows) once the disk has room again."""
    app = App.from_home(home)
    try:
        records = app.catalog.records()
        indexed = {r.id for r in records if r.status == "indexed"}
        ids = app.vector_store().ids()
        assert ids == indexed, "catalog and Chroma agree"
        return len(indexed), len(ids), len(records)
    finally:
        app.close()


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_full_disk_is_said_in_one_line_reads_still_work_and_nothing_is_lost(model_depot, small_disk, tmp_path):
    home = _home_with(model_depot, small_disk / "home", "tiny")
    library = home / "data" / "library"
    photos = tmp_path / "photos"
    make_photos(photos / "first", 6)
    result = run_entry_point("--home", home, "index", photos)
    assert result.returncode == 0, result.stderr
    make_photos(photos / "later", 6, prefix="L_")

    filler = fill(small_disk)
    index = run_entry_point("--home", home, "index", photos)
    assert index.returncode == 1
    assert one_line(index).startswith(f"photo-tagger: error: the disk holding {library} is full (0 MB free)")

    status = run_entry_point("--home", home, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["photos"] == 6
    search = run_entry_point("--home", home, "search", "a red photo", "--json")
    assert search.returncode == 0, search.stderr
    assert len(json.loads(search.stdout)) == 6
    tag = run_entry_point("--home", home, "tag", photos / "first" / "IMG_00000.jpg", "--add", "holiday")
    assert tag.returncode == 1 and "is full" in one_line(tag)

    filler.unlink(missing_ok=True)
    assert library_state(home) == (6, 6, 6), "nothing lost, nothing half-written"
    result = run_entry_point("--home", home, "index", photos, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["new"], report["unchanged"]) == (6, 6)
    assert library_state(home) == (12, 12, 12)


def test_a_disk_that_fills_during_a_run_stops_it_in_one_line_and_the_next_run_resumes(model_depot, small_disk,
                                                                                        tmp_path):
    home = _home_with(model_depot, small_disk / "home", "tiny")
    App.from_home(home).update_settings(batch_size=4)
    photos = tmp_path / "photos"
    make_photos(photos, 400)
    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(home), "index", str(photos)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(catalog_rows(home)) < 8:
        assert child.poll() is None and time.monotonic() < deadline, "still indexing"
        time.sleep(0.01)
    filler = fill(small_disk)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert "is full" in one_line(subprocess.CompletedProcess(child.args, 1, "", err))

    filler.unlink(missing_ok=True)
    indexed, _, _ = library_state(home)
    assert 0 < indexed < 400
    result = run_entry_point("--home", home, "index", photos, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["unchanged"] == indexed and report["new"] == 400 - indexed
    assert library_state(home) == (400, 400, 400)
