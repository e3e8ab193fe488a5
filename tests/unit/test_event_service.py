"""services/events.py on a real catalog: updates read only the changed photos yet equal a fresh build, names and
merges survive a restart, deleted photos leave their events, and the change log never spoils a backup."""

from __future__ import annotations

import random

from photo_tagger.core.types import PhotoRecord
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.catalog_backup import take_backup
from photo_tagger.infra.places import Places
from photo_tagger.services.events import EventService

LISBON, PARIS = (38.7223, -9.1393), (48.8566, 2.3522)


def photo(photo_id: str, taken: str | None, place=(None, None)) -> PhotoRecord:
    return PhotoRecord(photo_id, "/photos", f"{photo_id}.jpg", 1, 1, photo_id, "indexed", taken_at=taken,
                       gps_lat=place[0], gps_lon=place[1])


def write(catalog: Catalog, upserts=(), deletes=()) -> None:
    with catalog.transaction() as db:
        catalog.write(db, upserts=list(upserts), deletes=list(deletes))


def grouping(service: EventService) -> list[tuple]:
    return [(e.id, e.name, tuple(service.photo_ids(e.id))) for e in service.list()]


def test_updates_follow_the_catalog_and_equal_a_fresh_build(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    rng = random.Random(2)
    rows = {}
    for k in range(120):
        day, hour = rng.randint(1, 28), rng.randint(0, 23)
        rows[f"p{k:03d}"] = photo(f"p{k:03d}", f"2026-0{rng.randint(1, 3)}-{day:02d}T{hour:02d}:00:00",
                                  rng.choice([LISBON, PARIS, (None, None)]))
    write(catalog, list(rows.values())[:60])
    service = EventService(catalog=catalog, places=Places())
    service.list()
    for step in range(6):  # new photos, deleted photos, a photo whose date changed
        ids = sorted(rows)
        write(catalog, upserts=[rows[i] for i in ids[60 + step * 10:70 + step * 10]], deletes=[ids[step * 3]])
        moved = rows[ids[30 + step]]
        write(catalog, upserts=[photo(moved.id, "2025-12-24T18:00:00", LISBON)])
        incremental = grouping(service)
        fresh = EventService(catalog=catalog, places=Places())  # a new process: everything read, ids from the saved grouping
        assert grouping(fresh) == incremental, step
    assert catalog._query("SELECT count(*) FROM event_changes")[0][0] == 0  # taken in, then forgotten
    catalog.close()


def test_names_and_merges_survive_a_restart_and_deleted_photos_leave(tmp_path):
    path = tmp_path / "catalog.sqlite3"
    catalog = Catalog(path)
    write(catalog, [photo("a", "2026-05-03T10:00:00", LISBON), photo("b", "2026-05-03T12:00:00", LISBON),
                    photo("c", "2026-05-05T20:00:00", PARIS), photo("d", "2026-06-01T10:00:00"),
                    photo("e", None, LISBON)])
    service = EventService(catalog=catalog, places=Places())
    lisbon, paris, june, undated = service.list()
    assert (lisbon.name, paris.name, june.name, undated.name) == ("Lisbon, 3 May 2026", "Paris, 5 May 2026",
                                                                   "1 June 2026", "Undated")
    assert undated.place is None and undated.count == 1  # its GPS does not make it an event anywhere
    service.rename(lisbon.id, "Trip")
    merged, swallowed = service.merge(lisbon.id, paris.id)
    assert (merged.name, merged.count, [e.id for e in swallowed]) == ("Trip", 3, [paris.id])
    catalog.close()

    catalog = Catalog(path)
    write(catalog, upserts=[photo("f", "2026-05-04T09:00:00")], deletes=["a"])  # inside the merged span
    again = EventService(catalog=catalog, places=Places())
    events = again.list()
    assert [(e.id, e.name, e.count) for e in events] == [(lisbon.id, "Trip", 3), (june.id, "1 June 2026", 1),
                                                           ("undated", "Undated", 1)]
    assert again.photo_ids(lisbon.id) == ["b", "f", "c"]
    take_backup(path, lambda p: Catalog(p).close())  # its row counts check passes: the change log adds no rows
    catalog.close()


def test_update_events_follows_the_catalog_and_only_logs_a_failure(tmp_path, caplog):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    service = EventService(catalog=catalog, places=Places())
    write(catalog, [photo("a", "2026-01-01T10:00:00"), photo("b", "2026-01-01T11:00:00")])
    service.update_events()
    assert [len(service.photo_ids(e.id)) for e in service.list()] == [2]

    class Broken:
        read_only = ""

        def generation(self) -> int:
            raise OSError("disk gone")

    EventService(catalog=Broken(), places=Places()).update_events()  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == ["updating the events failed"]
    catalog.close()
