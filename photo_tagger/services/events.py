"""Events: list them (named from dates, place and telling labels), their photos, rename, merge, and keep them up to
date as photos arrive, change and leave (only the events around a change are recomputed). CLI and window share it."""

from __future__ import annotations

import builtins
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

import numpy as np

from photo_tagger.core.event_names import (
    Event,
    clean_event_name,
    event_name,
    parse_event_id,
    telling_labels,
)
from photo_tagger.core.events import UNDATED, Change, EventError, Timeline, moment_of
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.services.browsing import GridItem

log = logging.getLogger(__name__)
COVERS = 4  # photos of an event shown as its thumbnails


class EventStore(Protocol):
    """What the service needs of the catalog (infra/catalog.py + catalog_events.py)."""

    read_only: str

    def transaction(self): ...

    def generation(self) -> int: ...

    def event_facts(self) -> list[tuple[str, str | None, float | None, float | None]]: ...

    def event_state(self) -> tuple[dict[str, int], dict[int, str | None], list[tuple[float, float]], int]: ...

    def event_change_mark(self) -> int: ...

    def event_changes_since(self, seq: int) -> tuple[int, set[str], list[tuple]]: ...

    def forget_event_changes(self, db, upto: int) -> None: ...

    def save_events(self, db, removed: Iterable[int], changed: dict[int, list[str]], next_id: int) -> None: ...

    def name_event(self, db, event_id: int, name: str | None) -> None: ...

    def join_events(self, db, start: float, end: float, event_id: int) -> None: ...

    def effective_tags(self) -> list[tuple[str, str]]: ...

    def get(self, ids: Iterable[str]) -> dict[str, PhotoRecord]: ...

    def decisions(self, ids: Iterable[str]) -> dict: ...

    def choices(self, ids: Iterable[str]) -> dict: ...


class PlaceNames(Protocol):
    def names(self, points: list[tuple[float, float]]) -> list[str | None]: ...


class EventService:
    """One per library. The timeline lives in memory once built; `refresh` compares the catalog's photos with what
    it last saw (only when the catalog changed) and hands the differences to Timeline.apply."""

    def __init__(self, *, catalog: EventStore, places: PlaceNames) -> None:
        self.catalog = catalog
        self.places = places
        self._lock = threading.RLock()
        self._timeline: Timeline | None = None
        self._facts: dict[str, tuple] = {}  # photo id -> (taken_at, lat, lon) as last seen
        self._names: dict[int, str | None] = {}
        self._seen = -1  # the catalog generation last read
        self._mark = 0  # the last photo change (catalog_events.event_changes) taken in
        self._listed: tuple[int, list[Event]] | None = None
        self._place_of: dict[tuple[float, float], str | None] = {}  # an event's point -> its place name

    # -- keeping up
    def refresh(self) -> Change:
        """Bring the events up to date with the catalog; returns what changed (saved unless the disk is read-only).
        Only the photos the catalog recorded as changed are read (catalog_events.py's triggers)."""
        with self._lock:
            generation = self.catalog.generation()
            if generation == self._seen and self._timeline is not None:
                return Change()
            if self._timeline is None:
                mark = self.catalog.event_change_mark()
                self._facts = {row[0]: tuple(row[1:]) for row in self.catalog.event_facts()}
                change = self._build(self._facts)
            else:
                mark, changed, rows = self.catalog.event_changes_since(self._mark)
                facts = {row[0]: tuple(row[1:]) for row in rows}
                upserts = [(i, moment_of(f[0]), f[1], f[2]) for i, f in facts.items() if self._facts.get(i) != f]
                deletes = [i for i in changed if i not in facts and i in self._facts]
                for photo in deletes:
                    del self._facts[photo]
                self._facts.update(facts)
                change = self._timeline.apply(upserts, deletes)
            self._save(change, mark)
            self._mark = mark
            self._seen = self.catalog.generation()
            return change

    def update_events(self) -> None:
        """After an index run or a removal: the events around what changed follow. A failure is logged, never
        raised: the photos are in the library already and the next listing brings the events up to date."""
        try:
            self.refresh()
        except Exception:
            log.exception("updating the events failed")

    def _build(self, facts: dict[str, tuple]) -> Change:
        assigned, self._names, joins, next_id = self.catalog.event_state()
        self._timeline = Timeline.build(
            [(i, moment_of(f[0]), f[1], f[2]) for i, f in facts.items()],
            joins=joins,
            assigned=assigned,
            next_id=next_id,
        )
        sizes = Counter(assigned.values())
        change = Change(removed=set(sizes) - set(self._timeline.event_ids.tolist()))
        for event_id, start, end in self._timeline.events():
            members = self._timeline.ids[start:end].tolist()
            if sizes[event_id] != len(members) or any(assigned.get(p) != event_id for p in members):
                change.changed[event_id] = members
        return change

    def _built(self) -> Timeline:
        """The timeline, built (refresh() builds it first)."""
        if self._timeline is None:
            self.refresh()
        assert self._timeline is not None
        return self._timeline

    def _save(self, change: Change, mark: int) -> None:
        if self.catalog.read_only or (not change.removed and not change.changed and mark == self._mark):
            return
        with self.catalog.transaction() as db:
            self.catalog.save_events(db, change.removed, change.changed, self._built().next_id)
            self.catalog.forget_event_changes(db, mark)
        for event_id in change.removed:
            self._names.pop(event_id, None)

    # -- reading
    def list(self) -> builtins.list[Event]:
        """Every event in time order, the undated photos last (when there are any)."""
        with self._lock:
            self.refresh()
            if self._listed is not None and self._listed[0] == self._seen:
                return self._listed[1]
            events = self._describe()
            self._listed = (self._seen, events)
            return events

    def _describe(self) -> builtins.list[Event]:
        timeline = self._built()
        spans = timeline.events()
        tags_of: dict[str, list[str]] = {}
        for photo, label in self.catalog.effective_tags():
            tags_of.setdefault(photo, []).append(label)
        total = max(len(self._facts), 1)
        share = {label: n / total for label, n in Counter(t for tags in tags_of.values() for t in tags).items()}
        # Each event's point: the middle of its fixes (one stray fix does not move it); None without any.
        point_of: dict[int, tuple[float, float] | None] = {}
        for event_id, start, end in spans:
            lats, lons = timeline.lats[start:end], timeline.lons[start:end]
            placed = ~np.isnan(lats)
            point_of[event_id] = (
                (round(float(np.median(lats[placed])), 4), round(float(np.median(lons[placed])), 4))
                if placed.any()
                else None
            )
        missing = sorted({p for p in point_of.values() if p is not None and p not in self._place_of})
        self._place_of.update(zip(missing, self.places.names(missing)))
        events = []
        for event_id, start, end in spans:
            members = timeline.ids[start:end].tolist()
            first, last = self._facts[members[0]][0], self._facts[members[-1]][0]
            point = point_of[event_id]
            place = self._place_of[point] if point is not None else None
            labels = telling_labels((tags_of.get(p, ()) for p in members), share, len(members))
            auto = event_name(datetime.fromisoformat(first), datetime.fromisoformat(last), place, labels)
            user = self._names.get(event_id)
            events.append(
                Event(
                    event_id,
                    user or auto,
                    auto,
                    bool(user),
                    first,
                    last,
                    place,
                    tuple(labels),
                    len(members),
                    tuple(_spread(members, COVERS)),
                )
            )
        if timeline.undated:
            undated = sorted(timeline.undated)
            events.append(
                Event(UNDATED, "Undated", "Undated", False, None, None, None, (), len(undated), tuple(undated[:COVERS]))
            )
        return events

    def timeline(self) -> tuple[builtins.list[Event], dict]:
        """list() and each event's cover photo as (path, mtime_ns), for the window's timeline."""
        events = self.list()
        wanted = {e.id: e.cover_ids[len(e.cover_ids) // 2] for e in events if e.cover_ids}
        records = self.catalog.get(set(wanted.values()))
        return events, {
            event_id: (records[photo].path, records[photo].mtime_ns)
            for event_id, photo in wanted.items()
            if photo in records
        }

    def get(self, event: str | int) -> Event:
        wanted = (
            UNDATED
            if str(event).strip().lower() == UNDATED
            else (event if isinstance(event, int) else parse_event_id(event))
        )
        found = next((e for e in self.list() if e.id == wanted), None)
        if found is None:
            raise EventError(
                f"no event #{wanted} (photo-tagger events lists them; it may have been merged or its photos removed)"
                if wanted != UNDATED
                else "no undated photos: every photo has a date"
            )
        return found

    def photo_ids(self, event: str | int) -> builtins.list[str]:
        """The event's photos, oldest first (undated ones by id)."""
        found = self.get(event)
        with self._lock:
            timeline = self._built()
            return sorted(timeline.undated) if found.undated else timeline.members(int(found.id))

    def records(self, event: str | int) -> builtins.list[PhotoRecord]:
        ids = self.photo_ids(event)
        found = self.catalog.get(ids)
        return [found[i] for i in ids if i in found]

    def items(self, event: str | int) -> builtins.list[GridItem]:
        """The event's photos as grid cells, with their effective tags and flags."""
        records = [r for r in self.records(event) if r.status == "indexed"]
        ids = [r.id for r in records]
        tags = photo_tags(self.catalog, ids)
        return [GridItem.of(record, None, tags[record.id].tags, tags[record.id].flags) for record in records]

    # -- changing
    def rename(self, event: str | int, name: str) -> Event:
        """Give an event the user's name (kept through new photos and merges into it)."""
        name = clean_event_name(name)
        event_id = int(self._dated(event, "renamed").id)
        with self._lock, self.catalog.transaction() as db:
            self.catalog.name_event(db, event_id, name)
            self._names[event_id] = name
        return self.get(event_id)

    def merge(self, first: str | int, second: str | int) -> tuple[Event, builtins.list[Event]]:
        """One event from two (and any between them), keeping the first's id and name (the second's name when only
        it had one). Returns the merged event and the events it swallowed."""
        a, b = self._dated(first, "merged"), self._dated(second, "merged")
        if a.id == b.id:
            raise EventError(f"an event cannot be merged with itself ({a.label} {a.name!r})")
        kept, other = int(a.id), int(b.id)
        with self._lock:
            before = {e.id: e for e in self.list()}
            timeline = self._built()
            change = timeline.join(kept, other)
            start, end = timeline.joins[-1].tolist()
            name = self._names.get(kept) or self._names.get(other)
            try:
                with self.catalog.transaction() as db:
                    self.catalog.join_events(db, start, end, kept)
                    self.catalog.save_events(db, change.removed, change.changed, timeline.next_id)
                    if name:
                        self.catalog.name_event(db, kept, name)
            except BaseException:  # not saved (a full or read-only disk): the timeline is read again from the catalog
                self._timeline, self._seen, self._listed = None, -1, None
                raise
            self._names.update({kept: name} if name else {})
            for event_id in change.removed:
                self._names.pop(event_id, None)
            self._seen = self.catalog.generation()
            self._listed = None
            return self.get(kept), [before[i] for i in sorted(change.removed) if i in before]

    def _dated(self, event: str | int, verb: str) -> Event:
        found = self.get(event)
        if found.undated:
            raise EventError(
                f"the undated photos are not an event: they cannot be {verb} (give them a capture "
                "date to place them in one)"
            )
        return found


def _spread(ids: builtins.list[str], count: int) -> builtins.list[str]:
    """`count` photos spread over the event (first, middle..., last) rather than its first few shots of one scene."""
    if len(ids) <= count:
        return list(ids)
    return [ids[round(k * (len(ids) - 1) / (count - 1))] for k in range(count)]
