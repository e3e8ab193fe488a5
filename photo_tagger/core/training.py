"""Attach to prepared labels what the library and the user's choices teach: the library's background level and,
for each label or category with enough examples, a classifier fitted on stored embeddings (no image is read)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from photo_tagger.core import calibration, learning
from photo_tagger.core.ports import Catalog
from photo_tagger.core.tagging import PreparedLabels, _Scorer, calibrated

REFERENCE_SAMPLE = 4000  # photos the background level and the weak negatives are drawn from
SURE = 0.9  # prompt confidence at which a library photo stands in as a weak positive
LOOKS_LIKE = 0.9  # image-image cosine above which a photo counts as like an example


def library_sample(catalog: Catalog, model_name: str, ids: list[str], seed: int = 0) -> np.ndarray:
    """Stored embeddings of up to REFERENCE_SAMPLE of these photos (fixed seed: the same library gives the same
    calibration)."""
    if len(ids) > REFERENCE_SAMPLE:
        ids = list(np.random.default_rng(seed).choice(np.array(ids, dtype=object), REFERENCE_SAMPLE, replace=False))
    vectors = catalog.vectors(model_name, ids)
    return np.stack(list(vectors.values())).astype(np.float32) if vectors else np.zeros((0, 0), np.float32)


def examples_by_label(catalog: Catalog) -> tuple[dict[str, tuple[set, set]], set]:
    """label -> (photo ids added, photo ids removed), and the photos marked "not sensitive" (a negative example
    for the categories whose prompts flag it: flagged_by_prompt)."""
    rows, not_sensitive = catalog.all_choices()
    by_label: dict[str, tuple[set, set]] = {}
    for photo_id, label, action in rows:
        added, removed = by_label.setdefault(label, (set(), set()))
        (added if action == "add" else removed).add(photo_id)
    return by_label, set(not_sensitive)


def train(
    prepared: PreparedLabels,
    catalog,
    model_name: str,
    library_ids: list[str],
    library: tuple[list[str], np.ndarray] | None = None,
) -> tuple[PreparedLabels, list[str]]:
    """Calibrate on the library and fit every label and category that has enough examples. Returns the trained
    labels and one line for each label that cannot decide anything (no prompt and too few examples).
    `library`: (ids, embeddings) already read by the caller, so nothing is read twice."""
    if library is not None and len(library[0]):
        rows = np.arange(len(library[0]))
        if len(rows) > REFERENCE_SAMPLE:
            rows = np.sort(np.random.default_rng(0).choice(rows, REFERENCE_SAMPLE, replace=False))
        sample = np.asarray(library[1][rows], np.float32)
    else:
        sample = library_sample(catalog, model_name, library_ids)
    trained = calibrated(prepared, sample) if len(sample) else prepared
    by_label, not_sensitive = examples_by_label(catalog)
    confirmed: dict[str, set] = {}
    for photo_id, category in catalog.confirmed_flags() if hasattr(catalog, "confirmed_flags") else ():
        confirmed.setdefault(category, set()).add(photo_id)
    rejected: dict[str, set] = {}  # review's rejects name their category: near misses teach it too
    for photo_id, category in catalog.rejected_flags() if hasattr(catalog, "rejected_flags") else ():
        rejected.setdefault(category, set()).add(photo_id)
    wanted = set().union(*(a | r for a, r in by_label.values()), *confirmed.values(), *rejected.values())
    wanted |= not_sensitive
    if library is not None:
        position = {i: k for k, i in enumerate(library[0])}
        vectors = {i: library[1][position[i]] for i in wanted if i in position}
    else:
        vectors = catalog.vectors(model_name, wanted) if wanted else {}
    notes: list[str] = []
    labels = _fit_side(
        trained.labels,
        trained,
        {n: by_label.get(n, (set(), set())) for n in trained.labels.names},
        vectors,
        sample,
        notes,
    )
    false_alarms = flagged_by_prompt(trained, not_sensitive, vectors)
    categories = _fit_side(
        trained.categories,
        trained,
        {
            n: (
                confirmed.get(n, set()),
                (false_alarms.get(n, set()) | rejected.get(n, set())) - confirmed.get(n, set()),
            )
            for n in trained.categories.names
        },
        vectors,
        sample,
        notes,
    )
    return replace(trained, labels=labels, categories=categories), notes


def flagged_by_prompt(prepared: PreparedLabels, photo_ids: set, vectors: dict) -> dict[str, set]:
    """Category -> those of `photo_ids` its prompts flag, learning left out. "Not sensitive" is a negative
    example only for these: it says the flags on that photo were wrong, not that every category is. (The flags a
    photo had when the user chose are not stored; the prompt's own decision does not move as learning does.)"""
    ids = [i for i in photo_ids if i in vectors]
    side = prepared.categories
    if not ids or not side.names:
        return {}
    conf, _ = side.confidences(
        np.stack([vectors[i] for i in ids]).astype(np.float32),
        prepared.background,
        prepared.reference,
        use_learned=False,
    )
    fired = conf >= side.thresholds
    return {name: {ids[k] for k in np.nonzero(fired[:, col])[0]} for col, name in enumerate(side.names)}


def _fit_side(
    side: _Scorer,
    prepared: PreparedLabels,
    examples: dict[str, tuple[set, set]],
    vectors: dict,
    sample: np.ndarray,
    notes: list[str],
) -> _Scorer:
    learned = {}
    dim = side.groups.shape[1] if side.groups.size else (sample.shape[1] if sample.size else 0)
    for row, name in enumerate(side.names):
        added, removed = examples[name]
        pos = [vectors[i] for i in added if i in vectors]
        neg = [vectors[i] for i in removed if i in vectors]
        if pos or neg:
            dim = len((pos or neg)[0])
        ex = learning.Examples(np.array(pos, np.float32).reshape(-1, dim), np.array(neg, np.float32).reshape(-1, dim))
        has_prompt = bool(side.has_prompt[row])
        if not ex.enough(has_prompt):
            if not has_prompt:
                notes.append(
                    f"label {name!r} has no prompt and {len(pos)} example photo(s): it tags nothing until "
                    f"you add it to at least {learning.MIN_POSITIVES} photos"
                )
            continue
        weak = np.zeros((0, dim), np.float32)
        if len(neg) < learning.MIN_NEGATIVES and sample.size:  # too few "not this": the library stands in
            weak = learning.weak_sample(sample, np.array([], int))
            if len(pos):  # a weak negative that is one of the positives is no negative
                weak = weak[(weak @ np.array(pos).T).max(axis=1) < 0.9999]
        agreement = 0.0
        weak_positives = None
        prior = side.prior(row, prepared.reference)
        auc = None
        if has_prompt:
            conf, _ = side.confidences(
                np.concatenate([ex.positives, ex.negatives]), prepared.background, prepared.reference, use_learned=False
            )
            agreement = learning.agreement(conf[: len(pos), row], conf[len(pos) :, row])
            prompt_scores = side.prompt_scores(np.concatenate([ex.positives, ex.negatives]))[:, row]
            auc = learning.prompt_auc(prompt_scores[: len(pos)], prompt_scores[len(pos) :])
            if learning.prompt_disagrees(auc):  # the prompt ranks what was removed as high as what was added
                prior, agreement = None, 0.0
            if len(pos) < learning.MIN_POSITIVES and sample.size:
                # Only "not this" so far (e.g. "not sensitive"): what the prompt itself is sure of stands in
                # for the positives, so the examples carve out exceptions instead of switching it off.
                sure, _ = side.confidences(sample, prepared.background, prepared.reference, use_learned=False)
                weak_positives = sample[sure[:, row] >= SURE]
                if len(neg):  # nor does a photo that looks like one of the user's exceptions
                    weak_positives = weak_positives[(weak_positives @ np.array(neg).T).max(axis=1) < LOOKS_LIKE]
        slope = calibration.SHARPNESS / side.row_reference(row, prepared.reference).spread
        model = learning.fit(ex, weak, prior, slope, agreement, weak_positives)
        if prior is None:  # the examples decide alone: where the library itself has a gap between them
            model = learning.in_widest_gap(model, ex, sample) if not len(weak) else model
        learned[name] = replace(model, examples_alone=prior is None, prompt_auc=auc)
    return replace(side, learned=learned)
