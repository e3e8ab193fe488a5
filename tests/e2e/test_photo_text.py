"""Text in photos with the real RapidOCR models, through `photo-tagger index`: found by word, prefix and number; read
once per content; bad inputs give a reason, never a stop; a killed reading resumes."""

import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

import photo_tagger.infra.ocr_engine as ocr_engine
from photo_tagger.app import App
from tests.text_photos import many_boxes_photo, rotated, text_photo, textless_photo


@pytest.fixture
def reads(monkeypatch):
    """The images the real reader is given, counted across in-process runs."""
    calls = []
    original = ocr_engine.RapidOcrEngine.read

    def counting(self, image):
        calls.append(image.size)
        return original(self, image)

    monkeypatch.setattr(ocr_engine.RapidOcrEngine, "read", counting)
    return calls


def text_rows(home):
    app = App.from_home(home)
    try:
        rows = app.catalog._query("SELECT p.relpath, t.status, t.text, t.reason, p.id FROM photo_text t "
                                  "JOIN photos p ON p.id = t.photo_id AND p.content_hash = t.content_hash")
        return {bytes(r[0]).decode(): r[1:] for r in rows}
    finally:
        app.close()


def matches(home, expression):
    app = App.from_home(home)
    try:
        return [i for i, _ in app.catalog.text_matches(expression, 5)]
    finally:
        app.close()


def test_words_prefixes_and_prices_are_found_and_nothing_is_read_twice(cli, tiny_home, tmp_path, reads):
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(21)
    made = [text_photo(rng, i) for i in range(6)]
    for photo in made:
        photo.image.save(photos / f"{photo.name}.jpg", quality=92)
    for i in range(3):
        textless_photo(rng).save(photos / f"plain{i}.jpg", quality=92)
    assert cli("--home", tiny_home, "index", photos).returncode == 0  # ocr = auto, the default
    rows = text_rows(tiny_home)
    assert all(rows[f"plain{i}.jpg"][0] == "unlikely" for i in range(3)), rows
    read = [p for p in made if rows[f"{p.name}.jpg"][0] in ("text", "none")]
    assert len(reads) == len(read) >= 5
    found = 0
    for photo in read:
        photo_id = rows[f"{photo.name}.jpg"][3]
        word = photo.words[0]
        if matches(tiny_home, f'"{word}"')[:1] == [photo_id]:
            found += 1
            assert photo_id in matches(tiny_home, f'"{word[:4]}"*'), "a word's start finds it too"
    assert found >= len(read) - 1, rows
    receipt = next(p for p in read if p.kind == "receipt")
    price = receipt.words[-1]  # "Total 17.95": the phrase "17 95"
    assert matches(tiny_home, f'"{price}"') == [rows[f"{receipt.name}.jpg"][3]], rows[f"{receipt.name}.jpg"]
    assert matches(tiny_home, f'"total {price}"') == [rows[f"{receipt.name}.jpg"][3]]

    reads.clear()
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    assert cli("--home", tiny_home, "retag").returncode == 0
    assert reads == [], "an unchanged photo is never read again"


def test_bad_inputs_give_a_reason_or_empty_text_and_every_photo_stays_indexed(cli, tiny_home, tmp_path, reads):
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = text_photo(np.random.default_rng(5), 0, angle=0)  # "Bakery ..."
    photo.image.resize((6000, 4500), Image.Resampling.BICUBIC).save(photos / "huge.jpg", quality=85)
    Image.new("RGB", (8, 8), (90, 90, 90)).save(photos / "tiny.png")
    rotated(photo.image, 90).save(photos / "turned90.jpg", quality=92)
    rotated(photo.image, 180).save(photos / "upside_down.jpg", quality=92)
    many_boxes_photo().save(photos / "page.png")
    App.from_home(tiny_home).update_settings(ocr="all")
    started = time.monotonic()
    result = cli("--home", tiny_home, "index", photos, "--json")
    assert result.returncode == 0 and '"new": 5' in result.out and '"skipped": 0' in result.out, result
    assert time.monotonic() - started < 120
    rows = text_rows(tiny_home)
    assert set(rows) == {"huge.jpg", "tiny.png", "turned90.jpg", "upside_down.jpg", "page.png"}
    for name in ("huge.jpg", "turned90.jpg", "upside_down.jpg"):
        assert rows[name][0] == "text" and "bakery" in rows[name][1].lower(), (name, rows[name])
    assert rows["tiny.png"][:3] == ("none", "", "too small to hold readable text (8x8)")
    assert rows["page.png"][0] == "text" and ("text boxes" in rows["page.png"][2] or "stopped" in rows["page.png"][2])


def test_a_reading_killed_midway_resumes_without_reading_a_photo_twice(cli, tiny_home, tmp_path, reads):
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(8)
    for i in range(8):
        photo = text_photo(rng, i)
        photo.image.save(photos / f"{photo.name}.jpg", quality=92)
    App.from_home(tiny_home).update_settings(ocr="all")
    catalog = tiny_home / "data" / "library" / "catalog.sqlite3"

    def read_so_far() -> int:
        try:
            with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True) as db:
                return db.execute("SELECT count(*) FROM photo_text WHERE status IN ('text', 'none')").fetchone()[0]
        except sqlite3.Error:
            return 0

    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(tiny_home), "index", str(photos)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while read_so_far() < 2:
        assert child.poll() is None, f"finished before the kill: {child.stderr.read()}"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    before = read_so_far()
    assert 2 <= before < 8

    assert cli("--home", tiny_home, "index", photos).returncode == 0
    assert len(reads) == 8 - before
    assert read_so_far() == 8
