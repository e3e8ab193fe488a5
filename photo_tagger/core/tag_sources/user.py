"""The user's choices: tags added and removed, and "not sensitive"; last in the fold, so they always win."""

from __future__ import annotations

from photo_tagger.core.tag_sources.base import Contribution


class YourChoices:
    name = "you"

    def contributions(self, inputs, ids):
        out = {}
        for i in ids:
            choice = inputs.choices.get(i)
            if choice is not None and (choice.added or choice.removed or choice.not_sensitive):
                out[i] = Contribution(tuple(choice.added), (), choice.removed, choice.not_sensitive)
        return out
