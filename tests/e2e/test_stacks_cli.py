"""`photo-tagger stacks` through the real indexer: each burst is one stack topped by its sharp, well-exposed frame,
with why; --top makes another frame the top, remembered; photos indexed before measures existed are measured."""

from __future__ import annotations

import json
import sqlite3

from tests.burst_photos import make_bursts


def _stacks(cli, home) -> list[dict]:
    result = cli("--home", home, "stacks", "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def test_bursts_stack_with_their_sharpest_frame_on_top(cli, tiny_home, tmp_path):
    made = make_bursts(tmp_path / "photos")
    assert cli("--home", tiny_home, "index", made.folder).returncode == 0
    stacks = _stacks(cli, tiny_home)
    by_top = {s["top"]: s for s in stacks}
    assert sorted(by_top) == sorted(str(p) for p in made.best)
    for burst, best in zip(made.bursts, made.best):
        stack = by_top[str(best)]
        assert [p["path"] for p in stack["photos"]] == [str(p) for p in burst]  # capture order
        assert stack["reason"] in (f"sharpest of {len(burst)}", f"best exposed of {len(burst)}")
        assert stack["count"] == len(burst)
    assert not {str(p) for p in made.lone} & {p["path"] for s in stacks for p in s["photos"]}
    text = cli("--home", tiny_home, "stacks")
    assert "sharpest of 7" in text.out and "3 stacks of 14 photos." in text.out


def test_a_chosen_top_is_kept_and_photos_indexed_before_measures_get_them(cli, tiny_home, tmp_path):
    made = make_bursts(tmp_path / "photos")
    assert cli("--home", tiny_home, "index", made.folder).returncode == 0
    catalog = next(tiny_home.rglob("catalog.sqlite3"))
    with sqlite3.connect(catalog) as db:  # as if indexed by a version without measures
        db.execute("DELETE FROM photo_quality")
    stacks = _stacks(cli, tiny_home)
    assert sorted(s["top"] for s in stacks) == sorted(str(p) for p in made.best)
    with sqlite3.connect(catalog) as db:
        assert db.execute("SELECT count(*) FROM photo_quality").fetchone()[0] == 14  # stack members only
    blurred = made.bursts[0][0]
    result = cli("--home", tiny_home, "stacks", "--top", blurred)
    assert result.returncode == 0, result.err
    assert "is now the top of its stack of 7" in result.out
    again = {s["top"]: s["reason"] for s in _stacks(cli, tiny_home)}
    assert again[str(blurred)] == "your pick"
    for path in made.bursts[0]:
        assert path.exists()  # nothing moved or deleted
    lone = cli("--home", tiny_home, "stacks", "--top", made.lone[0])
    assert lone.returncode != 0 and "is in no stack" in lone.err and "Traceback" not in lone.err
