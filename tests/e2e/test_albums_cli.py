"""`photo-tagger album ...` (issue 24 §1, §2): albums follow photos through moves and renames, lose photos deleted
from disk, never touch a photo when deleted; bad names get one line; smart albums are live saved searches."""

from __future__ import annotations

import json
import shutil

from tests.photos import file_hashes, make_photo


def _albums(cli, home) -> dict:
    result = cli("--home", home, "album", "list", "--json")
    assert result.returncode == 0, result.err
    return {a["name"]: a for a in json.loads(result.out)}


def _shown(cli, home, name) -> list[str]:
    result = cli("--home", home, "album", "show", name, "--json")
    assert result.returncode == 0, result.err
    return [p["path"] for p in json.loads(result.out)]


def test_albums_follow_their_photos_and_never_touch_them(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    red = make_photo(folder / "red.jpg", (200, 30, 30))
    blue = make_photo(folder / "blue.jpg", (30, 30, 200))
    green = make_photo(folder / "trip" / "green.jpg", (30, 200, 30))
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    before = file_hashes(folder)

    created = cli("--home", tiny_home, "album", "create", "Holiday 2026", "--json")
    assert created.returncode == 0, created.err
    assert json.loads(created.out) == {"name": "Holiday 2026", "kind": "album", "count": 0}
    assert cli("--home", tiny_home, "album", "create", "Best").returncode == 0
    added = json.loads(cli("--home", tiny_home, "album", "add", "holiday 2026", red, green, blue, "--json").out)
    assert added == {"album": "Holiday 2026", "added": 3, "already_in": 0}
    again = json.loads(cli("--home", tiny_home, "album", "add", "Holiday 2026", red, "--json").out)
    assert again == {"album": "Holiday 2026", "added": 0, "already_in": 1}
    assert cli("--home", tiny_home, "album", "add", "Best", red).returncode == 0  # a photo in two albums
    assert {n: a["count"] for n, a in _albums(cli, tiny_home).items()} == {"Best": 1, "Holiday 2026": 3}

    # Moved and renamed on disk: recognised by content, still in its albums.
    (folder / "elsewhere").mkdir()
    shutil.move(red, folder / "elsewhere" / "renamed red.jpg")
    blue.unlink()  # deleted from disk: leaves its albums
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    assert sorted(_shown(cli, tiny_home, "Holiday 2026")) == sorted(
        [str(folder / "elsewhere" / "renamed red.jpg"), str(green)])
    assert _shown(cli, tiny_home, "Best") == [str(folder / "elsewhere" / "renamed red.jpg")]

    removed = json.loads(cli("--home", tiny_home, "album", "remove", "Holiday 2026", green, "--json").out)
    assert removed == {"album": "Holiday 2026", "removed": 1, "not_in": 0}
    renamed = json.loads(cli("--home", tiny_home, "album", "rename", "Holiday 2026", "Lisbon", "--json").out)
    assert renamed["name"] == "Lisbon" and renamed["count"] == 1
    after = file_hashes(folder)
    assert cli("--home", tiny_home, "album", "delete", "Lisbon").returncode == 0
    assert set(_albums(cli, tiny_home)) == {"Best"}
    assert file_hashes(folder) == after  # deleting an album never touches a photo
    assert set(after.values()) <= set(before.values())  # the app wrote no photo at any step
    records = json.loads(cli("--home", tiny_home, "tags", green, "--json").out)
    assert records["path"] == str(green)  # still in the library


def test_bad_album_input_gets_one_line(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    photo = make_photo(folder / "a.jpg")
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    assert cli("--home", tiny_home, "album", "create", "Family").returncode == 0
    cases = {
        ("create", "   "): "an album needs a name",
        ("create", "FAMILY"): "exists already ('Family')",
        ("create", "x" * 201): "at most 200 characters",
        ("create", "two\nlines"): "control characters",
        ("rename", "Family", ""): "an album needs a name",
        ("rename", "Nope", "Other"): "no album named 'Nope'",
        ("add", "Nope", str(photo)): "no album named 'Nope'",
        ("add", "Family", str(folder / "missing.jpg")): "no such file",
        ("delete", "Nope"): "no album named 'Nope'",
        ("create", "Smart", "--search", '"unclosed'): "search cannot run",
        ("create", "Plain", "--strong-only"): "--strong-only is for smart albums",
    }
    for args, message in cases.items():
        result = cli("--home", tiny_home, "album", *args)
        assert result.returncode == 1, args
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("photo-tagger: error:") and message in lines[0], (args, lines)
    assert set(_albums(cli, tiny_home)) == {"Family"}
    assert cli("--home", tiny_home, "album", "create", "x" * 200).returncode == 0  # the cap itself is allowed


def test_smart_album_is_a_live_saved_search(cli, shapes_home, tmp_path):
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path / "photos"
    folder.mkdir()
    shapes = list(heldout_shapes(40))
    for i, (image, color, shape) in enumerate(shapes[:20]):
        image.save(folder / f"{i:02d}_{color}_{shape}.jpg", quality=95)
    assert cli("--home", shapes_home, "index", folder).returncode == 0
    made = cli("--home", shapes_home, "album", "create", "Red circles", "--search", "a red circle", "--strong-only",
               "--json")
    assert made.returncode == 0, made.err
    smart = json.loads(made.out)
    assert smart["kind"] == "smart" and smart["search"] == {"query": "a red circle", "filters": {},
                                                             "strong_only": True}
    first = _shown(cli, shapes_home, "Red circles")
    assert first and all("_red_circle" in p for p in first[:1])
    assert cli("--home", shapes_home, "album", "add", "Red circles", next(folder.iterdir())).returncode == 1

    new = [(i, c, s) for i, (c, s) in enumerate((c, s) for _, c, s in shapes) if (c, s) == ("red", "circle")
           and i >= 20]
    for i, _, _ in new:
        shapes[i][0].save(folder / f"{i:02d}_red_circle.jpg", quality=95)
    assert cli("--home", shapes_home, "index", folder).returncode == 0
    later = _shown(cli, shapes_home, "Red circles")
    assert len(later) >= len(first) + (1 if new else 0)
    assert _albums(cli, shapes_home)["Red circles"]["count"] == len(later)


def test_album_keywords_in_sidecars_when_the_setting_is_on(cli, tiny_home, tmp_path):
    from photo_tagger.infra.xmp_sidecar import XmpSidecars

    folder = tmp_path / "photos"
    photo = make_photo(folder / "a.jpg")
    other = make_photo(folder / "b.jpg", (30, 30, 200))
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    assert cli("--home", tiny_home, "album", "create", "Lisbon 2026").returncode == 0
    assert cli("--home", tiny_home, "album", "add", "Lisbon 2026", photo).returncode == 0
    assert cli("--home", tiny_home, "album", "create", "Best").returncode == 0
    assert cli("--home", tiny_home, "album", "add", "Best", photo).returncode == 0
    assert cli("--home", tiny_home, "export-xmp").returncode == 0
    def album_keywords(path) -> list[str]:
        found = XmpSidecars().read(str(path))
        return [k for k in found.present.hierarchical if "Albums" in k] if found else []

    assert album_keywords(photo) == []  # off by default

    assert cli("--home", tiny_home, "settings", "sidecar_albums", "true").returncode == 0
    assert cli("--home", tiny_home, "export-xmp").returncode == 0
    written = XmpSidecars().read(str(photo)).present
    assert {"Albums|Lisbon 2026", "Albums|Best"} <= set(written.hierarchical)
    assert {"Albums/Lisbon 2026", "Albums/Best"} <= set(written.tags_list)
    assert "Lisbon 2026" not in written.subject
    assert album_keywords(other) == []

    # Indexed again (as a changed file, reading its sidecar): the album's keyword does not become a tag.
    photo.write_bytes(photo.read_bytes() + b"\0")
    assert cli("--home", tiny_home, "index", folder).returncode == 0
    assert "Lisbon 2026" not in json.loads(cli("--home", tiny_home, "tags", photo, "--json").out)["tags"]

    assert "Best" not in json.loads(cli("--home", tiny_home, "tags", photo, "--json").out)["tags"]

    # Out of one album: its keyword leaves the sidecar at the next export, the other album's stays.
    assert cli("--home", tiny_home, "album", "remove", "Lisbon 2026", photo).returncode == 0
    assert cli("--home", tiny_home, "export-xmp").returncode == 0
    assert album_keywords(photo) == ["Albums|Best"]
