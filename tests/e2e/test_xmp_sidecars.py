"""Tags that travel: `export-xmp` writes sidecars ExifTool reads back, merged with what they held; keywords
already in photos and their sidecars become the user's tags on `index`. Photos are never written."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from tests.photos import file_hashes, make_photo, make_photos

# With a single label at threshold 0 every photo is tagged "dog", and a category at threshold 0 flags every
# photo "violence", whatever the (random) tiny model sees: the tests are about the keywords, not the model.
LABELS = LabelSet(labels=(Label("dog"),), threshold=0.0,
                  moderation=(ModerationCategory("violence", ("a photo of violence",), ("a peaceful photo",),
                                                 threshold=0.0),))
FIELDS = ("Subject", "HierarchicalSubject", "TagsList")


@pytest.fixture(scope="module")
def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("exiftool is missing: .ci/run installs it (apt-get install libimage-exiftool-perl)")
        pytest.skip("exiftool is not installed (apt-get install libimage-exiftool-perl); CI installs it")
    return path


def run_exiftool(exiftool: str, *args) -> str:
    result = subprocess.run([exiftool, *map(str, args)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def read_sidecar(exiftool: str, path: Path) -> dict:
    """Keywords (as sets) and other fields of an XMP file, read by ExifTool."""
    out = run_exiftool(exiftool, "-j", "-XMP-dc:Subject", "-XMP-lr:HierarchicalSubject", "-XMP-digiKam:TagsList",
                       "-XMP-dc:Title", "-XMP-xmp:Rating", path)
    info = json.loads(out)[0]
    for key in FIELDS:
        value = info.get(key, [])
        info[key] = {str(v) for v in (value if isinstance(value, list) else [value])}
    return info


def export(cli, home, *args) -> dict:
    result = cli("--home", home, "export-xmp", *args, "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def images(folder: Path) -> dict[str, tuple[str, int]]:
    """Each photo's content hash and modification time: neither may change."""
    return {p: (h, os.stat(p).st_mtime_ns) for p, h in file_hashes(folder).items() if not p.endswith(".xmp")}


@pytest.fixture
def library(cli, tiny_home, tmp_path):
    folder = tmp_path / "photos"
    make_photos(folder, 3)
    App.from_home(tiny_home).save_labels(LABELS)
    result = cli("--home", tiny_home, "index", folder, "--json")
    assert result.returncode == 0 and json.loads(result.out)["new"] == 3, result.err
    return tiny_home, folder


def test_export_writes_exactly_our_keywords_and_keeps_everything_else(cli, library, exiftool):
    home, folder = library
    first, second, third = (folder / f"IMG_0000{i}.jpg" for i in range(3))
    assert cli("--home", home, "tag", first, "--add", "holiday").returncode == 0
    # A sidecar another program made, with fields and keywords of its own.
    run_exiftool(exiftool, "-o", f"{second}.xmp", "-XMP-dc:Title=At the lake", "-XMP-xmp:Rating=4",
                 "-XMP-dc:Subject=foreign", "-XMP-lr:HierarchicalSubject=Places|Paris")
    before = images(folder)

    report = export(cli, home)
    assert (report["written"], report["unchanged"], report["skipped"], report["edited_elsewhere"]) == (3, 0, [], [])
    got = read_sidecar(exiftool, Path(f"{first}.xmp"))
    assert got["Subject"] == {"dog", "holiday"}
    assert got["HierarchicalSubject"] == {"AI|dog", "holiday", "AI|Sensitive|violence"}
    assert got["TagsList"] == {"AI/dog", "holiday", "AI/Sensitive/violence"}
    got = read_sidecar(exiftool, Path(f"{second}.xmp"))
    assert got["Subject"] == {"foreign", "dog"}
    assert got["HierarchicalSubject"] == {"Places|Paris", "AI|dog", "AI|Sensitive|violence"}
    assert (got["Title"], got["Rating"]) == ("At the lake", 4)
    assert not list(folder.glob(".*")), "no temporary file is left behind"

    assert export(cli, home)["unchanged"] == 3  # nothing changed: nothing rewritten

    # Changed tags: only the app's keywords are replaced.
    assert cli("--home", home, "tag", second, "--remove", "dog", "--add", "beach").returncode == 0
    assert cli("--home", home, "unflag", second).returncode == 0
    report = export(cli, home)
    assert (report["written"], report["unchanged"]) == (1, 2)
    got = read_sidecar(exiftool, Path(f"{second}.xmp"))
    assert got["Subject"] == {"foreign", "beach"}
    assert got["HierarchicalSubject"] == {"Places|Paris", "beach"}
    assert got["TagsList"] == {"beach"}
    assert (got["Title"], got["Rating"]) == ("At the lake", 4)
    assert images(folder) == before, "photos are never written"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in (first, second, third)] + [f"{p.name}.xmp" for p in (first, second, third)])


def test_keywords_of_ours_edited_elsewhere_are_left_alone_unless_overwrite_ours(cli, library, exiftool):
    home, folder = library
    photo = folder / "IMG_00000.jpg"
    sidecar = Path(f"{photo}.xmp")
    assert export(cli, home, folder)["written"] == 3
    # Someone removed one of the app's keywords in Lightroom/digiKam; meanwhile the app's tags changed.
    run_exiftool(exiftool, "-overwrite_original", "-XMP-lr:HierarchicalSubject-=AI|Sensitive|violence", sidecar)
    assert cli("--home", home, "tag", photo, "--add", "beach").returncode == 0
    edited = sidecar.read_bytes()

    report = export(cli, home, folder)
    assert report["edited_elsewhere"] == [str(photo)] and report["written"] == 0
    assert sidecar.read_bytes() == edited
    text = cli("--home", home, "export-xmp", folder)
    assert text.returncode == 0 and "edited elsewhere" in text.out and "--overwrite-ours" in text.out

    report = export(cli, home, folder, "--overwrite-ours")
    assert (report["written"], report["edited_elsewhere"]) == (1, [])
    got = read_sidecar(exiftool, sidecar)
    assert got["Subject"] == {"dog", "beach"}
    assert got["HierarchicalSubject"] == {"AI|dog", "beach", "AI|Sensitive|violence"}
    assert export(cli, home, folder)["unchanged"] == 3


def test_a_read_only_folder_is_skipped_with_its_reason_and_the_run_goes_on(cli, library, monkeypatch):
    home, folder = library
    locked = folder / "locked"
    make_photo(locked / "inside.jpg", (10, 200, 10))
    assert cli("--home", home, "index", folder, "--json").returncode == 0
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse new files as it would for a user
        real_open = os.open

        def refusing(path, *args, **kwargs):
            if os.path.dirname(str(path)) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("photo_tagger.infra.xmp_sidecar.os.open", refusing)
    try:
        report = export(cli, home)
    finally:
        locked.chmod(0o755)
    assert report["written"] == 3
    [skipped] = report["skipped"]
    assert skipped["path"] == str(locked / "inside.jpg")
    assert "read-only" in skipped["reason"] and str(locked) in skipped["reason"]
    assert not (locked / "inside.jpg.xmp").exists()


def test_export_of_a_folder_outside_the_library_is_one_line(cli, library, tmp_path):
    home, _ = library
    (tmp_path / "elsewhere").mkdir()
    result = cli("--home", home, "export-xmp", tmp_path / "elsewhere")
    assert result.returncode == 1 and "not in the library" in result.err and "Traceback" not in result.err


def test_keywords_in_photos_and_sidecars_become_your_tags_on_index(cli, tiny_home, tmp_path, exiftool):
    App.from_home(tiny_home).save_labels(LABELS)
    folder = tmp_path / "photos"
    embedded, lightroom, digikam, decided = make_photos(folder, 4)
    # Keywords embedded by another program (in a copy the test made), the app's own AI keywords among them.
    run_exiftool(exiftool, "-overwrite_original", "-XMP-dc:Subject=Alps", "-XMP-dc:Subject=DOG",
                 "-XMP-lr:HierarchicalSubject=Places|Geneva", "-XMP-lr:HierarchicalSubject=AI|cat",
                 "-IPTC:Keywords=hiking", embedded)
    run_exiftool(exiftool, "-o", lightroom.with_suffix(".xmp"), "-XMP-lr:HierarchicalSubject=Trips|Rome",
                 "-XMP-dc:Subject=Rome", "-XMP-dc:Subject=Trips")
    run_exiftool(exiftool, "-o", f"{digikam}.xmp", "-XMP-digiKam:TagsList=People/Ann", "-XMP-dc:Subject=Ann")
    before = images(folder)

    result = cli("--home", tiny_home, "index", folder, "--json")
    assert result.returncode == 0 and json.loads(result.out)["new"] == 4, result.err

    def tags(photo) -> dict:
        out = cli("--home", tiny_home, "tags", photo, "--json")
        assert out.returncode == 0, out.err
        return json.loads(out.out)

    got = tags(embedded)
    assert set(got["added_by_you"]) == {"Geneva", "Alps", "dog", "hiking"}  # "DOG" is the label "dog"
    assert {"Geneva", "Alps", "dog", "hiking"} <= set(got["tags"]) and "cat" not in got["tags"]
    assert tags(lightroom)["added_by_you"] == ["Rome"]
    assert tags(digikam)["added_by_you"] == ["Ann"]
    assert tags(decided)["added_by_you"] == []
    text = cli("--home", tiny_home, "tags", embedded).out
    assert "Alps (yours)" in text and "hiking (yours)" in text

    # Your decision in the app wins over keywords found when the photo changes.
    assert cli("--home", tiny_home, "tag", decided, "--remove", "Alps").returncode == 0
    run_exiftool(exiftool, "-overwrite_original", "-XMP-dc:Subject=Alps", "-XMP-dc:Subject=lake", decided)
    result = cli("--home", tiny_home, "index", folder, "--json")
    assert json.loads(result.out)["updated"] == 1
    got = tags(decided)
    assert got["added_by_you"] == ["lake"] and got["removed_by_you"] == ["Alps"] and "Alps" not in got["tags"]
    assert {p: h for p, h in images(folder).items() if p != str(decided)} == \
        {p: h for p, h in before.items() if p != str(decided)}
