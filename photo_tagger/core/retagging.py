"""Recompute tags and flags from stored embeddings: never decodes or encodes an image."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from photo_tagger.core.jobs import JobControl
from photo_tagger.core.ports import Progress, VectorStore
from photo_tagger.core.scan import is_under
from photo_tagger.core.tagging import PreparedLabels, TagDecision, decide, effective

CHUNK = 5000


@dataclass
class RetagReport:
    photos: int = 0
    changed: int = 0  # photos whose effective tags or flags changed
    seconds: float = 0.0


def retag(catalog, store: VectorStore, prepared: PreparedLabels, model_name: str, *, folder: str | None = None,
          ids: list[str] | None = None, progress: Progress | None = None,
          control: JobControl | None = None) -> RetagReport:
    """Retag every indexed photo (or those under `folder`, or `ids`) from the catalog's embeddings.

    A shared store also carries tags in its metadata: it is updated together with the catalog through
    the journal, like index writes.
    """
    started = time.monotonic()
    records = [r for r in (catalog.get(ids).values() if ids is not None else catalog.records())
               if r.status == "indexed" and r.embedded_model == model_name
               and (folder is None or is_under(r.path, folder))]
    report = RetagReport(photos=len(records))
    if progress:
        progress.started(len(records), "retagging")
    for start in range(0, len(records), CHUNK):
        if control:
            control.checkpoint()
        chunk = [r.id for r in records[start:start + CHUNK]]
        embeddings = catalog.vectors(model_name, chunk)
        if len(embeddings) < len(chunk):  # a library indexed before the catalog kept embeddings
            embeddings.update(store.get_embeddings([i for i in chunk if i not in embeddings]))
        chunk = [i for i in chunk if i in embeddings]  # a vector lost in a crash waits for the next index run
        if not chunk:
            continue
        new = dict(zip(chunk, decide(_stack(embeddings, chunk), prepared)))
        old = catalog.decisions(chunk)
        choices = catalog.choices(chunk)
        changed = {i: effective(new[i], choices.get(i)) for i in chunk}
        changed = {i: tags for i, tags in changed.items()
                   if tags != effective(old.get(i, TagDecision()), choices.get(i))}
        mirrored = list(changed) if store.shared else []
        catalog.journal_add(mirrored, model_name)
        store.update_metadata(mirrored, [changed[i].as_metadata() for i in mirrored])
        with catalog.transaction() as db:
            catalog.write_decisions(db, {i: d for i, d in new.items() if d != old.get(i, TagDecision())})
            catalog.journal_clear(db, mirrored, model_name)
        report.changed += len(changed)
        if progress:
            progress.advanced(start + len(chunk))
    if progress:
        progress.finished()
    report.seconds = time.monotonic() - started
    return report


def _stack(embeddings: dict, ids: list[str]) -> np.ndarray:
    return np.stack([embeddings[i] for i in ids]).astype(np.float32)
