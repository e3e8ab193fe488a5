"""The sidebar: watched folders (with Add folder and a context menu) above the tags and Flagged, then albums, then
events."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QMenu, QPushButton, QVBoxLayout, QWidget

from photo_tagger.gui.models.sidebar_models import (
    AlbumListModel,
    AlbumRole,
    FolderListModel,
    FolderRole,
    TagEntry,
    TagListModel,
    TagRole,
)
from photo_tagger.gui.widgets.event_timeline import EventTimeline


class Sidebar(QWidget):
    """Emits the user's choices; the window decides what they do."""

    folder_selected = Signal(object)  # a watched folder's path, or None for every folder
    tag_selected = Signal(object)  # a TagEntry
    add_folder_requested = Signal()
    retag_requested = Signal(str)
    rescan_requested = Signal(str)
    unwatch_requested = Signal(str)
    show_requested = Signal(str)  # open the folder in the file manager
    sidecars_requested = Signal(str)  # write the folder's tags to XMP sidecars
    duplicates_requested = Signal()
    album_selected = Signal(object)  # an Album
    album_create_requested = Signal()
    album_rename_requested = Signal(object)  # an Album
    album_delete_requested = Signal(object)  # an Album

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folders = FolderListModel(self)
        self.tags = TagListModel(self)
        self.folder_view = self._list(self.folders)
        self.folder_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.folder_view.customContextMenuRequested.connect(self._show_folder_menu)
        self.folder_view.selectionModel().currentChanged.connect(
            lambda current, _: self.folder_selected.emit(current.data(FolderRole)) if current.isValid() else None)
        # Clicks too: the folder or tag already current is chosen again to leave an album (the window ignores
        # a choice that changes nothing).
        self.folder_view.clicked.connect(lambda index: self.folder_selected.emit(index.data(FolderRole)))
        self.tag_view = self._list(self.tags)
        self.tag_view.clicked.connect(lambda index: self.tag_selected.emit(index.data(TagRole)))
        self.tag_view.selectionModel().currentChanged.connect(
            lambda current, _: self.tag_selected.emit(current.data(TagRole)) if current.isValid() else None)
        self.add_button = QPushButton("Add folder...", self)
        self.add_button.setToolTip("Watch a folder of photos and index it")
        self.add_button.clicked.connect(self.add_folder_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.addWidget(_heading("Folders"))
        layout.addWidget(self.folder_view, 2)
        layout.addWidget(self.add_button)
        layout.addSpacing(8)
        layout.addWidget(_heading("Tags"))
        layout.addWidget(self.tag_view, 3)
        self.duplicates_button = QPushButton("Find duplicates", self)
        self.duplicates_button.setToolTip("Find copies of the same photo and keep one (the others go to the trash)")
        self.duplicates_button.clicked.connect(self.duplicates_requested)
        layout.addWidget(self.duplicates_button)
        layout.addSpacing(8)
        layout.addWidget(_heading("Albums"))
        self.albums = AlbumListModel(self)
        self.album_view = self._list(self.albums)
        self.album_view.setAccessibleName("Albums")
        self.album_view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)  # photos from the grid
        self.album_view.setDropIndicatorShown(True)
        self.album_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.album_view.customContextMenuRequested.connect(self._show_album_menu)
        # clicked as well as currentChanged: the album shown before a search can be chosen again
        self.album_view.clicked.connect(lambda index: self.album_selected.emit(index.data(AlbumRole)))
        self.album_view.selectionModel().currentChanged.connect(
            lambda current, _: self.album_selected.emit(current.data(AlbumRole)) if current.isValid() else None)
        layout.addWidget(self.album_view, 2)
        layout.addSpacing(8)
        layout.addWidget(_heading("Events"))
        self.events = EventTimeline(parent=self)  # gui/event_actions.py fills it and acts on its choices
        layout.addWidget(self.events, 3)
        self.setMinimumWidth(200)
        self.setMaximumWidth(320)

    def _list(self, model) -> QListView:
        view = QListView(self)
        view.setModel(model)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setUniformItemSizes(True)
        return view

    def set_folders(self, folders, selected: str | None) -> None:
        self.folders.set_folders(folders)
        self._select(self.folder_view, self.folders.row_of(selected))

    def set_tags(self, tags, flagged: int, selected: TagEntry) -> None:
        self.tags.set_tags(tags, flagged)
        self._select(self.tag_view, self.tags.row_of(selected.kind, selected.name))

    def set_albums(self, albums, selected_id: int | None) -> None:
        self.albums.set_albums(albums)
        if selected_id is None:
            self.album_view.selectionModel().blockSignals(True)
            self.album_view.selectionModel().clear()
            self.album_view.selectionModel().blockSignals(False)
        else:
            self._select(self.album_view, self.albums.row_of(selected_id))

    def clear_album_selection(self) -> None:
        self.set_albums(self.albums.albums, None)

    def album_menu(self, album) -> QMenu:
        """The albums' context menu: on an album (or None for the list's empty space)."""
        menu = QMenu(self)
        menu.addAction("New album...", self.album_create_requested.emit)
        if album is not None:
            menu.addSeparator()
            menu.addAction("Rename album...", lambda: self.album_rename_requested.emit(album))
            menu.addAction("Delete album", lambda: self.album_delete_requested.emit(album)).setToolTip(
                "The album goes; its photos stay in the library")
        return menu

    def _show_album_menu(self, position: QPoint) -> None:
        menu = self.album_menu(self.album_view.indexAt(position).data(AlbumRole))
        menu.exec(self.album_view.viewport().mapToGlobal(position))
        menu.deleteLater()

    @staticmethod
    def _select(view: QListView, row: int) -> None:
        if row < 0:
            return
        # Restoring the selection after a refresh must not look like a new choice by the user.
        view.selectionModel().blockSignals(True)
        index = view.model().index(row, 0)
        view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.selectionModel().blockSignals(False)
        view.viewport().update()

    def folder_menu(self, path: str) -> QMenu:
        """The context menu of one watched folder (built apart from showing it, so tests can trigger it)."""
        menu = QMenu(self)
        menu.addAction("Retag folder", lambda: self.retag_requested.emit(path)).setToolTip(
            "Recompute tags and flags from stored embeddings (no photo is read)")
        menu.addAction("Rescan folder", lambda: self.rescan_requested.emit(path))
        menu.addAction("Show in file manager", lambda: self.show_requested.emit(path))
        menu.addAction("Write tags to sidecars", lambda: self.sidecars_requested.emit(path)).setToolTip(
            "Tags and flags as XMP keywords in IMG.jpg.xmp beside each photo (the photos are not touched)")
        menu.addSeparator()
        menu.addAction("Stop watching", lambda: self.unwatch_requested.emit(path))
        return menu

    def _show_folder_menu(self, position: QPoint) -> None:
        path = self.folder_view.indexAt(position).data(FolderRole)
        if path:
            menu = self.folder_menu(path)
            menu.exec(self.folder_view.viewport().mapToGlobal(position))
            menu.deleteLater()


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
