"""Albums and smart albums as values: an album's name rules, and a smart album's saved search (query text, filters,
strong matches only or all)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.filters import Filters
from photo_tagger.core.names import clean_user_name


class AlbumError(PhotoTaggerError):
    """A bad album name or an album that is not there, said in one line."""


@dataclass(frozen=True)
class SavedSearch:
    """What a smart album shows: the photos the search service finds for `query` within `filters`; with
    `strong_only`, only its strong matches (core/grading.py)."""

    query: str
    filters: Filters = Filters()
    strong_only: bool = False

    def filters_json(self) -> str:
        f = self.filters
        values = {
            "folder": f.folder,
            "tag": f.tag,
            "flagged": f.flagged,
            "since": f.since.isoformat() if f.since else None,
            "until": f.until.isoformat() if f.until else None,
        }
        return json.dumps({k: v for k, v in values.items() if v is not None}, sort_keys=True)

    @classmethod
    def of(cls, query: str, filters_json: str, strong_only: bool) -> SavedSearch:
        values = json.loads(filters_json or "{}")
        for key in ("since", "until"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(query, Filters(**values), strong_only)

    def describe(self) -> str:
        parts = [f'"{self.query}"']
        f = self.filters
        parts += [f"in {f.folder}"] if f.folder else []
        parts += [f"tag {f.tag}"] if f.tag else []
        parts += ["flagged"] if f.flagged else []
        parts += [f"since {f.since}"] if f.since else []
        parts += [f"until {f.until}"] if f.until else []
        parts.append("strong matches only" if self.strong_only else "all matches")
        return ", ".join(parts)


@dataclass(frozen=True)
class Album:
    id: int
    name: str
    created_at: float
    count: int  # photos in it (a smart album's: as last computed, 0 until then)
    search: SavedSearch | None = None  # set for a smart album

    @property
    def smart(self) -> bool:
        return self.search is not None

    def as_dict(self) -> dict:
        found: dict[str, object] = {"name": self.name, "kind": "smart" if self.smart else "album", "count": self.count}
        if self.search is not None:
            found["search"] = {
                "query": self.search.query,
                "filters": json.loads(self.search.filters_json()),
                "strong_only": self.search.strong_only,
            }
        return found


def clean_name(name: str) -> str:
    """An album name as stored (NFC, spaces around it trimmed), or an AlbumError saying what is wrong with it."""
    cleaned = clean_user_name(name, "an album", AlbumError)
    if "|" in cleaned:  # the separator of the hierarchical keyword Albums|Name that sidecars carry
        raise AlbumError(f"an album name cannot hold '|': {cleaned}")
    return cleaned
