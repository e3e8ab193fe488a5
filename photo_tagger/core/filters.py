"""One photo filter (folder, tag, flagged, dates) compiled for each place that answers it: the vector store's
`where` (a shared library's Chroma), the catalog's query (exact search, the CLI), and a test on a record held in
memory (the window's listing). tests/unit/test_search_filters.py checks that the three agree on generated
filters."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

from photo_tagger.core.dates import DateBounds, record_date
from photo_tagger.core.ports import Catalog
from photo_tagger.core.scan import is_under, prefix_relpath
from photo_tagger.core.tagging import EffectiveTags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import display


@dataclass(frozen=True)
class Filters:
    folder: str | None = None  # absolute folder: the photo is in it or below it
    tag: str | None = None  # an effective tag (automatic and not removed by the user, or added by the user)
    flagged: bool | None = None  # an effective flag (not marked "not sensitive"); None: both
    since: date | None = None  # taken on or after (core.dates: the capture date, else the file's)
    until: date | None = None  # taken on or before

    def active(self) -> bool:
        return bool(self.folder or self.tag or self.since or self.until) or self.flagged is not None

    @property
    def dates(self) -> DateBounds | None:
        return DateBounds.days(self.since, self.until)

    def where(self) -> dict | None:
        """For the vector store (Chroma's syntax, over core/vector_metadata.py's fields; a shared store's
        metadata carries tags and flags). Folder chains start at each root: a folder above the roots admits
        nothing here (the catalog answers those)."""
        clauses: list[dict] = []
        if self.folder:
            clauses.append({"folders": {"$contains": display(self.folder.rstrip(os.sep) or os.sep)}})
        if self.tag:
            clauses.append({"tags": {"$contains": self.tag}})
        if self.flagged is not None:
            clauses.append({"flagged": int(self.flagged)})
        if self.since:
            clauses.append({"taken_ts": {"$gte": _day_start(self.since)}})
        if self.until:
            clauses.append({"taken_ts": {"$lt": _day_start(self.until) + 86400}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def catalog_ids(self, catalog: Catalog, model_name: str, among: list[str] | None = None) -> list[str]:
        """The photos embedded by `model_name` that pass (of `among` when given), from the catalog, the truth
        for folders, tags and flags."""
        roots: list[str] = []
        subfolders: list[tuple[str, str]] = []
        if self.folder:
            folder = self.folder.rstrip(os.sep) or os.sep
            for root in catalog.roots():
                if is_under(root, folder):
                    roots.append(root)
                elif is_under(folder, root):
                    subfolders.append((root, prefix_relpath(folder, root)))
            if not roots and not subfolders:
                return []
        return catalog.filter_ids(
            model_name,
            roots=roots,
            subfolders=subfolders,
            tag=self.tag or None,
            flagged=self.flagged,
            dates=self.dates,
            among=among,
        )

    def admits(self, record: PhotoRecord, tags: EffectiveTags) -> bool:
        """The same test on a record in memory with its effective tags and flags (core.tagging.effective)."""
        if self.folder and not is_under(record.path, self.folder.rstrip(os.sep) or os.sep):
            return False
        if self.tag and self.tag not in tags.tags:
            return False
        if self.flagged is not None and bool(tags.flags) != self.flagged:
            return False
        dates = self.dates
        return dates is None or dates.admits(record_date(record))


def _day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
