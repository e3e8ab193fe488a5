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


def candidates(
    catalog: Catalog, model_name: str, prepared: PreparedLabels, kind: str, name: str, limit: int = 500
) -> list[Candidate]:
    """Photos `name` would tag (or flag) and its near misses that the user has not decided on yet, the most
    borderline (confidence closest to the threshold) first. `prepared` is trained here on the library and the
    current choices, so every accept or reject already counts."""
    scored = _scored(catalog, model_name, prepared)
    if scored is None:
        return []
    trained, all_ids, (label_conf, label_sources, flag_conf, flag_sources) = scored
    side = trained.labels if kind == LABEL else trained.categories
    if name not in side.names:
        raise PhotoTaggerError(f"no enabled {kind} named {name!r}")
    column = side.names.index(name)
    conf, sources = (label_conf, label_sources) if kind == LABEL else (flag_conf, flag_sources)
    out = _listed(
        all_ids, conf[:, column], float(side.thresholds[column]), sources[column], _decided(catalog, kind, name)
    )
    return out[:limit]


def to_review(catalog: Catalog, model_name: str, prepared: PreparedLabels) -> dict[tuple[str, str], int]:
    """(kind, name) -> how many photos `candidates` would list for it, for every enabled label and category, from
    one training and one scoring of the library."""
    scored = _scored(catalog, model_name, prepared)
    targets = [(LABEL, n) for n in prepared.labels.names] + [(CATEGORY, n) for n in prepared.categories.names]
    if scored is None:
        return {target: 0 for target in targets}
    trained, all_ids, (label_conf, label_sources, flag_conf, flag_sources) = scored
    rows, not_sensitive = catalog.all_choices()
    flag_choices = catalog.confirmed_flags() + catalog.rejected_flags()
    out = {}
    for kind, name in targets:
        side, conf = (trained.labels, label_conf) if kind == LABEL else (trained.categories, flag_conf)
        column = side.names.index(name)
        decided = (
            {p for p, label, _ in rows if label == name}
            if kind == LABEL
            else set(not_sensitive) | {p for p, c in flag_choices if c == name}
        )
        near = conf[:, column] >= float(side.thresholds[column]) - NEAR
        out[(kind, name)] = sum(1 for i, ok in zip(all_ids, near) if ok and i not in decided)
    return out


def _scored(catalog: Catalog, model_name: str, prepared: PreparedLabels):
    """(trained labels, photo ids, scores of every photo) over the indexed library, or None when it is empty."""
    ids = catalog.filter_ids(model_name)
    _, all_ids, matrix = catalog.vectors_since(model_name, 0)
    if matrix is None or not ids:
        return None
    wanted = set(ids)
    rows = [k for k, i in enumerate(all_ids) if i in wanted]
    all_ids, matrix = [all_ids[k] for k in rows], np.asarray(matrix[rows], np.float32)
    trained, _ = train(prepared, catalog, model_name, ids, (all_ids, matrix))
    return trained, all_ids, scores(matrix, trained)


def _listed(ids: list[str], conf: np.ndarray, threshold: float, source: str, decided: set[str]) -> list[Candidate]:
    out = [
        Candidate(i, float(c), source, bool(c >= threshold))
        for i, c in zip(ids, conf)
        if c >= threshold - NEAR and i not in decided
    ]
    out.sort(key=lambda c: abs(c.confidence - threshold))
    return out


def _decided(catalog: Catalog, kind: str, name: str) -> set[str]:
    rows, not_sensitive = catalog.all_choices()
    if kind == LABEL:
        return {photo_id for photo_id, label, _ in rows if label == name}
    return set(not_sensitive) | {p for p, c in catalog.confirmed_flags() + catalog.rejected_flags() if c == name}


def decide(catalog: Catalog, store, model_name: str, kind: str, name: str, photo_id: str, accept: bool):
    """Accept (it is `name`) or reject (it is not), stored at once. A photo deleted since the list was made
    gets one clear line and nothing is written."""
    if not catalog.get([photo_id]):
        raise PhotoTaggerError(
            f"that photo is no longer in the library (deleted or moved away since the review "
            f"list was made): nothing was recorded for {name!r}"
        )
    if kind == LABEL:
        return choices.edit_tags(
            catalog, store, model_name, photo_id, add=[name] if accept else [], remove=[] if accept else [name]
        )
    if accept:
        return choices.confirm_flag(catalog, store, model_name, photo_id, name)
    return choices.reject_flag(catalog, store, model_name, photo_id, name)
