"""What the window does with watched folders: add (dialog or drop), rescan, retag, stop watching, show."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from photo_tagger.gui.launcher import open_externally, standard_folder
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.services.browsing import folder_name


class FolderActions(WindowPart):
    """Each action queues one job on the writer; the window refreshes when it ends."""

    def choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Add a folder of photos",
                                                  standard_folder(QStandardPaths.StandardLocation.PicturesLocation))
        if folder:
            self.add(folder)

    def add(self, folder: str):
        window = self.window
        window.pages.setCurrentWidget(window.browser)
        window.status.show_message(f"Adding {folder}...")
        if not window.grid_model.rowCount():
            window.header.setText(f"Adding {folder}: photos appear here as they are indexed")
        job = self.runner.write(f"Indexing {folder_name(folder)}",
                                lambda progress, control: self.app.folder_service.add_folder(folder, progress,
                                                                                        control),
                                on_done=lambda report: self._indexed(folder, report),
                                on_error=lambda exc: window.refresh())
        window.refresh_sidebar()
        return job

    def rescan(self, folder: str):
        return self.runner.write(f"Rescanning {folder_name(folder)}",
                                 lambda progress, control: self.app.folder_service.rescan(folder, folder, progress,
                                                                                      control),
                                 on_done=lambda report: self._indexed(folder, report))

    def _indexed(self, folder: str, report) -> None:
        self.window.status.show_message(report.summary(folder))
        self.window.refresh()

    def retag(self, folder: str | None):
        name = folder_name(folder) if folder else "library"
        return self.runner.write(f"Retagging {name}",
                                 lambda progress, control: self.app.retag_service.retag_library(
                                     folder, progress=progress, control=control),
                                 on_done=lambda report: self.retagged(name, report))

    def retagged(self, name: str, report) -> None:
        self.window.status.show_message(f"Retagged {report.photos} photos in {name} ({report.changed} changed, "
                                        f"{report.seconds:.2f} s)")
        self.window.refresh()

    def stop_watching(self, folder: str):
        window = self.window
        if not window.confirm(f"Stop watching {folder}?\n\nIts photos leave the library (with their tags); "
                              "the files themselves are not touched."):
            return None
        if window.scope.folder == folder:
            window.scope = replace(window.scope, folder=None)
        return self.runner.write(f"Forgetting {folder_name(folder)}",
                                 lambda progress, control: self.app.folder_service.stop_watching(folder, progress,
                                                                                             control),
                                 on_done=lambda forgotten: self._unwatched(folder, forgotten))

    def _unwatched(self, folder: str, forgotten) -> None:
        self.window.status.show_message(f"Stopped watching {folder} ({forgotten.summary()})")
        self.window.check_setup()

    def show_in_file_manager(self, folder: str) -> bool:
        return open_externally(self.window, folder, "folder", opener=self.window.open_url)
