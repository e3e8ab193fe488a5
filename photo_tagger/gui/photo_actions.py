"""What the window does with one photo: details (with the preview), tag edits, reveal, the right-click menu."""

from __future__ import annotations

import logging
import os
from functools import partial

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QMenu

from photo_tagger.gui import library_queries as queries
from photo_tagger.gui import operations
from photo_tagger.gui.library_queries import GridItem
from photo_tagger.gui.thumbnails import blur, load_preview
from photo_tagger.gui.widgets.details_panel import PREVIEW_SIZE

log = logging.getLogger(__name__)


def _preview(path: str, hidden: bool):
    """Preview worker: decode, fit, and blur a flagged photo the user has not revealed."""
    image = load_preview(path, PREVIEW_SIZE)
    return blur(image, 24) if hidden else image


class PhotoActions(QObject):
    """Connects the grid's current photo to the details panel and runs the per-photo actions."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.app = window.app
        self.runner = window.runner
        self.model = window.grid_model
        self.details = window.details
        self.current: GridItem | None = None
        self._generation = 0
        self.details.tag_added.connect(lambda name: self.edit_tags(add=[name]))
        self.details.tag_removed.connect(lambda name: self.edit_tags(remove=[name]))
        self.details.not_sensitive_requested.connect(self.mark_not_sensitive)
        self.details.preview_clicked.connect(self.reveal_current)

    # -- the details panel
    def show(self, item: GridItem | None) -> None:
        """Show `item` in the details panel: facts and tags from the query workers, the preview from the
        thumbnail pool; answers for a photo no longer shown are dropped."""
        self._generation += 1
        generation = self._generation
        if item is None or self.current is None or self.current.id != item.id:
            self.details.clear_preview()
        self.current = item
        if item is None:
            self.details.clear()
            return
        self.runner.query(partial(queries.photo_details, self.app, item.id),
                          on_done=partial(self._details_loaded, generation),
                          on_error=partial(self._details_failed, generation))
        if item.status != "indexed":
            self.details.set_preview(None)
        else:
            hidden = self.model.is_hidden(item)
            self.runner.thumbnail(partial(_preview, item.path, hidden),
                                  on_done=partial(self._preview_loaded, generation, hidden),
                                  on_error=partial(self._preview_failed, generation))

    def _details_loaded(self, generation: int, details) -> None:
        if generation == self._generation:
            self.details.set_details(details)

    def _details_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.details.clear()
            self.window.status.show_message(f"No details: {exc}")

    def _preview_loaded(self, generation: int, hidden: bool, image) -> None:
        if generation == self._generation:
            self.details.set_preview(QPixmap.fromImage(image), hidden)

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.details.set_preview(None)

    def reveal(self, item: GridItem) -> None:
        self.model.reveal(item.id)
        if self.current is not None and self.current.id == item.id:
            self.show(self.current)

    def reveal_current(self) -> None:
        if self.current is not None and self.current.flags and not self.model.is_revealed(self.current.id):
            self.reveal(self.current)

    # -- edits (the writer)
    def edit_tags(self, add=(), remove=()):
        item = self.current
        if item is None:
            return None
        add, remove = list(add), list(remove)
        return self.runner.write(f"Editing the tags of {item.name}",
                                 lambda progress, control: operations.edit_tags(self.app, item.id, add, remove),
                                 on_done=partial(self._edited, item))

    def mark_not_sensitive(self):
        item = self.current
        if item is None:
            return None
        return self.runner.write(f"Marking {item.name} not sensitive",
                                 lambda progress, control: operations.mark_not_sensitive(self.app, item.id),
                                 on_done=partial(self._edited, item))

    def _edited(self, item: GridItem, tags) -> None:
        self.model.update_tags(item.id, tags.tags, tags.flags)
        self.window.refresh_sidebar()
        if self.current is not None and self.current.id == item.id:
            hidden_before = self.model.is_hidden(self.current)
            self.current = GridItem(item.id, item.path, item.mtime_ns, item.status, item.skip_reason, item.taken_at,
                                    item.score, tuple(tags.tags), tuple(tags.flags))
            if hidden_before != self.model.is_hidden(self.current):
                self.show(self.current)  # the preview must be (un)blurred
            else:
                self._generation += 1
                self.runner.query(partial(queries.photo_details, self.app, item.id),
                                  on_done=partial(self._details_loaded, self._generation))

    def retag(self, items: list[GridItem]):
        ids = [i.id for i in items]
        name = items[0].name if len(items) == 1 else f"{len(items)} photos"
        return self.runner.write(f"Retagging {name}",
                                 lambda progress, control: operations.retag_photos(self.app, ids, progress, control),
                                 on_done=lambda report: self.window.folders.retagged(name, report))

    # -- the right-click menu
    def menu(self, items: list[GridItem]) -> QMenu:
        """The menu for the selected photos (the first one for the single-photo actions)."""
        window, first = self.window, items[0]
        menu = QMenu(window)
        menu.addAction(f"Open {len(items)} photos" if len(items) > 1 else "Open",
                       lambda: window.open_photos([i.path for i in items]))
        menu.addAction("Show in file manager",
                       lambda: window.open_url(QUrl.fromLocalFile(os.path.dirname(first.path))))
        menu.addSeparator()
        similar = menu.addAction("Find similar", lambda: window.show_similar(first))
        similar.setEnabled(first.status == "indexed")
        menu.addAction("Edit tags", lambda: self.edit(first))
        if self.model.is_hidden(first):
            menu.addAction("Show", lambda: self.reveal(first))
        menu.addAction(f"Retag {len(items)} photos" if len(items) > 1 else "Retag", lambda: self.retag(items))
        indexed = [i.id for i in items if i.status == "indexed"]
        menu.addAction("Write tags to sidecars",
                       lambda: window.sidecars.write(ids=indexed)).setEnabled(bool(indexed))
        return menu

    def edit(self, item: GridItem) -> None:
        if self.current is None or self.current.id != item.id:
            self.show(item)
        self.details.focus_tags()
