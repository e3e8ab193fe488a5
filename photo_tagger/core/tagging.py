"""Zero-shot tags and moderation flags from stored image embeddings (no image is decoded here)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from photo_tagger.core.labels import LabelSet
from photo_tagger.core.ports import TextEncoder


@dataclass(frozen=True)
class TagDecision:
    """The automatic result for one photo: tags and flags with their probabilities."""

    tags: tuple[tuple[str, float], ...] = ()
    flags: tuple[tuple[str, float], ...] = ()


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
    choices = choices or UserChoices()
    tags = {name for name, _ in decision.tags} | choices.added
    tags -= choices.removed
    flags = () if choices.not_sensitive else tuple(sorted(name for name, _ in decision.flags))
    return EffectiveTags(tuple(sorted(tags)), flags)


def ensemble(text_encoder: TextEncoder, prompts: tuple[str, ...]) -> np.ndarray:
    """Mean of the prompts' embeddings, re-normalized (CLIP's prompt ensembling)."""
    vectors = text_encoder.encode_texts(list(prompts))
    mean = vectors.mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class PreparedLabels:
    """Label and moderation embeddings for one label set and one model, ready for matrix products."""

    names: list[str]
    thresholds: np.ndarray
    matrix: np.ndarray  # (L, D)
    max_tags: int
    logit_scale: float
    categories: list[tuple[str, float, np.ndarray, int]] = field(default_factory=list)  # name, threshold, (P, D), n_unsafe
    best_threshold: float = 0.0  # a photo whose best label's probability is lower gets no tags


def prepare(labels: LabelSet, text_encoder: TextEncoder, logit_scale: float) -> PreparedLabels:
    enabled = labels.enabled_labels
    dim = text_encoder.embedding_dim
    matrix = np.stack([ensemble(text_encoder, labels.prompts_for(l)) for l in enabled]) if enabled \
        else np.zeros((0, dim), np.float32)
    prepared = PreparedLabels([l.name for l in enabled], np.array([labels.threshold_for(l) for l in enabled]),
                              matrix, labels.max_tags, logit_scale, best_threshold=labels.best_threshold)
    for category in labels.moderation:
        if category.enabled:
            prompts = text_encoder.encode_texts(list(category.unsafe + category.safe))
            prepared.categories.append((category.name, category.threshold, prompts, len(category.unsafe)))
    return prepared


def decide(embeddings: np.ndarray, prepared: PreparedLabels) -> list[TagDecision]:
    """Tag rule: softmax of logit_scale * cosine over the enabled labels; when the best label's probability
    reaches best_threshold, every label whose probability reaches its own threshold, best first, at most
    max_tags. A moderation category flags a photo when the softmax mass of its unsafe prompts (against its
    safe ones) reaches the category's threshold."""
    n = len(embeddings)
    tags: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    if len(prepared.names):
        probs = softmax(prepared.logit_scale * embeddings @ prepared.matrix.T)
        order = np.argsort(-probs, axis=1)[:, : prepared.max_tags]  # best first
        top = np.take_along_axis(probs, order, axis=1)
        rows, cols = np.nonzero((top >= prepared.thresholds[order]) & (top[:, :1] >= prepared.best_threshold))
        for row, label, p in zip(rows.tolist(), order[rows, cols].tolist(), top[rows, cols].tolist()):
            tags[row].append((prepared.names[label], round(p, 4)))
    flags: list[list[tuple[str, float]]] = [[] for _ in range(n)]
    for name, threshold, prompts, n_unsafe in prepared.categories:
        unsafe = softmax(prepared.logit_scale * embeddings @ prompts.T)[:, :n_unsafe].sum(axis=1)
        for row in np.nonzero(unsafe >= threshold)[0]:
            flags[row].append((name, round(float(unsafe[row]), 4)))
    return [TagDecision(tuple(t), tuple(f)) for t, f in zip(tags, flags)]


def unsafe_scores(embeddings: np.ndarray, prepared: PreparedLabels) -> dict[str, np.ndarray]:
    """Every category's unsafe probability for every photo (for showing scores and tuning thresholds)."""
    return {name: softmax(prepared.logit_scale * embeddings @ prompts.T)[:, :n_unsafe].sum(axis=1)
            for name, _, prompts, n_unsafe in prepared.categories}
