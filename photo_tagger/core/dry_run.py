"""What a label edit would do, before it is saved: how many photos would gain and lose the tag."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core.ports import Catalog
from photo_tagger.core.retagging import trained_on_library
from photo_tagger.core.tagging import PreparedLabels, scores


@dataclass(frozen=True)
class LabelChange:
    label: str
    gain: list[str]  # photo ids that would get the tag
    lose: list[str]  # photo ids that would lose it
    total: int  # photos that would have it


def label_change(catalog: Catalog, model_name: str, prepared_after: PreparedLabels, label: str) -> LabelChange:
    """Effective tag `label` now (as stored) against after the edit (the new labels calibrated and trained on
    this library, the user's choices applied), over every indexed photo. Reads no photo, writes nothing."""
    ids = catalog.filter_ids(model_name)
    now = set(catalog.filter_ids(model_name, tag=label)) if ids else set()
    _, all_ids, matrix = catalog.vectors_since(model_name, 0)
    if matrix is None:
        return LabelChange(label, [], sorted(now), 0)
    wanted = set(ids)
    rows = [k for k, i in enumerate(all_ids) if i in wanted]
    all_ids = [all_ids[k] for k in rows]
    trained, _ = trained_on_library(prepared_after, catalog, model_name, (all_ids, matrix[rows]))  # as a retag
    after = set()
    if label in trained.labels.names:
        column = trained.labels.names.index(label)
        conf, _, _, _ = scores(np.asarray(matrix[rows], np.float32), trained)
        passing = conf[:, column] >= trained.labels.thresholds[column]
        if trained.max_tags < conf.shape[1]:  # it tags only among a photo's max_tags most confident labels
            better = (conf > conf[:, [column]]) & (conf >= trained.labels.thresholds)
            passing &= better.sum(axis=1) < trained.max_tags
        after = {i for i, ok in zip(all_ids, passing) if ok}
    choices = catalog.choices(all_ids)
    after = {i for i in after if not (i in choices and label in choices[i].removed)}
    after |= {i for i, c in choices.items() if label in c.added}
    return LabelChange(label, sorted(after - now), sorted(now - after), len(after))
