"""Imported keywords: keywords already in a photo's metadata (XMP, IPTC, a sidecar) become its tags when it is
indexed (core/keywords.py decides which); the index run then stores them as the user's own."""

from __future__ import annotations

from photo_tagger.core.keywords import imported_tags
from photo_tagger.core.tag_sources.base import Contribution


class ImportedKeywords:
    name = "imported"

    def contributions(self, inputs, ids):
        out = {}
        for i in ids:
            if keywords := inputs.keywords.get(i):
                if tags := imported_tags(keywords, inputs.choices.get(i), inputs.labels):
                    out[i] = Contribution(tuple(tags))
        return out
