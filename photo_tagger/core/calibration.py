"""Absolute per-label confidence from a prompt: does this photo match the label better than everyday things do?

Two ways in, both independent of the user's other labels (adding, removing or disabling one label never moves
another label's tags); the confidence is the higher of the two:
1. beats everything: on this photo the label beats all but `RANK` of the everyday words it does not itself name
   (core/background.py), and reaches the library's level of that rival (median + `LEVEL_K` robust spreads over the
   library, per label, so a library full of dogs does not raise the bar for "dog");
2. stands out from its own scores (issue 19): a photo carries several facts, and "red" rarely tops the photo's
   main object. The label's own scores over the library are split in two (`split_of`, Otsu); a photo `OWN_Z`
   within-group spreads above the cut that also beats all but `OWN_RANK` everyday words (the photo's other facts
   may outrank it) and reaches their library level + `OWN_LEVEL_K` spreads is in. The everyday-word tests keep a
   concept the model does not know quiet: its scores split somewhere too, but inside the everyday words' range.
Categories take way 1 and must also win their own contrast: the unsafe prompts over the safe ones.

confidence = sigmoid(SHARPNESS * margin / spread), so 0.5 is where a way's tests are just met. Measured in
benchmarks/tag_rule_sweep.py and benchmarks/judgement_sweep.py (RESULTS.md, "Absolute tag rule" and
"Judgement on several facts per photo (issue 19)").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core.background import BACKGROUND_TEMPLATE, BACKGROUND_WORDS
from photo_tagger.core.ports import TextEncoder

RANK = 0  # a label must beat every everyday word it does not name (RANK 1 tagged 5% of photos with no true label)
LEVEL_K = 1.0  # tags: the label must reach the background median + 1 robust spread (sweep: 2.8% of photos with no true label tagged; 0.9 gave 3.7%, and 5.6% on a 160-photo library)
FLAG_LEVEL_K = 0.75  # categories also beat their safe prompts, and their default threshold is 0.8
SHARPNESS = 4.0
EXCLUDE_COSINE = 0.9  # background words this close to a label's prompt are the label itself
TOP = 16  # background cosines kept per photo when ranking (a label excluding more of them is ranked conservatively)
MIN_PHOTOS = 16  # fewer photos than this give no stable background level: the default below is used
TAG_RANK = 0  # tags: everyday words a label may lose to on a photo (a photo carries several facts)
OWN_Z = 1.0  # within-group spreads above the cut of its own scores (split_of) at which a label stands out
OWN_RANK = 6  # ... and it may lose to this many everyday words on the photo (a photo's other facts)
OWN_LEVEL_K = 2.0  # ... and reach the library's median of that rival plus this many spreads
USE_OWN = True  # a label that stands out from its own scores is not vetoed by everyday words (issue 19)
SAFE_CONTRAST = True  # categories: the unsafe prompts must beat the safe ones by SAFE_MARGIN, as a separate test
SAFE_MARGIN = 0.0
DEFAULT_LEVEL, DEFAULT_SPREAD = 0.6, 0.1  # measured on the trained shapes model (RESULTS.md)


@dataclass(frozen=True)
class Background:
    words: tuple[str, ...]
    matrix: np.ndarray  # (W, D)


@dataclass(frozen=True)
class Reference:
    """The library's background level: median and robust spread of each photo's best everyday-word cosine."""

    level: float = DEFAULT_LEVEL
    spread: float = DEFAULT_SPREAD
    photos: int = 0


def background(text_encoder: TextEncoder) -> Background:
    words = BACKGROUND_WORDS
    return Background(words, text_encoder.encode_texts([BACKGROUND_TEMPLATE.format(w) for w in words]))


def exclusions(bg: Background, names: list[str], prompt_vectors: list[np.ndarray]) -> np.ndarray:
    """(L, W) bool: the background words each label does not compete with (its own name or words, or a word
    whose embedding is next to one of its prompts)."""
    out = np.zeros((len(names), len(bg.words)), bool)
    for i, (name, vectors) in enumerate(zip(names, prompt_vectors)):
        own = set(name.lower().split()) | {name.lower()}
        out[i] = np.array([w in own for w in bg.words])
        if len(vectors):
            out[i] |= (vectors @ bg.matrix.T).max(axis=0) > EXCLUDE_COSINE
    return out


def reference(embeddings: np.ndarray, bg: Background) -> Reference:
    """From the library's stored embeddings (a sample is enough); too few photos keep the defaults."""
    if len(embeddings) < MIN_PHOTOS:
        return Reference()
    return reference_of((embeddings @ bg.matrix.T).max(axis=1), len(embeddings))


def reference_of(values: np.ndarray, photos: int) -> Reference:
    """Median and robust spread (1.4826 MAD) of per-photo rival cosines."""
    level = float(np.median(values))
    return Reference(level, max(float(1.4826 * np.median(np.abs(values - level))), 1e-3), photos)


def split_of(values: np.ndarray, photos: int) -> Reference:
    """A label's own scores over the library split in two (Otsu: the cut with the largest between-group
    variance): `level` is the cut, `spread` the pooled spread within the two groups. A photo well above the cut
    stands out from the label's own distribution; on a label the library lacks the cut falls inside one bump,
    and the everyday-word level (the other test) keeps it quiet."""
    v = np.sort(np.asarray(values, np.float64))
    n = len(v)
    if n < MIN_PHOTOS:
        return Reference(float(v.max(initial=1.0)) + 1.0, DEFAULT_SPREAD, n)
    total, squares = np.cumsum(v), np.cumsum(v * v)
    k = np.arange(1, n)
    low, high = total[:-1] / k, (total[-1] - total[:-1]) / (n - k)
    between = k * (n - k) * (low - high) ** 2
    edge = max(1, n // 50)  # at least 2% of the library on each side
    cut = int(np.argmax(between[edge - 1:n - edge])) + edge - 1
    within = (squares[-1] - k[cut] * low[cut] ** 2 - (n - k[cut]) * high[cut] ** 2) / n
    return Reference(float((v[cut] + v[cut + 1]) / 2), max(float(np.sqrt(max(within, 0.0))), 1e-3), n)


def background_top(embeddings: np.ndarray, bg: Background) -> tuple[np.ndarray, np.ndarray]:
    """Each photo's TOP highest background cosines, best first, and the words' indexes: (N, TOP) each."""
    sims = embeddings @ bg.matrix.T
    top = min(TOP, sims.shape[1])
    idx = np.argpartition(-sims, top - 1, axis=1)[:, :top]
    vals = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-vals, axis=1)
    return np.take_along_axis(vals, order, axis=1), np.take_along_axis(idx, order, axis=1)


def competitor(top_vals: np.ndarray, top_idx: np.ndarray, excluded: np.ndarray, rank: int | None = None) -> np.ndarray:
    """Per photo, the (rank+1)-th best background cosine among the words this label competes with. When the
    kept top words are mostly excluded, the lowest kept value stands in (an upper bound: conservative)."""
    rank = RANK if rank is None else rank
    allowed = ~excluded[top_idx]  # (N, TOP)
    rows = np.arange(len(allowed))
    if rank == 0:  # the values are sorted best first: the first allowed one
        first = allowed.argmax(axis=1)
        return np.where(allowed[rows, first], top_vals[rows, first], top_vals[:, -1])
    reached = np.cumsum(allowed, axis=1) > rank  # sorted best first: the (rank+1)-th allowed one is the first here
    at = reached.argmax(axis=1)
    return np.where(reached[rows, at], top_vals[rows, at], top_vals[:, -1])


def model_probability(scores: np.ndarray, scale: float, bias: float) -> np.ndarray:
    """SigLIP's own per-pair probability, sigmoid(scale * cos + bias), as transformers computes it from logits."""
    return 1.0 / (1.0 + np.exp(np.clip(-(scale * scores + bias), -60, 60)))


def standing_out(scores: np.ndarray, own: Reference, rival: np.ndarray, ref: Reference, spread: float) -> np.ndarray:
    """The second way in for a label (issue 19): the photo sits well inside the upper group of the label's own
    scores (OWN_Z within-group spreads above the cut), and beats all but OWN_RANK of the everyday words on it
    (the photo's other facts may outrank it) and their level over the library. 0..1, >= 0.5 when all hold."""
    margin = np.minimum.reduce([(scores - own.level) / own.spread - OWN_Z,
                                (scores - rival) / spread,
                                (scores - (ref.level + OWN_LEVEL_K * ref.spread)) / spread])
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


def confidence(scores: np.ndarray, rival: np.ndarray, ref: Reference, level_k: float = LEVEL_K,
               sharpness: float | None = None, contrast: np.ndarray | None = None) -> np.ndarray:
    """0..1; >= 0.5 exactly when the score clears the library level and beats the background rival.
    `contrast`: cosine margin the photo must also clear (a category's unsafe over its safe prompts)."""
    spread = ref.spread
    margin = np.minimum((scores - (ref.level + level_k * spread)) / spread, (scores - rival) / spread)
    if contrast is not None:
        margin = np.minimum(margin, contrast / spread)
    sharp = SHARPNESS if sharpness is None else sharpness
    return 1.0 / (1.0 + np.exp(np.clip(-sharp * margin, -60, 60)))
