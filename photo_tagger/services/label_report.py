"""What each label does now: its photos, what decides it (prompt, your examples, or both) and, for one that tags
nothing or nearly everything, why and what to do; and what a label edit would do to the other labels. One place
for `labels list`, the labels editor and its preview (from stored embeddings: no image is read)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from photo_tagger.core import learning
from photo_tagger.core.dry_run import SideEffects, edit_side_effects, label_change, side_effects, stored_tags
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.ports import Catalog
from photo_tagger.core.tagging import scores
from photo_tagger.core.training import train

if TYPE_CHECKING:
    from photo_tagger.services.labels import LabelModels

PROMPT, EXAMPLES, BOTH, NOTHING = "prompt", "examples", "both", "nothing"
NEARLY_ALL = 0.8  # a label on at least this share of the library is too general to help find anything
MIN_LIBRARY = 10  # photos below which "nearly all" says nothing (3 of 3 photos may all be beaches)
PROMPT_OVERRULED = "your examples decide: the prompt does not match what you chose"


@dataclass(frozen=True)
class LabelState:
    name: str
    enabled: bool
    photos: int  # photos that carry it now (automatic and yours, less those you removed it from)
    examples: int  # photos you added it to or removed it from
    decides: str  # PROMPT, EXAMPLES, BOTH or NOTHING
    decided_by: str  # the same in words, as the labels page and `labels list` say it
    guidance: str = ""  # why it tags nothing or nearly everything, and what to do; "" when it is fine


class LabelReportService:
    """What each label does now, and what an edit of the labels would do to the others (stored embeddings only)."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        labels: Callable[[], LabelSet],
        model_key: Callable[[], str],
        label_models: LabelModels,
    ) -> None:
        self._catalog = catalog
        self._labels = labels
        self._model_key = model_key
        self._label_models = label_models

    def label_report(self) -> tuple[list[LabelState], int]:
        """Every label's state (in labels.toml's order) and the number of indexed photos."""
        catalog = self._catalog
        labels = self._labels()
        model = self._model_key()
        ids = catalog.filter_ids(model)
        counts = catalog.tag_counts()
        rows, _ = catalog.all_choices()
        examples: dict[str, int] = {}
        for _, name, _ in rows:
            examples[name] = examples.get(name, 0) + 1
        learned, best = {}, {}
        if ids and rows:  # learning needs the labels' text embeddings (the model); a plain listing does not
            _, all_ids, matrix = catalog.vectors_since(model, 0)
            if matrix is not None:
                wanted = set(ids)
                keep = [k for k, i in enumerate(all_ids) if i in wanted]
                library = ([all_ids[k] for k in keep], np.asarray(matrix[keep], np.float32))
                trained, _ = train(self._label_models.prepared(), catalog, model, ids, library)
                learned = trained.labels.learned
                conf = scores(library[1], trained)[0]
                best = {name: float(conf[:, col].max()) for col, name in enumerate(trained.labels.names)}
        states = [
            _state(
                labels,
                label,
                counts.get(label.name, 0),
                examples.get(label.name, 0),
                learned.get(label.name),
                best.get(label.name),
                len(ids),
            )
            for label in labels.labels
        ]
        return states, len(ids)

    def side_effects_of(self, labels: LabelSet) -> SideEffects:
        """What saving `labels` would do to the labels and categories the edit is not about."""
        prepared = self._label_models.prepare(labels)
        return edit_side_effects(self._catalog, self._model_key(), prepared, edited_names(self._labels(), labels))

    def edit_preview(self, labels: LabelSet, name: str) -> str:
        """The labels editor's preview: what saving `labels` would do to label `name`, then to every other label
        and category ("also changes: 3 photos lose 'beach', ...")."""
        prepared = self._label_models.prepare(labels)
        change = label_change(self._catalog, self._model_key(), prepared, name)
        line = (
            f"{name!r}: {len(change.gain)} photos would gain it, {len(change.lose)} would lose it "
            f"({change.total} would have it)"
        )
        others = edit_side_effects(self._catalog, self._model_key(), prepared, edited_names(self._labels(), labels))
        return f"{line}; {others.describe()}" if others else f"{line}; no other label or flag changes"

    def tags_now(self) -> dict:
        """Every indexed photo's tags and flags as stored: compare with changes_since after an edit."""
        return stored_tags(self._catalog, self._catalog.filter_ids(self._model_key()))

    def changes_since(self, before: dict, edited: set[str]) -> SideEffects:
        """What an edit saved since `before` (tags_now) did to the labels and categories it was not about."""
        return side_effects(before, self.tags_now(), edited)


def _state(
    labels: LabelSet, label: Label, photos: int, examples: int, model, best: float | None, library: int
) -> LabelState:
    if label.examples_only:
        decides = EXAMPLES if model is not None else NOTHING
        words = f"your {examples} examples" if model is not None else f"no prompt: needs examples ({examples} so far)"
    elif model is None:
        decides, words = PROMPT, "prompt"
    elif model.examples_alone:
        decides, words = EXAMPLES, PROMPT_OVERRULED
    else:
        decides, words = BOTH, f"prompt + your {examples} examples"
    guidance = _guidance(labels, label, photos, decides, best, library) if label.enabled else ""
    return LabelState(label.name, label.enabled, photos, examples, decides, words, guidance)


def _guidance(labels: LabelSet, label: Label, photos: int, decides: str, best: float | None, library: int) -> str:
    if not library:
        return ""
    threshold = labels.threshold_for(label)
    if photos == 0:
        if decides == NOTHING:
            return f"tags no photo: it has no prompt — add it to at least {learning.MIN_POSITIVES} photos to teach it"
        if decides == PROMPT:
            prompt = " | ".join(label.prompts) if label.prompts else labels.prompts_for(label)[0]
            reach = f" (its best photo reaches {best:.2f}, it needs {threshold:.2f})" if best is not None else ""
            return (
                f"tags no photo: the model ranks no photo clearly above the rest for {prompt!r}{reach} — add "
                f"a few photos to it to teach it, or reword the prompt"
            )
        return (
            "tags no photo: your examples do not set any other photo apart — add it to a few more photos "
            "it fits, or remove it from some it does not"
        )
    share = photos / library
    if library >= MIN_LIBRARY and share >= NEARLY_ALL:
        how = (
            "reword the prompt to name what sets these photos apart, raise its threshold"
            if decides in (PROMPT, BOTH)
            else "raise its threshold"
        )
        return (
            f"tags {share:.0%} of photos: too general to help find anything — {how}, or remove it from a "
            f"few photos it does not fit to teach it"
        )
    return ""


def edited_names(before: LabelSet, after: LabelSet) -> set[str]:
    """Labels and categories an edit is about: added, removed, renamed or changed."""

    def by_name(labels: LabelSet) -> dict:
        return {
            **{("label", label.name): label for label in labels.labels},
            **{("cat", c.name): c for c in labels.moderation},
        }

    old, new = by_name(before), by_name(after)
    names = {key[1] for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
    if before.threshold != after.threshold:  # the default threshold is part of every label that uses it
        names |= {label.name for label in after.labels if label.threshold is None}
    if before.max_tags != after.max_tags:  # so is the number of tags a photo may carry
        names |= {label.name for label in after.labels}
    return names
