"""Where a photo's tags come from, and the one place they are combined into its effective tags and flags.

Each source implements TagSource (base.py): given what is known of a batch of photos (TagInputs: the automatic
decisions, the user's choices, keywords read in this index run, the catalog), it says per photo what it
contributes (Contribution: tags, flags, tags it removes, whether it clears the flags). `effective_tags` folds the
registered SOURCES in order, so a later source overrides the earlier ones: the user's choices come last and always
win. Every caller asks here (photo_tags for what the catalog holds) instead of combining on its own.

To add a source (people, events, albums as tags): write one module here with a class that has a `name` and
`contributions(inputs, ids)` (read what it keeps through `inputs.catalog`, once per batch), and register an
instance in SOURCES below, before YourChoices (a tag the user removed stays removed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from photo_tagger.core.tag_sources.base import Contribution, TagInputs, TagSource, fold
from photo_tagger.core.tag_sources.imported import ImportedKeywords
from photo_tagger.core.tag_sources.learned import LearnedLabels
from photo_tagger.core.tag_sources.prompt import PromptLabels
from photo_tagger.core.tag_sources.user import YourChoices
from photo_tagger.core.tagging import EffectiveTags, TagDecision, UserChoices

SOURCES: tuple[TagSource, ...] = (PromptLabels(), LearnedLabels(), ImportedKeywords(), YourChoices())

__all__ = [
    "SOURCES",
    "Contribution",
    "ImportedKeywords",
    "LearnedLabels",
    "PromptLabels",
    "TagInputs",
    "TagSource",
    "YourChoices",
    "effective_one",
    "effective_tags",
    "photo_tags",
]


def effective_tags(
    inputs: TagInputs, ids: Sequence[str], sources: Sequence[TagSource] = SOURCES
) -> dict[str, EffectiveTags]:
    """Each photo's effective tags and flags: every source's contribution, folded in order."""
    ids = list(ids)
    parts = [part for part in (source.contributions(inputs, ids) for source in sources) if part]
    nothing = EffectiveTags((), ())
    out = {}
    for i in ids:
        said = [part[i] for part in parts if i in part]
        out[i] = fold(said) if said else nothing
    return out


def photo_tags(
    catalog,
    ids: Sequence[str],
    *,
    decisions: Mapping[str, TagDecision] | None = None,
    choices: Mapping[str, UserChoices] | None = None,
) -> dict[str, EffectiveTags]:
    """Effective tags of photos as the catalog holds them; `decisions` / `choices` given: those instead of the
    stored ones (fresh decisions not written yet)."""
    ids = list(ids)
    return effective_tags(
        TagInputs(
            catalog.decisions(ids) if decisions is None else decisions,
            catalog.choices(ids) if choices is None else choices,
            catalog=catalog,
        ),
        ids,
    )


def effective_one(decision: TagDecision, choice: UserChoices | None) -> EffectiveTags:
    """One photo's effective tags from its decision and choices (no catalog)."""
    return effective_tags(TagInputs({"": decision}, {"": choice} if choice is not None else {}), [""])[""]
