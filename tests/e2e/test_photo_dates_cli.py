"""The CLI dates a photo without a capture date by its file (issue 10 §4): `tags --json` says which, and
`search --since/--until` filter on it."""

from __future__ import annotations

import json
import os
from datetime import datetime

from tests.photos import make_photo


def test_tags_json_says_where_the_date_comes_from_and_search_filters_on_it(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    exif = make_photo(folder / "camera.jpg", (200, 30, 30), taken="2019:03:02 10:00:00")
    scan = make_photo(folder / "scan.jpg", (30, 30, 200), taken=None)
    moment = datetime(2024, 5, 1, 12, 0, 0).timestamp()
    os.utime(scan, (moment, moment))
    assert cli("--home", tiny_home, "index", folder).returncode == 0

    info = json.loads(cli("--home", tiny_home, "tags", exif, "--json").out)
    assert (info["taken_at"], info["date"], info["date_source"]) == ("2019-03-02T10:00:00", "2019-03-02T10:00:00",
                                                                     "exif")
    info = json.loads(cli("--home", tiny_home, "tags", scan, "--json").out)
    assert (info["taken_at"], info["date"], info["date_source"]) == (None, "2024-05-01T12:00:00", "file")
    assert "date from file, no capture date" in cli("--home", tiny_home, "tags", scan).out

    def found(*dates):
        result = cli("--home", tiny_home, "search", "a photo", *dates, "--json")
        assert result.returncode == 0, result.err
        return {os.path.basename(h["path"]): h["date_source"] for h in json.loads(result.out)}

    assert found("--since", "2024-04-01") == {"scan.jpg": "file"}
    assert found("--until", "2019-12-31") == {"camera.jpg": "exif"}
    assert found("--since", "2024-05-02") == {}
