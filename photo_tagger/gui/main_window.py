"""The main window: search bar, sidebar, thumbnail grid, details panel, status bar, menus, first-run states."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.grading import STRONG, WEAK
from photo_tagger.gui import model_trial_driver
from photo_tagger.gui.album_actions import AlbumActions
from photo_tagger.gui.dialogs import model_trial_dialog
from photo_tagger.gui.editors import Editors
from photo_tagger.gui.event_actions import EventActions
from photo_tagger.gui.folder_actions import FolderActions
from photo_tagger.gui.help_actions import HelpActions
from photo_tagger.gui.launcher import open_externally
from photo_tagger.gui.live_watch import LiveWatcher
from photo_tagger.gui.model_setup import ModelSetup
from photo_tagger.gui.models.photo_grid import ItemRole, PathRole, PhotoGridModel
from photo_tagger.gui.models.sidebar_models import TagEntry
from photo_tagger.gui.photo_actions import PhotoActions
from photo_tagger.gui.qt_compat import guard_singletons
from photo_tagger.gui.sidecar_actions import SidecarActions
from photo_tagger.gui.stack_actions import StackActions
from photo_tagger.gui.tasks import TaskRunner
from photo_tagger.gui.thumbnails import THUMBNAIL_SIZES, ThumbnailCache, ThumbnailProvider
from photo_tagger.gui.views.photo_grid_view import PhotoGridView
from photo_tagger.gui.widgets.details_panel import DetailsPanel
from photo_tagger.gui.widgets.empty_note import EmptyNote
from photo_tagger.gui.widgets.folder_drop import FolderDropFilter
from photo_tagger.gui.widgets.header_label import HeaderLabel
from photo_tagger.gui.widgets.panels import EmptyLibraryPanel, NoModelPanel
from photo_tagger.gui.widgets.search_bar import SearchBar
from photo_tagger.gui.widgets.sidebar import Sidebar
from photo_tagger.gui.widgets.status_panel import StatusPanel
from photo_tagger.services import browsing, search
from photo_tagger.services.browsing import Scope, folder_name
from photo_tagger.services.models import DEFAULT_READY, Startup

if TYPE_CHECKING:
    from photo_tagger.app import App

log = logging.getLogger(__name__)
LIVE_REFRESH_S = 2.0


class MainWindow(QMainWindow):
    """Owns the views; every read and write of the library goes through the TaskRunner."""

    def __init__(self, app: App, runner: TaskRunner | None = None, parent: QWidget | None = None, *,
                 watch: bool = True):
        guard_singletons()  # before the first paint: an affected PySide6 would otherwise abort the process
        super().__init__(parent)
        self.app = app
        self.runner = runner or TaskRunner(app.close, parent=self)
        self.watch = watch
        # A file of its own under the app's config dir (not the platform's store): tests and portable
        # homes stay self-contained.
        self.settings = QSettings(str(app.paths.config_dir / "gui.ini"), QSettings.Format.IniFormat)
        self.scope = Scope()
        self.tag_entry = TagEntry("any")
        self.query = ""
        self.parsed_query, self.query_problem = None, ""  # self.query parsed (_query_changed)
        self.roots: tuple[str, ...] = ()
        self.grid_generation = 0  # bumped per grid refresh: answers to older requests are dropped
        self._sidebar_generation = 0
        self._last_live_refresh = 0.0
        self.setWindowTitle("Photo Tagger")
        self.resize(1200, 780)

        cache = ThumbnailCache(app.paths.cache_dir / "thumbnails", app.settings.thumbnail_size)
        self.thumbnails = ThumbnailProvider(self.runner, cache, parent=self)
        self.grid_model = PhotoGridModel(self.thumbnails, self)
        self.grid_model.set_blur_flagged(self.settings.value("view/blur_flagged", True, type=bool))
        self.details = DetailsPanel(self)
        self.photos = PhotoActions(self)
        self.editors = Editors(self)
        self.watcher = LiveWatcher(app.folder_service, self.runner, parent=self)
        self.search_bar = SearchBar(parent=self)
        self.sidebar = Sidebar(self)
        self.grid = PhotoGridView(self.grid_model, cache.size, self)
        self.empty_note = EmptyNote(self.grid)  # an empty grid says why
        self.header = HeaderLabel(self)  # a long message is elided: it never widens the window
        self.status = StatusPanel(self.runner, self)
        self.statusBar().addWidget(self.status, 1)
        self.no_model = NoModelPanel(DEFAULT_READY, self)
        self.empty = EmptyLibraryPanel(self)
        self.folders = FolderActions(self)
        self.sidecars = SidecarActions(self)
        self.albums = AlbumActions(self)
        self.events = EventActions(self)
        self.stacks = StackActions(self)
        self.model_setup = ModelSetup(self)
        self.model_trial = model_trial_driver.attach(self)  # a second model's sample, encoded in the background
        self.loading = QLabel("Opening the library...", self)
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget(self)
        self.duplicates_view = None  # a page made on first use (show_duplicates)
        self.browser = self._make_browser()
        for page in (self.loading, self.no_model, self.empty, self.browser):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)
        self._make_menus()
        self._connect()
        self.check_setup()

    # -- layout
    def _make_browser(self) -> QWidget:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 0)
        heading = QHBoxLayout()
        heading.addWidget(self.header, 1)
        self.save_search_button = self.albums.save_search_button(self)
        heading.addWidget(self.save_search_button)
        layout.addLayout(heading)
        layout.addWidget(self.grid, 1)
        splitter = QSplitter(self)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(content)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 680, 300])
        page = QWidget(self)
        outer = QVBoxLayout(page)
        outer.setContentsMargins(8, 8, 8, 0)
        outer.addWidget(self.search_bar)
        outer.addWidget(splitter, 1)
        return page

    def _make_menus(self) -> None:
        library = self.menuBar().addMenu("&Library")
        self.add_folder_action = library.addAction("Add folder...", self.folders.choose)
        self.add_folder_action.setShortcut(QKeySequence.StandardKey.Open)
        library.addAction("Retag everything", lambda: self.folders.retag(None))
        library.addAction("Write all tags to sidecars", lambda: self.sidecars.write())
        library.addAction("New album...", lambda: self.albums.create())
        library.addAction("Save search as smart album...", lambda: self.albums.save_search())
        library.addSeparator()
        library.addAction("Quit", self.close).setShortcut(QKeySequence.StandardKey.Quit)
        view = self.menuBar().addMenu("&View")
        self.blur_action = QAction("Blur flagged photos", self, checkable=True)
        self.blur_action.setChecked(self.grid_model.blur_flagged)
        self.blur_action.toggled.connect(self.set_blur_flagged)
        view.addAction(self.blur_action)
        view.addAction(self.stacks.action)
        self.duplicates_action = view.addAction("Duplicates", self.show_duplicates)
        sizes = view.addMenu("Thumbnail size")
        self.size_actions = QActionGroup(self)
        for text, size in THUMBNAIL_SIZES:
            action = sizes.addAction(text, partial(self.editors.set_thumbnail_size, size))
            action.setCheckable(True)
            action.setData(size)
            self.size_actions.addAction(action)
        self._check_size_action(self.thumbnails.size)
        tools = self.menuBar().addMenu("&Tools")
        self.labels_action = tools.addAction("Labels...", self.editors.edit_labels)
        self.review_action = tools.addAction("Review tags and flags...", self.review_labels)
        self.models_action = tools.addAction("Models...", self.model_setup.show_models)
        self.settings_action = tools.addAction("Settings...", self.editors.edit_settings)
        self.compare_models_action = tools.addAction("Compare models...", partial(model_trial_dialog.open_for, self))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("Open log folder", self.open_log_folder)
        self.help = HelpActions(self, help_menu)  # Keyboard shortcuts, About

    def set_blur_flagged(self, on: bool) -> None:
        self.settings.setValue("view/blur_flagged", on)
        self.grid_model.set_blur_flagged(on)
        if self.photos.current is not None:
            self.photos.show(self.photos.current)

    def set_thumbnail_size(self, size: int) -> None:
        """The grid reflows at once; thumbnails of the new size come from the disk cache or are made."""
        self.thumbnails.set_size(size)
        self.grid.set_thumbnail_size(size)
        self._check_size_action(size)

    def _check_size_action(self, size: int) -> None:
        for action in self.size_actions.actions():
            action.setChecked(action.data() == size)

    def open_log_folder(self) -> None:
        self.app.paths.log_dir.mkdir(parents=True, exist_ok=True)
        open_externally(self, str(self.app.paths.log_dir), "log folder", opener=self.open_url)

    def open_url(self, url: QUrl) -> bool:
        """Every file, folder and link the window opens goes through here (tests replace it)."""
        return QDesktopServices.openUrl(url)

    def _connect(self) -> None:
        self.search_bar.query_changed.connect(self._query_changed)
        self.search_bar.dates.range_changed.connect(self._dates_selected)
        self.sidebar.folder_selected.connect(self._folder_selected)
        self.sidebar.tag_selected.connect(self._tag_selected)
        self.sidebar.add_folder_requested.connect(self.folders.choose)
        self.folder_drop = FolderDropFilter(self)
        self.folder_drop.folders_dropped.connect(lambda folders: [self.folders.add(f) for f in folders])
        self.setAcceptDrops(True)
        self.installEventFilter(self.folder_drop)
        self.sidebar.retag_requested.connect(self.folders.retag)
        self.sidebar.rescan_requested.connect(self.folders.rescan)
        self.sidebar.unwatch_requested.connect(self.folders.stop_watching)
        self.sidebar.show_requested.connect(self.folders.show_in_file_manager)
        self.sidebar.sidecars_requested.connect(lambda folder: self.sidecars.write(folder=folder))
        self.sidebar.duplicates_requested.connect(self.show_duplicates)
        self.empty.add_requested.connect(self.folders.choose)
        self.grid.doubleClicked.connect(lambda index: self.photos.view(index.row()))  # the app's own viewer
        view_selected = QShortcut(QKeySequence(Qt.Key.Key_Return), self.grid)
        # Set apart: PySide6 ignores a context given to the constructor with a callable, and a window-wide Return
        # would open the viewer from the tag field and every other line edit.
        view_selected.setContext(Qt.ShortcutContext.WidgetShortcut)
        view_selected.activated.connect(lambda: self.photos.view(self.grid.currentIndex().row()))
        view_selected.setWhatsThis("View the selected photo")  # its name in Help > Keyboard shortcuts
        self.grid.customContextMenuRequested.connect(self._show_grid_menu)
        self.runner.job_failed.connect(lambda job, message: self.status.show_message(f"{job.description} failed: "
                                                                                       f"{message}"))
        self.runner.query_failed.connect(self.status.show_message)
        self.runner.job_progressed.connect(self._live_refresh)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self.watcher.changes_indexed.connect(self._changes_indexed)

    # -- the first screen
    def check_setup(self) -> None:
        """Pick the page: no model -> install panel; no folder -> empty state; else the library."""
        self.runner.query(self.app.model_service.check_startup, on_done=self._setup_checked,
                          on_error=lambda exc: self._setup_checked(Startup(None, str(exc), ())))

    def _setup_checked(self, startup: Startup) -> None:
        if startup.model is None:
            self.no_model.set_problem(startup.model_problem or "")
            self.pages.setCurrentWidget(self.no_model)
            return
        self.roots = startup.roots
        if self.watch:
            self.watcher.set_roots(self.roots)
            if self.roots:
                self.watcher.catch_up()
        self.setWindowTitle(f"Photo Tagger ({startup.model})")
        self.runner.warm(self.app.preload_search)  # the search matrix, before the first search needs it
        if startup.retag_pending:
            self.editors.finish_pending_retag()
        self.model_trial.resume_any()
        if not startup.roots and not self.runner.busy:
            self.pages.setCurrentWidget(self.empty)
            return
        self.pages.setCurrentWidget(self.browser)
        self.refresh()

    # -- reading the library
    def refresh(self) -> None:
        self.refresh_sidebar()
        self.refresh_grid()
        if self.photos.current is not None:  # its tags may have changed (a retag, a label renamed)
            self.photos.show(self.photos.current)

    def refresh_sidebar(self) -> None:
        self._last_live_refresh = time.monotonic()
        self._sidebar_generation += 1
        generation = self._sidebar_generation
        self.runner.query(lambda: browsing.folder_rows(self.app.catalog), on_done=partial(self._folders_loaded, generation))
        self.runner.query(lambda: browsing.tag_rows(self.app.catalog), on_done=partial(self._tags_loaded, generation))
        self.runner.query(lambda: browsing.skipped_files(self.app.catalog),
                          on_done=partial(self._skipped_loaded, generation))
        self.albums.refresh()  # smart albums' counts follow new, changed and retagged photos
        self.events.refresh()

    def _folders_loaded(self, generation: int, folders) -> None:
        if generation == self._sidebar_generation:  # two query workers: an older answer may come last
            self.roots = tuple(f.path for f in folders)
            if self.watch:
                self.watcher.set_roots(self.roots)
            self.sidebar.set_folders(folders, self.scope.folder)

    def _skipped_loaded(self, generation: int, rows) -> None:
        if generation == self._sidebar_generation:
            self.status.set_skipped(rows)

    def _tags_loaded(self, generation: int, rows) -> None:
        if generation == self._sidebar_generation:
            self.sidebar.set_tags(rows[0], rows[1], self.tag_entry)

    def refresh_grid(self) -> None:
        problem = self.query_problem if self.query else ""
        if problem:  # said at once (parsing is pure and quick); the old results would look like this query's
            self.grid_generation += 1  # an answer still on its way is stale
            self.grid_model.clear()
            self.header.setText(f"Search: {problem}")
            return
        self.grid_generation += 1
        generation = self.grid_generation
        self.grid_model.clear()
        query, scope = self.query, self.scope
        self.save_search_button.setVisible(bool(query))
        if self.albums.showing and not query:
            self.albums.load_grid(generation)
            return
        if self.events.showing and not query:
            self.events.load_grid(generation)
            return
        where = self._where(scope)
        if query:
            self.header.setText(f"Searching for \u201c{query}\u201d{where}...")
            searched = self.parsed_query or query
            self.runner.query(lambda: self.app.search_service.graded_search_items(searched, scope),
                              on_done=partial(self._search_done, generation, query, where),
                              on_error=partial(self.grid_failed, generation))
            return
        self.header.setText(f"Loading{where}...")

        def deliver(batch):
            self.runner.call_in_gui(self._batch_loaded, generation, batch)

        self.runner.query(lambda: browsing.library_items(self.app.catalog, scope, deliver,
                                                         cancelled=lambda: generation != self.grid_generation),
                          on_done=partial(self._library_done, generation, where),
                          on_error=partial(self.grid_failed, generation))

    def _where(self, scope: Scope) -> str:
        parts = []
        if scope.folder:
            parts.append(f" in {folder_name(scope.folder)}")
        if scope.tag:
            parts.append(f" tagged {scope.tag}")
        if scope.flagged:
            parts.append(" flagged")
        if scope.since or scope.until:
            parts.append(f" taken {scope.since or '...'} to {scope.until or 'today'}")
        return "".join(parts)

    def _dates_selected(self, since, until) -> None:
        self.scope = replace(self.scope, since=since, until=until)
        self.refresh_grid()

    def _batch_loaded(self, generation: int, batch) -> None:
        if generation == self.grid_generation:
            self.grid_model.append(batch)

    def _library_done(self, generation: int, where: str, count: int) -> None:
        if generation == self.grid_generation:
            self.header.setText(f"{count} photo{'s' if count != 1 else ''}{where}, most recent first")
            self.grid_done(generation, "")
            self.stacks.listing_done(generation)

    def review_labels(self) -> None:
        """The review dialog (gui/dialogs/review_dialog.py); closing it after any answer retags the library on the
        writer (after the answers, which the writer stores first), so that learning reaches every photo."""
        from photo_tagger.gui.dialogs.review_dialog import ReviewDialog

        dialog = ReviewDialog(self.app, self.runner, self, hide_if_flagged=lambda photo_id: (
            self.grid_model.blur_flagged and not self.grid_model.is_revealed(photo_id)))
        dialog.counts_changed.connect(self._review_counted)  # the sidebar counts what the dialog counts
        dialog.finished.connect(partial(self._review_closed, dialog))
        self.review_dialog = dialog
        dialog.open()

    def _review_counted(self, rows) -> None:
        self._sidebar_generation += 1  # a sidebar read still under way is older than these counts
        self.sidebar.set_tags(rows[0], rows[1], self.tag_entry)

    def _review_closed(self, dialog, _result: int) -> None:
        if dialog.answers_given:
            self.folders.retag(None)  # on the writer, after the answers: it says how many changed, then refreshes
        dialog.deleteLater()

    def _search_done(self, generation: int, query: str, where: str, graded) -> None:
        if generation != self.grid_generation:
            return
        strong, weak = graded  # strong hits first (core/grading.py); the grid draws a line between them
        items = strong + weak
        self.grid_model.append(strong, match=STRONG)
        self.grid_model.append(weak, match=WEAK)
        found = f"{len(items)} best match{'es' if len(items) != 1 else ''}" if items else "No photos found"
        if strong:  # strong by meaning, or found by their text or name (search_rank.is_match)
            found += (f" ({len(strong)} strong, then {len(weak)} weaker below the line)" if weak
                      else f" ({len(strong)} strong)")
        elif items:
            found = f"no photo matches well; closest: {found}"
        self.header.setText(f"{found} for \u201c{query}\u201d{where}")
        self.grid_done(generation, query)

    def grid_done(self, generation: int, query: str) -> None:
        """The listing is complete: the details panel follows it, and an empty grid says why it is empty."""
        current = self.photos.current
        row = next((r for r, i in enumerate(self.grid_model.items) if current and i.id == current.id), None)
        if row is not None:  # still selected, but the new listing stays at its top (setCurrentIndex scrolls to it)
            bar = self.grid.verticalScrollBar()
            top = bar.value()
            self.grid.setCurrentIndex(self.grid_model.index(row, 0))
            bar.setValue(top)
        elif current is not None:
            self.photos.show(None)  # not in this listing: its details would be stale
        if not self.grid_model.rowCount():
            scope = self.scope
            self.runner.query(lambda: browsing.empty_reason(self.app.catalog, scope, query),
                              on_done=lambda text: generation == self.grid_generation and self.empty_note.set_reason(text))

    def grid_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self.grid_generation:
            self.header.setText(f"Could not show photos: {exc}")

    def _query_changed(self, query: str) -> None:
        self.query = query
        # Parsed once here: the grid's check, the details panel's marks and the search all use this parse.
        self.parsed_query, self.query_problem = search.read_query(query)
        if query:
            self.albums.leave()  # a search looks through the whole library (within the sidebar's scope)
            self.events.leave()
        self.details.set_search(self.parsed_query)  # its words are marked in the photo's text
        self.refresh_grid()

    def _folder_selected(self, folder: str | None) -> None:
        if folder == self.scope.folder and not self.albums.showing and not self.events.showing:
            return  # the sidebar's click on the folder already shown (it reports clicks: back from an album)
        self.scope = replace(self.scope, folder=folder)
        self.albums.leave()
        self.events.leave()
        self.refresh_grid()

    def _tag_selected(self, entry: TagEntry) -> None:
        if entry == self.tag_entry and not self.albums.showing and not self.events.showing:
            return
        self.tag_entry = entry
        self.scope = replace(self.scope, tag=entry.name if entry.kind == "tag" else None,
                             flagged=entry.kind == "flagged")
        self.albums.leave()
        self.events.leave()
        self.refresh_grid()

    def _live_refresh(self, job) -> None:
        # Folder counts grow while indexing; the grid waits for the end (a reset would lose the scroll).
        if time.monotonic() - self._last_live_refresh > LIVE_REFRESH_S and self.pages.currentWidget() is self.browser:
            self.refresh_sidebar()
            if not self.query and self.grid_model.rowCount() == 0:  # a first index: show photos as they come
                self.refresh_grid()

    def confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Photo Tagger", text)
        return answer == QMessageBox.StandardButton.Yes

    # -- photos
    def selected_paths(self) -> list[str]:
        return [index.data(PathRole) for index in self.grid.selectionModel().selectedIndexes()]

    def selected_items(self) -> list:
        indexes = sorted(self.grid.selectionModel().selectedIndexes(), key=lambda i: i.row())
        current = self.grid.currentIndex()
        if current.isValid() and current in indexes:  # the clicked photo first: single-photo actions use it
            indexes.remove(current)
            indexes.insert(0, current)
        return [index.data(ItemRole) for index in indexes]

    def show_duplicates(self) -> None:
        """The Duplicates page (gui/views/duplicates_view.py), made on first use, over the sidebar's folder."""
        from photo_tagger.gui.views.duplicates_view import DuplicatesView

        if self.duplicates_view is None:
            self.duplicates_view = DuplicatesView(self)
        self.duplicates_view.open(self.roots, self.scope.folder)

    def _show_grid_menu(self, position) -> None:
        index = self.grid.indexAt(position)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.setCurrentIndex(index)
        items = self.selected_items()
        if not items:
            return
        menu = self.photos.menu(items)
        self.stacks.add_to_menu(menu, items[0])
        menu.exec(self.grid.viewport().mapToGlobal(position))
        menu.deleteLater()

    def _current_changed(self, current, previous) -> None:
        self.status.selection_changed()  # a message about the previous photo is stale now
        if current.isValid():
            self.photos.show(current.data(ItemRole))

    def show_similar(self, item, plus: str = "") -> None:
        """Fill the grid with the photos nearest to `item`'s stored embedding, with their scores; with `plus`, like
        it but as those words say ("Like this photo, but...")."""
        self.grid_generation += 1
        generation = self.grid_generation
        self.grid_model.clear()
        name = f"{item.name}, but \u201c{plus}\u201d" if plus else item.name
        self.header.setText(f"Finding photos like {name}...")
        self.runner.query(lambda: self.app.search_service.similar_items(item.id, plus=plus),
                          on_done=partial(self._similar_done, generation, name),
                          on_error=partial(self.grid_failed, generation))

    def _similar_done(self, generation: int, name: str, items) -> None:
        if generation == self.grid_generation:
            self.grid_model.append(items)
            self.header.setText(f"{len(items)} photos most like {name}, best first")

    def _changes_indexed(self, report) -> None:
        self.status.show_message(report.summary("Folder changes"))
        self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.status.show_message("Closing...")
        self.runner.shutdown()
        super().closeEvent(event)
