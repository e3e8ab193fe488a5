"""`photo-tagger events ...` (issue 24 §3): events by time and place named offline from GeoNames, renames and merges
that survive new photos and deletions, undated and no-place photos kept apart, bad input in one line."""

from __future__ import annotations

import json

from tests.photos import file_hashes, make_photo

LISBON, PARIS = (38.7223, -9.1393), (48.8566, 2.3522)


def _events(cli, home) -> list[dict]:
    result = cli("--home", home, "events", "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def _paths(cli, home, event) -> list[str]:
    result = cli("--home", home, "events", "show", str(event), "--json")
    assert result.returncode == 0, result.err
    return [p["path"] for p in json.loads(result.out)]


def test_events_group_name_rename_merge_and_follow_photos(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    lisbon = [make_photo(folder / f"lisbon{i}.jpg", (40 * i, 90, 200), taken=taken, gps=LISBON)  # pauses < 18 h
              for i, taken in enumerate(("2026:05:03 20:00:00", "2026:05:04 12:00:00", "2026:05:05 04:00:00"))]
    make_photo(folder / "paris.jpg", (200, 90, 10), taken="2026:05:05 20:00:00", gps=PARIS)  # flew on
    home_day = make_photo(folder / "home.jpg", (10, 200, 10), taken="2026:06:20 09:00:00")  # no GPS
    broken_gps = make_photo(folder / "nofix.jpg", (90, 10, 90), taken="2026:06:20 10:00:00", gps=(0.0, 0.0))
    undated = make_photo(folder / "scan.jpg", (120, 120, 120), taken=None)
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    before = file_hashes(folder)

    events = _events(cli, tiny_home)
    assert [(e["name"], e["count"], e["place"]) for e in events] == [
        ("Lisbon, 3\u20135 May 2026", 3, "Lisbon"), ("Paris, 5 May 2026", 1, "Paris"),
        ("20 June 2026", 2, None), ("Undated", 1, None)]
    trip, flight, june, _ = (e["id"] for e in events)
    assert sorted(_paths(cli, tiny_home, trip)) == sorted(str(p) for p in lisbon)
    assert sorted(_paths(cli, tiny_home, june)) == sorted([str(home_day), str(broken_gps)])  # (0,0): no place
    assert _paths(cli, tiny_home, "undated") == [str(undated)]
    listed = cli("--home", tiny_home, "events")
    assert f"#{trip}  Lisbon, 3\u20135 May 2026  (3 photos)" in listed.out

    renamed = json.loads(cli("--home", tiny_home, "events", "rename", f"#{trip}", "Portugal trip", "--json").out)
    assert renamed["name"] == "Portugal trip" and renamed["renamed"] and renamed["id"] == trip
    merged = cli("--home", tiny_home, "events", "merge", str(trip), str(flight), "--json")
    assert merged.returncode == 0, merged.err
    said = json.loads(merged.out)
    assert (said["event"]["count"], said["event"]["name"]) == (4, "Portugal trip")
    assert [e["id"] for e in said["merged"]] == [flight]

    # A new photo inside the trip, one deleted: the renamed, merged event keeps its number and name.
    make_photo(folder / "lisbon9.jpg", (1, 2, 3), taken="2026:05:04 18:00:00", gps=LISBON)
    lisbon[0].unlink()
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    events = _events(cli, tiny_home)
    assert [(e["id"], e["name"], e["count"]) for e in events[:2]] == [(trip, "Portugal trip", 4), (june, "20 June 2026", 2)]
    assert str(lisbon[0]) not in _paths(cli, tiny_home, trip)
    assert all(file_hashes(folder)[p] == h for p, h in before.items() if p != str(lisbon[0]))  # never written


def test_bad_event_input_gets_one_line(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    make_photo(folder / "a.jpg", taken="2026:05:03 10:00:00")
    make_photo(folder / "b.jpg", (1, 200, 3), taken=None)
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    (only, _undated) = (e["id"] for e in _events(cli, tiny_home))
    cases = {
        ("rename", "#999", "X"): "no event #999",
        ("rename", "twelve", "X"): "is not an event number",
        ("rename", str(only), "   "): "an event needs a name",
        ("rename", str(only), "x" * 201): "at most 200 characters",
        ("rename", str(only), "two\nlines"): "line breaks",
        ("merge", str(only), f"#{only}"): "cannot be merged with itself",
        ("merge", str(only), "undated"): "the undated photos are not an event",
        ("show", "#999"): "no event #999",
    }
    for args, said in cases.items():
        result = cli("--home", tiny_home, "events", *args)
        assert result.returncode == 1, args
        assert said in result.err and len(result.err.strip().splitlines()) == 1, (args, result.err)
    assert [e["count"] for e in _events(cli, tiny_home)] == [1, 1]  # nothing lost
