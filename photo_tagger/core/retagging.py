"""Recompute tags and flags from stored embeddings: never decodes or encodes an image.

A retag first calibrates the labels on the library and fits the labels the user has taught (core/training.py),
then decides every photo, and writes all the changes in one transaction: a retag that fails halfway leaves the
previous tags in place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.journal import journaled
from photo_tagger.core.ports import Catalog, Progress, VectorStore
from photo_tagger.core.scan import is_under
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import PreparedLabels, TagDecision, decide
from photo_tagger.core.training import train

CHUNK = 5000
REFERENCE_STEP = 1.1  # the reference is measured on the oldest photos, their count rounded down to a power of this


def reference_ids(ids_oldest_first: list[str]) -> list[str]:
    """The photos the library's reference statistics are measured on: the oldest ones, as many as the largest
    of 16, 16 x 1.1, 16 x 1.1^2... that the library holds. A few photos added (or removed from the newest) leave
    the reference, and so every unchanged photo's tags, exactly as they were; it moves when the library grows by
    about a tenth (benchmarks/judgement_stability.py measures the churn)."""
    return list(ids_oldest_first[: reference_count(len(ids_oldest_first))])


def reference_count(photos: int) -> int:
    if photos <= 16:
        return photos
    steps = int(np.floor(np.log(photos / 16) / np.log(REFERENCE_STEP) + 1e-9))
    return max(16, min(photos, int(np.ceil(16 * REFERENCE_STEP**steps - 1e-6))))


@dataclass
class RetagReport:
    photos: int = 0
    changed: int = 0  # photos whose effective tags or flags changed
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # labels that cannot decide anything, one line each
    learned: list[str] = field(default_factory=list)  # labels and categories decided by a learned model


def retag(
    catalog: Catalog,
    store: VectorStore,
    prepared: PreparedLabels,
    model_name: str,
    *,
    folder: str | None = None,
    ids: list[str] | None = None,
    progress: Progress | None = None,
    control: JobControl | None = None,
    trained: bool = False,
) -> RetagReport:
    """Retag every indexed photo (or those under `folder`, or `ids`) from the catalog's embeddings.

    `trained`: `prepared` already carries the library calibration and learned models (a dry run's caller).
    A shared store also carries tags in its metadata: it is updated together with the catalog through
    the journal, like index writes.
    """
    started = time.monotonic()
    library = [r for r in catalog.records() if r.status == "indexed" and r.embedded_model == model_name]
    wanted = set(ids) if ids is not None else None
    records = [
        r for r in library if (wanted is None or r.id in wanted) and (folder is None or is_under(r.path, folder))
    ]
    report = RetagReport(photos=len(records))
    everything, read = None, None
    if len(records) == len(library) and hasattr(catalog, "vectors_since"):  # one read instead of one per 500
        _, all_ids, matrix = catalog.vectors_since(model_name, 0)
        everything = dict(zip(all_ids, matrix)) if matrix is not None else {}
        read = (all_ids, matrix) if matrix is not None else None
    if not trained:
        prepared, report.notes = trained_on_library(prepared, catalog, model_name, read)
    report.learned = sorted(prepared.labels.learned) + sorted(prepared.categories.learned)
    if progress:
        progress.started(len(records), "retagging")
    new: dict[str, TagDecision] = {}
    for start in range(0, len(records), CHUNK):
        if control:
            control.checkpoint()
        chunk = [r.id for r in records[start : start + CHUNK]]
        embeddings = (
            {i: everything[i] for i in chunk if i in everything}
            if everything is not None
            else catalog.vectors(model_name, chunk)
        )
        if len(embeddings) < len(chunk):  # a library indexed before the catalog kept embeddings
            embeddings.update(store.get_embeddings([i for i in chunk if i not in embeddings]))
        chunk = [i for i in chunk if i in embeddings]  # a vector lost in a crash waits for the next index run
        if chunk:
            new.update(zip(chunk, decide(_stack(embeddings, chunk), prepared)))
        if progress:
            progress.advanced(start + len(chunk))
    if control:
        control.checkpoint()
    ids_done = list(new)
    old = catalog.decisions(ids_done)
    choices = catalog.choices(ids_done)
    differ = [i for i in ids_done if new[i] != old.get(i, TagDecision())]  # the same decision: the same tags
    before = photo_tags(catalog, differ, decisions=old, choices=choices)
    changed = {
        i: tags for i, tags in photo_tags(catalog, differ, decisions=new, choices=choices).items() if tags != before[i]
    }
    mirrored = list(changed) if store.shared else []
    with journaled(catalog, mirrored, model_name) as unit:
        store.update_metadata(mirrored, [changed[i].as_metadata() for i in mirrored])
        with unit.transaction() as db:
            catalog.write_decisions(db, {i: new[i] for i in differ})
    report.changed = len(changed)
    if progress:
        progress.finished()
    report.seconds = time.monotonic() - started
    return report


def trained_on_library(
    prepared: PreparedLabels, catalog: Catalog, model_name: str, read: tuple[list[str], np.ndarray] | None = None
) -> tuple[PreparedLabels, list[str]]:
    """`prepared` calibrated on the library's reference photos (reference_ids) and taught by the user's choices:
    the one calibration an index run, a retag and a dry run all use, so they agree. `read`: (ids, vectors) of
    the whole library oldest first, when the caller has them."""
    if read is None:
        _, ids, _ = catalog.vectors_since(model_name, 0) if hasattr(catalog, "vectors_since") else (0, [], None)
        ids = ids or [r.id for r in catalog.records() if r.status == "indexed" and r.embedded_model == model_name]
    else:
        ids = read[0]
    return train(prepared, catalog, model_name, reference_ids(ids))


def _stack(embeddings: dict, ids: list[str]) -> np.ndarray:
    return np.stack([embeddings[i] for i in ids]).astype(np.float32)
