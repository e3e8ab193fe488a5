"""Learning a label (or a moderation category) from the user's choices, on stored embeddings only.

A label's examples: photos the user added it to (positives) and removed it from (negatives; removing a label a
photo does not have records "not this"). "Not sensitive" is a negative for every moderation category.

Once a label has MIN_POSITIVES and MIN_NEGATIVES examples (or, with no prompt, MIN_POSITIVES), its decision is
a logistic regression on the embeddings, regularized toward the prompt's own decision (CLAP / LP++ style): the
prompt is the prior, the examples move it. A prompt that ranks the photos the user added no higher than the ones
they removed (rank AUC <= DISAGREES) is no prior at all: the examples decide alone, and the threshold sits in the
widest gap of the library between them (low-density separation). A sample of the library stands in as weak
negatives. Newton steps in the examples' space (Woodbury) keep one fit in a few milliseconds
(benchmarks/bench_learning.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

MIN_POSITIVES = 3
MIN_NEGATIVES = 3
WEAK_NEGATIVES = 200  # library photos sampled as weak negatives, for a label with too few explicit negatives
WEAK_WEIGHT = 0.02  # each; a weak negative may in truth be a positive, so it counts little
PRIOR_STRENGTH = 1.0  # L2 pull toward the prompt's direction, in cosine units (scaled by agreement)
ITERATIONS = 12
RIDGE = 1e-3  # on the bias: keeps the fit finite when the examples are separable
DISAGREES = 0.5  # prompt rank AUC (added vs removed) at or below which the prompt is dropped
MIN_PULL = 0.3  # on the direction, even without a prompt to pull toward: a few positives among weak negatives
# that include unlabelled positives are separable by a huge, overfitted direction (seen: 6 of 40 green photos)


def agreement(prompt_confidence_pos: np.ndarray, prompt_confidence_neg: np.ndarray) -> float:
    """How much better than chance the prompt's own decisions sort the examples: 2 x balanced accuracy - 1,
    floored at 0 (1 when it agrees with every example)."""
    parts = [np.mean(prompt_confidence_pos >= 0.5)] if len(prompt_confidence_pos) else []
    parts += [np.mean(prompt_confidence_neg < 0.5)] if len(prompt_confidence_neg) else []
    return max(0.0, 2 * float(np.mean(parts)) - 1) if parts else 0.0


def prompt_auc(prompt_scores_pos: np.ndarray, prompt_scores_neg: np.ndarray) -> float | None:
    """How often the prompt scores a photo the user added above one they removed (ties count half): 1 when it
    ranks every added photo first, 0.5 no better than chance; None without both kinds of example."""
    if not len(prompt_scores_pos) or not len(prompt_scores_neg):
        return None
    diff = np.asarray(prompt_scores_pos, np.float64)[:, None] - np.asarray(prompt_scores_neg, np.float64)[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def prompt_disagrees(auc: float | None) -> bool:
    return auc is not None and auc <= DISAGREES


@dataclass(frozen=True)
class Examples:
    positives: np.ndarray  # (P, D)
    negatives: np.ndarray  # (N, D)

    def enough(self, has_prompt: bool) -> bool:
        if not has_prompt:
            return len(self.positives) >= MIN_POSITIVES
        return (
            len(self.positives) >= MIN_POSITIVES
            and len(self.negatives) >= MIN_NEGATIVES
            or len(self.positives) + len(self.negatives) >= MIN_POSITIVES + MIN_NEGATIVES
        )


@dataclass(frozen=True)
class LearnedModel:
    weights: np.ndarray  # (D,)
    bias: float
    positives: int
    negatives: int
    examples_alone: bool = False  # the prompt had no say: none, or it disagrees with the examples
    prompt_auc: float | None = None  # how well the prompt ranked the examples (prompt_auc), when it has one


def fit(
    examples: Examples,
    weak: np.ndarray,
    prior: tuple[np.ndarray, float] | None,
    slope: float = 1.0,
    prior_agreement: float = 1.0,
    weak_positives: np.ndarray | None = None,
) -> LearnedModel:
    """Weighted logistic regression, logit = slope * (x . v) + b, with an L2 pull of (v, b) toward the prior
    (zero without one). `slope` is the prompt's own (calibration.SHARPNESS / spread), so the pull is measured
    in cosine units and the prior is as strong for every model. `prior_agreement` (0..1, how much better than
    chance the prompt itself sorts these examples) scales the pull: a prompt that means nothing to the model
    leaves the examples alone (CLAP's class-adaptive constraint). Newton steps with backtracking."""
    dim = examples.positives.shape[1] if len(examples.positives) else examples.negatives.shape[1]
    weak_positives = np.zeros((0, dim), np.float32) if weak_positives is None else weak_positives
    x = np.concatenate([examples.positives, examples.negatives, weak, weak_positives]).astype(np.float64) * slope
    y = np.concatenate(
        [np.ones(len(examples.positives)), np.zeros(len(examples.negatives) + len(weak)), np.ones(len(weak_positives))]
    )
    weight = np.concatenate(
        [
            np.ones(len(examples.positives) + len(examples.negatives)),
            np.full(len(weak) + len(weak_positives), WEAK_WEIGHT),
        ]
    )
    x = np.hstack([x, np.ones((len(x), 1))])  # the bias is the last weight
    theta0 = np.zeros(dim + 1) if prior is None else np.append(prior[0] / slope, prior[1])
    # the pull holds the direction; the bias (a threshold) is nearly free to move
    lam = np.full(dim + 1, max(PRIOR_STRENGTH * prior_agreement, MIN_PULL))
    lam[-1] = RIDGE

    def objective(theta):
        z = x @ theta
        return float(np.sum(weight * (np.logaddexp(0, z) - y * z)) + np.sum(lam / 2 * (theta - theta0) ** 2))

    theta, value = theta0.copy(), objective(theta0)
    few = len(x) < x.shape[1]
    xl = x / lam
    gram = xl @ x.T if few else None  # X Lam^-1 X^T: the same at every step
    for _ in range(ITERATIONS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -30, 30)))
        grad = x.T @ (weight * (p - y)) + lam * (theta - theta0)
        curvature = np.maximum(weight * p * (1 - p), 1e-9)
        if (
            gram is not None
        ):  # few examples: (Lam + X^T C X)^-1 g through the n x n system (few examples, many dimensions)
            inner = gram + np.diag(1.0 / curvature)
            step = grad / lam - xl.T @ np.linalg.solve(inner, xl @ grad)
        else:
            step = np.linalg.solve(np.diag(lam) + (x.T * curvature) @ x, grad)
        for _ in range(20):  # backtrack: Newton overshoots on (nearly) separable examples
            candidate = objective(theta - step)
            if candidate <= value:
                break
            step /= 2
        else:
            break
        theta, improvement, value = theta - step, value - candidate, candidate
        if improvement < 1e-6 * max(value, 1.0):
            break
    return LearnedModel(
        (theta[:-1] * slope).astype(np.float32), float(theta[-1]), len(examples.positives), len(examples.negatives)
    )


def in_widest_gap(model: LearnedModel, examples: Examples, library: np.ndarray) -> LearnedModel:
    """The same direction, its threshold moved to the middle of the widest stretch, between the highest removed
    photo and the lowest added one, that holds no library photo: with a handful of examples the fitted bias
    sits wherever the examples happen to end, while the library shows where one group of photos ends and the
    next begins. Unchanged when the examples overlap or the library is empty."""
    if not len(examples.positives) or not len(examples.negatives) or not len(library):
        return model
    low = float((examples.negatives @ model.weights).max())
    high = float((examples.positives @ model.weights).min())
    if low >= high:
        return model
    projected = library @ model.weights
    points = np.concatenate([[low], np.sort(projected[(projected > low) & (projected < high)]), [high]])
    widest = int(np.argmax(np.diff(points)))
    return replace(model, bias=-float(points[widest] + points[widest + 1]) / 2)


def weak_sample(library: np.ndarray, exclude_rows: np.ndarray, seed: int = 0) -> np.ndarray:
    """A fixed-seed sample of library embeddings (not the label's positives) as weak negatives."""
    keep = np.setdiff1d(np.arange(len(library)), exclude_rows)
    if len(keep) > WEAK_NEGATIVES:
        keep = np.random.default_rng(seed).choice(keep, WEAK_NEGATIVES, replace=False)
    return library[keep]
