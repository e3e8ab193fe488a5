"""Albums and smart albums: create, rename, delete, add, remove, list with counts, and their photos. The CLI and the
window both go through here; a smart album's photos come from the search service (services/search.py)."""

from __future__ import annotations

import builtins  # the class below has a method named list: its annotations say builtins.list
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from photo_tagger.core.albums import Album, AlbumError, SavedSearch, clean_name
from photo_tagger.core.filters import Filters
from photo_tagger.core.search import SearchHit
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.types import PhotoRecord
from photo_tagger.services.browsing import GridItem

SMART_LIMIT = 1000  # a smart album holds at most this many photos, its search's best

# The search service, as smart albums run it: (query, filters, limit) -> hits best first, the search not remembered
# among the recent searches.
SearchHits = Callable[[str, Filters, int], Sequence[SearchHit]]


class AlbumStore(Protocol):
    """What the service needs of the catalog (infra/catalog.py + catalog_albums.py)."""

    def transaction(self): ...

    def albums(self) -> list[Album]: ...

    def album_named(self, name: str) -> Album | None: ...

    def create_album(self, db, name: str, now: float, search: SavedSearch | None = None) -> int: ...

    def rename_album(self, db, album_id: int, name: str) -> None: ...

    def delete_album(self, db, album_id: int) -> None: ...

    def add_to_album(self, db, album_id: int, photo_ids: Iterable[str], now: float) -> int: ...

    def remove_from_album(self, db, album_id: int, photo_ids: Iterable[str]) -> int: ...

    def album_photo_ids(self, album_id: int) -> list[str]: ...

    def generation(self) -> int: ...

    def get(self, ids: Iterable[str]) -> dict[str, PhotoRecord]: ...

    def decisions(self, ids: Iterable[str]) -> dict: ...

    def choices(self, ids: Iterable[str]) -> dict: ...


class AlbumService:
    """One per library. Smart albums are computed when asked for, and kept until the catalog changes (any write:
    a new photo, a retag, a tag edit), so a sidebar that asks again after nothing changed costs nothing."""

    def __init__(
        self,
        *,
        catalog: AlbumStore,
        search: SearchHits | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`search`: what smart albums' photos come from (None: smart albums cannot be listed or shown)."""
        self.catalog = catalog
        self._search = search
        self.clock = clock
        self.monotonic = monotonic
        # (album id, its search) -> (catalog generation, ids, when computed)
        self._smart: dict[tuple[int, SavedSearch], tuple[int, list[str], float]] = {}
        self._lock = threading.Lock()

    # -- reading
    def list(self, *, count_smart: bool = True, stale_ok_s: float = 0.0) -> list[Album]:
        """Every album by name, with its count; a smart album's counted by running its search (when given).
        `stale_ok_s`: a smart album's result computed that recently is kept even if the library changed since
        (the window, while indexing, so that each batch does not run every smart album's search again)."""
        albums = self.catalog.albums()
        if not count_smart or self._search is None:
            return albums
        return [
            Album(a.id, a.name, a.created_at, len(self._smart_ids(a, stale_ok_s)), a.search) if a.smart else a
            for a in albums
        ]

    def get(self, name: str) -> Album:
        album = self.catalog.album_named(clean_name(name))
        if album is None:
            raise AlbumError(f"no album named {name.strip()!r} (photo-tagger album list shows them)")
        return album

    def by_id(self, album_id: int) -> Album:
        """The album with this id (the window holds albums by id: a rename elsewhere does not lose it)."""
        album = next((a for a in self.catalog.albums() if a.id == album_id), None)
        if album is None:
            raise AlbumError("this album was deleted")
        return album

    def photo_ids(self, name: str | int) -> builtins.list[str]:
        """The album's (by name or id) photos: a plain album's in the order they were added, a smart album's best
        first."""
        album = self.by_id(name) if isinstance(name, int) else self.get(name)
        return self._smart_ids(album) if album.smart else self.catalog.album_photo_ids(album.id)

    def records(self, name: str | int) -> builtins.list[PhotoRecord]:
        """The album's photos' records, in photo_ids' order."""
        ids = self.photo_ids(name)
        found = self.catalog.get(ids)
        return [found[i] for i in ids if i in found]

    def items(self, name: str | int) -> builtins.list[GridItem]:
        """The album's photos as grid cells, with their effective tags and flags (the grid blurs flagged ones)."""
        records = [r for r in self.records(name) if r.status == "indexed"]
        tags = photo_tags(self.catalog, [r.id for r in records])
        return [GridItem.of(r, None, tags[r.id].tags, tags[r.id].flags) for r in records]

    # -- changing
    def create(self, name: str, search: SavedSearch | None = None) -> Album:
        """A new album, empty, or a smart album showing what `search` finds."""
        name = clean_name(name)
        if search is not None:
            search = self._checked(search)
        try:
            with self.catalog.transaction() as db:
                self.catalog.create_album(db, name, self.clock(), search)
        except sqlite3.IntegrityError:
            raise AlbumError(self._clash(name)) from None
        return self.get(name)

    def rename(self, name: str, new_name: str) -> Album:
        album = self.get(name)
        new_name = clean_name(new_name)
        try:
            with self.catalog.transaction() as db:
                self.catalog.rename_album(db, album.id, new_name)
        except sqlite3.IntegrityError:
            raise AlbumError(self._clash(new_name)) from None
        return self.get(new_name)

    def delete(self, name: str) -> Album:
        """The album goes; its photos stay in the library (and in any other album)."""
        album = self.get(name)
        with self.catalog.transaction() as db:
            self.catalog.delete_album(db, album.id)
        return album

    def add(self, name: str, photo_ids: Iterable[str]) -> int:
        """Puts these photos of the library in the album; returns how many were not in it yet."""
        album = self._plain(name, "added to")
        ids = list(dict.fromkeys(photo_ids))
        known = self.catalog.get(ids)
        missing = [i for i in ids if i not in known]
        if missing:
            raise AlbumError(f"{len(missing)} of these photos are not in the library (any more)")
        with self.catalog.transaction() as db:
            return self.catalog.add_to_album(db, album.id, ids, self.clock())

    def remove(self, name: str, photo_ids: Iterable[str]) -> int:
        """Takes these photos out of the album (never out of the library); returns how many were in it."""
        album = self._plain(name, "removed from")
        with self.catalog.transaction() as db:
            return self.catalog.remove_from_album(db, album.id, list(photo_ids))

    # -- helpers
    def _plain(self, name: str, verb: str) -> Album:
        album = self.get(name)
        if album.search is not None:  # a smart album
            raise AlbumError(
                f"{album.name!r} is a smart album: its photos come from its search "
                f"({album.search.describe()}), they cannot be {verb} it by hand"
            )
        return album

    def _clash(self, name: str) -> str:
        other = self.catalog.album_named(name)
        shown = f" ({other.name!r})" if other is not None and other.name != name else ""
        return f"an album named {name!r} exists already{shown}; album names are told apart ignoring case"

    def _checked(self, search: SavedSearch) -> SavedSearch:
        from photo_tagger.services.search import query_problem

        text = search.query.strip()
        if not text:
            raise AlbumError("a smart album needs a search (the words to look for)")
        problem = query_problem(text)
        if problem:
            raise AlbumError(f"the smart album's search cannot run: {problem}")
        return SavedSearch(text, search.filters, search.strong_only)

    def _smart_ids(self, album: Album, stale_ok_s: float = 0.0) -> builtins.list[str]:
        if self._search is None:
            raise AlbumError("smart albums need the search, which is not set up here")
        assert album.search is not None, "a smart album"
        key = (album.id, album.search)
        generation = self.catalog.generation()
        with self._lock:
            cached = self._smart.get(key)
        if cached is not None and (cached[0] == generation or self.monotonic() - cached[2] < stale_ok_s):
            return cached[1]
        ids = self._smart_search(album.search)
        with self._lock:
            self._smart[key] = (generation, ids, self.monotonic())
        return ids

    def _smart_search(self, saved: SavedSearch) -> builtins.list[str]:
        """The ids a smart album's search finds, best first (strong matches only when it says so)."""
        assert self._search is not None
        hits = self._search(saved.query, saved.filters, SMART_LIMIT)
        return [h.record.id for h in hits if h.grade == "strong" or not saved.strong_only]
