"""What a label edit would do, before it is saved: how many photos would gain and lose the tag, and what it does
to the other labels and categories through the shared reference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photo_tagger.core.ports import Catalog
from photo_tagger.core.retagging import trained_on_library
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import EffectiveTags, PreparedLabels, decide, scores


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


@dataclass(frozen=True)
class SideEffects:
    """What an edit does to the tags and flags it was not about, through the library's shared reference and the
    learned models: name -> number of photos that would gain / lose it."""

    tags_gained: dict[str, int]
    tags_lost: dict[str, int]
    flags_gained: dict[str, int]
    flags_lost: dict[str, int]

    def __bool__(self) -> bool:
        return any((self.tags_gained, self.tags_lost, self.flags_gained, self.flags_lost))

    def describe(self) -> str:
        """ "also changes: 3 photos lose 'beach', 1 gains 'sunset'", or "" when nothing else moves."""
        parts = [f"{_photos(n)} {_verb('lose', n)} {name!r}" for name, n in sorted(self.tags_lost.items())]
        parts += [f"{_photos(n)} {_verb('gain', n)} {name!r}" for name, n in sorted(self.tags_gained.items())]
        parts += [f"{_photos(n)} newly flagged {name!r}" for name, n in sorted(self.flags_gained.items())]
        parts += [f"{_photos(n)} no longer flagged {name!r}" for name, n in sorted(self.flags_lost.items())]
        return "also changes: " + ", ".join(parts) if parts else ""


def _photos(n: int) -> str:
    return f"{n} photo{'s' if n != 1 else ''}"


def _verb(verb: str, n: int) -> str:
    return verb if n != 1 else f"{verb}s"


def side_effects(before: dict, after: dict, edited: set[str]) -> SideEffects:
    """Compare two {photo id: EffectiveTags} maps, leaving out the names in `edited` (the change asked for)."""
    counts: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
    empty = EffectiveTags((), ())
    for photo_id in before.keys() | after.keys():
        old, new = before.get(photo_id, empty), after.get(photo_id, empty)
        for kind, (gained, lost) in (("tags", counts[:2]), ("flags", counts[2:])):
            was, now = set(getattr(old, kind)), set(getattr(new, kind))
            for name in now - was - edited:
                gained[name] = gained.get(name, 0) + 1
            for name in was - now - edited:
                lost[name] = lost.get(name, 0) + 1
    return SideEffects(*counts)


def stored_tags(catalog: Catalog, ids: list[str]) -> dict:
    """{photo id: EffectiveTags} as the catalog holds them now (the user's choices applied)."""
    return photo_tags(catalog, ids)


def edit_side_effects(
    catalog: Catalog, model_name: str, prepared_after: PreparedLabels, edited: set[str]
) -> SideEffects:
    """What saving the labels `prepared_after` stands for would do to every other label and category: each
    photo's tags and flags as stored against what a retag with the new labels (calibrated and trained on this
    library) would give. From stored embeddings only; writes nothing."""
    ids = catalog.filter_ids(model_name)
    _, all_ids, matrix = catalog.vectors_since(model_name, 0)
    if matrix is None or not ids:
        return SideEffects({}, {}, {}, {})
    wanted = set(ids)
    rows = [k for k, i in enumerate(all_ids) if i in wanted]
    all_ids, matrix = [all_ids[k] for k in rows], np.asarray(matrix[rows], np.float32)
    trained, _ = trained_on_library(prepared_after, catalog, model_name, (all_ids, matrix))  # as a retag
    after = photo_tags(catalog, all_ids, decisions=dict(zip(all_ids, decide(matrix, trained))))
    return side_effects(stored_tags(catalog, all_ids), after, edited)
