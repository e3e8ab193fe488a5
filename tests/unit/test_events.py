"""core/events.py: grouping by time and place, bad dates and places, incremental updates equal a full regroup, stable
ids through updates and merges."""

from __future__ import annotations

import random

import numpy as np
import pytest

from photo_tagger.core.events import EventError, Rules, Timeline, moment_of, sound_place

HOUR = 3600.0
DAY = 24 * HOUR
LISBON, PORTO, PARIS = (38.72, -9.14), (41.15, -8.61), (48.86, 2.35)


def partition(timeline: Timeline) -> list[list[str]]:
    return [timeline.ids[s:e].tolist() for _, s, e in timeline.events()]


def row(photo_id: str, t: float, place=None):
    return (photo_id, t, *(place or (None, None)))


def test_a_long_pause_ends_an_event_and_a_trips_nights_do_not():
    photos = [row("a", 0), row("b", 2 * HOUR), row("c", 14 * HOUR),  # a night of 12 h: same event
              row("d", 14 * HOUR + 3 * DAY)]  # three days later: another
    assert partition(Timeline.build(photos)) == [["a", "b", "c"], ["d"]]


def test_a_jump_in_place_splits_an_event_at_the_longest_pause_between_the_fixes():
    photos = [row("a", 0, LISBON), row("b", HOUR, LISBON), row("c", 2 * HOUR),  # no GPS: goes with Lisbon
              row("d", 6 * HOUR), row("e", 7 * HOUR, PARIS)]  # the flight is the longest pause: before d
    assert partition(Timeline.build(photos)) == [["a", "b", "c"], ["d", "e"]]


def test_nearby_places_do_not_split():
    photos = [row("a", 0, LISBON), row("b", HOUR, (38.80, -9.38))]  # Sintra, about 22 km away
    assert partition(Timeline.build(photos)) == [["a", "b"]]


@pytest.mark.parametrize("taken_at", [None, "", "0000:00:00 00:00:00", "garbage", "0000-00-00T00:00:00",
                                      "1801-01-01T00:00:00", "2999-01-01T00:00:00"])
def test_a_missing_or_broken_date_is_undated(taken_at):
    assert moment_of(taken_at) is None
    timeline = Timeline.build([("x", moment_of(taken_at), *LISBON), row("y", 0)])
    assert timeline.undated == {"x"} and partition(timeline) == [["y"]]


def test_a_date_reads_the_camera_clock():
    assert moment_of("2026-05-03T10:00:00") - moment_of("2026-05-03T09:00:00") == HOUR
    assert moment_of("2026-03-29T03:30:00") - moment_of("2026-03-29T01:30:00") == 2 * HOUR  # no DST hour lost


@pytest.mark.parametrize("lat, lon", [(None, None), (0.0, 0.0), (91, 0), (10, 181), (float("nan"), 3), ("x", 1)])
def test_a_broken_place_is_no_place(lat, lon):
    assert sound_place(lat, lon) is None
    # a broken fix between two Lisbon photos does not split them as a jump would
    timeline = Timeline.build([row("a", 0, LISBON), ("b", HOUR, lat, lon), row("c", 2 * HOUR, LISBON)])
    assert partition(timeline) == [["a", "b", "c"]]


def random_rows(rng: random.Random, n: int, prefix: str = "p") -> list:
    rows, t = [], 0.0
    for k in range(n):
        t += rng.choice([60, 600, 3 * HOUR, 20 * HOUR, 3 * DAY])
        place = rng.choice([None, LISBON, PORTO, PARIS, (0.0, 0.0)])
        rows.append((f"{prefix}{k:04d}", t if rng.random() > 0.05 else None, *(place or (None, None))))
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_incremental_updates_give_the_events_a_full_regroup_gives(seed):
    rng = random.Random(seed)
    rows = {r[0]: r for r in random_rows(rng, 300)}
    start = rng.sample(sorted(rows), 150)
    timeline = Timeline.build([rows[i] for i in start])
    present = set(start)
    for step in range(60):
        kind = rng.random()
        if kind < 0.5:  # new photos
            new = rng.sample(sorted(set(rows) - present), min(3, len(set(rows) - present)))
            timeline.apply(upserts=[rows[i] for i in new])
            present |= set(new)
        elif kind < 0.8:  # deleted photos
            gone = rng.sample(sorted(present), 2)
            timeline.apply(deletes=gone)
            present -= set(gone)
        else:  # a photo's date or place changed
            photo = rng.choice(sorted(present))
            rows[photo] = (photo, rng.uniform(0, 300 * DAY), *rng.choice([LISBON, PARIS, (None, None)]))
            timeline.apply(upserts=[rows[photo]])
        full = Timeline.build([rows[i] for i in present])
        assert partition(timeline) == partition(full), f"step {step}"
        assert timeline.undated == full.undated
        assert len(set(timeline.event_ids.tolist())) == len(timeline)  # ids are unique


def test_ids_stay_with_their_events_through_updates_and_a_rebuild():
    timeline = Timeline.build([row("a", 0), row("b", HOUR), row("c", 5 * DAY), row("d", 5 * DAY + HOUR)])
    first, second = timeline.event_ids.tolist()
    change = timeline.apply(upserts=[row("z", -HOUR)])  # a photo before the first: the first event keeps its id
    assert timeline.event_ids.tolist() == [first, second]
    assert change.changed == {first: ["z", "a", "b"]} and not change.removed
    change = timeline.apply(upserts=[row("m", 2.5 * DAY)])  # an event of its own between them
    assert timeline.event_ids.tolist()[0::2] == [first, second] and len(timeline) == 3
    rebuilt = Timeline.build([("z", -HOUR, None, None), row("a", 0), row("b", HOUR), row("m", 2.5 * DAY),
                              row("c", 5 * DAY), row("d", 5 * DAY + HOUR)], assigned=timeline.assignments())
    assert rebuilt.event_ids.tolist() == timeline.event_ids.tolist()
    change = timeline.apply(deletes=["m"])
    assert change.removed == {timeline.next_id - 1} and timeline.event_ids.tolist() == [first, second]


def test_a_merge_keeps_the_first_id_holds_what_lies_between_and_survives_new_photos():
    timeline = Timeline.build([row("a", 0), row("b", 3 * DAY), row("c", 6 * DAY), row("d", 9 * DAY)])
    a, b, c, d = timeline.event_ids.tolist()
    change = timeline.join(c, a)
    assert partition(timeline) == [["a", "b", "c"], ["d"]] and timeline.event_ids.tolist() == [c, d]
    assert change.removed == {a, b} and change.changed == {c: ["a", "b", "c"]}
    timeline.apply(upserts=[row("e", 4.5 * DAY)])  # inside the merged span: joins it, no split
    assert partition(timeline) == [["a", "b", "e", "c"], ["d"]]
    rebuilt = Timeline.build([row(i, t) for i, t in zip("abecd", (0, 3 * DAY, 4.5 * DAY, 6 * DAY, 9 * DAY))],
                             joins=timeline.joins.tolist(), assigned=timeline.assignments())
    assert partition(rebuilt) == partition(timeline) and rebuilt.event_ids.tolist() == [c, d]
    with pytest.raises(EventError, match="itself"):
        timeline.join(d, d)
    with pytest.raises(EventError, match="no event #999"):
        timeline.join(d, 999)


def test_rules_are_parameters():
    photos = [row("a", 0), row("b", 2 * HOUR)]
    assert partition(Timeline.build(photos, Rules(gap_s=HOUR))) == [["a"], ["b"]]
    assert partition(Timeline.build([])) == [] and Timeline.build([]).apply(deletes=["x"]).changed == {}
    assert np.all(np.diff(Timeline.build(random_rows(random.Random(1), 200)).times) >= 0)
