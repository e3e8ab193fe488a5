"""A damaged or lost catalog: one line naming the file, `library check | repair | restore`, rotating backups, and
your choices (added/removed tags, not sensitive) coming back from a backup or from XMP sidecars."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_entry_point
from tests.photos import make_photos


@pytest.fixture
def library(cli, tiny_home, tmp_path):
    """Eight indexed photos with choices of yours: +holiday on one, -<its best tag> and not-sensitive on
    another. Returns (home, photos folder, catalog path)."""
    photos = tmp_path / "photos"
    make_photos(photos, 8)
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    assert cli("--home", tiny_home, "tag", photos / "IMG_00001.jpg", "--add", "holiday").returncode == 0
    assert cli("--home", tiny_home, "tag", photos / "IMG_00002.jpg", "--remove", "beach").returncode == 0
    assert cli("--home", tiny_home, "unflag", photos / "IMG_00002.jpg").returncode == 0
    return tiny_home, photos, tiny_home / "data" / "library" / "catalog.sqlite3"


def choices(cli, home: Path, photos: Path) -> tuple:
    one = json.loads(cli("--home", home, "tags", photos / "IMG_00001.jpg", "--json").out)
    two = json.loads(cli("--home", home, "tags", photos / "IMG_00002.jpg", "--json").out)
    return one["added_by_you"], two["removed_by_you"], two["not_sensitive"]


YOURS = (["holiday"], ["beach"], True)


def overwrite_pages(path: Path, first: int, count: int) -> None:
    """Garbage over whole pages in the middle of the file, as a failing disk or a stray write would leave."""
    size = path.stat().st_size
    page = 4096
    assert size // page > first + count, "the catalog is big enough to damage in the middle"
    rng = random.Random(11)
    with open(path, "r+b") as f:
        for n in range(first, first + count):
            f.seek(n * page)
            f.write(bytes(rng.randrange(256) for _ in range(page)))


def test_each_clean_close_that_changed_the_catalog_leaves_a_small_backup_three_kept(cli, library):
    home, photos, catalog = library
    backups = home / "data" / "library" / "backups"
    taken = sorted(backups.glob("catalog-*.sqlite3"))
    assert len(taken) == 3, "index, tag, tag, unflag: four closes that wrote, the newest three kept"
    cli("--home", home, "status")
    assert sorted(backups.glob("catalog-*.sqlite3")) == taken, "a close that wrote nothing takes no backup"
    newest = sqlite3.connect(taken[-1])
    try:
        assert newest.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert newest.execute("SELECT count(*) FROM photos").fetchone()[0] == 8
        assert newest.execute("SELECT count(*) FROM vectors").fetchone()[0] == 0, "embeddings stay in Chroma"
        assert newest.execute("SELECT count(*) FROM user_tags").fetchone()[0] == 2
    finally:
        newest.close()


def test_a_damaged_catalog_is_named_in_one_line_then_check_and_repair_bring_it_back(cli, library):
    home, photos, catalog = library
    overwrite_pages(catalog, 2, 4)

    status = run_entry_point("--home", home, "status")
    assert status.returncode == 1
    line, = status.stderr.strip().splitlines()
    assert line.startswith(f"photo-tagger: error: {catalog} is damaged (") and "library repair" in line

    check = cli("--home", home, "library", "check")
    assert check.returncode == 1 and f"Catalog {catalog}: DAMAGED" in check.out
    assert "Backups in" in check.out and "8 photos, 2 of your tag choices" in check.out

    repair = cli("--home", home, "library", "repair")
    assert repair.returncode == 0, repair.err
    assert "Catalog was damaged" in repair.out and ".damaged-" in repair.out
    assert cli("--home", home, "library", "check").returncode == 0
    assert choices(cli, home, photos) == YOURS
    index = json.loads(cli("--home", home, "index", photos, "--json").out)
    assert index["unchanged"] == 8 and index["new"] == 0, "nothing encoded again"


def test_restore_then_index_brings_back_your_choices_after_the_catalog_is_lost(cli, library, tmp_path):
    home, photos, catalog = library
    make_photos(photos, 10)  # two more photos after the last backup
    assert cli("--home", home, "index", photos).returncode == 0
    for path in catalog.parent.glob("catalog.sqlite3*"):
        path.unlink()

    restore = run_entry_point("--home", home, "library", "restore")
    assert restore.returncode == 0, restore.stderr
    assert "Restored the catalog from catalog-" in restore.stdout and "10 photos" in restore.stdout
    db = sqlite3.connect(catalog)
    try:  # embeddings (not in backups) copied back from Chroma: a later loss of Chroma needs no encoding
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] == 10
    finally:
        db.close()
    assert choices(cli, home, photos) == YOURS
    index = json.loads(cli("--home", home, "index", photos, "--json").out)
    assert index["new"] + index["unchanged"] == 10
    assert cli("--home", home, "library", "check").returncode == 0

    for path in catalog.parent.glob("catalog.sqlite3*"):  # lost again: the next command restores by itself
        path.unlink()
    status = cli("--home", home, "status", "--json")
    assert status.returncode == 0 and "was missing: restored the backup" in status.err
    assert json.loads(status.out)["photos"] == 10
    assert choices(cli, home, photos) == YOURS


def test_restore_names_a_backup_and_refuses_a_damaged_one(cli, library):
    home, photos, catalog = library
    backups = sorted((home / "data" / "library" / "backups").glob("catalog-*.sqlite3"))
    oldest = backups[0]
    result = cli("--home", home, "library", "restore", oldest.name)
    assert result.returncode == 0 and f"from {oldest.name}" in result.out
    assert "the catalog it replaced is kept as" in result.out
    overwrite_pages(backups[1], 1, 2)
    result = cli("--home", home, "library", "restore", backups[1])
    assert result.returncode == 1 and "is damaged too" in result.err
    assert cli("--home", home, "library", "restore", "nope.sqlite3").err.startswith("photo-tagger: error: no backup")


def test_your_tags_come_back_from_xmp_sidecars_when_catalog_and_backups_are_gone(cli, library):
    home, photos, catalog = library
    assert cli("--home", home, "export-xmp", photos).returncode == 0
    for path in [*catalog.parent.glob("catalog.sqlite3*"), *(catalog.parent / "backups").iterdir()]:
        path.unlink()
    assert cli("--home", home, "index", photos).returncode == 0
    added = json.loads(cli("--home", home, "tags", photos / "IMG_00001.jpg", "--json").out)["added_by_you"]
    assert "holiday" in added
