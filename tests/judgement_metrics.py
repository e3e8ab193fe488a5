"""Precision, recall, ROC AUC and the hindsight ceiling of a per-label threshold (the sweeps and the e2e tests)."""

from __future__ import annotations

import numpy as np


def auc(scores: np.ndarray, truth: np.ndarray) -> float:
    pos, neg = scores[truth], scores[~truth]
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = np.argsort(np.argsort(np.concatenate([pos, neg]), kind="stable")) + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def best_threshold(scores: np.ndarray, truth: np.ndarray) -> tuple[int, int, int]:
    """(tp, fp, fn) at the score threshold with the best F1 on these photos (chosen with hindsight)."""
    order = np.argsort(-scores)
    hits = truth[order]
    tp = np.cumsum(hits)
    fp = np.cumsum(~hits)
    fn = hits.sum() - tp
    k = int(np.argmax(2 * tp / np.maximum(2 * tp + fp + fn, 1)))
    return int(tp[k]), int(fp[k]), int(fn[k])


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def ceiling(scores: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    """Pooled (precision, recall, F1) of one hindsight threshold per column (label)."""
    return prf(*np.sum([best_threshold(scores[:, k], gold[:, k]) for k in range(gold.shape[1])], 0))
