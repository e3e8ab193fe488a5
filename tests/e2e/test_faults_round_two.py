"""Issue 20, round two: the model in use is not removed without a word; photos waiting for their text read are
pending work."""

from __future__ import annotations

import json

from photo_tagger.app import App
from tests.photos import make_photos


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
