"""Tags and moderation flags from stored image embeddings (no image is decoded here).

Every label and every moderation category answers on its own, "is this photo X?", with a confidence from 0 to 1
and where it came from: "prompt" (core/calibration.py: the prompt must stand out from a fixed background
vocabulary and from the library's background level, or from the label's own scores over the library while it
loses to a few everyday words, the photo's other facts) or "learned" (core/learning.py: a classifier fitted on the
user's choices, its prior the prompt). No softmax runs over the user's labels, so one label never moves another.
A SigLIP model that carries its trained scale and bias also answers for itself: a label's confidence is the higher
of the calibrated one and the model's own sigmoid probability (a way in where the library's level is no guide, e.g.
a label that covers half the library); CLIP models, which have no such probability, are scored as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from photo_tagger.core import calibration
from photo_tagger.core.calibration import Background, Reference
from photo_tagger.core.labels import LabelSet
from photo_tagger.core.learning import LearnedModel
from photo_tagger.core.ports import TextEncoder

PROMPT, LEARNED, YOU = "prompt", "learned", "you"


@dataclass(frozen=True)
class TagDecision:
    """The automatic result for one photo: tags and flags with their confidences (0..1), best first, and the
    source of each ("prompt" or "learned"), parallel to them."""

    tags: tuple[tuple[str, float], ...] = ()
    flags: tuple[tuple[str, float], ...] = ()
    tag_sources: tuple[str, ...] = ()
    flag_sources: tuple[str, ...] = ()

    def source_of_tag(self, name: str) -> str | None:
        return dict(zip((n for n, _ in self.tags), self.tag_sources)).get(
            name, PROMPT if name in dict(self.tags) else None
        )

    def source_of_flag(self, name: str) -> str | None:
        return dict(zip((n for n, _ in self.flags), self.flag_sources)).get(
            name, PROMPT if name in dict(self.flags) else None
        )


@dataclass(frozen=True)
class UserChoices:
    """A user's decisions about one photo; they always win over the automatic ones."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    not_sensitive: bool = False


@dataclass(frozen=True)
class EffectiveTags:
    tags: tuple[str, ...]
    flags: tuple[str, ...]

    def as_metadata(self) -> dict:
        """For the vector store: None removes a key (Chroma stores no empty lists). `flagged` is 0/1, not a
        bool: Chroma 1.5 indexes int metadata but scans every row for a bool filter (RESULTS.md)."""
        return {"tags": list(self.tags) or None, "flags": list(self.flags) or None, "flagged": int(bool(self.flags))}


def effective(decision: TagDecision, choices: UserChoices | None) -> EffectiveTags:
    """One photo's effective tags and flags: combined in core/tag_sources (the one place), with every source."""
    from photo_tagger.core.tag_sources import effective_one

    return effective_one(decision, choices)


def ensemble(text_encoder: TextEncoder, prompts: tuple[str, ...]) -> np.ndarray:
    """Mean of the prompts' embeddings, re-normalized (CLIP's prompt ensembling)."""
    vectors = text_encoder.encode_texts(list(prompts))
    mean = vectors.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


@dataclass
class _Scorer:
    """One side (labels or categories): prompt groups scored by their max, per-row background exclusions."""

    names: list[str]
    thresholds: np.ndarray  # (L,) confidence thresholds
    groups: np.ndarray  # (G, D) prompt embeddings; a label's score is the max over its groups
    group_owner: np.ndarray  # (G,) row of the label each group belongs to
    has_prompt: np.ndarray  # (L,) bool
    excluded: np.ndarray  # (L, W) background words each row does not compete with
    priors: np.ndarray  # (L, D) unit direction of each row's prompts (zero without a prompt): learning's prior
    level_k: float = calibration.LEVEL_K
    safe: list[np.ndarray] = field(default_factory=list)  # per row: (S, D) prompts it must also beat (categories)
    learned: dict[str, LearnedModel] = field(default_factory=dict)
    references: list[Reference] | None = None  # per row: the library's level of the words it competes with
    own: list[Reference | None] | None = None  # per row: the row's own prompt scores over the library, split in two
    own_references: list[Reference] | None = None  # per row: the library's level of its OWN_RANK-th rival word
    rank: int = 0  # everyday words a row may lose to on one photo (calibration.TAG_RANK for labels)
    stands_alone: bool = False  # labels: standing out from its own scores is a second way in (calibration.py)
    sigmoid: tuple[float, float] | None = None  # SigLIP's (scale, bias): its own probability is a second way in
    kinds: list[tuple[str, ...] | None] | None = None  # per row: its kinds of everyday word (calibration.kinds_of);
    # None: no kind contest (a label with its own prompts: the everyday words are not written like them)
    kind_references: list[Reference | None] | None = None  # per row: the library's level of its best same-kind rival
    kind_matrix: np.ndarray | None = None  # (W, D) the everyday words written as the labels are (calibration.templated)
    agreed: list[bool] | None = None  # per row: its own split decides alone (calibration.agrees)
    one_kind: list[bool] | None = None  # categories: per row, its contrast is of one kind (calibration.one_kind)
    named: list[tuple[np.ndarray, np.ndarray]] | None = None  # per row: the everyday words its unsafe and safe name
    contrast_splits: list[Reference | None] | None = None  # per such row: its contrast over the library, split in two

    def row_reference(self, row: int, ref: Reference) -> Reference:
        return self.references[row] if self.references is not None else ref

    def rival(self, row: int, embeddings: np.ndarray, top, with_safe: bool = True) -> np.ndarray:
        """Per photo, the best cosine among what this row competes with: background words it does not name
        (and, for a category, its safe prompts)."""
        value = calibration.competitor(top[0], top[1], self.excluded[row], self.rank)
        if with_safe and row < len(self.safe) and len(self.safe[row]) and not calibration.SAFE_CONTRAST:
            value = np.maximum(value, (embeddings @ self.safe[row].T).max(axis=1))
        return value

    def contrast(self, row: int, embeddings: np.ndarray, scores: np.ndarray) -> np.ndarray | None:
        """A category's unsafe score over its best safe prompt, less the margin it must clear (None: no safe
        prompts, or a label)."""
        if not calibration.SAFE_CONTRAST or row >= len(self.safe) or not len(self.safe[row]):
            return None
        return scores - (embeddings @ self.safe[row].T).max(axis=1) - calibration.SAFE_MARGIN

    def calibrated(self, library: np.ndarray, bg: Background) -> _Scorer:
        """Each row's level from its own background rivals over the library: a library full of dogs does not
        make "dog" unreachable because "dog" is also an everyday word (its own words are not its rivals). A
        category's safe prompts are left out of its level: they describe most of a library by design."""
        if len(library) < calibration.MIN_PHOTOS:
            return replace(
                self,
                references=None,
                own=None,
                own_references=None,
                kind_references=None,
                agreed=None,
                contrast_splits=None,
            )
        top = calibration.background_top(library, bg)
        own = self.prompt_scores(library)
        rows = range(len(self.names))
        kind_references: list[Reference | None] | None = None
        if self.kinds is not None and (self.stands_alone or calibration.CONTRAST_DECIDES):
            tops = calibration.kind_top(library, bg, self.kind_names(), self.kind_matrix, self.excluded)
            kind_references = [
                calibration.reference_of(self.kind_rival(row, tops), len(library))
                if self.kinds[row] is not None
                else None
                for row in rows
            ]
        splits = (
            [calibration.split_of(own[:, row], len(library)) if self.has_prompt[row] else None for row in rows]
            if self.stands_alone or self.safe
            else None
        )
        agreed = None
        if self.stands_alone and calibration.USE_SPLIT and kind_references is not None and splits is not None:
            agreed = [
                (split := splits[row]) is not None
                and (kind_reference := kind_references[row]) is not None
                and calibration.distinct(self.excluded[row])
                and calibration.agrees(own[:, row], split, self.kind_rival(row, tops), kind_reference)
                for row in rows
            ]
        contrast_splits = None
        if (
            self.one_kind is not None
            and splits is not None
            and calibration.USE_USER_CONTRAST
            and len(library) >= calibration.SPLIT_PHOTOS
        ):
            contrast_splits = [self.contrast_split(row, library, own[:, row], splits[row], bg) for row in rows]
        return replace(
            self,
            kind_references=kind_references,
            agreed=agreed,
            contrast_splits=contrast_splits,
            references=[calibration.reference_of(self.rival(row, library, top, False), len(library)) for row in rows],
            own=splits,
            own_references=[calibration.reference_of(self.own_rival(row, top), len(library)) for row in rows]
            if self.stands_alone
            else None,
        )

    def contrast_split(
        self, row: int, library: np.ndarray, own: np.ndarray, split: Reference | None, bg: Background
    ) -> Reference | None:
        """A category's contrast over the library, split in two, where the user's contrast decides for it (its
        contrast is of one kind, the model knows it and reads it as written: calibration.contrast_agrees)."""
        if self.one_kind is None or self.named is None or split is None:
            return None
        if not (self.one_kind[row] and self.has_prompt[row]):
            return None
        if not calibration.distinct(self.excluded[row]):
            return None
        contrast = self.contrast(row, library, own)
        if contrast is None:
            return None
        matrix = bg.matrix if self.kind_matrix is None else self.kind_matrix
        unsafe, safe = self.named[row]
        named = (library @ matrix[unsafe].T).max(axis=1) - (library @ matrix[safe].T).max(axis=1)
        ref = calibration.split_of(contrast, len(library))
        return ref if calibration.contrast_agrees(own, contrast, named, split, ref) else None

    def kind_names(self) -> set[str]:
        return {k for kinds in self.kinds or () if kinds is not None for k in (*kinds, calibration.GENERIC)}

    def kind_rival(self, row: int, tops: dict) -> np.ndarray:
        """Per photo, the best cosine among the everyday words of this row's kinds that it does not name."""
        kinds = self.kinds[row] if self.kinds is not None else None
        return calibration.kind_rival(tops, kinds or (), self.excluded[row])

    def own_rival(self, row: int, top) -> np.ndarray:
        return calibration.competitor(top[0], top[1], self.excluded[row], calibration.OWN_RANK)

    def prompt_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """(N, L) best cosine over each row's prompts (-1 without a prompt)."""
        out = np.full((len(embeddings), len(self.names)), -1.0, np.float32)
        if len(self.groups):
            sims = embeddings @ self.groups.T
            for row in range(len(self.names)):
                cols = np.nonzero(self.group_owner == row)[0]
                if len(cols):
                    out[:, row] = sims[:, cols].max(axis=1)
        return out

    def confidences(
        self, embeddings: np.ndarray, bg: Background, ref: Reference, use_learned: bool = True, top=None
    ) -> tuple[np.ndarray, list[str]]:
        """(N, L) confidences and each row's source. `top`: calibration.background_top of these embeddings,
        when the caller has it already."""
        n = len(embeddings)
        conf = np.zeros((n, len(self.names)), np.float32)
        sources = [PROMPT] * len(self.names)
        if not len(self.names) or not n:
            return conf, sources
        scores = self.prompt_scores(embeddings)
        top_vals, top_idx = top if top is not None else calibration.background_top(embeddings, bg)
        kind_tops = (
            calibration.kind_top(embeddings, bg, self.kind_names(), self.kind_matrix, self.excluded)
            if self.kind_references is not None and calibration.USE_KIND
            else None
        )
        for row, name in enumerate(self.names):
            model = self.learned.get(name) if use_learned else None
            if model is not None:
                conf[:, row] = 1.0 / (1.0 + np.exp(-np.clip(embeddings @ model.weights + model.bias, -30, 30)))
                sources[row] = LEARNED
            elif (
                self.has_prompt[row]
                and calibration.CONTRAST_DECIDES
                and (contrast := self.contrast(row, embeddings, scores[:, row])) is not None
            ):
                # two ways in, for a category the model knows (`distinct`): the everyday-word rule below, or its
                # own contrast when the photo also stands out from the category's kind (rivals in its own form)
                conf[:, row] = calibration.confidence(
                    scores[:, row],
                    self.rival(row, embeddings, (top_vals, top_idx)),
                    self.row_reference(row, ref),
                    self.level_k,
                    contrast=contrast,
                )
                kind_ref = self.kind_references[row] if self.kind_references is not None else None
                if kind_tops is not None and kind_ref is not None:
                    conf[:, row] = np.maximum(
                        conf[:, row],
                        np.minimum(
                            calibration.contrasted(
                                scores[:, row],
                                contrast,
                                self.own[row] if self.own is not None else None,
                                self.row_reference(row, ref).spread,
                            ),
                            calibration.in_kind(
                                scores[:, row],
                                self.kind_rival(row, kind_tops),
                                kind_ref,
                                calibration.CATEGORY_KIND_MARGIN,
                            ),
                        ),
                    )
                split = self.contrast_splits[row] if self.contrast_splits is not None else None
                own_split = self.own[row] if self.own is not None else None
                if split is not None and own_split is not None:
                    conf[:, row] = np.maximum(
                        conf[:, row], calibration.contrast_decides(scores[:, row], contrast, own_split, split)
                    )
                if not calibration.distinct(self.excluded[row]):
                    conf[:, row] = 0.0
            elif self.has_prompt[row]:
                rival = self.rival(row, embeddings, (top_vals, top_idx))
                conf[:, row] = calibration.confidence(
                    scores[:, row],
                    rival,
                    self.row_reference(row, ref),
                    self.level_k,
                    contrast=self.contrast(row, embeddings, scores[:, row]),
                )
                own = self.own[row] if self.own is not None else None  # None: a row without a prompt
                if self.stands_alone and own is not None and self.own_references is not None and calibration.USE_OWN:
                    conf[:, row] = np.maximum(
                        conf[:, row],
                        calibration.standing_out(
                            scores[:, row],
                            own,
                            self.own_rival(row, (top_vals, top_idx)),
                            self.own_references[row],
                            self.row_reference(row, ref).spread,
                        ),
                    )
                kind_ref = self.kind_references[row] if self.kind_references is not None else None
                if (
                    self.stands_alone
                    and kind_tops is not None
                    and kind_ref is not None
                    and calibration.distinct(self.excluded[row])
                ):
                    conf[:, row] = np.maximum(
                        conf[:, row], calibration.in_kind(scores[:, row], self.kind_rival(row, kind_tops), kind_ref)
                    )
                if calibration.USE_SPLIT and self.agreed is not None and self.agreed[row] and own is not None:
                    conf[:, row] = np.maximum(conf[:, row], calibration.split_decides(scores[:, row], own))
                if self.sigmoid is not None:
                    conf[:, row] = np.maximum(
                        conf[:, row], calibration.model_probability(scores[:, row], *self.sigmoid)
                    )
        return conf, sources

    def prior(self, row: int, ref: Reference) -> tuple[np.ndarray, float] | None:
        """The prompt's decision as a linear model (without the background rival): learning starts from it."""
        if not self.has_prompt[row]:
            return None
        ref = self.row_reference(row, ref)
        slope = calibration.SHARPNESS / ref.spread
        return slope * self.priors[row], -slope * (ref.level + self.level_k * ref.spread)


@dataclass
class PreparedLabels:
    """Label and moderation embeddings for one label set and one model, ready for matrix products; the library
    reference and the learned models are attached by `calibrated` and core/training.py."""

    labels: _Scorer
    categories: _Scorer
    max_tags: int
    background: Background
    reference: Reference = field(default_factory=Reference)

    @property
    def names(self) -> list[str]:
        return self.labels.names


def _scorer(names, thresholds, vectors, text_encoder, bg, level_k, safe_lists=None) -> _Scorer:
    dim = text_encoder.embedding_dim
    groups = np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32)
    owner = (
        np.concatenate([np.full(len(v), i) for i, v in enumerate(vectors)]).astype(int) if vectors else np.zeros(0, int)
    )
    priors = np.zeros((len(names), dim), np.float32)
    for i, v in enumerate(vectors):
        if len(v):
            mean = v.mean(axis=0)
            priors[i] = mean / max(np.linalg.norm(mean), 1e-9)
    safe = [text_encoder.encode_texts(list(s)) for s in safe_lists] if safe_lists else []
    return _Scorer(
        list(names),
        np.asarray(thresholds, np.float32),
        groups.astype(np.float32),
        owner,
        np.array([len(v) > 0 for v in vectors], bool),
        calibration.exclusions(bg, list(names), vectors),
        priors,
        level_k,
        safe,
    )


def prepare(
    labels: LabelSet,
    text_encoder: TextEncoder,
    logit_scale: float | None = None,
    bg: Background | None = None,
    sigmoid: tuple[float, float] | None = None,
) -> PreparedLabels:
    """Embed every enabled label's prompts (templates filled with the name when it has none; a label defined by
    examples alone has no prompt) and every enabled category's unsafe and safe prompts. `logit_scale` is
    accepted for callers of the old softmax rule and unused. `sigmoid`: a SigLIP model's (scale, bias)
    (InstalledModel.sigmoid), whose probability also lets a label in; categories keep their safe-prompt contest."""
    bg = bg or calibration.background(text_encoder)
    enabled = labels.enabled_labels
    vectors = [_label_vectors(labels, label, text_encoder) for label in enabled]
    label_side = _scorer(
        [label.name for label in enabled],
        [labels.threshold_for(label) for label in enabled],
        vectors,
        text_encoder,
        bg,
        calibration.LEVEL_K,
    )
    label_side.kinds = [
        None if label.prompts or not len(v) else calibration.kinds_of(bg, label.name, v)
        for label, v in zip(enabled, vectors)
    ]
    if calibration.USE_KIND and any(not label.prompts for label in enabled):
        label_side.kind_matrix = calibration.templated(bg, text_encoder, labels.templates)
    label_side.sigmoid = sigmoid
    label_side.rank, label_side.stands_alone = calibration.TAG_RANK, True
    cats = [c for c in labels.moderation if c.enabled]
    unsafe = [text_encoder.encode_texts(list(c.unsafe)) for c in cats]
    category_side = _scorer(
        [c.name for c in cats],
        [c.threshold for c in cats],
        unsafe,
        text_encoder,
        bg,
        calibration.FLAG_LEVEL_K,
        [c.safe for c in cats],
    )
    named = [calibration.named_words(bg, c.unsafe) for c in cats]  # what each category's prompts show
    category_side.excluded |= calibration.exclusions(bg, named, [np.zeros((0, 1))] * len(cats))
    category_side.kinds = [calibration.kinds_of(bg, n, v) for n, v in zip(named, unsafe)]
    category_side.one_kind = [calibration.one_kind(bg, c.unsafe, c.safe) for c in cats]
    category_side.named = [
        (calibration.named_indexes(bg, c.unsafe), calibration.named_indexes(bg, c.safe)) for c in cats
    ]
    if calibration.CONTRAST_DECIDES and cats:  # their kind rivals written as the categories' prompts are
        category_side.kind_matrix = calibration.templated(
            bg, text_encoder, calibration.form_of(tuple(p for c in cats for p in c.unsafe))
        )
    return PreparedLabels(label_side, category_side, labels.max_tags, bg)


def _label_vectors(labels: LabelSet, label, text_encoder: TextEncoder) -> np.ndarray:
    """A label's own prompts each stand alone (a label may cover several things: its score is the best of them);
    the filled-in templates are one ensemble (CLIP's prompt ensembling); a label defined by examples has none."""
    if getattr(label, "examples_only", False):
        return np.zeros((0, text_encoder.embedding_dim), np.float32)
    if label.prompts:
        return text_encoder.encode_texts(list(label.prompts))
    return ensemble(text_encoder, labels.prompts_for(label))[None]


def calibrated(prepared: PreparedLabels, library: np.ndarray) -> PreparedLabels:
    """The same labels measured against this library's background level (from its stored embeddings)."""
    library = np.asarray(library, np.float32)
    return replace(
        prepared,
        reference=calibration.reference(library, prepared.background),
        labels=prepared.labels.calibrated(library, prepared.background),
        categories=prepared.categories.calibrated(library, prepared.background),
    )


def scores(embeddings: np.ndarray, prepared: PreparedLabels, use_learned: bool = True):
    """(label confidences (N, L), label sources, flag confidences (N, C), flag sources). Labels never measured
    against a library (a new one's first photos) are measured against these photos when there are enough."""
    if not prepared.reference.photos and len(embeddings) >= calibration.MIN_PHOTOS:
        prepared = calibrated(prepared, embeddings)
    top = calibration.background_top(embeddings, prepared.background) if len(embeddings) else None
    labels, label_sources = prepared.labels.confidences(
        embeddings, prepared.background, prepared.reference, use_learned, top
    )
    flags, flag_sources = prepared.categories.confidences(
        embeddings, prepared.background, prepared.reference, use_learned, top
    )
    return labels, label_sources, flags, flag_sources


def decide(embeddings: np.ndarray, prepared: PreparedLabels) -> list[TagDecision]:
    """Each label whose confidence reaches its threshold, best first, at most max_tags; each category whose
    confidence reaches its threshold."""
    label_conf, label_sources, flag_conf, flag_sources = scores(np.asarray(embeddings, np.float32), prepared)
    tags = _passing(label_conf, prepared.labels.thresholds, prepared.labels.names, label_sources, prepared.max_tags)
    flags = _passing(flag_conf, prepared.categories.thresholds, prepared.categories.names, flag_sources, None)
    return [TagDecision(t[0], f[0], t[1], f[1]) for t, f in zip(tags, flags)]


def _passing(
    conf: np.ndarray, thresholds: np.ndarray, names: list[str], sources: list[str], limit: int | None
) -> list[tuple[tuple, tuple]]:
    """Per photo: ((name, confidence) best first, sources), only the pairs that pass (one pass over the hits)."""
    out: list[tuple[tuple, tuple]] = [((), ())] * len(conf)
    rows, cols = np.nonzero(conf >= thresholds)
    if not len(rows):
        return out
    values = conf[rows, cols]
    order = np.lexsort((-values, rows))
    rows, cols, values = rows[order], cols[order], np.round(values[order].astype(np.float64), 4)
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    for start, end in zip(starts, np.r_[starts[1:], len(rows)]):
        end = end if limit is None else min(end, start + limit)
        picked = cols[start:end].tolist()
        out[rows[start]] = (
            tuple(zip((names[c] for c in picked), values[start:end].tolist())),
            tuple(sources[c] for c in picked),
        )
    return out
