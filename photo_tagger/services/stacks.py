"""Stacks with a best shot, for the CLI's `stacks` and the window's grid: bursts, similar shots and copies grouped
(core/stacks.py), each topped by the user's pick or its best measured shot (core/quality.py); measures missing for
photos indexed before they existed are filled in here, and keep choices recorded for the best shot to learn from."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from photo_tagger.core import stacks as core_stacks
from photo_tagger.core.duplicates import capture_seconds
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress
from photo_tagger.core.quality import (
    Preference,
    Quality,
    best_shot,
    learn_preference,
    measure_file,
)
from photo_tagger.core.types import PhotoRecord
from photo_tagger.services.backfill import backfill
from photo_tagger.services.duplicates import embeddings_of

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog as SqliteCatalog

log = logging.getLogger(__name__)

YOUR_PICK = "your pick"


@dataclass(frozen=True)
class PhotoStack:
    """Photos shown as one tile: `photos` in capture order, `top` the one shown, `reason` why it is on top."""

    photos: tuple[PhotoRecord, ...]
    top: PhotoRecord
    reason: str  # "sharpest of 7", "best exposed of 3", "your pick"
    measured: int  # members with measures (the rest were not compared: measure_missing fills them in)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.photos)

    @property
    def others(self) -> tuple[PhotoRecord, ...]:
        return tuple(p for p in self.photos if p.id != self.top.id)


class StackService:
    """Stacks of the library's photos, each with its best shot; measures filled in and keep choices recorded."""

    def __init__(self, *, catalog: SqliteCatalog, model_key: Callable[[], str]) -> None:
        self._catalog = catalog
        self._model_key = model_key

    def find_stacks(self, ids: Iterable[str] | None = None) -> list[PhotoStack]:
        """The stacks among the library's indexed photos (or among `ids`), the most recent first. Reads only: a
        member without measures is left out of the comparison (see unmeasured / measure_missing)."""
        catalog = self._catalog
        records = catalog.records() if ids is None else list(catalog.get(ids).values())
        records = [r for r in records if r.status == "indexed"]
        records.sort(key=lambda r: (r.root, r.relpath))  # one order whatever the ids came in: a burst's frames of
        # one second (EXIF counts whole seconds) in file name order
        facts = self._facts(records)
        groups = core_stacks.find_stacks(facts)
        if not groups:
            return []
        members = [records[n] for group in groups for n in group]
        qualities = catalog.qualities(r.id for r in members)
        tops = catalog.stack_tops()
        preference = learn_preference(catalog.keep_choices())
        found = [_stack(tuple(records[n] for n in group), qualities, tops, preference) for group in groups]
        found.sort(key=lambda s: capture_seconds(s.photos[0]) if s.photos[0].taken_at else float("-inf"), reverse=True)
        return found

    def _facts(self, records: list[PhotoRecord]) -> core_stacks.StackFacts:
        seconds = np.array([capture_seconds(r) for r in records], np.float64)
        cameras = core_stacks.codes([(r.camera_make, r.camera_model) for r in records])
        contents = core_stacks.codes([r.content_hash or None for r in records])
        if any(not r.content_hash for r in records):  # an unknown content is no copy of another unknown one
            contents[[n for n, r in enumerate(records) if not r.content_hash]] = -1
        facts = core_stacks.StackFacts([r.id for r in records], seconds, cameras, contents)
        rows = core_stacks.similar_candidates(seconds, cameras)  # only photos with a neighbour in time need theirs
        if len(rows) > 1:
            embeddings = embeddings_of(self._catalog, self._model_key(), [records[n].id for n in rows.tolist()])
            core_stacks.with_embeddings(facts, embeddings, rows)
        return facts

    def unmeasured(self, stacks: Sequence[PhotoStack]) -> list[PhotoRecord]:
        """Members of these stacks without measures for their current content."""
        members = [p for s in stacks if s.measured < len(s.photos) for p in s.photos]
        have = self._catalog.qualities(p.id for p in members)
        return [p for p in members if p.id not in have]

    def measure_missing(
        self, records: Sequence[PhotoRecord], progress: Progress | None = None, control: JobControl | None = None
    ) -> int:
        """Measures for photos indexed before they existed: each decoded once at draft size, in a small pool, and
        stored (the photo is only read); one that cannot be read is logged with its reason and stays unmeasured.
        Returns how many were measured."""
        catalog = self._catalog
        have = catalog.qualities(r.id for r in records)

        def store(batch):
            with catalog.transaction() as db:
                catalog.write_quality(db, [(r.id, r.content_hash, q) for r, q in batch])

        measured = backfill(
            [r for r in records if r.id not in have],
            measure_file,
            None if catalog.read_only else store,
            what="sharpness measure",
            doing="measuring sharpness and exposure",
            progress=progress,
            control=control or JobControl(),
        )
        return len(measured)

    def record_keep(self, kept: PhotoRecord, others: Sequence[PhotoRecord], source: str) -> int:
        """The user kept `kept` over `others` (a duplicate's "Keep this", a stack's new top): their measures are
        stored as choices the best shot learns from (core.quality.learn_preference). Measures missing are taken
        first. Returns how many pairs were stored."""
        catalog = self._catalog
        if catalog.read_only:  # a full or read-only disk: the choice is made, only not learned from
            return 0
        self.measure_missing([kept, *others])
        found = catalog.qualities([kept.id, *(o.id for o in others)])
        if kept.id not in found:
            return 0
        pairs = [(found[kept.id], found[o.id]) for o in others if o.id in found and o.id != kept.id]
        if pairs:
            with catalog.transaction() as db:
                catalog.add_keep_choices(db, source, time.time(), pairs)
        return len(pairs)

    def make_top(self, photo_id: str) -> PhotoStack:
        """Make this photo the top of its stack (kept across restarts; nothing is moved or deleted), and learn from
        the choice. One-line PhotoTaggerError when the photo is in no stack."""
        record = self._catalog.get([photo_id]).get(photo_id)
        if record is None:
            raise PhotoTaggerError("that photo is no longer in the library")
        stack = next((s for s in self.find_stacks() if photo_id in s.ids), None)
        if stack is None:
            raise PhotoTaggerError(f"{os.path.basename(record.path)} is in no stack")
        with self._catalog.transaction() as db:
            self._catalog.set_stack_top(db, photo_id, time.time())
        self.record_keep(record, [p for p in stack.photos if p.id != photo_id], "stack top")  # the old top too
        return PhotoStack(stack.photos, record, YOUR_PICK, stack.measured)


def _stack(
    photos: tuple[PhotoRecord, ...], qualities: dict[str, Quality], tops: dict[str, float], preference: Preference
) -> PhotoStack:
    measures = [qualities.get(p.id) for p in photos]
    measured = sum(q is not None for q in measures)
    picked = [p for p in photos if p.id in tops]
    if picked:
        return PhotoStack(photos, max(picked, key=lambda p: tops[p.id]), YOUR_PICK, measured)
    index, reason = best_shot(measures, preference)
    return PhotoStack(photos, photos[index], reason, measured)
