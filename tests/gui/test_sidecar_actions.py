"""Write tags to sidecars from the folder menu and the photo menu; an edited sidecar is overwritten only on "yes"."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.e2e.test_xmp_sidecars import exiftool, read_sidecar, run_exiftool  # noqa: F401 (fixture)
from tests.gui.conftest import wait_idle

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


def digests(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.suffix != ".xmp"}


def trigger(menu, text: str) -> None:
    next(a for a in menu.actions() if a.text() == text).trigger()


def test_folder_menu_and_selection_write_sidecars(qtbot, open_window, tiny_home, photo_folder,
                                                  exiftool):  # noqa: F811 (fixture)
    window = open_window(tiny_home)
    window.folders.add(str(photo_folder))
    wait_idle(qtbot, window)
    photos_before = digests(photo_folder)
    qtbot.waitUntil(lambda: len(window.sidebar.folders.folders) == 1)
    first = window.app.catalog.records()[0]
    window.runner.write("tag", lambda progress, control: window.app.tag_edit_service.edit_tags(first.id, add=["holiday"]))
    wait_idle(qtbot, window)

    trigger(window.sidebar.folder_menu(str(photo_folder)), "Write tags to sidecars")
    wait_idle(qtbot, window)
    written = int(window.status.message.text().split(" sidecars written")[0])
    # Photos with tags get a sidecar (the tiny random model tags few; "holiday" is the user's own tag).
    assert written >= 1 and len(list(photo_folder.glob("*.xmp"))) == written
    assert digests(photo_folder) == photos_before
    sidecar = Path(f"{first.path}.xmp")
    assert "holiday" in read_sidecar(exiftool, sidecar)["Subject"]

    # Another program removes our keyword: the export asks before overwriting, and "no" leaves it alone.
    run_exiftool(exiftool, "-overwrite_original", "-XMP-dc:Subject-=holiday", sidecar)
    questions = []
    window.confirm = lambda text: questions.append(text) or False
    item = next(i for i in window.grid_model.items if i.id == first.id)
    trigger(window.photos.menu([item]), "Write tags to sidecars")
    wait_idle(qtbot, window)
    assert len(questions) == 1 and "changed in another program" in questions[0]
    assert "holiday" not in read_sidecar(exiftool, sidecar).get("Subject", [])

    window.confirm = lambda text: True
    trigger(window.photos.menu([item]), "Write tags to sidecars")
    wait_idle(qtbot, window)
    assert "holiday" in read_sidecar(exiftool, sidecar)["Subject"]
    assert digests(photo_folder) == photos_before
