"""Issue 20: backups on a full disk, blank and hostile names, a hand-broken labels.toml, a kill during a label
edit, a bad setting, and the inputs that ended in an internal error. Real files, processes, mounts and signals."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys

import pytest

from photo_tagger.app import App
from tests.conftest import REPO, _home_with, run_entry_point
from tests.e2e.test_disk_full import fill, mount_small_disk
from tests.photos import make_photos


def one_line(result, code: int) -> str:
    """The command failed with `code` and said why in one line, no traceback."""
    err = getattr(result, "err", None)
    err = result.stderr if err is None else err
    lines = err.strip().splitlines()
    assert result.returncode == code, (result.returncode, err)
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    return lines[0]


@pytest.fixture
def indexed(cli, tiny_home, tmp_path):
    photos = tmp_path / "photos"
    make_photos(photos, 6)
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    return tiny_home, photos


# -- 1. backups on a full disk
@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    mount_small_disk(disk, "60m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_keeps_the_last_good_backup_and_says_so(model_depot, small_disk, tmp_path):
    home = _home_with(model_depot, small_disk / "home", "tiny")
    photos = tmp_path / "photos"
    make_photos(photos, 40)
    assert run_entry_point("--home", home, "index", photos).returncode == 0
    assert run_entry_point("--home", home, "tag", photos / "IMG_00001.jpg", "--add", "mine").returncode == 0
    folder = home / "data" / "library" / "backups"
    good = sorted(folder.iterdir())
    assert good and all(b.stat().st_size > 0 for b in good)
    filler = fill(small_disk, leave=250_000)
    for n in range(4):  # each clean close after a change tries a backup
        tagged = run_entry_point("--home", home, "tag", photos / f"IMG_0000{n + 2}.jpg", "--add", f"t{n}")
        assert tagged.returncode == 0, tagged.stderr
        assert "no backup of the catalog this time" in tagged.stderr and good[-1].name in tagged.stderr
    assert sorted(folder.iterdir()) == good, "no backup replaced, none rotated out, no leftovers"
    check = run_entry_point("--home", home, "library", "check")
    assert "nothing was lost" not in check.stdout + check.stderr
    filler.unlink()
    assert run_entry_point("--home", home, "tag", photos / "IMG_00009.jpg", "--add", "later").returncode == 0
    after = sorted(folder.iterdir())
    assert len(after) == len(good) + 1 and good[-1] in after


def test_library_check_fails_when_no_backup_is_sound(indexed, cli):
    home, photos = indexed
    assert cli("--home", home, "tag", photos / "IMG_00001.jpg", "--add", "mine").returncode == 0
    folder = home / "data" / "library" / "backups"
    for backup in folder.iterdir():
        backup.write_bytes(b"")  # what a full disk left behind before this fix
    check = cli("--home", home, "library", "check")
    assert check.returncode == 1 and "DAMAGED: empty" in check.out and "No sound backup" in check.out
    restore = cli("--home", home, "library", "restore")
    assert restore.returncode == 1 and "no sound backup" in restore.err


# -- 2. blank and hostile names
@pytest.mark.parametrize("args", [["labels", "add", ""], ["labels", "add", "  "], ["labels", "add", "x\x1b[31my"],
                                  ["labels", "rename", "cat", " "], ["moderation", "add", "", "--unsafe", "u",
                                                                     "--safe", "s"]])
def test_a_blank_or_hostile_label_is_refused_in_one_line(tiny_home, cli, args):
    before = (tiny_home / "config" / "labels.toml").read_bytes() if (tiny_home / "config" / "labels.toml").exists() \
        else None
    line = one_line(cli("--home", tiny_home, *args), 2)
    assert "\x1b" not in line
    after = tiny_home / "config" / "labels.toml"
    assert (after.read_bytes() if after.exists() else None) == before


@pytest.mark.parametrize("tag", ["", " ", "\t", "red\x1b[2J", "\x1b]0;title\x07"])
def test_a_blank_or_hostile_tag_is_refused_in_one_line(indexed, cli, tag):
    home, photos = indexed
    line = one_line(cli("--home", home, "tag", photos / "IMG_00001.jpg", "--add", tag), 2)
    assert "\x1b" not in line and "\x07" not in line
    assert json.loads(cli("--home", home, "tags", photos / "IMG_00001.jpg", "--json").out)["added_by_you"] == []


def test_a_tag_with_escape_codes_already_in_the_catalog_is_never_printed_raw(indexed, cli):
    home, photos = indexed
    app = App.from_home(home)
    try:
        record = app.catalog.find_by_path(str(photos.resolve()), "IMG_00001.jpg")
        with app.catalog.transaction() as db:  # written before names were checked
            app.catalog.set_user_tags(db, record.id, add=["evil\x1b[2J\x1b]0;x\x07"])
    finally:
        app.close()
    for args in (["tags", photos / "IMG_00001.jpg"], ["tags", photos / "IMG_00001.jpg", "--json"],
                 ["search", "evil"]):
        result = cli("--home", home, *args)
        assert result.returncode == 0, result.err
        assert "\x1b" not in result.out + result.err and "\x07" not in result.out + result.err
    assert "evil\\x1b[2J" in cli("--home", home, "tags", photos / "IMG_00001.jpg").out
    removed = cli("--home", home, "tag", photos / "IMG_00001.jpg", "--remove", "evil\x1b[2J\x1b]0;x\x07")
    assert removed.returncode == 0 and "\x1b" not in removed.out  # a bad tag from before can still be removed


def test_a_nameless_label_from_before_is_ignored_with_a_warning_and_can_be_removed(indexed, cli):
    home, photos = indexed
    labels = home / "config" / "labels.toml"
    text = labels.read_text().replace("label = [\n", 'label = [\n    { name = "", enabled = true },\n', 1)
    assert 'name = ""' in text
    labels.write_text(text)
    shutil.copyfile(labels, home / "config" / "labels.last-good.toml")  # as `labels add ""` left both
    for args in (["search", "red"], ["retag"], ["labels", "list"], ["moderation", "list"], ["status"]):
        result = cli("--home", home, *args)
        assert result.returncode == 0, (args, result.err)
    warned = cli("--home", home, "labels", "list")
    assert "ignoring label #1" in warned.err and 'labels remove ""' in warned.err
    removed = cli("--home", home, "labels", "remove", "")
    assert removed.returncode == 0, removed.err
    assert 'name = ""' not in labels.read_text()
    assert cli("--home", home, "labels", "list").err == ""


# -- 3. a hand-edited labels.toml with a syntax error
def test_a_labels_edit_over_a_broken_file_is_refused_naming_file_and_line(indexed, cli):
    home, _ = indexed
    labels = home / "config" / "labels.toml"
    text = labels.read_text() + '\n[[label]]\nname = "hand1"\n\n[[label]]\nname = "hand2"\n\n[oops\n'
    labels.write_text(text)
    line = one_line(cli("--home", home, "labels", "add", "boat2", "--prompt", "a photo of a boat"), 1)
    assert str(labels) in line and "line" in line and "column" in line and "nothing was changed" in line
    assert labels.read_text() == text, "the user's file is untouched"
    for args in (["labels", "remove", "cat"], ["moderation", "set", "nudity", "--disable"],
                 ["labels", "rename", "cat", "kitty"]):
        assert cli("--home", home, *args).returncode == 1
        assert labels.read_text() == text


# -- 6. a kill during `labels add`, after the label is saved and before the tags are recomputed
KILLED_AFTER_SAVE = """
import os, signal, sys
from photo_tagger.services.retagging import RetagService
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # labels.toml is saved; the retag never starts
RetagService.retag_library = killed
from photo_tagger.cli.main import run
sys.exit(run(sys.argv[1:]))
"""


def test_a_kill_between_saving_a_label_and_retagging_is_finished_by_the_next_run(indexed, cli):
    home, photos = indexed
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_SAVE, "--home", str(home), "labels", "add",
                             "everything", "--threshold", "0"], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "everything" in (home / "config" / "labels.toml").read_text()
    status = json.loads(cli("--home", home, "status", "--json").out)
    assert status["pending"]["photos to retag after an interrupted label edit"] == 6
    assert "6 photos to retag after an interrupted label edit" in cli("--home", home, "status").out
    index = cli("--home", home, "index", photos)
    assert index.returncode == 0 and "Finished the retag an interrupted label edit left: 6 photos" in index.out
    listed = cli("--home", home, "labels", "list").out
    assert next(line for line in listed.splitlines() if "everything" in line).split()[2] != "0"
    assert "photos to retag" not in cli("--home", home, "status").out


def test_the_window_start_finishes_a_retag_a_kill_left(indexed, cli):

    home, _ = indexed
    app = App.from_home(home)
    try:
        pending = app.pending_retag_service
        pending.mark_retag_pending("a label change")
        assert app.model_service.check_startup().retag_pending
        assert pending.finish_pending_retag().photos == 6
        assert not app.model_service.check_startup().retag_pending and pending.finish_pending_retag() is None
    finally:
        app.close()


# -- 8. a bad value in settings.toml
def test_a_bad_setting_is_one_line_naming_file_and_key_and_settings_fixes_it(indexed, cli):
    home, _ = indexed
    settings = home / "config" / "settings.toml"
    settings.write_text(settings.read_text().replace('ocr = "auto"', "ocr = 5"))
    for args in (["status"], ["search", "red"], ["labels", "list"]):
        line = one_line(cli("--home", home, *args), 1)
        assert str(settings) in line and "ocr" in line and "photo-tagger settings ocr" in line
    listed = cli("--home", home, "settings")
    assert listed.returncode == 0 and "ocr must be text, not 5" in listed.err
    assert cli("--home", home, "settings", "ocr").returncode == 0
    fixed = cli("--home", home, "settings", "ocr", "auto")
    assert fixed.returncode == 0 and fixed.err == ""
    assert cli("--home", home, "status").returncode == 0


# -- the inputs that ended in "internal error" (exit 70)
def test_a_50000_character_query_works(indexed, cli):
    home, _ = indexed
    for query in ("a" * 50_000, "ab " * 17_000, f'"{"x" * 50_000}"'):
        result = cli("--home", home, "search", query)
        assert result.returncode == 0, result.err[-300:]


@pytest.mark.parametrize("limit", ["99999999999999999999", "0", "-5", "many"])
def test_a_search_limit_out_of_bounds_is_one_line(indexed, cli, limit):
    home, _ = indexed
    assert "--limit" in one_line(cli("--home", home, "search", "red", "--limit", limit), 2)


def test_an_invalid_store_address_is_one_line_and_cannot_be_saved(indexed, cli):
    home, _ = indexed
    assert "Invalid IPv6 URL" in one_line(cli("--home", home, "--store", "http://[::1", "search", "red"), 1)
    assert "store_url" in one_line(cli("--home", home, "settings", "store_url", "http://[::1"), 2)
    assert App.from_home(home).settings.store_url == ""


def test_a_model_with_corrupt_weights_is_one_line_and_nothing_is_installed(tiny_checkpoint, home, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_checkpoint, broken)
    weights = broken / "model.safetensors"
    with open(weights, "r+b") as f:
        f.seek(40)
        f.write(b"garbage!" * 64)  # the JSON header overwritten
    result = run_entry_point("--home", home, "model", "install", broken)
    line = one_line(subprocess.CompletedProcess(result.args, result.returncode, "", result.stderr), 1)
    assert str(broken) in line and "not a usable" in line
    assert App.from_home(home).models.names() == []
    models = home / "data" / "models"
    assert not models.exists() or [p.name for p in models.iterdir() if not p.name.startswith(".downloads")] == []


def test_a_home_on_a_read_only_disk_is_read_and_writes_are_refused(indexed, tmp_path):
    home, photos = indexed
    disk = tmp_path / "ro"
    mount_small_disk(disk, "60m")
    try:
        shutil.copytree(home, disk / "home")
        assert subprocess.run(["mount", "-o", "remount,ro", str(disk)]).returncode == 0
        ro_home = disk / "home"
        for args in (["status", "--json"], ["search", "red", "--json"], ["library", "check"],
                     ["tags", photos / "IMG_00001.jpg"], ["labels", "list"]):
            result = run_entry_point("--home", ro_home, *args)
            assert result.returncode == 0 and result.stderr == "", (args, result.stderr)
        assert json.loads(run_entry_point("--home", ro_home, "status", "--json").stdout)["photos"] == 6
        assert len(json.loads(run_entry_point("--home", ro_home, "search", "red", "--json").stdout)) == 6
        for args in (["index", photos], ["tag", photos / "IMG_00001.jpg", "--add", "x"], ["labels", "add", "boat"],
                     ["retag"]):
            result = run_entry_point("--home", ro_home, *args)
            assert "read-only disk" in one_line(result, 1), args
        assert "cannot save" in one_line(run_entry_point("--home", ro_home, "settings", "ocr", "off"), 2)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
