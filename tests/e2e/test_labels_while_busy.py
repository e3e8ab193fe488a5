"""`labels` and `moderation` edits while another process holds the library: refused with nothing changed."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time

from tests.photos import make_photos


def test_label_edits_while_a_watcher_holds_the_library_fail_and_change_nothing(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 3)
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    labels = tiny_home / "config" / "labels.toml"
    before = hashlib.sha256(labels.read_bytes()).hexdigest()
    watcher = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "watch"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while "Watching for changes" not in watcher.stdout.readline():
            assert watcher.poll() is None and time.monotonic() < deadline, "the watcher started"
        for edit in (["labels", "add", "kayak"], ["labels", "remove", "cat"],
                     ["moderation", "set", "nudity", "--disable"]):
            result = cli("--home", tiny_home, *edit)
            assert result.returncode == 1, (edit, result.out, result.err)
            assert "is open in another Photo Tagger process" in result.err
            assert len(result.err.strip().splitlines()) == 1, result.err
            assert hashlib.sha256(labels.read_bytes()).hexdigest() == before, f"{edit} left labels.toml as it was"
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(timeout=60)
    result = cli("--home", tiny_home, "moderation", "set", "nudity", "--disable")
    assert result.returncode == 0 and "Retagged 3 photos" in result.out
    assert hashlib.sha256(labels.read_bytes()).hexdigest() != before
