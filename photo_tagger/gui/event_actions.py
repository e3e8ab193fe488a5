"""What the window does with events: the sidebar's timeline (with cover thumbnails), showing an event in the grid,
rename and merge. Reads run on the query workers and changes on the writer, through services/events.py."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from photo_tagger.core.event_names import Event, clean_event_name
from photo_tagger.core.events import EventError
from photo_tagger.gui.window_part import WindowPart

if TYPE_CHECKING:
    from photo_tagger.services.events import EventService

LIST_WHILE_BUSY_S = 30.0  # at 100,000 photos a listing takes 1-3 s (benchmarks/RESULTS.md, events)


class EventActions(WindowPart):
    """`shown`: the event the grid shows (None: the library, a search, an album); the window asks `showing`."""

    def __init__(self, window):
        super().__init__(window)
        self.shown: Event | None = None
        self._generation = 0
        self._listed_at = float("-inf")
        self.monotonic = time.monotonic
        self.timeline = window.sidebar.events
        self.timeline.model.set_cover(window.thumbnails.pixmap)
        window.thumbnails.thumbnail_loaded.connect(self.timeline.model.cover_loaded)
        self.timeline.event_selected.connect(self.select)
        self.timeline.rename_requested.connect(self.rename)
        self.timeline.merge_requested.connect(self.merge)
        self._owed = False  # a listing skipped while a job wrote: made once the writer has nothing left
        window.runner.job_finished.connect(self._job_finished)
        # An album takes the grid over (the window's folder, tag and search handlers call leave themselves).
        window.sidebar.album_selected.connect(lambda _album: self.leave())

    @property
    def service(self) -> EventService:
        return self.app.event_service

    # -- the timeline
    def refresh(self, force: bool = False) -> None:
        """Lists the events again (brought up to date with the library first, on the query worker). While a job
        writes (indexing a folder), at most every LIST_WHILE_BUSY_S: naming every event reads every photo's tags."""
        if not force and self.runner.busy and self.monotonic() - self._listed_at < LIST_WHILE_BUSY_S:
            self._owed = True
            return
        self._owed = False
        self._listed_at = self.monotonic()
        self._generation += 1
        self.runner.query(self.service.timeline, on_done=partial(self._listed, self._generation),
                          on_error=lambda exc: self.window.status.show_message(f"Could not list the events: {exc}"))

    def _job_finished(self, _job, _result) -> None:
        """The last write job ended: a listing skipped while it wrote (an index run followed by another job, say)
        is made now, so the timeline does not stay as it was before the photos came."""
        if self._owed and not self.runner.busy:
            self.refresh(force=True)

    def _listed(self, generation: int, found) -> None:
        if generation != self._generation:
            return
        events, covers = found
        if self.shown is not None:
            before, self.shown = self.shown, next((e for e in events if e.id == self.shown.id), None)
            if self.shown != before:  # renamed, merged into another (back to the library), or its photos changed
                self.window.refresh_grid()
        self.timeline.set_events(events, covers, self.shown.id if self.shown else None)

    # -- the grid
    @property
    def showing(self) -> bool:
        return self.shown is not None

    def select(self, event: Event) -> None:
        if self.shown is not None and self.shown.id == event.id and not self.window.query:
            return
        self.shown = event
        self.window.albums.leave()
        if self.window.query:  # the event replaces the search: the emptied search box refreshes the grid
            self.window.search_bar.edit.clear()
            return
        self.window.refresh_grid()

    def leave(self) -> None:
        if self.shown is not None:
            self.shown = None
            self.timeline.select(None)

    def load_grid(self, generation: int) -> None:
        """Called by the window's refresh_grid while an event is shown."""
        event, window = self.shown, self.window
        if event is None:
            return
        window.header.setText(f"Loading the event \u201c{event.name}\u201d...")
        self.runner.query(partial(self.service.items, event.id),
                          on_done=partial(self._grid_loaded, generation, event),
                          on_error=partial(window.grid_failed, generation))

    def _grid_loaded(self, generation: int, event: Event, items) -> None:
        window = self.window
        if generation != window.grid_generation:
            return
        window.grid_model.append(items)
        count = f"{len(items)} photo{'' if len(items) == 1 else 's'}"
        if event.undated:
            window.header.setText(f"Undated: {count} without a capture date, so in no event")
        else:
            facts = [event.dates, event.place or "no place"] + ([", ".join(event.labels)] if event.labels else [])
            window.header.setText(f"Event \u201c{event.name}\u201d: {count} \u00b7 " + " \u00b7 ".join(facts))
        window.grid_done(generation, "")

    # -- changes (the writer)
    def rename(self, event: Event) -> None:
        name = self.ask_name(event)
        if name is None or name == event.name:
            return
        self._write(f"Renaming the event {event.name}", lambda: self.service.rename(event.id, name),
                    f"Renamed \u201c{event.name}\u201d to \u201c{name}\u201d")

    def merge(self, first: Event, second: Event) -> None:
        if not self.window.confirm(f"Merge \u201c{first.name}\u201d and \u201c{second.name}\u201d into one event?\n\n"
                                   "Photos taken between them join it too. No photo is moved or changed."):
            return
        self._write(f"Merging {first.name} and {second.name}", lambda: self.service.merge(first.id, second.id),
                    lambda merged: f"Merged into \u201c{merged[0].name}\u201d ({merged[0].count} photos)")

    def _write(self, description: str, change, said) -> None:
        window = self.window

        def done(result) -> None:
            window.status.show_message(said(result) if callable(said) else said)
            self.refresh(force=True)  # the user's own change shows at once, even while a folder is indexed

        self.runner.write(description, lambda progress, control: change(), on_done=done,
                          on_error=lambda exc: window.status.show_message(f"{description}: {exc}"))

    def ask_name(self, event: Event) -> str | None:
        """A name from a small dialog, checked at once (an empty or too long name is said, and asked again)."""
        text = event.name
        while True:
            name, ok = QInputDialog.getText(self.window, "Rename event", f"New name of \u201c{event.name}\u201d:",
                                            text=text)
            if not ok:
                return None
            try:
                return clean_event_name(name)
            except EventError as exc:
                self.window.status.show_message(str(exc))
                text = name
