"""Stacks: bursts (one camera's shots taken within BURST_SECONDS of the one before), similar shots (the duplicates'
similar tier: within a minute and close in meaning) and copies of the same bytes, folded into one group each.

Bursts chain (a burst is a run of frames, however long); a similar pair only joins two groups while the joined
group spans at most SIMILAR_SECONDS, so a day of look-alike shots does not become one stack by small steps. Linear
in the photos plus the pairs found in time (core/duplicate_candidates.py): 100,000 photos in about a second on the
shared 2-core machine (benchmarks/bench_stacks.py, RESULTS.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core.duplicate_candidates import time_pairs
from photo_tagger.core.duplicates import SIMILAR_SECONDS, similar_pairs

BURST_SECONDS = 2.0


@dataclass
class StackFacts:
    """What stacking looks at, row by row: photo ids, capture seconds (NaN: none), a camera code (equal codes: the
    same make and model), a content code (equal codes: the same bytes; -1: unknown), and the similar tier's pairs
    of rows (core.duplicates.similar_pairs, closest first; None: bursts and copies only)."""

    ids: list[str]
    seconds: np.ndarray
    cameras: np.ndarray
    contents: np.ndarray
    similar: np.ndarray | None = None

    def subset(self, rows: np.ndarray) -> StackFacts:
        similar = None
        if self.similar is not None:
            position = np.full(len(self.ids), -1, np.int64)
            position[rows] = np.arange(len(rows))
            mapped = position[self.similar] if len(self.similar) else self.similar.reshape(0, 2)
            similar = mapped[(mapped >= 0).all(axis=1)]
        return StackFacts(
            [self.ids[r] for r in rows.tolist()], self.seconds[rows], self.cameras[rows], self.contents[rows], similar
        )


def with_embeddings(facts: StackFacts, embeddings: np.ndarray, rows: np.ndarray | None = None) -> StackFacts:
    """`facts` with the similar pairs of these normalized embeddings, one per row of `rows` (default: every row;
    a photo far from any other in time needs none)."""
    rows = np.arange(len(facts.ids)) if rows is None else rows
    pairs = similar_pairs(facts.seconds[rows], embeddings) if len(rows) > 1 else np.zeros((0, 2), np.int64)
    facts.similar = rows[pairs] if len(pairs) else pairs.reshape(0, 2).astype(np.int64)
    return facts


def similar_candidates(seconds: np.ndarray, cameras: np.ndarray | None = None) -> np.ndarray:
    """The rows that have another photo within SIMILAR_SECONDS (given the cameras: one outside their own burst,
    which stacks anyway): the only ones whose embeddings are needed."""
    pairs = time_pairs(seconds, SIMILAR_SECONDS)
    if cameras is not None and len(pairs):
        burst = _bursts(seconds, cameras)
        pairs = pairs[burst[pairs[:, 0]] != burst[pairs[:, 1]]]
    return np.unique(pairs.ravel())


def codes(values: list) -> np.ndarray:
    """Equal values get equal int codes (None gets its own code, shared by every None)."""
    seen: dict = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values], np.int64)


def find_stacks(facts: StackFacts) -> list[tuple[int, ...]]:
    """Groups of two or more rows, each in capture order (undated last, then by row); groups by their first
    shot's time."""
    count = len(facts.ids)
    if count < 2:
        return []
    parent = _bursts(facts.seconds, facts.cameras)
    low = np.where(np.isnan(facts.seconds), np.inf, facts.seconds)
    high = np.where(np.isnan(facts.seconds), -np.inf, facts.seconds)
    np.minimum.at(low, parent, low.copy())  # each burst's first and last shot, on its root
    np.maximum.at(high, parent, high.copy())
    parent = parent.tolist()
    low, high = low.tolist(), high.tolist()

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def join(a: int, b: int, span: float | None) -> None:
        a, b = root(a), root(b)
        if a == b:
            return
        first, last = min(low[a], low[b]), max(high[a], high[b])
        if span is not None and last - first > span:
            return
        parent[b] = a
        low[a], high[a] = first, last

    for a, b in _copies(facts.contents):
        join(a, b, None)
    if facts.similar is not None:
        for a, b in facts.similar.tolist():
            join(a, b, SIMILAR_SECONDS)
    roots = np.array([root(n) for n in range(count)], np.int64)
    order = np.lexsort((np.arange(count), np.nan_to_num(facts.seconds, nan=np.inf), roots))
    sorted_roots = roots[order]
    starts = np.flatnonzero(np.r_[True, sorted_roots[1:] != sorted_roots[:-1]])
    ends = np.r_[starts[1:], count]
    groups = [tuple(order[s:e].tolist()) for s, e in zip(starts.tolist(), ends.tolist()) if e - s > 1]
    groups.sort(key=lambda g: (np.nan_to_num(facts.seconds[g[0]], nan=np.inf), g[0]))
    return groups


def _bursts(seconds: np.ndarray, cameras: np.ndarray) -> np.ndarray:
    """Each row's burst root: the first row of its run of one camera's shots, each within BURST_SECONDS of the
    one before; rows without a time are their own root."""
    parent = np.arange(len(seconds))
    dated = np.flatnonzero(~np.isnan(seconds))
    if len(dated) < 2:
        return parent
    order = dated[np.lexsort((seconds[dated], cameras[dated]))]
    same = (cameras[order][1:] == cameras[order][:-1]) & (np.diff(seconds[order]) <= BURST_SECONDS)
    run = np.cumsum(np.r_[True, ~same]) - 1  # the run each sorted row is in
    run_first = order[np.flatnonzero(np.r_[True, ~same])]
    parent[order] = run_first[run]
    return parent


def _copies(contents: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (first row, another row) of rows holding the same bytes."""
    known = np.flatnonzero(contents >= 0)
    order = known[np.argsort(contents[known], kind="stable")]
    values = contents[order]
    repeat = np.flatnonzero(values[1:] == values[:-1]) + 1
    if not len(repeat):
        return []
    firsts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    first_of = firsts[np.searchsorted(firsts, repeat, side="right") - 1]
    return list(zip(order[first_of].tolist(), order[repeat].tolist()))


def restack(facts: StackFacts, previous: list[tuple[str, ...]], new_ids: set[str]) -> list[tuple[str, ...]]:
    """The stacks (as photo ids) once the photos `new_ids` joined the library (`facts` holds every photo, new
    ones included; `previous` the stacks before): only photos taken near a new one in time, sharing bytes with one,
    or stacked with those, are grouped again; every other stack is kept as it was."""
    rows_of = {photo_id: n for n, photo_id in enumerate(facts.ids)}
    new_rows = np.array(sorted(rows_of[i] for i in new_ids if i in rows_of), np.int64)
    if not len(new_rows):
        return list(previous)
    reach = max(SIMILAR_SECONDS, BURST_SECONDS)
    dated = np.flatnonzero(~np.isnan(facts.seconds))
    order = dated[np.argsort(facts.seconds[dated], kind="stable")]
    times = facts.seconds[order]
    new_times = facts.seconds[new_rows]
    new_times = new_times[~np.isnan(new_times)]
    starts = np.searchsorted(times, new_times - reach, side="left")
    ends = np.searchsorted(times, new_times + reach, side="right")
    touched = {int(r) for r in new_rows.tolist()}
    for s, e in zip(starts.tolist(), ends.tolist()):
        touched.update(order[s:e].tolist())
    new_contents = set(facts.contents[new_rows].tolist()) - {-1}
    if new_contents:
        touched.update(np.flatnonzero(np.isin(facts.contents, list(new_contents))).tolist())
    touched_ids = {facts.ids[r] for r in touched}
    kept = []
    for stack in previous:
        if touched_ids.intersection(stack):
            touched.update(rows_of[i] for i in stack if i in rows_of)
        else:
            kept.append(stack)
    rows = np.array(sorted(touched), np.int64)
    part = facts.subset(rows)
    regrouped = [tuple(part.ids[n] for n in group) for group in find_stacks(part)]
    return kept + regrouped
