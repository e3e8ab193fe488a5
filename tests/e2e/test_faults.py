"""Faults found by a fault-injection run (issue 11): renames under `watch`, unreadable folders and files, empty
labels files, non-UTF-8 names on the console, odd entries, re-encodes after a kill. Real processes and files."""

import functools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import default_label_set
from tests.conftest import run_entry_point
from tests.photos import make_photo
from tests.waiting import wait_for


def catalog_state(home: Path) -> dict[str, tuple[str, frozenset]]:
    """relpath -> (photo id, tags the user added), read beside a running process (WAL)."""
    db = sqlite3.connect(f"file:{home / 'data' / 'library' / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT p.relpath, p.id, u.label FROM photos p LEFT JOIN user_tags u "
                          "ON u.photo_id = p.id AND u.action = 'add'").fetchall()
    finally:
        db.close()
    state: dict[str, tuple[str, frozenset]] = {}
    for relpath, photo_id, label in rows:
        key = os.fsdecode(relpath)
        state[key] = (photo_id, state.get(key, (photo_id, frozenset()))[1] | ({label} if label else set()))
    return state


def index_json(home, *paths, runner=run_entry_point) -> dict:
    result = runner("--home", home, "index", *paths, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@functools.cache
def _setpriv_works() -> bool:
    if os.geteuid() != 0:
        return True
    if not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", "true"])
    return probe.returncode == 0


def unprivileged(*args) -> subprocess.CompletedProcess:
    """The real command line in a child process that file permissions apply to: without root's override."""
    if not _setpriv_works():
        pytest.skip("running as root without setpriv: chmod 000 cannot be made to apply")
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, sys.executable, "-m", "photo_tagger", *map(str, args)], capture_output=True,
                          text=True, timeout=300)


# -- 1. a rename under `watch` keeps the photo's id and tags, whatever else arrives meanwhile
def test_a_rename_under_watch_keeps_id_and_tags_whatever_else_arrives(tiny_home, tmp_path, cli):
    photos = tmp_path / "W"
    for i, name in enumerate(("a.jpg", "b.jpg", "c.jpg")):
        make_photo(photos / name, (40 + 80 * i, 200 - 60 * i, 90))
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    for name in ("a.jpg", "b.jpg"):
        assert cli("--home", tiny_home, "tag", photos / name, "--add", f"mine-{name}").returncode == 0
    before = catalog_state(tiny_home)
    watcher = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "watch",
                                "--debounce", "0.3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not watcher.stdout.readline().startswith("Watching"):
            assert watcher.poll() is None, watcher.stderr.read()
        (photos / "newdir").mkdir()  # `mkdir W/newdir; mv W/a.jpg W/a2.jpg`
        os.rename(photos / "a.jpg", photos / "a2.jpg")
        wait_for(lambda: set(catalog_state(tiny_home)) == {"a2.jpg", "b.jpg", "c.jpg"}, 30, "the first rename")
        make_photo(photos / "copied.jpg", (1, 2, 3), size=(900, 700))  # a new file, and a rename 0.8 s later
        time.sleep(0.8)
        os.rename(photos / "b.jpg", photos / "b2.jpg")
        wait_for(lambda: set(catalog_state(tiny_home)) == {"a2.jpg", "b2.jpg", "c.jpg", "copied.jpg"}, 30,
                 "the second rename")
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    after = catalog_state(tiny_home)
    assert after["a2.jpg"] == before["a.jpg"] and after["b2.jpg"] == before["b.jpg"]  # same id, same tags
    assert "mine-a.jpg" in after["a2.jpg"][1]
    assert " 0 removed" in out and " 1 removed" not in out, out


# -- 2. a subfolder that cannot be listed is not "deleted" (real permissions, unprivileged child process)
def test_an_unlistable_subfolder_keeps_its_photos_and_tags(tiny_home, tmp_path, cli):
    photos, sub = tmp_path / "W", tmp_path / "W" / "sub"
    make_photo(photos / "top.jpg", (10, 200, 30))
    make_photo(sub / "x.jpg", (200, 10, 30))
    make_photo(sub / "y.jpg", (30, 10, 200))
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    assert cli("--home", tiny_home, "tag", sub / "x.jpg", "--add", "holiday").returncode == 0
    before = catalog_state(tiny_home)
    sub.chmod(0)
    try:
        report = index_json(tiny_home, photos, runner=unprivileged)
        status = unprivileged("--home", tiny_home, "status", "--skipped", "--json")
    finally:
        sub.chmod(0o755)
    assert (report["removed"], report["unchanged"], report["unavailable_folders"]) == (0, 1, [str(sub)])
    assert catalog_state(tiny_home) == before
    skipped = {s["path"]: s["reason"] for s in json.loads(status.stdout)["skipped_files"]}
    assert skipped[str(sub)].startswith("cannot list this folder: Permission denied")
    report = index_json(tiny_home, photos, runner=unprivileged)  # access is back
    assert (report["unchanged"], report["new"], report["removed"]) == (3, 0, 0)
    assert catalog_state(tiny_home) == before and "holiday" in before["sub/x.jpg"][1]


# -- 9. a file skipped for "permission denied" is read again after chmod 644, its mtime unchanged
def test_a_file_skipped_for_permission_is_retried_after_chmod(tiny_home, tmp_path):
    photos = tmp_path / "W"
    make_photo(photos / "open.jpg", (10, 200, 30))
    locked = make_photo(photos / "locked.jpg", (200, 10, 30))
    locked.chmod(0)
    try:
        report = index_json(tiny_home, photos, runner=unprivileged)
        assert [(s["path"], s["reason"]) for s in report["skipped_files"]] == [(str(locked), "permission denied")]
    finally:
        locked.chmod(0o644)
    report = index_json(tiny_home, photos, runner=unprivileged)
    assert (report["updated"], report["unchanged"], report["skipped"]) == (1, 1, 0)


# -- 3. an empty labels.toml is broken: one warning, the last good labels stay (and their tags)
def test_an_empty_labels_file_changes_nothing(tiny_home, tmp_path, cli):
    from dataclasses import replace

    photos = tmp_path / "W"
    for i in range(4):
        make_photo(photos / f"{i}.jpg", (60 * i, 90, 200 - 40 * i))
    app = App.from_home(tiny_home)
    eager = default_label_set()  # thresholds at 0: every photo gets tags and flags, so a wipe would show
    app.save_labels(replace(eager, threshold=0.0, best_threshold=0.0,
                            moderation=tuple(replace(c, threshold=0.0) for c in eager.moderation)))
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    flagged = json.loads(cli("--home", tiny_home, "flagged", "--json").out)
    assert len(flagged) == 4
    labels_path, last_good = app.labels_file.path, app.labels_file.last_good
    kept = last_good.read_bytes()
    for text in ("", "label = []\n"):
        labels_path.write_text(text)
        listing = run_entry_point("--home", tiny_home, "labels", "list")
        assert listing.returncode == 0 and "  dog " in listing.stdout
        assert listing.stderr.count("no labels and no moderation categories") == 1, listing.stderr
        assert len(listing.stderr.strip().splitlines()) == 1
        assert cli("--home", tiny_home, "retag").returncode == 0
        assert json.loads(cli("--home", tiny_home, "flagged", "--json").out) == flagged
        assert last_good.read_bytes() == kept
    labels_path.write_text('label = "oops"\n')
    listing = run_entry_point("--home", tiny_home, "labels", "list")
    assert "label must be a list of [[label]] tables" in listing.stderr and "needs a name" not in listing.stderr


# -- 10 and 11: non-UTF-8 names on a strict UTF-8 console, a 255-byte name, FIFOs and broken links
def test_odd_names_and_entries_are_printed_and_listed(tiny_home, tmp_path):
    photos = tmp_path / "W"
    for i in range(12):
        make_photo(photos / f"plain-{i:02d}.jpg", (20 * i, 100, 50))
    for i, raw in enumerate((b"caf\xe9.jpg", b"\xff\xfe.jpg", b"na\xefve-\x80.jpg")):
        make_photo(photos / os.fsdecode(raw), (250, 20 * i, 20))
    (photos / os.fsdecode(b"broken-\xe9.jpg")).write_text("not an image")
    make_photo(photos / ("x" * 251 + ".jpg"), (5, 5, 250))  # 255 bytes: "<name>.xmp" is too long
    os.mkfifo(photos / "pipe.jpg")
    os.symlink(tmp_path / "nowhere.jpg", photos / "dangling.jpg")
    strict = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    result = run_entry_point("--home", tiny_home, "index", photos, env=strict)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    assert "16 new" in result.stdout and "broken-\\xe9.jpg: not an image" in result.stdout

    result = run_entry_point("--home", tiny_home, "search", "a photo", "--limit", "30", env=strict)
    assert result.returncode == 0, result.stderr
    # hits only: the grade lines ("no photo matches well; closest:", "-- weaker matches --") say how they match
    lines = [line for line in result.stdout.splitlines() if line[:1] in " -0123456789" and "/" in line]
    assert len(lines) == 16 and any("/caf\\xe9.jpg" in line for line in lines)

    result = run_entry_point("--home", tiny_home, "search", "a photo", "--limit", "30", "--json", env=strict)
    assert result.returncode == 0, result.stderr
    assert {Path(h["path"]).name for h in json.loads(result.stdout)} >= {"caf\\xe9.jpg", "\\xff\\xfe.jpg"}

    result = run_entry_point("--home", tiny_home, "status", "--skipped", "--json", env=strict)
    reasons = {Path(s["path"]).name: s["reason"] for s in json.loads(result.stdout)["skipped_files"]}
    assert reasons == {"broken-\\xe9.jpg": "not an image (or unsupported format)",
                       "pipe.jpg": "not a regular file: a named pipe (FIFO)",
                       "dangling.jpg": "broken symbolic link (its target is missing)"}


# -- 11: the --json report shows the encodes a killed run made and this one repeats
def test_the_json_report_counts_reencodes_after_a_kill(tiny_home, tmp_path):
    photos = tmp_path / "W"
    for i in range(40):
        make_photo(photos / f"{i:03d}.jpg", ((i * 7) % 256, (i * 29) % 256, 90), size=(1200, 900))
    App.from_home(tiny_home).update_settings(batch_size=4)
    catalog = tiny_home / "data" / "library" / "catalog.sqlite3"

    def journaled() -> int:  # vector writes in flight: journaled, not yet in the catalog
        if not catalog.exists():
            return 0
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT count(*) FROM journal").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
        finally:
            db.close()

    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "index", str(photos)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not journaled():
        assert child.poll() is None, f"finished before the kill: {child.stderr.read()}"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    in_flight = journaled()
    assert in_flight > 0

    report = index_json(tiny_home, photos)
    assert report["interrupted_writes"] == in_flight and report["reencoded_after_interrupt"] == in_flight
    assert report["new"] + report["unchanged"] == 40
