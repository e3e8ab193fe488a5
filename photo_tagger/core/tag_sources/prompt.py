"""Prompt labels: the tags and flags core/tagging.py decided from the labels' prompts (source "prompt")."""

from __future__ import annotations

from photo_tagger.core.tag_sources.base import Contribution
from photo_tagger.core.tagging import LEARNED


class PromptLabels:
    name = "prompt"

    def contributions(self, inputs, ids):
        out = {}
        decisions = inputs.decisions
        for i in ids:
            decision = decisions.get(i)
            if decision is None or not (decision.tags or decision.flags):
                continue
            if LEARNED in decision.tag_sources or LEARNED in decision.flag_sources:
                tags = names_from(decision.tags, decision.tag_sources, learned=False)
                flags = names_from(decision.flags, decision.flag_sources, learned=False)
                if tags or flags:
                    out[i] = Contribution(tags, flags)
            else:  # the usual case: every one of them from the prompts
                out[i] = Contribution([name for name, _ in decision.tags], [name for name, _ in decision.flags])
        return out


def names_from(scored, sources, *, learned: bool) -> tuple[str, ...]:
    """The names of `scored` ((name, confidence) pairs) whose source is (or is not) "learned"; pairs without a
    recorded source are the prompt's (decisions stored before sources were)."""
    if LEARNED not in sources:
        return () if learned else tuple(name for name, _ in scored)
    return tuple(name for (name, _), source in zip(scored, sources) if (source == LEARNED) == learned) + (
        () if learned else tuple(name for name, _ in scored[len(sources) :])
    )
