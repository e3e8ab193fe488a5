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
from photo_tagger.core.tagging import PreparedLabels, TagDecision, decide, effective
from photo_tagger.core.training import train

CHUNK = 5000


@dataclass
class RetagReport:
    photos: int = 0
    changed: int = 0  # photos whose effective tags or flags changed
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # labels that cannot decide anything, one line each
    learned: list[str] = field(default_factory=list)  # labels and categories decided by a learned model


def retag(catalog: Catalog, store: VectorStore, prepared: PreparedLabels, model_name: str, *, folder: str | None = None,
          ids: list[str] | None = None, progress: Progress | None = None,
          control: JobControl | None = None, trained: bool = False) -> RetagReport:
    """Retag every indexed photo (or those under `folder`, or `ids`) from the catalog's embeddings.

    `trained`: `prepared` already carries the library calibration and learned models (a dry run's caller).
    A shared store also carries tags in its metadata: it is updated together with the catalog through
    the journal, like index writes.
    """
    started = time.monotonic()
    library = [r for r in catalog.records() if r.status == "indexed" and r.embedded_model == model_name]
    wanted = set(ids) if ids is not None else None
    records = [r for r in library if (wanted is None or r.id in wanted) and (folder is None or is_under(r.path, folder))]
    report = RetagReport(photos=len(records))
    everything, read = None, None
    if len(records) == len(library) and hasattr(catalog, "vectors_since"):  # one read instead of one per 500
        _, all_ids, matrix = catalog.vectors_since(model_name, 0)
        everything = dict(zip(all_ids, matrix)) if matrix is not None else {}
        read = (all_ids, matrix) if matrix is not None else None
    if not trained:
        prepared, report.notes = train(prepared, catalog, model_name, [r.id for r in library], read)
    report.learned = sorted(prepared.labels.learned) + sorted(prepared.categories.learned)
    if progress:
        progress.started(len(records), "retagging")
    new: dict[str, TagDecision] = {}
    for start in range(0, len(records), CHUNK):
        if control:
            control.checkpoint()
        chunk = [r.id for r in records[start:start + CHUNK]]
        embeddings = {i: everything[i] for i in chunk if i in everything} if everything is not None \
            else catalog.vectors(model_name, chunk)
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
    changed = {i: effective(new[i], choices.get(i)) for i in differ}
    changed = {i: tags for i, tags in changed.items() if tags != effective(old.get(i, TagDecision()), choices.get(i))}
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


def _stack(embeddings: dict, ids: list[str]) -> np.ndarray:
    return np.stack([embeddings[i] for i in ids]).astype(np.float32)
