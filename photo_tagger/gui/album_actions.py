"""What the window does with albums: the sidebar's list (with counts), showing an album in the grid, create, rename,
delete, add photos (drag and drop, the grid's menu), remove them, and saving the current search as a smart album.
Reads run on the query workers and changes on the writer, through services/albums.py."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMenu, QToolButton

from photo_tagger.core.albums import Album, AlbumError, SavedSearch, clean_name
from photo_tagger.gui.window_part import WindowPart

if TYPE_CHECKING:
    from photo_tagger.services.albums import AlbumService

SMART_WHILE_BUSY_S = 30.0  # a smart album's search costs about one search (benchmarks/RESULTS.md, smart albums)


class AlbumActions(WindowPart):
    """`shown`: the album the grid shows (None: the library, a search); the window asks `showing` first."""

    def __init__(self, window):
        super().__init__(window)
        self.shown: Album | None = None
        self.albums: list[Album] = []  # as last listed, for the grid's "Add to album" menu
        self._generation = 0
        sidebar = window.sidebar
        sidebar.album_selected.connect(self.select)
        sidebar.album_create_requested.connect(self.create)
        sidebar.album_rename_requested.connect(self.rename)
        sidebar.album_delete_requested.connect(self.delete)
        sidebar.albums.photos_dropped.connect(lambda album, ids: self.add(album, ids))

    @property
    def service(self) -> AlbumService:
        return self.app.album_service

    # -- the sidebar's list
    def refresh(self) -> None:
        """Lists the albums with their counts (a smart album's search runs again only when the library changed)."""
        self._generation += 1
        # While a job writes (indexing a folder), counts refreshed every LIVE_REFRESH_S would run every smart
        # album's search each time: they follow at most every SMART_WHILE_BUSY_S then, and at once after the job.
        stale_ok = SMART_WHILE_BUSY_S if self.runner.busy else 0.0
        self.runner.query(partial(self.service.list, stale_ok_s=stale_ok),
                          on_done=partial(self._listed, self._generation))

    def _listed(self, generation: int, albums: list[Album]) -> None:
        if generation != self._generation:
            return
        self.albums = albums
        if self.shown is not None:
            before, self.shown = self.shown, next((a for a in albums if a.id == self.shown.id), None)
            # Deleted (back to the library), renamed, or its photos changed (added, removed, a smart album's
            # search finding others): the grid shows it again.
            if self.shown != before:
                self.window.refresh_grid()
        self.window.sidebar.set_albums(albums, self.shown.id if self.shown else None)

    # -- the grid
    @property
    def showing(self) -> bool:
        return self.shown is not None

    def select(self, album: Album | None) -> None:
        if album is None or (self.shown is not None and self.shown.id == album.id and not self.window.query):
            return
        self.shown = album
        window = self.window
        if window.query:  # the album replaces the search: the emptied search box refreshes the grid
            window.search_bar.edit.clear()
            return
        window.refresh_grid()

    def leave(self) -> None:
        """The sidebar's folders or tags, or a search, take the grid over."""
        if self.shown is not None:
            self.shown = None
            self.window.sidebar.clear_album_selection()

    def load_grid(self, generation: int) -> None:
        """Called by the window's refresh_grid while an album is shown."""
        album, window = self.shown, self.window
        kind = "smart album" if album.smart else "album"
        window.header.setText(f"Loading the {kind} \u201c{album.name}\u201d...")
        self.runner.query(partial(self.service.items, album.id),
                          on_done=partial(self._grid_loaded, generation, album),
                          on_error=partial(window.grid_failed, generation))

    def _grid_loaded(self, generation: int, album: Album, items) -> None:
        window = self.window
        if generation != window.grid_generation:
            return
        window.grid_model.append(items)
        count = f"{len(items)} photo{'' if len(items) == 1 else 's'}"
        if album.smart:
            window.header.setText(f"Smart album \u201c{album.name}\u201d: {count} found by "
                                  f"{album.search.describe()}")
        else:
            window.header.setText(f"Album \u201c{album.name}\u201d: {count}, in the order they were added")
        window.grid_done(generation, "")
        if not items:
            window.empty_note.set_reason(
                "No photo matches this smart album's search yet." if album.smart else
                "This album is empty: drag photos onto it in the sidebar, or right-click photos > Add to album.")

    # -- changes (the writer)
    def create(self, ids: list[str] | None = None) -> None:
        name = self.ask_name("New album", "Name of the new album:")
        if name is None:
            return
        self._write(f"Creating the album {name}", lambda: self._created(name, ids),
                    f"Created the album \u201c{name}\u201d")

    def _created(self, name: str, ids: list[str] | None):
        album = self.service.create(name)
        if ids:
            self.service.add(album.name, ids)
        return album

    def save_search_button(self, parent) -> QToolButton:
        """The grid header's button: one click saves the current search (with the sidebar's scope and the dates) as
        a smart album of its strong matches; its arrow offers all matches. The window shows it while a search is
        shown."""
        button = QToolButton(parent)
        button.setText("Save as smart album")
        button.setToolTip("Keep this search's strong matches (above the line) as a smart album in the sidebar: it "
                          "stays up to date as photos change")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        # Strong matches by default: the weaker ones are only the closest photos, often the whole library.
        button.clicked.connect(lambda: self.save_search(strong_only=True))
        weaker = QMenu(button)
        weaker.addAction("Save as smart album with the weaker matches too", lambda: self.save_search(False))
        button.setMenu(weaker)
        button.setVisible(False)
        return button

    def save_search(self, strong_only: bool = True) -> None:
        """The current search, with the sidebar's folder, tag and the dates, as a smart album."""
        window = self.window
        if not window.query:
            window.status.show_message("Type a search first: a smart album keeps a search")
            return
        name = self.ask_name("Save search as smart album", "Name of the smart album:", window.query)
        if name is None:
            return
        search = SavedSearch(window.query, window.scope.filters(), strong_only)
        self._write(f"Saving the smart album {name}", lambda: self.service.create(name, search),
                    f"Saved \u201c{window.query}\u201d as the smart album \u201c{name}\u201d")

    def rename(self, album: Album) -> None:
        name = self.ask_name("Rename album", f"New name of \u201c{album.name}\u201d:", album.name)
        if name is None or name == album.name:
            return
        self._write(f"Renaming the album {album.name}", lambda: self.service.rename(album.name, name),
                    f"Renamed \u201c{album.name}\u201d to \u201c{name}\u201d")

    def delete(self, album: Album) -> None:
        kind = "smart album" if album.smart else "album"
        if not self.window.confirm(f"Delete the {kind} \u201c{album.name}\u201d?\n\nIts photos stay in the library "
                                   "and in any other album; no file is touched."):
            return
        self._write(f"Deleting the album {album.name}", lambda: self.service.delete(album.name),
                    f"Deleted the {kind} \u201c{album.name}\u201d; its photos stay in the library")

    def add(self, album: Album, ids: list[str]):
        return self._write(f"Adding photos to {album.name}", lambda: self.service.add(album.name, ids),
                           lambda added: f"Added {added} photo{'' if added == 1 else 's'} to \u201c{album.name}\u201d"
                           + (f" ({len(set(ids)) - added} already in it)" if len(set(ids)) > added else ""))

    def remove(self, album: Album, ids: list[str]):
        return self._write(f"Removing photos from {album.name}", lambda: self.service.remove(album.name, ids),
                           lambda removed: f"Removed {removed} photo{'' if removed == 1 else 's'} from "
                           f"\u201c{album.name}\u201d (they stay in the library)")

    def _write(self, description: str, change, said):
        window = self.window

        def done(result) -> None:
            window.status.show_message(said(result) if callable(said) else said)
            self.refresh()  # the grid follows when the album it shows changed (_listed)

        return self.runner.write(description, lambda progress, control: change(), on_done=done,
                                 on_error=lambda exc: window.status.show_message(f"{description}: {exc}"))

    def ask_name(self, title: str, label: str, text: str = "") -> str | None:
        """A name from a small dialog, checked at once (an empty or too long name is said, and asked again)."""
        while True:
            name, ok = QInputDialog.getText(self.window, title, label, text=text)
            if not ok:
                return None
            try:
                return clean_name(name)
            except AlbumError as exc:
                self.window.status.show_message(str(exc))
                text = name

    # -- the grid's right-click menu
    def extend_menu(self, menu: QMenu, items) -> None:
        """"Add to album" with every plain album (and a new one), and "Remove from album" in an album's grid."""
        ids = [i.id for i in items if i.status == "indexed"]
        if not ids:
            return
        menu.addSeparator()
        add = menu.addMenu("Add to album")
        for album in (a for a in self.albums if not a.smart):
            add.addAction(album.name, partial(self.add, album, ids))
        if add.actions():
            add.addSeparator()
        add.addAction("New album...", lambda: self.create(ids))
        if self.shown is not None and not self.shown.smart:
            album = self.shown
            menu.addAction(f"Remove from \u201c{album.name}\u201d", lambda: self.remove(album, ids))
