"""The one interface of a source of tags (TagSource), what it says about a photo (Contribution), and the fold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from photo_tagger.core.tagging import EffectiveTags, TagDecision, UserChoices

NOTHING: frozenset[str] = frozenset()


class Contribution(NamedTuple):
    """What one source says about one photo. Sources are folded in order (see the package's docstring): `removes`
    takes tags off whatever the sources before it gave, `clears_flags` drops their flags ("not sensitive")."""

    tags: Sequence[str] = ()
    flags: Sequence[str] = ()
    removes: frozenset[str] = NOTHING
    clears_flags: bool = False


@dataclass(frozen=True)
class TagInputs:
    """What is known of a batch of photos when their tags are combined: stored or freshly made."""

    decisions: Mapping[str, TagDecision] = field(default_factory=dict)  # the automatic ones (core/tagging.py)
    choices: Mapping[str, UserChoices] = field(default_factory=dict)  # the user's, as stored
    keywords: Mapping[str, Sequence[str]] = field(default_factory=dict)  # read from photos in this index run
    labels: Sequence[str] = ()  # the label names (an imported keyword takes its label's spelling)
    catalog: object | None = None  # core/ports.Catalog, for a source that keeps its own table


class TagSource(Protocol):
    """A source of tags: per photo of `ids`, what it contributes (photos it says nothing about left out)."""

    name: str

    def contributions(self, inputs: TagInputs, ids: Sequence[str]) -> Mapping[str, Contribution]: ...


def fold(said: Sequence[Contribution]) -> EffectiveTags:
    """One photo's effective tags and flags from what the sources said about it, in the sources' order."""
    if len(said) == 1 and not said[0].removes:  # one source alone (most photos): nothing to override
        return EffectiveTags(tuple(sorted(set(said[0].tags))), tuple(sorted(set(said[0].flags))))
    tags: set[str] = set()
    flags: set[str] = set()
    for contribution in said:
        tags.update(contribution.tags)
        if contribution.removes:
            tags.difference_update(contribution.removes)
        if contribution.clears_flags:
            flags.clear()
        flags.update(contribution.flags)
    return EffectiveTags(tuple(sorted(tags)), tuple(sorted(flags)))
