"""The stacks service (services/stacks.py) over a real catalog: the best shot by stored measures, the user's keep
choices weighing in once there are enough, a chosen top winning, and a photo deleted leaving its stack."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from photo_tagger.core import quality
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.quality import Quality
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from photo_tagger.services import stacks

SHARP_BURNT = Quality(1000.0, 0.12, 0.0)
SOFT_FINE = Quality(150.0, 0.0, 0.0)
BLURRED = Quality(20.0, 0.0, 0.0)


@pytest.fixture
def app(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    records = [PhotoRecord(f"p{n}", "/photos", f"IMG_{n}.jpg", 1000, 0, f"c{n}", "indexed",
                           taken_at=taken, camera_make="Cam", camera_model="One")
               for n, taken in enumerate(["2025-05-03T10:00:00", "2025-05-03T10:00:01", "2025-05-03T10:00:02",
                                          "2025-06-01T09:00:00"])]
    with catalog.transaction() as db:
        catalog.write(db, records)
        catalog.write_quality(db, [(r.id, r.content_hash, q) for r, q in zip(records, (SHARP_BURNT, SOFT_FINE,
                                                                                     BLURRED, SOFT_FINE))])
    yield SimpleNamespace(catalog=catalog, model_key=lambda: "m")
    catalog.close()


def _only(app) -> stacks.PhotoStack:
    found = stacks.find_stacks(app)
    assert len(found) == 1
    return found[0]


def test_keep_choices_weigh_in_once_there_are_enough_and_a_chosen_top_wins(app):
    stack = _only(app)
    assert stack.ids == ("p0", "p1", "p2") and (stack.top.id, stack.reason) == ("p0", "sharpest of 3")
    with app.catalog.transaction() as db:  # the user kept the better exposed, softer photo, again and again
        app.catalog.add_keep_choices(db, "duplicates", time.time(), [(SOFT_FINE, SHARP_BURNT)] *
                                     (quality.MIN_CHOICES - 1))
    assert _only(app).top.id == "p0"  # not yet enough
    with app.catalog.transaction() as db:
        app.catalog.add_keep_choices(db, "duplicates", time.time(), [(SOFT_FINE, SHARP_BURNT)])
    stack = _only(app)
    assert (stack.top.id, stack.reason) == ("p1", "like your picks, of 3")
    with app.catalog.transaction() as db:
        app.catalog.set_stack_top(db, "p2", time.time())
    stack = _only(app)
    assert (stack.top.id, stack.reason) == ("p2", "your pick")
    # The photo picked leaves the library (deleted on disk): its pick and measures go with it.
    with app.catalog.transaction() as db:
        app.catalog.write(db, deletes=["p2"])
    assert app.catalog.stack_tops() == {} and "p2" not in app.catalog.qualities(["p2"])
    assert _only(app).ids == ("p0", "p1")


def test_a_photo_in_no_stack_cannot_be_made_a_top(app):
    with pytest.raises(PhotoTaggerError, match="is in no stack"):
        stacks.make_top(app, "p3")
    with pytest.raises(PhotoTaggerError, match="no longer in the library"):
        stacks.make_top(app, "gone")
