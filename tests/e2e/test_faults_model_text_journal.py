"""Issue 20, round two: the model in use is not removed without a word; photos waiting for their text read are
pending work; a killed write's journal on the vector store is not damage."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from photo_tagger.app import App
from tests.photos import make_photos
from tests.sqlite_faults import kill_mid_write


def test_removing_the_model_in_use_is_refused_with_its_cost(cli, tiny_home, model_depot, tmp_path):
    home = tiny_home
    assert cli("--home", home, "model", "import", model_depot.folder("shapes")).returncode == 0
    assert cli("--home", home, "index", make_photos(tmp_path / "p", 4)[0].parent).returncode == 0

    refused = cli("--home", home, "model", "remove", "tiny")

    assert refused.returncode != 0 and refused.out == ""
    assert refused.err.strip().splitlines() == [
        "photo-tagger: error: tiny is in use: removing it would leave 4 photos to re-encode; "
        "`photo-tagger model use shapes` first, or --force"]
    assert "tiny" in App.from_home(home).models.names()
    assert json.loads(cli("--home", home, "status", "--json").out)["photos"] == 4

    forced = cli("--home", home, "model", "remove", "tiny", "--force")
    assert forced.returncode == 0 and forced.out.startswith("Removed tiny; its 4 photos wait to be re-encoded")
    assert cli("--home", home, "model", "remove", "shapes").returncode == 0  # not in use: no question asked


def test_photos_waiting_for_their_text_are_pending(cli, tiny_home, tmp_path):
    home = tiny_home
    assert cli("--home", home, "settings", "ocr", "off").returncode == 0
    assert cli("--home", home, "index", make_photos(tmp_path / "p", 3)[0].parent).returncode == 0
    assert "Pending: nothing, all up to date" in cli("--home", home, "status").out

    assert cli("--home", home, "settings", "ocr", "all").returncode == 0
    status = cli("--home", home, "status")
    assert "Pending: 3 photos to read text in" in status.out
    assert json.loads(cli("--home", home, "status", "--json").out)["pending"]["photos to read text in"] == 3

    assert cli("--home", home, "index", tmp_path / "p").returncode == 0  # the text stage reads them
    assert "Pending: nothing, all up to date" in cli("--home", home, "status").out


def test_a_killed_write_journal_is_not_damage_and_repair_keeps_the_store(cli, tiny_home, tmp_path):
    home = tiny_home
    assert cli("--home", home, "index", make_photos(tmp_path / "p", 5)[0].parent).returncode == 0
    chroma = home / "data" / "library" / "chroma" / "chroma.sqlite3"
    kill_mid_write(chroma)
    journal = Path(f"{chroma}-journal")
    assert journal.stat().st_size > 0  # a real hot journal, as SIGKILL left it

    check = cli("--home", home, "library", "check")

    assert check.returncode == 0, check.out
    assert "Vector store" in check.out and "ok (a write cut short by a crash was rolled back)" in check.out
    assert "DAMAGED" not in check.out and not journal.exists()
    tables = [r[0] for r in sqlite3.connect(chroma).execute("SELECT name FROM sqlite_master")]
    assert "half_written" not in tables  # rolled back to the last commit

    kill_mid_write(chroma)
    repair = cli("--home", home, "library", "repair")
    assert repair.returncode == 0 and "set aside" not in repair.out
    assert not list(chroma.parent.parent.glob("chroma.damaged-*"))
    assert json.loads(cli("--home", home, "status", "--json").out)["photos"] == 5
    assert cli("--home", home, "search", "a photo").returncode == 0
