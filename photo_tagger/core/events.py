"""Events: photos grouped by gaps in time and jumps in place, kept up to date one change at a time, with stable ids."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from photo_tagger.core.errors import PhotoTaggerError

UNDATED = "undated"  # the event of photos without a (sound) capture date

GAP_S = 18 * 3600.0  # a pause this long ends an event: a trip's nights stay inside it, a week at home does not
JUMP_KM = 50.0  # consecutive GPS fixes this far apart (a flight, a long drive) split an event, however close in time
EARTH_KM = 6371.0088
FIRST_YEAR, LAST_YEAR = 1900, 2100  # a capture date outside these is a camera clock's error (0000:00:00 and such)


class EventError(PhotoTaggerError):
    """A bad event name or id, or a merge that cannot be, said in one line."""


def moment_of(taken_at: str | None) -> float | None:
    """A capture date (ISO, camera-local, no zone) as seconds on one axis, or None when missing or broken. The
    local clock is read as if it were UTC: only differences matter, and no daylight-saving hour moves a photo."""
    if not taken_at:
        return None
    try:
        when = datetime.fromisoformat(taken_at.strip())
    except (ValueError, TypeError):
        return None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        return None
    return when.replace(tzinfo=UTC).timestamp()  # a zone written with it is dropped the same way


def sound_place(lat, lon) -> tuple[float, float] | None:
    """(lat, lon) when they are a place on Earth; None for missing, out of range, NaN or exactly 0,0 (what a GPS
    without a fix writes): such a photo gets "no place" rather than a wrong one."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None
    return lat, lon


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine), element-wise on arrays."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass(frozen=True)
class Rules:
    gap_s: float = GAP_S
    jump_km: float = JUMP_KM


def _joined(times: np.ndarray, joins: np.ndarray) -> np.ndarray:
    """For each pair (i-1, i): True when both lie inside one span the user merged (such a pair never splits)."""
    pair = np.zeros(max(len(times) - 1, 0), dtype=bool)
    for start, end in joins:
        pair |= (times[:-1] >= start) & (times[1:] <= end)
    return pair


def split(
    times: np.ndarray, lats: np.ndarray, lons: np.ndarray, rules: Rules = Rules(), joins: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Photos sorted by time (NaN lat/lon: no place) -> (cluster starts, group starts): index arrays of where each
    time cluster and each event begins. A cluster ends at a gap longer than rules.gap_s; within a cluster, a jump of
    more than rules.jump_km between consecutive GPS fixes starts a new event at the longest pause between them.
    Every break is decided by neighbours alone, so a window of whole clusters can be split again on its own."""
    n = len(times)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    joined = _joined(times, joins) if joins is not None and len(joins) else np.zeros(n - 1, dtype=bool)
    breaks = np.zeros(n, dtype=bool)
    breaks[0] = True
    breaks[1:] = (np.diff(times) > rules.gap_s) & ~joined
    cluster_starts = np.flatnonzero(breaks)
    has_place = ~np.isnan(lats)
    where = np.flatnonzero(has_place)
    if len(where) > 1:
        cluster_of = np.cumsum(breaks) - 1
        prev, this = where[:-1], where[1:]
        same = cluster_of[prev] == cluster_of[this]
        far = distance_km(lats[prev], lons[prev], lats[this], lons[this]) > rules.jump_km
        for j, i in zip(prev[same & far], this[same & far]):
            pauses = np.diff(times[j : i + 1])  # pause before j+1 .. before i
            pauses[joined[j:i]] = -1  # never split inside a merged span
            if pauses.max() >= 0:
                breaks[j + 1 + int(np.argmax(pauses))] = True
    return cluster_starts, np.flatnonzero(breaks)


@dataclass
class Change:
    """What an update did to the events: ids gone, and events made or changed with their photo ids."""

    removed: set[int] = field(default_factory=set)
    changed: dict[int, list[str]] = field(default_factory=dict)

    def add(self, other: Change) -> None:
        for event_id in other.removed:
            self.changed.pop(event_id, None)
        self.removed |= other.removed
        self.removed -= set(other.changed)
        self.changed.update(other.changed)


def match_ids(
    groups: list[np.ndarray], old_of: Mapping[str, int], ids: np.ndarray, next_id: int
) -> tuple[list[int], int]:
    """An id for each new group (slices of `ids`): the old event most of its photos were in keeps its id (each old
    id goes to one group at most: the one holding most of its photos, the earlier on a tie); the rest get new ids."""
    pairs: dict[tuple[int, int], int] = {}
    for g, members in enumerate(groups):
        for photo in ids[members[0] : members[1]]:
            old = old_of.get(photo)
            if old is not None:
                pairs[(g, old)] = pairs.get((g, old), 0) + 1
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for (g, old), _count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])):
        if g not in chosen and old not in taken:
            chosen[g] = old
            taken.add(old)
    found = []
    for g in range(len(groups)):
        if g not in chosen:
            chosen[g] = next_id
            next_id += 1
        found.append(chosen[g])
    return found, next_id


class Timeline:
    """The library's dated photos sorted by (time, id), cut into events. `apply` re-splits only the time clusters a
    change touches; `build` splits everything; both give the same events (tests check it)."""

    def __init__(self, rules: Rules = Rules()):
        self.rules = rules
        self.ids = np.zeros(0, dtype=object)
        self.times = np.zeros(0)
        self.lats = np.zeros(0)
        self.lons = np.zeros(0)
        self.cluster_starts = np.zeros(0, dtype=np.int64)
        self.starts = np.zeros(0, dtype=np.int64)  # where each event begins
        self.event_ids = np.zeros(0, dtype=np.int64)  # each event's id
        self.joins = np.zeros((0, 2))  # merged spans (start, end) of time
        self.undated: set[str] = set()
        self.time_of: dict[str, float] = {}
        self.next_id = 1

    # -- building
    @classmethod
    def build(
        cls,
        photos: Iterable[tuple[str, float | None, float | None, float | None]],
        rules: Rules = Rules(),
        joins: Iterable[tuple[float, float]] = (),
        assigned: Mapping[str, int] | None = None,
        next_id: int = 1,
    ) -> Timeline:
        """From (id, moment or None, lat, lon) rows; `assigned` (photo id -> event id, as last saved) keeps ids."""
        timeline = cls(rules)
        rows = list(photos)
        dated = [r for r in rows if r[1] is not None]
        timeline.undated = {r[0] for r in rows if r[1] is None}
        ids = np.array([r[0] for r in dated], dtype=object)
        times = np.array([r[1] for r in dated], dtype=np.float64)
        lats, lons = _places(dated)
        order = np.lexsort((ids, times)) if len(ids) else np.zeros(0, dtype=np.int64)
        timeline.ids, timeline.times, timeline.lats, timeline.lons = ids[order], times[order], lats[order], lons[order]
        timeline.time_of = dict(zip(timeline.ids.tolist(), timeline.times.tolist()))
        timeline.joins = np.array(list(joins), dtype=np.float64).reshape(-1, 2)
        assigned = assigned or {}
        timeline.next_id = max([next_id, *assigned.values()]) + 1 if assigned else next_id
        timeline.cluster_starts, timeline.starts = split(
            timeline.times, timeline.lats, timeline.lons, rules, timeline.joins
        )
        ids_found, timeline.next_id = match_ids(
            timeline.bounds(0, len(timeline.starts)), assigned, timeline.ids, timeline.next_id
        )
        timeline.event_ids = np.array(ids_found, dtype=np.int64)
        return timeline

    # -- reading
    def __len__(self) -> int:
        return len(self.starts)

    def bounds(self, first: int, last: int) -> list[np.ndarray]:
        """(start, end) photo index pairs of events first..last-1."""
        ends = np.append(self.starts[1:], len(self.ids))
        return [np.array((self.starts[g], ends[g])) for g in range(first, last)]

    def events(self) -> list[tuple[int, int, int]]:
        """(event id, first photo index, end index) in time order."""
        ends = np.append(self.starts[1:], len(self.ids)).tolist()
        return list(zip(self.event_ids.tolist(), self.starts.tolist(), ends))

    def members(self, event_id: int) -> list[str]:
        for found, start, end in self.events():
            if found == event_id:
                return self.ids[start:end].tolist()
        return []

    def assignments(self) -> dict[str, int]:
        ends = np.append(self.starts[1:], len(self.ids))
        return dict(zip(self.ids.tolist(), np.repeat(self.event_ids, ends - self.starts).tolist()))

    # -- changing
    def apply(
        self, upserts: Iterable[tuple[str, float | None, float | None, float | None]] = (), deletes: Iterable[str] = ()
    ) -> Change:
        """New or changed photos (id, moment or None, lat, lon) and deleted ids: only the clusters around them are
        split again. Returns the events removed and the events made or changed, with their photos."""
        upserts = list(upserts)
        leaving = set(deletes) | {r[0] for r in upserts}
        window_times = [self.time_of[i] for i in leaving if i in self.time_of]
        window_times += [r[1] for r in upserts if r[1] is not None]
        self.undated -= leaving
        self.undated |= {r[0] for r in upserts if r[1] is None}
        if not window_times:
            return Change()
        return self._resplit(min(window_times), max(window_times), leaving, [r for r in upserts if r[1] is not None])

    def join(self, first_id: int, second_id: int) -> Change:
        """Merge two events, and any between them, into one keeping `first_id`: saved as a span of time that never
        splits again (photos arriving inside it join it too)."""
        spans = {e: (s, end) for e, s, end in self.events()}
        if first_id not in spans or second_id not in spans:
            raise EventError(f"no event #{first_id if first_id not in spans else second_id}")
        if first_id == second_id:
            raise EventError(f"an event cannot be merged with itself (#{first_id})")
        lo = min(spans[first_id][0], spans[second_id][0])
        hi = max(spans[first_id][1], spans[second_id][1]) - 1
        start, end = float(self.times[lo]), float(self.times[hi])
        self.joins = np.vstack([self.joins, [start, end]])
        # The kept id holds every photo of the span, so it keeps the merged event whatever its size.
        return self._resplit(start, end, set(), [], keep=(first_id, lo, hi + 1))

    def _resplit(self, low: float, high: float, leaving: set[str], arriving: list, keep=None) -> Change:
        # The window: whole clusters touching [low, high], and the neighbour on each side a new photo could bridge.
        cluster_ends = np.append(self.cluster_starts[1:], len(self.ids))
        c_first = (
            max(int(np.searchsorted(self.times[self.cluster_starts], low, "right")) - 2, 0)
            if len(self.cluster_starts)
            else 0
        )
        c_last = min(int(np.searchsorted(self.times[self.cluster_starts], high, "right")) + 1, len(self.cluster_starts))
        lo = int(self.cluster_starts[c_first]) if len(self.cluster_starts) else 0
        hi = int(cluster_ends[c_last - 1]) if c_last > 0 else 0
        g_first = int(np.searchsorted(self.starts, lo, "left"))
        g_last = int(np.searchsorted(self.starts, hi, "left"))
        old_ids = self.event_ids[g_first:g_last]
        old_of = {}
        for (start, end), event_id in zip(self.bounds(g_first, g_last), old_ids.tolist()):
            for photo in self.ids[start:end].tolist():
                old_of[photo] = event_id
        match_of = dict(old_of)
        if keep is not None:
            for photo in self.ids[keep[1] : keep[2]].tolist():
                match_of[photo] = keep[0]
        # The window's photos, less those leaving, plus those arriving; sorted by (time, id).
        inside = np.array([p not in leaving for p in self.ids[lo:hi].tolist()], dtype=bool)
        ids = np.concatenate([self.ids[lo:hi][inside], np.array([r[0] for r in arriving], dtype=object)])
        times = np.concatenate([self.times[lo:hi][inside], np.array([r[1] for r in arriving], dtype=np.float64)])
        lats, lons = _places(arriving)
        lats = np.concatenate([self.lats[lo:hi][inside], lats])
        lons = np.concatenate([self.lons[lo:hi][inside], lons])
        order = np.lexsort((ids, times)) if len(ids) else np.zeros(0, dtype=np.int64)
        ids, times, lats, lons = ids[order], times[order], lats[order], lons[order]
        for photo in leaving:
            self.time_of.pop(photo, None)
        self.time_of.update(zip(ids.tolist(), times.tolist()))
        clusters, starts = split(times, lats, lons, self.rules, self.joins)
        bounds = [np.array((s, e)) for s, e in zip(starts.tolist(), np.append(starts[1:], len(ids)).tolist())]
        new_ids, self.next_id = match_ids(bounds, match_of, ids, self.next_id)
        # Splice the window back in.
        shift = len(ids) - (hi - lo)
        self.ids = np.concatenate([self.ids[:lo], ids, self.ids[hi:]])
        self.times = np.concatenate([self.times[:lo], times, self.times[hi:]])
        self.lats = np.concatenate([self.lats[:lo], lats, self.lats[hi:]])
        self.lons = np.concatenate([self.lons[:lo], lons, self.lons[hi:]])
        self.cluster_starts = np.concatenate(
            [self.cluster_starts[:c_first], clusters + lo, self.cluster_starts[c_last:] + shift]
        ).astype(np.int64)
        self.starts = np.concatenate([self.starts[:g_first], starts + lo, self.starts[g_last:] + shift]).astype(
            np.int64
        )
        self.event_ids = np.concatenate(
            [self.event_ids[:g_first], np.array(new_ids, dtype=np.int64), self.event_ids[g_last:]]
        ).astype(np.int64)
        change = Change(removed=set(old_ids.tolist()) - set(new_ids))
        old_sizes = Counter(old_of.values())
        for event_id, (start, end) in zip(new_ids, bounds):
            members = ids[start:end].tolist()
            if old_sizes[event_id] != len(members) or any(old_of.get(p) != event_id for p in members):
                change.changed[event_id] = members
        return change


def _places(rows: list) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of (id, moment, lat, lon) rows, NaN where the place is missing or not sound (the
    rule of sound_place, on whole arrays)."""
    try:
        lats = np.array([r[2] for r in rows], dtype=np.float64).reshape(-1)
        lons = np.array([r[3] for r in rows], dtype=np.float64).reshape(-1)  # None -> NaN
    except (TypeError, ValueError):  # something that is no number: row by row
        found = [sound_place(r[2], r[3]) for r in rows]
        return (
            np.array([p[0] if p else np.nan for p in found], dtype=np.float64),
            np.array([p[1] if p else np.nan for p in found], dtype=np.float64),
        )
    with np.errstate(invalid="ignore"):
        sound = (
            np.isfinite(lats)
            & np.isfinite(lons)
            & (np.abs(lats) <= 90)
            & (np.abs(lons) <= 180)
            & ~((lats == 0) & (lons == 0))
        )
    return np.where(sound, lats, np.nan), np.where(sound, lons, np.nan)
