"""Reviewing one label or moderation category: the photos it would tag (or flag), borderline first, and the
user's accept / reject, stored at once as examples for learning (core/training.py). No image is read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core import choices
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.ports import Catalog
from photo_tagger.core.tagging import PreparedLabels, scores
from photo_tagger.core.training import train

LABEL, CATEGORY = "label", "category"
NEAR = 0.25  # near misses (confidence within this of the threshold) are listed too: they are the borderline ones


@dataclass(frozen=True)
class Candidate:
    photo_id: str
    confidence: float
    source: str  # "prompt" or "learned"
    tagged: bool  # whether the label tags (the category flags) it now


def candidates(catalog: Catalog, model_name: str, prepared: PreparedLabels, kind: str, name: str,
               limit: int = 500) -> list[Candidate]:
    """Photos `name` would tag (or flag) and its near misses that the user has not decided on yet, the most
    borderline (confidence closest to the threshold) first. `prepared` is trained here on the library and the
    current choices, so every accept or reject already counts."""
    ids = catalog.filter_ids(model_name)
    _, all_ids, matrix = catalog.vectors_since(model_name, 0)
    if matrix is None or not ids:
        return []
    wanted = set(ids)
    rows = [k for k, i in enumerate(all_ids) if i in wanted]
    all_ids, matrix = [all_ids[k] for k in rows], np.asarray(matrix[rows], np.float32)
    trained, _ = train(prepared, catalog, model_name, ids, (all_ids, matrix))
    side = trained.labels if kind == LABEL else trained.categories
    if name not in side.names:
        raise PhotoTaggerError(f"no enabled {kind} named {name!r}")
    column = side.names.index(name)
    label_conf, label_sources, flag_conf, flag_sources = scores(matrix, trained)
    conf, sources = (label_conf, label_sources) if kind == LABEL else (flag_conf, flag_sources)
    threshold = float(side.thresholds[column])
    decided = _decided(catalog, kind, name)
    out = [Candidate(i, float(c), sources[column], bool(c >= threshold))
           for i, c in zip(all_ids, conf[:, column]) if c >= threshold - NEAR and i not in decided]
    out.sort(key=lambda c: abs(c.confidence - threshold))
    return out[:limit]


def _decided(catalog: Catalog, kind: str, name: str) -> set[str]:
    rows, not_sensitive = catalog.all_choices()
    if kind == LABEL:
        return {photo_id for photo_id, label, _ in rows if label == name}
    return set(not_sensitive) | {p for p, c in catalog.confirmed_flags() + catalog.rejected_flags() if c == name}


def decide(catalog: Catalog, store, model_name: str, kind: str, name: str, photo_id: str, accept: bool):
    """Accept (it is `name`) or reject (it is not), stored at once. A photo deleted since the list was made
    gets one clear line and nothing is written."""
    if not catalog.get([photo_id]):
        raise PhotoTaggerError(f"that photo is no longer in the library (deleted or moved away since the review "
                               f"list was made): nothing was recorded for {name!r}")
    if kind == LABEL:
        return choices.edit_tags(catalog, store, model_name, photo_id, add=[name] if accept else [],
                                 remove=[] if accept else [name])
    if accept:
        return choices.confirm_flag(catalog, store, model_name, photo_id, name)
    return choices.reject_flag(catalog, store, model_name, photo_id, name)
