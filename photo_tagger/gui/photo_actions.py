"""What the window does with one photo: details (with the preview), the viewer, tag edits, reveal, the menu (with
"Like this photo, but...")."""

from __future__ import annotations

import logging
import os
from functools import partial

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMenu

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.gui.launcher import open_externally
from photo_tagger.gui.thumbnails import load_preview
from photo_tagger.gui.widgets.details_panel import PREVIEW_SIZE
from photo_tagger.gui.widgets.photo_viewer import PhotoViewer
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.services import search
from photo_tagger.services.browsing import GridItem

log = logging.getLogger(__name__)


def _preview(path: str, hidden: bool):
    """Preview worker: decode, fit, and blur a flagged photo the user has not revealed."""
    return load_preview(path, PREVIEW_SIZE, hidden)


class PhotoActions(WindowPart):
    """Connects the grid's current photo to the details panel and runs the per-photo actions."""

    def __init__(self, window):
        super().__init__(window)
        self.model = window.grid_model
        self.details = window.details
        self.current: GridItem | None = None
        self.viewer: PhotoViewer | None = None  # made on first use, a page of the window
        self._title = ""
        self._generation = 0
        self.details.tag_added.connect(lambda name: self.edit_tags(add=[name]))
        self.details.tag_removed.connect(lambda name: self.edit_tags(remove=[name]))
        self.details.tag_put_back.connect(self.put_back_tag)
        self.details.not_sensitive_requested.connect(self.mark_not_sensitive)
        self.details.preview_clicked.connect(self.reveal_current)
        self.details.read_text_requested.connect(self.read_text)

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
        self.runner.query(lambda: self.app.photo_details_service.photo_details(item.id),
                          on_done=partial(self._details_loaded, generation),
                          on_error=partial(self._details_failed, generation))
        self.details.set_text_hidden(item.status == "indexed" and self.model.is_hidden(item))
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
            self.window.status.show_message(f"No details: {exc}", about_selection=True)

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

    # -- the viewer and the desktop's programs
    def view(self, row: int) -> None:
        """Show the grid's row `row` in the app's viewer, over the whole window (Esc comes back)."""
        if not 0 <= row < self.model.rowCount():
            return
        window = self.window
        self.ensure_viewer()
        if window.pages.currentWidget() is not self.viewer:
            self._title = window.windowTitle()
            window.pages.setCurrentWidget(self.viewer)
        self.viewer.open(row)

    def ensure_viewer(self) -> PhotoViewer:
        """The viewer, made on first use (a page of the window; Help > Keyboard shortcuts reads its keys)."""
        if self.viewer is None:
            window = self.window
            self.viewer = PhotoViewer(self.runner, self.model, window)
            self.viewer.closed.connect(self._viewer_closed)
            self.viewer.reveal_requested.connect(self.reveal)
            self.viewer.title_changed.connect(lambda text: window.setWindowTitle(f"{text} \u2014 Photo Tagger"))
            window.pages.addWidget(self.viewer)
            window.pages.currentChanged.connect(self._page_changed)
        return self.viewer

    def _viewer_closed(self, row: int) -> None:
        window = self.window
        if window.pages.currentWidget() is self.viewer:
            window.pages.setCurrentWidget(window.browser)
        if self._title:
            window.setWindowTitle(self._title)
        if row >= 0:  # back on the photo seen last, as in other organizers
            index = self.model.index(row, 0)
            window.grid.setCurrentIndex(index)
            window.grid.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        window.grid.setFocus()

    def _page_changed(self, index: int) -> None:
        if self.viewer is not None and self.viewer.item is not None and \
                self.window.pages.widget(index) is not self.viewer:
            self.viewer.close_viewer()  # another page took over (setup, a folder added): let the pictures go

    def open_with_system(self, items: list[GridItem]) -> None:
        for item in items[:20]:  # a slip of the mouse must not open a thousand viewers
            if not open_externally(self.window, item.path, "photo", opener=self.window.open_url):
                return  # one message is enough

    def show_in_file_manager(self, item: GridItem) -> None:
        open_externally(self.window, os.path.dirname(item.path), "folder", opener=self.window.open_url)

    # -- edits (the writer)
    def edit_tags(self, add=(), remove=()):
        item = self.current
        if item is None:
            return None
        add, remove = list(add), list(remove)
        return self.runner.write(f"Editing the tags of {item.name}",
                                 lambda progress, control: self.app.tag_edit_service.edit_tags(item.id, add, remove),
                                 on_done=partial(self._edited, item))

    def put_back_tag(self, name: str):
        """Undo "Remove tag": the removal is forgotten (the details panel lists removed tags with this undo)."""
        item = self.current
        if item is None:
            return None
        return self.runner.write(f"Putting the tag {name} back on {item.name}",
                                 lambda progress, control: self.app.tag_edit_service.put_back_tags(item.id, [name]),
                                 on_done=partial(self._edited, item))

    def read_text(self):
        """Read the current photo's text on the writer (services/text_reading.py), then show its details again."""
        item = self.current
        if item is None:
            return None
        return self.runner.write(f"Reading the text in {item.name}",
                                 lambda progress, control: self.app.text_reading_service.read_photo_text(item.id),
                                 on_done=lambda read: self._text_read(item),
                                 on_error=lambda exc: self._text_not_read(item, exc))

    def _text_read(self, item: GridItem) -> None:
        if self.current is not None and self.current.id == item.id:
            self.show(self.current)

    def _text_not_read(self, item: GridItem, exc: BaseException) -> None:
        if not isinstance(exc, PhotoTaggerError):
            log.error("reading the text in %s failed", item.path, exc_info=exc)
        if self.current is not None and self.current.id == item.id:
            self.details.text_read_failed(getattr(exc, "reason", None) or str(exc) or type(exc).__name__)

    def mark_not_sensitive(self):
        item = self.current
        if item is None:
            return None
        return self.runner.write(f"Marking {item.name} not sensitive",
                                 lambda progress, control: self.app.tag_edit_service.mark_not_sensitive(item.id),
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
                self.runner.query(lambda: self.app.photo_details_service.photo_details(item.id),
                                  on_done=partial(self._details_loaded, self._generation))

    def retag(self, items: list[GridItem]):
        ids = [i.id for i in items]
        name = items[0].name if len(items) == 1 else f"{len(items)} photos"
        return self.runner.write(f"Retagging {name}",
                                 lambda progress, control: self.app.retag_service.retag_library(
                                     ids=ids, progress=progress, control=control),
                                 on_done=lambda report: self.window.folders.retagged(name, report))

    # -- the right-click menu
    def menu(self, items: list[GridItem]) -> QMenu:
        """The menu for the selected photos (the first one for the single-photo actions)."""
        window, first = self.window, items[0]
        menu = QMenu(window)
        view = menu.addAction("View", lambda: self.view(self._row_of(first)))
        menu.setDefaultAction(view)  # bold: what a double-click does
        menu.addAction(f"Open {len(items)} photos with system viewer" if len(items) > 1
                       else "Open with system viewer", lambda: self.open_with_system(items))
        menu.addAction("Show in file manager", lambda: self.show_in_file_manager(first))
        menu.addSeparator()
        similar = menu.addAction("Find similar", lambda: window.show_similar(first))
        similar.setEnabled(first.status == "indexed")
        like = menu.addAction("Like this photo, but...", lambda: self.like_but(first))
        like.setEnabled(first.status == "indexed")
        menu.addAction("Edit tags", lambda: self.edit(first))
        if self.model.is_hidden(first):
            menu.addAction("Show", lambda: self.reveal(first))
        menu.addAction(f"Retag {len(items)} photos" if len(items) > 1 else "Retag", lambda: self.retag(items))
        indexed = [i.id for i in items if i.status == "indexed"]
        menu.addAction("Write tags to sidecars",
                       lambda: window.sidecars.write(ids=indexed)).setEnabled(bool(indexed))
        window.albums.extend_menu(menu, items)  # Add to album, Remove from album
        learn = menu.addAction("New label from these photos...", lambda: self.new_label_from(items))
        learn.setToolTip("A label with no prompt, learned from the photos you picked")
        learn.setEnabled(bool(indexed))
        return menu

    def new_label_from(self, items: list[GridItem], name: str | None = None):
        """Ask for a name, then make a label from these photos alone (services/example_labels.py) on the
        writer; the library is retagged with it."""
        if name is None:
            name, ok = QInputDialog.getText(self.window, "New label from these photos",
                                            f"A name for what these {len(items)} photos have in common:")
            if not ok:
                return None
        if not name.strip():  # said at once: no job for a name that cannot be
            self.window.status.show_message("No new label: a label needs a name")
            return None
        ids = [i.id for i in items if i.status == "indexed"]
        return self.runner.write(f"Learning the label {name.strip()!r} from {len(ids)} photos",
                                 lambda progress, control: self.app.example_label_service.label_from_photos(
                                     name, ids, progress, control),
                                 on_done=self._label_made,
                                 on_error=lambda exc: self.window.status.show_message(f"No new label: {exc}"))

    def _label_made(self, made) -> None:
        self.window.status.show_message(made.summary())
        self.window.refresh()

    def like_but(self, item: GridItem) -> None:
        """Ask for words ("at night"), then show the photos like this one, but as they say (on a query worker)."""
        words = self.ask_words(item).strip()
        if not words:
            return
        if problem := search.query_problem(words):
            self.window.status.show_message(f"Like this photo, but: {problem}", about_selection=True)
            return
        self.window.show_similar(item, plus=words)

    def ask_words(self, item: GridItem) -> str:
        """The words, from a small input (the search bar's language: at night, -people, 2:snow)."""
        text, ok = QInputDialog.getText(self.window, "Like this photo, but...",
                                        f"Photos like {item.name}, but (e.g. at night, -people):")
        return text if ok else ""

    def _row_of(self, item: GridItem) -> int:
        return next((r for r, i in enumerate(self.model.items) if i.id == item.id), -1)

    def edit(self, item: GridItem) -> None:
        if self.current is None or self.current.id != item.id:
            self.show(item)
        self.details.focus_tags()
