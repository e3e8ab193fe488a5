"""Absolute per-label confidence from a prompt: does this photo match the label better than everyday things do?

Three ways in, all independent of the user's other labels (adding, removing or disabling one label never moves
another label's tags); the confidence is the highest of them:
1. beats everything: on this photo the label beats all but `RANK` of the everyday words it does not itself name
   (core/background.py), and reaches the library's level of that rival (median + `LEVEL_K` robust spreads over the
   library, per label, so a library full of dogs does not raise the bar for "dog");
2. stands out from its own scores (issue 19): a photo carries several facts, and "red" rarely tops the photo's
   main object. The label's own scores over the library are split in two (`split_of`, Otsu); a photo `OWN_Z`
   within-group spreads above the cut that also beats all but `OWN_RANK` everyday words (the photo's other facts
   may outrank it) and reaches their library level + `OWN_LEVEL_K` spreads is in. The everyday-word tests keep a
   concept the model does not know quiet: its scores split somewhere too, but inside the everyday words' range.
3. beats its own kind (issue 19, `in_kind`): a colour against the other colour words, a scene against scenes
   (core/background.py gives each everyday word a kind; `kinds_of` a label's), written in the label's templates
   (`templated`), by KIND_MARGIN spreads. "red", "circle" and "beach" can then all tag one photo. A label the model
   puts next to many unrelated everyday words (`distinct`) does not know it, and gets no such way in.
4. the split decides (issue 19, `agrees`, `split_decides`): the label's own scores split with a clear gap, and
   most of the upper group also wins the label's kind contest: the model knows the label and the library holds it.
   A photo well above the cut is then in on the label's own evidence, whatever outranks it on the photo. The
   everyday words only say whether the label is known (its kind contest over the library, `distinct`), not
   whether this photo shows it.
Categories take way 1 and must also win their own contrast: the unsafe prompts over the safe ones. With safe prompts
their contrast is a second way in (CONTRAST_DECIDES, `contrasted`) when the photo also beats the everyday words of
the category's kinds (those of the words its prompts name, `named_words`) written in the category's own form
(`form_of`: no final period when its prompts have none) by CATEGORY_KIND_MARGIN spreads. A third way in is the
user's contrast alone (issue 19 §2, the seed article's flow: `one_kind`, `contrast_agrees`, `contrast_decides`): when
the unsafe and safe prompts name everyday things of one kind ("a photo of a triangle" against the other shapes) and,
once per library, the model reads that contrast as written (on the photos it would flag, the named unsafe word beats
the named safe ones), a photo where the unsafe side wins the contrast and whose unsafe score stands out from its own
split over the library is flagged, whatever outranks it on the photo. The default categories name no such contrast
("a photo of violence" against "a peaceful photo") or one the test models do not read ("weapons": a knife against a
kitchen and a toy), and keep the other ways. A category the model does not know (`distinct`) flags nothing.

confidence = sigmoid(SHARPNESS * margin / spread), so 0.5 is where a way's tests are just met. Measured in
benchmarks/tag_rule_sweep.py and benchmarks/judgement_sweep.py (RESULTS.md, "Absolute tag rule" and
"Judgement on several facts per photo (issue 19)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from photo_tagger.core.background import (
    BACKGROUND_KINDS,
    BACKGROUND_TEMPLATE,
    BACKGROUND_WORDS,
    KIND_ONLY,
)
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
USE_KIND = True  # labels: beating the everyday words of their own kind is a way in (issue 19)
# spreads a label must beat its best same-kind rival by on the photo (RESULTS.md "Kinds of everyday words": 0.5
# tagged 15% of shapes photos with the default labels, 1.0 8% of the 160-photo library of tests/e2e/test_judgement.py)
KIND_MARGIN = 1.5
# ... and the library median of that rival plus this many spreads (negative: every photo has some colour, so the
# best other colour is a present one on most photos)
KIND_LEVEL_K = -2.0
# 4. the split decides (issue 19, `agrees`, `split_decides`): a label whose own scores split with a clear gap
# (GAP within-group spreads between the groups' means) and whose upper group mostly wins its kind contest
# (AGREEMENT of it beats its best same-kind rival at AGREE_MARGIN spreads) is known to the model and present in the
# library; a photo SPLIT_Z within-group spreads above its cut is in, whatever the photo's other facts and everyday
# words (RESULTS.md, "The split decides")
USE_SPLIT = True
AGREEMENT = 0.7  # default labels on both worlds: at most 0.60 (shapes "tree"); colours and scenes 0.80-1.0
AGREE_MARGIN = 0.0
GAP = 4.0  # 160-photo draws of shapes: no default label agreed with it, 0.08% without it; colours 4.2-11
AGREE_MIN = 4  # photos in the upper group, at least (a smaller group agrees by chance)
# reference photos, at least: on 40-photo draws of shapes a default label's split agreed in 0.3% of (draw, label)
# pairs (46 labels: one in about 8 libraries), on 80- and 160-photo draws in none (judgement_sweep.py --draws)
SPLIT_PHOTOS = 64
SPLIT_Z = 0.5
CONTRAST_DECIDES = True  # categories with safe prompts: their contrast is a second way in (`contrasted`)
CONTRAST_MARGIN = 2.0  # spreads (the library spread of the category's best everyday rival) unsafe must win by
# ... with the kind test, rivals in the category's form (benchmarks/category_sweep.py: 0.75 flagged 2.2% of shapes
# photos with the default categories, 1.0 1.1%, 1.5 none, but the custom category's F1 fell from 0.23 to 0.20)
CATEGORY_KIND_MARGIN = 1.0
# 5. the user's contrast decides (issue 19 §2, `one_kind`, `contrast_decides`): a category whose unsafe and safe
# prompts name everyday things of one kind ("a photo of a triangle" against the other shapes: the seed article's
# flow) flags a photo where the unsafe side wins the contrast by CONTRAST_WIN spreads of the contrast (its split's
# within-group spread over the library) and the photo's unsafe score sits CONTRAST_Z within-group spreads above the
# cut of its own split (it stands out across the library); on a reference of SPLIT_PHOTOS photos or more (RESULTS.md,
# "The user's contrast decides")
USE_USER_CONTRAST = True
CONTRAST_WIN = 0.0
CONTRAST_Z = 0.5
# ... once the model reads the contrast as the user wrote it (`contrast_agrees`): on CONTRAST_AGREEMENT of the photos
# the way would flag (AGREE_MIN at least), the everyday words the unsafe prompts name beat those the safe ones name
# (random text and photos: at most 0.75 in 20 draws of 64 photos, median 0.34; the default "weapons" on the shapes
# and world CLIPs 0.16 and 0.40; the seed article's "triangles" 1.0)
CONTRAST_AGREEMENT = 0.8
MAX_NEAR = 40  # everyday words within EXCLUDE_COSINE of a label beyond which the model does not know it
KIND_NEIGHBOURS = 3  # nearest everyday words that give the kind of a label that is none of them
KIND_TOP = 8  # cosines kept per photo and kind
GENERIC = "generic"
DEFAULT_LEVEL, DEFAULT_SPREAD = 0.6, 0.1  # measured on the trained shapes model (RESULTS.md)


@dataclass(frozen=True)
class Background:
    words: tuple[str, ...]
    matrix: np.ndarray  # (W, D)
    kinds: tuple[tuple[str, ...], ...] = ()  # per word (core/background.py); empty: one kind for all
    everyday: np.ndarray | None = None  # (W,) bool: the words of the contest with every word (None: all)

    @property
    def everyday_mask(self) -> np.ndarray:
        return np.ones(len(self.words), bool) if self.everyday is None else self.everyday

    @property
    def everyday_matrix(self) -> np.ndarray:
        return self.matrix[self.everyday_mask]


@dataclass(frozen=True)
class Reference:
    """The library's background level: median and robust spread of each photo's best everyday-word cosine."""

    level: float = DEFAULT_LEVEL
    spread: float = DEFAULT_SPREAD
    photos: int = 0


def background(text_encoder: TextEncoder) -> Background:
    words = BACKGROUND_WORDS
    return Background(
        words,
        text_encoder.encode_texts([BACKGROUND_TEMPLATE.format(w) for w in words]),
        BACKGROUND_KINDS if len(BACKGROUND_KINDS) == len(words) else (),
        np.array([w not in KIND_ONLY for w in words]),
    )


def kinds_of(bg: Background, name: str, vectors: np.ndarray) -> tuple[str, ...]:
    """A label's kinds: those of the everyday word it is ("red": colour), else of the everyday words it is made of
    ("red car": colour and vehicle), else of its prompts' KIND_NEIGHBOURS nearest everyday words in the text
    embedding (the most common kind among them; a tie keeps both). Empty: no kinds known (every word competes)."""
    if not bg.kinds:
        return ()
    index = {w: i for i, w in enumerate(bg.words)}
    name = name.lower().strip()
    named = [index[name]] if name in index else [index[w] for w in name.split() if w in index]
    if not named and len(vectors):
        near = np.argsort(-(vectors @ bg.matrix.T).max(axis=0))[:KIND_NEIGHBOURS]
        counts: dict[str, int] = {}
        for i in near:
            for kind in bg.kinds[i]:
                counts[kind] = counts.get(kind, 0) + 1
        counts.pop(GENERIC, None)
        top = max(counts.values(), default=0)
        return tuple(sorted(k for k, c in counts.items() if c == top))
    return tuple(dict.fromkeys(k for i in named for k in bg.kinds[i] if k != GENERIC))


def named_words(bg: Background, prompts: tuple[str, ...]) -> str:
    """The everyday words a category's prompts name, as one name for `kinds_of` and `exclusions` ("a photo of a
    knife attack": "knife"): a category is of the kinds of what its prompts show."""
    return " ".join(_named(bg, prompts))


def named_indexes(bg: Background, prompts: tuple[str, ...]) -> np.ndarray:
    """The indexes in `bg.words` of the everyday words these prompts name (`named_words`)."""
    index = {w: i for i, w in enumerate(bg.words)}
    return np.array([index[w] for w in _named(bg, prompts)], int)


def _named(bg: Background, prompts: tuple[str, ...]) -> list[str]:
    index = set(bg.words)
    found = []
    for prompt in prompts:
        words = re.findall(r"[a-z]+(?:-[a-z]+)*", prompt.lower())
        found += [w for w in (*words, *map(" ".join, pairwise(words))) if w in index and w not in _FORM_WORDS]
    return list(dict.fromkeys(found))


_FORM_WORDS = frozenset(("photo", "photograph", "picture", "image"))


def form_of(prompts: tuple[str, ...]) -> tuple[str, ...]:
    """The background template written the way these prompts are (issue 19, like with like): without the final
    period when most of them have none ("a photo of a triangle"). A rival written differently from the prompt
    scores differently on every photo for that reason alone (on the shapes CLIP the period moves a prompt by
    cosine 0.07-0.25)."""
    plain = sum(not p.rstrip().endswith(".") for p in prompts)
    return (BACKGROUND_TEMPLATE.rstrip("."),) if plain * 2 > len(prompts) else (BACKGROUND_TEMPLATE,)


def distinct(excluded: np.ndarray) -> bool:
    """Whether the model tells a label apart from everyday things: a prompt that sits next to (within
    EXCLUDE_COSINE of) more than MAX_NEAR everyday words is, to this model, none of them in particular (a word it
    never learned lands with all the other unknown ones), so beating its kind's remaining words says nothing."""
    return int(excluded.sum()) <= MAX_NEAR


def contrasted(scores: np.ndarray, contrast: np.ndarray, own: Reference | None, spread: float) -> np.ndarray:
    """A category with safe prompts (issue 19): the user's own contrast decides. The unsafe prompts beat the safe
    ones by CONTRAST_MARGIN spreads, and the photo sits in the upper group of the unsafe score over the library
    (`split_of`; without a library, the contrast alone). 0..1, >= 0.5 when both hold."""
    margin = contrast / spread - CONTRAST_MARGIN
    if own is not None:
        margin = np.minimum(margin, (scores - own.level) / own.spread)
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


def one_kind(bg: Background, unsafe: tuple[str, ...], safe: tuple[str, ...]) -> bool:
    """Whether a category's contrast is one the user wrote between things the model's everyday words hold, of one
    kind (issue 19 §2): its unsafe prompts and its safe prompts both name everyday words (`named_words`), and some
    kind (not the generic one) is on both sides ("triangle" against "circle", "square", "cross": shapes). The
    default categories name things of no shared kind ("a photo of violence" against "a peaceful photo"): they keep
    the everyday-word rule, so a model that never learned their words does not flag a whole visual class."""
    if not bg.kinds or not safe:
        return False
    none = np.zeros((0, bg.matrix.shape[1]), np.float32)
    sides = [named_words(bg, prompts) for prompts in (unsafe, safe)]
    if not all(sides):
        return False
    kinds = [set(kinds_of(bg, side, none)) - {GENERIC} for side in sides]
    return bool(kinds[0] & kinds[1])


def contrast_agrees(
    scores: np.ndarray, contrast: np.ndarray, named: np.ndarray, own: Reference, contrast_ref: Reference
) -> bool:
    """Whether the model reads a category's contrast the way the user wrote it (issue 19 §2), once per library:
    on the photos `contrast_decides` lets in (AGREE_MIN at least), CONTRAST_AGREEMENT of them also have the everyday
    word the unsafe prompts name beat those the safe prompts name (`named`: per photo, best unsafe-named cosine less
    best safe-named cosine, the words written in the category's form). A model that never learned the words scores
    the prompts along something else (random text: a third of such photos agree)."""
    if own.photos < max(MIN_PHOTOS, SPLIT_PHOTOS):
        return False
    chosen = (contrast / contrast_ref.spread >= CONTRAST_WIN) & ((scores - own.level) / own.spread >= CONTRAST_Z)
    count = int(chosen.sum())
    return count >= AGREE_MIN and float((named[chosen] > 0).sum() / count) >= CONTRAST_AGREEMENT


def contrast_decides(scores: np.ndarray, contrast: np.ndarray, own: Reference, contrast_ref: Reference) -> np.ndarray:
    """The fifth way in, for a category whose contrast is of `one_kind`: the unsafe side wins its contrast (unsafe
    minus best safe cosine) by CONTRAST_WIN spreads of the contrast's split over the library (`contrast_ref`), and
    the photo's unsafe score stands CONTRAST_Z within-group spreads above the cut of its own split (`own`). 0..1,
    >= 0.5 when both hold."""
    margin = np.minimum(
        contrast / contrast_ref.spread - CONTRAST_WIN,
        (scores - own.level) / own.spread - CONTRAST_Z,
    )
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


def templated(bg: Background, text_encoder: TextEncoder, templates: tuple[str, ...]) -> np.ndarray:
    """(W, D): each everyday word written the way the labels are (the mean of the templates filled with it,
    re-normalized), so that a label's kind contest compares like with like: an ensemble of templates scores
    higher on every photo than one template does, and would beat single-template rivals everywhere."""
    if tuple(templates) == (BACKGROUND_TEMPLATE,) or not templates:
        return bg.matrix
    vectors = text_encoder.encode_texts([t.format(w) for w in bg.words for t in templates])
    mean = vectors.reshape(len(bg.words), len(templates), -1).mean(axis=1)
    return (mean / np.linalg.norm(mean, axis=1, keepdims=True)).astype(np.float32)


def kind_top(
    embeddings: np.ndarray,
    bg: Background,
    kinds: set[str],
    matrix: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
) -> dict:
    """Per kind: (values, word indexes) of each photo's best cosines among that kind's words, best first ((N, T)
    each), for `competitor`. `matrix`: the words as the labels are written (`templated`). `excluded`: the (L, W)
    words the rows do not compete with; a kind then keeps one more cosine than any known row excludes of its words (at
    most KIND_TOP), which gives `competitor` the same answer as KIND_TOP would, at a fraction of the cost (one
    argmax per kept cosine instead of a partition and a sort: benchmarks/RESULTS.md, "Moderation kinds")."""
    columns = {
        kind: np.flatnonzero([kind in k for k in bg.kinds]) if bg.kinds else np.arange(len(bg.words)) for kind in kinds
    }
    columns = {kind: cols for kind, cols in columns.items() if len(cols)}
    if not columns:
        return {}
    words = np.concatenate(list(columns.values()))  # kind by kind, so each kind's cosines are one slice
    sims = embeddings @ (bg.matrix if matrix is None else matrix)[words].T
    rows = np.arange(len(sims))
    out, at = {}, 0
    # rows the model does not know (`distinct`) never take a kind way in: their rivals need not be exact
    known = excluded[excluded.sum(axis=1) <= MAX_NEAR] if excluded is not None else None
    for kind, cols in columns.items():
        sub, at = sims[:, at : at + len(cols)], at + len(cols)
        keep = min(KIND_TOP, len(cols))
        if known is not None:
            keep = min(keep, 1 + int(known[:, cols].sum(axis=1).max(initial=0)))
        if keep <= 3:  # a few argmaxes beat a partition and a sort
            vals, idx = np.empty((len(sims), keep), sims.dtype), np.empty((len(sims), keep), np.intp)
            work = sub if keep == 1 else sub.copy()
            for j in range(keep):
                idx[:, j] = work.argmax(axis=1)
                vals[:, j] = work[rows, idx[:, j]]
                if j + 1 < keep:
                    work[rows, idx[:, j]] = -np.inf
            out[kind] = (vals, cols[idx])
            continue
        part = (
            np.argpartition(-sub, keep - 1, axis=1)[:, :keep]
            if keep < len(cols)
            else np.broadcast_to(np.arange(len(cols)), (len(sims), len(cols)))
        )
        vals = np.take_along_axis(sub, part, axis=1)
        order = np.argsort(-vals, axis=1)
        out[kind] = (np.take_along_axis(vals, order, axis=1), cols[np.take_along_axis(part, order, axis=1)])
    return out


def kind_rival(tops: dict, kinds: tuple[str, ...], excluded: np.ndarray) -> np.ndarray:
    """Per photo, the best cosine among the everyday words of these kinds (and the generic ones) that a label
    with these `excluded` words does not name."""
    found = [competitor(tops[k][0], tops[k][1], excluded, 0) for k in (*kinds, GENERIC) if k in tops]
    return np.maximum.reduce(found) if found else np.full(len(next(iter(tops.values()))[0]), -1.0)


def in_kind(scores: np.ndarray, rival: np.ndarray, ref: Reference, margin: float | None = None) -> np.ndarray:
    """The kind way in (issue 19): the photo's score beats the best everyday word of the label's own kinds that
    it does not name by KIND_MARGIN spreads, and reaches that rival's library level + KIND_LEVEL_K spreads.
    0..1, >= 0.5 when both hold."""
    margin = np.minimum(
        (scores - rival) / ref.spread - (KIND_MARGIN if margin is None else margin),
        (scores - (ref.level + KIND_LEVEL_K * ref.spread)) / ref.spread,
    )
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


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
    return reference_of((embeddings @ bg.everyday_matrix.T).max(axis=1), len(embeddings))


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
    cut = int(np.argmax(between[edge - 1 : n - edge])) + edge - 1
    within = (squares[-1] - k[cut] * low[cut] ** 2 - (n - k[cut]) * high[cut] ** 2) / n
    return Reference(float((v[cut] + v[cut + 1]) / 2), max(float(np.sqrt(max(within, 0.0))), 1e-3), n)


def background_top(embeddings: np.ndarray, bg: Background) -> tuple[np.ndarray, np.ndarray]:
    """Each photo's TOP highest background cosines, best first, and the words' indexes: (N, TOP) each."""
    cols = np.flatnonzero(bg.everyday_mask)  # kind-only words never rank here
    sims = embeddings @ bg.matrix[cols].T
    top = min(TOP, sims.shape[1])
    idx = np.argpartition(-sims, top - 1, axis=1)[:, :top]
    vals = np.take_along_axis(sims, idx, axis=1)
    order = np.argsort(-vals, axis=1)
    return np.take_along_axis(vals, order, axis=1), cols[np.take_along_axis(idx, order, axis=1)]


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


def agrees(scores: np.ndarray, own: Reference, rival: np.ndarray, kind_ref: Reference) -> bool:
    """Whether a label's own split over the library is its concept (issue 19, the fourth way in): the two groups
    of its scores (`split_of`) stand GAP within-group spreads apart, and AGREEMENT of the upper group also wins
    the label's kind contest (beats its best same-kind everyday rival by AGREE_MARGIN spreads and reaches that
    rival's library level + KIND_LEVEL_K spreads). A concept the model does not know also splits the library
    (its cosines follow the photo clusters), but its upper group is not where it beats its own kind: the
    everyday words say whether the label is known, its own scores say which photos show it."""
    v = np.asarray(scores, np.float64)
    upper = v > own.level
    if own.photos < max(MIN_PHOTOS, SPLIT_PHOTOS) or int(upper.sum()) < AGREE_MIN or upper.all():
        return False
    if (v[upper].mean() - v[~upper].mean()) / own.spread < GAP:
        return False
    wins = (v - rival) / kind_ref.spread >= AGREE_MARGIN
    wins &= v >= kind_ref.level + KIND_LEVEL_K * kind_ref.spread
    return float((wins & upper).sum() / upper.sum()) >= AGREEMENT


def split_decides(scores: np.ndarray, own: Reference) -> np.ndarray:
    """The fourth way in, for a label that `agrees`: the photo sits SPLIT_Z within-group spreads above the cut of
    the label's own scores. 0..1, >= 0.5 when it does."""
    margin = (scores - own.level) / own.spread - SPLIT_Z
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


def model_probability(scores: np.ndarray, scale: float, bias: float) -> np.ndarray:
    """SigLIP's own per-pair probability, sigmoid(scale * cos + bias), as transformers computes it from logits."""
    return 1.0 / (1.0 + np.exp(np.clip(-(scale * scores + bias), -60, 60)))


def standing_out(scores: np.ndarray, own: Reference, rival: np.ndarray, ref: Reference, spread: float) -> np.ndarray:
    """The second way in for a label (issue 19): the photo sits well inside the upper group of the label's own
    scores (OWN_Z within-group spreads above the cut), and beats all but OWN_RANK of the everyday words on it
    (the photo's other facts may outrank it) and their level over the library. 0..1, >= 0.5 when all hold."""
    margin = np.minimum.reduce(
        [
            (scores - own.level) / own.spread - OWN_Z,
            (scores - rival) / spread,
            (scores - (ref.level + OWN_LEVEL_K * ref.spread)) / spread,
        ]
    )
    return 1.0 / (1.0 + np.exp(np.clip(-SHARPNESS * margin, -60, 60)))


def confidence(
    scores: np.ndarray,
    rival: np.ndarray,
    ref: Reference,
    level_k: float = LEVEL_K,
    sharpness: float | None = None,
    contrast: np.ndarray | None = None,
) -> np.ndarray:
    """0..1; >= 0.5 exactly when the score clears the library level and beats the background rival.
    `contrast`: cosine margin the photo must also clear (a category's unsafe over its safe prompts)."""
    spread = ref.spread
    margin = np.minimum((scores - (ref.level + level_k * spread)) / spread, (scores - rival) / spread)
    if contrast is not None:
        margin = np.minimum(margin, contrast / spread)
    sharp = SHARPNESS if sharpness is None else sharpness
    return 1.0 / (1.0 + np.exp(np.clip(-sharp * margin, -60, 60)))
