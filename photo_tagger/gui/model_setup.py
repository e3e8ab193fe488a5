"""The first-run screen's actions: install a CLIP model from the Hugging Face hub or from a local folder."""

from __future__ import annotations

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from photo_tagger.gui.launcher import standard_folder
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.infra.model_export import HubDownloadError
from photo_tagger.services import models


class ModelSetup(WindowPart):
    """Runs the install on the writer (the window stays usable); the panel shows what happens and what failed."""

    def __init__(self, window):
        super().__init__(window)
        self.panel = window.no_model
        self.panel.install_requested.connect(self.choose_folder)
        self.panel.hub_install_requested.connect(self.install_from_hub)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "A model folder: a ready ONNX model, or one Photo "
                                                              "Tagger made",
                                                  standard_folder(QStandardPaths.StandardLocation.DownloadLocation))
        if folder:
            self.install_from_folder(folder)

    def install_from_folder(self, folder: str):
        return self._install(f"Installing the model from {folder} and checking it...",
                             lambda progress, control: models.install_model(self.app, folder, progress, control))

    def install_from_hub(self, hub_id: str):
        return self._install(f"Downloading {hub_id} from the Hugging Face hub and checking it (a few minutes; "
                             "the progress is in the status bar)...",
                             lambda progress, control: models.install_from_hub(self.app, hub_id, progress,
                                                                                   control))

    def _install(self, busy_text: str, job):
        self.panel.set_busy(busy_text)
        # An install has no safe point to stop at (no checkpoint): the status bar shows no Pause for it.
        return self.runner.write("Installing the model", job, on_done=self._installed, on_error=self._failed,
                                 pausable=False)

    def _failed(self, exc: BaseException) -> None:
        self.panel.set_busy(None)
        if isinstance(exc, HubDownloadError):  # its own advice names a terminal command; the panel has a button
            self.panel.set_download_failed(exc.repo_id, exc.reason)
            # After the runner's "... failed: <the error>" line, which repeats that command.
            self.window.status.show_message(f"Installing the model failed: cannot download {exc.repo_id} "
                                            f"({exc.reason})")
        else:
            self.panel.set_problem(f"The model could not be installed: {exc}")

    def _installed(self, model) -> None:
        self.panel.set_busy(None)
        self.window.status.show_message(f"Installed model {model.name}")
        self.window.check_setup()
