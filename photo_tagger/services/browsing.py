"""Browsing: the library's photos in a scope (folder, tag, flagged, dates), why a scope is empty, folder and tag
counts."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from photo_tagger.core.dates import DateBounds, PhotoDate, record_date
from photo_tagger.core.filters import Filters
from photo_tagger.core.ports import Catalog
from photo_tagger.core.scan import is_under
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.services.folders import folder_counts


def folder_name(folder: str) -> str:
    """A folder's own name for the window ("Pictures"), the whole path for a root like "/"."""
    return os.path.basename(folder.rstrip(os.sep)) or folder


BATCH = 500


@dataclass(frozen=True)
class Scope:
    """The sidebar's choice (a folder and below, a tag, the flagged photos) and the search bar's dates (taken
    on or after `since`, on or before `until`); None means any."""

    folder: str | None = None
    tag: str | None = None
    flagged: bool = False
    since: date | None = None
    until: date | None = None

    def filters(self) -> Filters:
        return Filters(
            folder=self.folder, tag=self.tag, flagged=True if self.flagged else None, since=self.since, until=self.until
        )

    @property
    def dates(self) -> DateBounds | None:
        return DateBounds.days(self.since, self.until)

    def dates_text(self) -> str:
        return f"{self.since or '...'} to {self.until or 'today'}"


@dataclass(frozen=True)
class GridItem:
    """One cell of the grid: a photo, with its score when it came from a search."""

    id: str
    path: str
    mtime_ns: int
    status: str
    skip_reason: str = ""
    taken_at: str | None = None
    score: float | None = None
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # a search hit's: why it matched ("meaning", "text", "tag", "name")

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def date(self) -> PhotoDate | None:
        """When it counts as taken (core.dates: the capture date, else the file's)."""
        return record_date(self)

    @classmethod
    def of(cls, record: PhotoRecord, score: float | None = None, tags=(), flags=()) -> GridItem:
        return cls(
            record.id,
            record.path,
            record.mtime_ns,
            record.status,
            record.skip_reason,
            record.taken_at,
            score,
            tuple(tags),
            tuple(flags),
        )


@dataclass(frozen=True)
class FolderRow:
    path: str
    photos: int
    skipped: int = 0


def _recency(record: PhotoRecord) -> str:
    found = record_date(record)
    return found.at if found else ""


def _under(path: str, folder: str) -> bool:
    return is_under(path, folder)


def library_items(
    catalog: Catalog,
    scope: Scope,
    deliver: Callable[[list[GridItem]], None],
    *,
    batch: int = BATCH,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """The library's photos, most recent first, handed to `deliver` in batches; returns how many were listed.
    Skipped files are not photos: they are listed apart (skipped_files, the status bar's "N skipped")."""
    filters = scope.filters()  # the search's filters, tested in memory (core/filters.py)
    # Always: the grid blurs flagged photos and shows tags, whatever the scope.
    records, tags = photos_and_tags(catalog)
    records = [r for r in records if filters.admits(r, tags[r.id])]
    records.sort(key=_recency, reverse=True)
    for start in range(0, len(records), batch):
        if cancelled():
            break
        deliver([GridItem.of(r, None, tags[r.id].tags, tags[r.id].flags) for r in records[start : start + batch]])
    return len(records)


def empty_reason(catalog: Catalog, scope: Scope, query: str = "") -> str:
    """Why the grid shows nothing for this scope (and search), in a sentence or two for the empty grid."""
    place = f" in {folder_name(scope.folder)}" if scope.folder else ""
    everything = catalog.records()
    records = [r for r in everything if not scope.folder or _under(r.path, scope.folder)]
    photos = [r for r in records if r.status == "indexed"]
    skipped = len(records) - len(photos)
    if not catalog.roots():
        return "No folder is watched yet: add a folder of photos."
    if not photos:
        if skipped:
            listed = sum(1 for r in everything if r.status != "indexed")  # the status bar's count
            return (
                f"No photos{place}: {_count(skipped, 'file')} could not be read, listed under "
                f"\u201c{listed} skipped\u201d in the status bar."
            )
        return f"No photos{place} yet." if scope.folder else "The watched folders hold no photos yet."
    if scope.flagged:
        flagged = set(catalog.flagged_ids())
        photos = [r for r in photos if r.id in flagged]
        if not photos:
            return f"No flagged photos{place}."
    if scope.tag:
        tags = photo_tags(catalog, [r.id for r in photos])
        photos = [r for r in photos if scope.tag in tags[r.id].tags]
        if not photos:
            return f"No photos tagged \u201c{scope.tag}\u201d{place}."
    if scope.dates:
        dated = catalog.dated_ids(scope.dates)
        if not any(r.id in dated for r in photos):
            found = [d.at[:10] for d in map(record_date, photos) if d is not None]
            undated = len(photos) - len(found)
            span = f": the {_count(len(photos), 'photo')} here are dated {min(found)} to {max(found)}" if found else ""
            missing = f", {undated} {'has' if undated == 1 else 'have'} no date" if undated else ""
            return (
                f"Nothing dated {scope.dates_text()}{place}{span}{missing}. (A photo without a capture date "
                f"counts by its file's date.)"
            )
    if query:
        return f"No photos match \u201c{query}\u201d{place}."
    return f"No photos{place}."


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def folder_rows(catalog: Catalog) -> list[FolderRow]:
    """Every watched folder with its photo and skipped counts."""
    roots = catalog.roots()
    counts = folder_counts(catalog)
    return [FolderRow(root, counts[root].photos, counts[root].skipped) for root in roots]


def photos_and_tags(catalog: Catalog) -> tuple[list[PhotoRecord], dict]:
    """The library's photos (indexed: a skipped file is not one) and each one's effective tags and flags (by id):
    the one source of "photos tagged X", for the grid's listing and header and for the sidebar's counts."""
    records = [r for r in catalog.records() if r.status == "indexed"]
    return records, photo_tags(catalog, [r.id for r in records])


def tag_counts(catalog: Catalog) -> dict[str, int]:
    """Photos per effective tag, counted as the grid lists them (photos_and_tags): the sidebar's "interior 4" and
    the header's "4 photos tagged interior" cannot disagree."""
    _, tags = photos_and_tags(catalog)
    return dict(Counter(t for found in tags.values() for t in found.tags))


def tag_rows(catalog: Catalog) -> tuple[list[tuple[str, int]], int]:
    """(tag, photo count) most frequent first (tag_counts), and how many photos are flagged."""
    counts = sorted(tag_counts(catalog).items(), key=lambda kv: (-kv[1], kv[0]))
    return counts, len(catalog.flagged_ids())


def flagged_photos(catalog: Catalog) -> list[tuple[PhotoRecord, dict[str, float]]]:
    """Every flagged photo (the user did not mark it not sensitive) with its categories' confidences, by path."""
    ids = catalog.flagged_ids()
    records, decisions = catalog.get(ids), catalog.decisions(ids)
    return sorted(
        ((records[i], dict(decisions[i].flags)) for i in ids if i in records and i in decisions),
        key=lambda row: row[0].path,
    )


def skipped_files(catalog: Catalog) -> list[tuple[str, str]]:
    """Every skipped file with its reason, from the catalog."""
    return [(r.path, r.skip_reason or "unknown") for r in catalog.skipped()]
