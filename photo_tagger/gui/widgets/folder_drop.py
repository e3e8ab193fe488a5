"""Folders dragged from a file manager onto the window are added to the library."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Signal


def dropped_folders(mime) -> list[str]:
    """Local folders in a drag's data (files and remote URLs are not folders to watch)."""
    # A stat per dragged URL on the GUI thread: a handful of local paths, only while the user drags.
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and Path(url.toLocalFile()).is_dir()]


class FolderDropFilter(QObject):
    """Event filter for a widget that accepts drops; emits the folders dropped on it."""

    folders_dropped = Signal(list)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if event.mimeData().hasUrls() and dropped_folders(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif event.type() == QEvent.Type.Drop:
            folders = dropped_folders(event.mimeData())
            if folders:
                event.acceptProposedAction()
                self.folders_dropped.emit(folders)
                return True
        return super().eventFilter(watched, event)
