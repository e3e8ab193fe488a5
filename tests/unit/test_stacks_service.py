"""The stacks service (services/stacks.py) over a real catalog: the best shot by stored measures, the user's keep
choices weighing in once there are enough, a chosen top winning, and a photo deleted leaving its stack."""

from __future__ import annotations

import time

import pytest

from photo_tagger.core import quality
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.quality import Quality
from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from photo_tagger.services import stacks
from photo_tagger.services.stacks import StackService

SHARP_BURNT = Quality(1000.0, 0.12, 0.0)
SOFT_FINE = Quality(150.0, 0.0, 0.0)
BLURRED = Quality(20.0, 0.0, 0.0)


@pytest.fixture
def catalog(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    records = [PhotoRecord(f"p{n}", "/photos", f"IMG_{n}.jpg", 1000, 0, f"c{n}", "indexed",
                           taken_at=taken, camera_make="Cam", camera_model="One")
               for n, taken in enumerate(["2025-05-03T10:00:00", "2025-05-03T10:00:01", "2025-05-03T10:00:02",
                                          "2025-06-01T09:00:00"])]
    with catalog.transaction() as db:
        catalog.write(db, records)
        catalog.write_quality(db, [(r.id, r.content_hash, q) for r, q in zip(records, (SHARP_BURNT, SOFT_FINE,
                                                                                     BLURRED, SOFT_FINE))])
    yield catalog
    catalog.close()


@pytest.fixture
def service(catalog):
    return StackService(catalog=catalog, model_key=lambda: "m")


def _only(service: StackService) -> stacks.PhotoStack:
    found = service.find_stacks()
    assert len(found) == 1
    return found[0]


def test_keep_choices_weigh_in_once_there_are_enough_and_a_chosen_top_wins(catalog, service):
    stack = _only(service)
    assert stack.ids == ("p0", "p1", "p2") and (stack.top.id, stack.reason) == ("p0", "sharpest of 3")
    with catalog.transaction() as db:  # the user kept the better exposed, softer photo, again and again
        catalog.add_keep_choices(db, "duplicates", time.time(), [(SOFT_FINE, SHARP_BURNT)] *
                                 (quality.MIN_CHOICES - 1))
    assert _only(service).top.id == "p0"  # not yet enough
    with catalog.transaction() as db:
        catalog.add_keep_choices(db, "duplicates", time.time(), [(SOFT_FINE, SHARP_BURNT)])
    stack = _only(service)
    assert (stack.top.id, stack.reason) == ("p1", "like your picks, of 3")
    with catalog.transaction() as db:
        catalog.set_stack_top(db, "p2", time.time())
    stack = _only(service)
    assert (stack.top.id, stack.reason) == ("p2", "your pick")
    # The photo picked leaves the library (deleted on disk): its pick and measures go with it.
    with catalog.transaction() as db:
        catalog.write(db, deletes=["p2"])
    assert catalog.stack_tops() == {} and "p2" not in catalog.qualities(["p2"])
    assert _only(service).ids == ("p0", "p1")


def test_a_photo_in_no_stack_cannot_be_made_a_top(service):
    with pytest.raises(PhotoTaggerError, match="is in no stack"):
        service.make_top("p3")
    with pytest.raises(PhotoTaggerError, match="no longer in the library"):
        service.make_top("gone")


def test_a_new_top_is_kept_and_learned_from(catalog, service):
    stack = service.make_top("p1")
    assert (stack.top.id, stack.reason, stack.ids) == ("p1", "your pick", ("p0", "p1", "p2"))
    assert set(catalog.stack_tops()) == {"p1"}
    # The pick is a keep choice the best shot learns from, with the measures: p1 kept over the old top p0 and p2.
    assert set(catalog.keep_choices()) == {(SOFT_FINE, SHARP_BURNT), (SOFT_FINE, BLURRED)}
    assert service.unmeasured(service.find_stacks()) == []
