"""Learned labels: the tags and flags a classifier fitted on the user's choices decided (core/training.py)."""

from __future__ import annotations

from photo_tagger.core.tag_sources.base import Contribution
from photo_tagger.core.tag_sources.prompt import names_from
from photo_tagger.core.tagging import LEARNED


class LearnedLabels:
    name = "learned"

    def contributions(self, inputs, ids):
        out = {}
        decisions = inputs.decisions
        for i in ids:
            decision = decisions.get(i)
            if decision is None or not (LEARNED in decision.tag_sources or LEARNED in decision.flag_sources):
                continue
            out[i] = Contribution(
                names_from(decision.tags, decision.tag_sources, learned=True),
                names_from(decision.flags, decision.flag_sources, learned=True),
            )
        return out
