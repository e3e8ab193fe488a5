"""A photo without a capture date counts by its file's date: one rule (core.dates) for what is shown and filtered,
in the catalog's SQL (CLI searches, the window's listing) and in the vector metadata (a shared server's filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from photo_tagger.core.dates import EXIF, FILE, DateBounds, photo_date, record_date
from photo_tagger.core.filters import Filters
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import vector_metadata
from photo_tagger.infra.catalog import Catalog

MODEL = "m"


def local_ns(*parts) -> int:
    return int(datetime(*parts).timestamp()) * 1_000_000_000


def record(n: int, taken: str | None, mtime_ns: int) -> PhotoRecord:
    return PhotoRecord(f"p{n}", "/lib", f"img{n}.jpg", 1, mtime_ns, f"h{n}", "indexed", embedded_model=MODEL,
                       taken_at=taken)


def test_the_capture_date_wins_and_the_file_date_stands_in():
    found = photo_date("2021-07-14T18:30:00", local_ns(2024, 1, 2, 3, 4, 5))
    assert (found.at, found.source) == ("2021-07-14T18:30:00", EXIF)
    found = photo_date(None, local_ns(2024, 1, 2, 3, 4, 5) + 999_999_999)
    assert (found.at, found.source) == ("2024-01-02T03:04:05", FILE)
    assert found.shown() == "2024-01-02 03:04:05 (date from file, no capture date)"
    assert photo_date(None, 0) is None


# Around the edges: a capture date and a file time just inside and just outside 2024-03-10 .. 2024-03-12.
EDGES = [(None, local_ns(2024, 3, 10) - 1), (None, local_ns(2024, 3, 10)), (None, local_ns(2024, 3, 12, 23, 59, 59)),
         (None, local_ns(2024, 3, 13)), ("2024-03-09T23:59:59", local_ns(2024, 3, 11)),
         ("2024-03-10T00:00:00", local_ns(2020, 1, 1)), ("2024-03-12T23:59:59", local_ns(2020, 1, 1)),
         ("2024-03-13T00:00:00", local_ns(2024, 3, 11)), (None, 0)]


@pytest.mark.parametrize("since, until", [(date(2024, 3, 10), date(2024, 3, 12)), (date(2024, 3, 11), None),
                                          (None, date(2024, 3, 10))])
def test_the_catalog_filters_by_the_same_date_as_is_shown(tmp_path, since, until):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    records = [record(n, taken, mtime) for n, (taken, mtime) in enumerate(EDGES)]
    with catalog.transaction() as db:
        catalog.write(db, upserts=records)
    bounds = DateBounds.days(since, until)
    expected = {r.id for r in records if bounds.admits(record_date(r))}
    day = lambda r: record_date(r).at[:10] if record_date(r) else None  # noqa: E731
    by_hand = {r.id for r in records if day(r) and (since is None or day(r) >= since.isoformat())
               and (until is None or day(r) <= until.isoformat())}
    assert expected == by_hand
    assert set(catalog.filter_ids(MODEL, dates=bounds)) == expected == catalog.dated_ids(bounds)
    assert set(Filters(since=since, until=until).catalog_ids(catalog, MODEL)) == expected
    assert set(catalog.filter_ids(MODEL, dates=bounds, among=["p0", "p1", "p2", "p3"])) == expected & {"p0", "p1",
                                                                                                        "p2", "p3"}


def test_a_photo_without_exif_is_found_by_its_file_date(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction() as db:
        catalog.write(db, upserts=[record(1, None, local_ns(2024, 5, 1, 12)), record(2, "2019-01-01T10:00:00", 1)])
    assert Filters(since=date(2024, 4, 1)).catalog_ids(catalog, MODEL) == ["p1"]
    assert Filters(until=date(2019, 12, 31)).catalog_ids(catalog, MODEL) == ["p2"]


def test_the_vector_metadata_dates_a_photo_without_exif_by_its_file():
    # A shared server filters on taken_ts: the same date as the catalog's.
    meta = vector_metadata(record(1, None, local_ns(2024, 5, 1, 12)))
    assert datetime.fromtimestamp(meta["taken_ts"], UTC).replace(tzinfo=None) == datetime(2024, 5, 1, 12)
