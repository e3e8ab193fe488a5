"""Learning a label (or a moderation category) from the user's choices, on stored embeddings only.

A label's examples: photos the user added it to (positives) and removed it from (negatives; removing a label a
photo does not have records "not this"). "Not sensitive" is a negative for every moderation category.

Once a label has MIN_POSITIVES and MIN_NEGATIVES examples (or, with no prompt, MIN_POSITIVES), its decision is
a logistic regression on the embeddings, regularized toward the prompt's own decision (CLAP / LP++ style): the
prompt is the prior, the examples move it. A sample of the library stands in as weak negatives. Newton steps in
the examples' space (Woodbury) keep one fit in a few milliseconds (benchmarks/bench_learning.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_POSITIVES = 3
MIN_NEGATIVES = 3
WEAK_NEGATIVES = 200  # library photos sampled as weak negatives
WEAK_WEIGHT = 0.02  # each; a weak negative may in truth be a positive, so it counts little
PRIOR_STRENGTH = 1.0  # L2 pull toward the prompt's weights (and toward zero for a label without a prompt)
ITERATIONS = 12


@dataclass(frozen=True)
class Examples:
    positives: np.ndarray  # (P, D)
    negatives: np.ndarray  # (N, D)

    def enough(self, has_prompt: bool) -> bool:
        if not has_prompt:
            return len(self.positives) >= MIN_POSITIVES
        return len(self.positives) >= MIN_POSITIVES and len(self.negatives) >= MIN_NEGATIVES \
            or len(self.positives) + len(self.negatives) >= MIN_POSITIVES + MIN_NEGATIVES


@dataclass(frozen=True)
class LearnedModel:
    weights: np.ndarray  # (D,)
    bias: float
    positives: int
    negatives: int


def fit(examples: Examples, weak: np.ndarray, prior: tuple[np.ndarray, float] | None) -> LearnedModel:
    """Weighted logistic regression with an L2 pull of (w, b) toward the prior (zero without one)."""
    dim = examples.positives.shape[1] if len(examples.positives) else examples.negatives.shape[1]
    x = np.concatenate([examples.positives, examples.negatives, weak]).astype(np.float64)
    y = np.concatenate([np.ones(len(examples.positives)), np.zeros(len(examples.negatives) + len(weak))])
    weight = np.concatenate([np.ones(len(examples.positives) + len(examples.negatives)),
                             np.full(len(weak), WEAK_WEIGHT)])
    x = np.hstack([x, np.ones((len(x), 1))])  # the bias is the last weight
    theta0 = np.zeros(dim + 1) if prior is None else np.append(prior[0], prior[1])
    theta = theta0.copy()
    lam = PRIOR_STRENGTH
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -30, 30)))
        grad = x.T @ (weight * (p - y)) + lam * (theta - theta0)
        curvature = np.maximum(weight * p * (1 - p), 1e-9)
        # (lam I + X^T C X)^-1 g through the n x n system (n examples << D dimensions)
        inner = np.diag(1.0 / curvature) + (x @ x.T) / lam
        step = grad / lam - x.T @ np.linalg.solve(inner, x @ grad) / lam ** 2
        theta -= step
        if np.abs(step).max() < 1e-6:
            break
    return LearnedModel(theta[:-1].astype(np.float32), float(theta[-1]), len(examples.positives),
                        len(examples.negatives))


def weak_sample(library: np.ndarray, exclude_rows: np.ndarray, seed: int = 0) -> np.ndarray:
    """A fixed-seed sample of library embeddings (not the label's positives) as weak negatives."""
    keep = np.setdiff1d(np.arange(len(library)), exclude_rows)
    if len(keep) > WEAK_NEGATIVES:
        keep = np.random.default_rng(seed).choice(keep, WEAK_NEGATIVES, replace=False)
    return library[keep]
