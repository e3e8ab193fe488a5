"""The first-run screen's actions: offer the ready models with their download sizes, install one from the Hugging Face
hub (progress in bytes, Cancel) or from a local folder; and the Models dialog (what each installed model costs)."""

from __future__ import annotations

import time
from functools import partial

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from photo_tagger.gui.dialogs.models_dialog import ModelsDialog
from photo_tagger.gui.launcher import standard_folder
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.infra.model_catalogue import human_bytes
from photo_tagger.infra.model_costs import rate_text
from photo_tagger.infra.model_export import HubDownloadError
from photo_tagger.services import models


class ModelSetup(WindowPart):
    """Runs the install on the writer (the window stays usable); the panel shows what happens and what failed."""

    def __init__(self, window):
        super().__init__(window)
        self.panel = window.no_model
        self.panel.set_ready_models(models.ready_models())
        self.panel.install_requested.connect(self.choose_folder)
        self.panel.hub_install_requested.connect(self.install_from_hub)
        self.panel.cancel_requested.connect(self.cancel)
        self.panel.first_shown.connect(self.ask_sizes)
        self.runner.job_finished.connect(self._job_finished)
        self.job = None  # the install in flight
        self.models_dialog: ModelsDialog | None = None

    def ask_sizes(self) -> None:
        """Each ready model's download size from the hub, on the query workers ("size unknown: offline" without)."""
        for ready in models.ready_models():
            self.runner.query(partial(models.download_size, ready.repo_id),
                              on_done=lambda answer: self.panel.set_size(
                                  answer.repo_id, f"{answer.text} download" if answer.size else answer.text))

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
        def job(progress, control):
            shown = PanelProgress(progress, partial(self.runner.call_in_gui, self.panel.show_progress))
            return models.install_from_hub(self.app, hub_id, shown, control)

        self.panel.show_progress(0, None, "Asking the hub...", cancellable=True)
        return self._install(f"Downloading {hub_id} from the Hugging Face hub...", job)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()  # the download stops at its next chunk (hub_download's checkpoint)

    def _install(self, busy_text: str, job):
        self.panel.set_busy(busy_text)
        # Only the download has safe points to stop at (the panel's Cancel); the status bar offers no Pause for it.
        self.job = self.runner.write("Installing the model", job, on_done=self._installed, on_error=self._failed,
                                     pausable=False)
        return self.job

    def _job_finished(self, job, result) -> None:
        if job is not self.job:
            return
        self.job = None
        if result is None and job.cancelled:  # neither on_done nor on_error comes
            self.panel.set_busy(None)
            self.panel.set_note("Cancelled: nothing was installed. What was downloaded is kept: installing the same "
                                "model again goes on from there.")

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
        speed = (model.manifest.get("measured") or {}).get("images_per_s", {}).get("fp32")
        here = f": {rate_text(speed)} images/s on this computer" if speed else ""
        self.window.status.show_message(f"Installed model {model.name}{here}")
        self.window.check_setup()

    # -- Tools > Models...
    def show_models(self) -> ModelsDialog:
        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.window)
            self.models_dialog.refresh_requested.connect(self.refresh_models)
            self.models_dialog.measure_requested.connect(self.measure)
        self.models_dialog.show()
        self.models_dialog.raise_()
        self.refresh_models()
        return self.models_dialog

    def refresh_models(self) -> None:
        self.runner.query(partial(models.installed_models, self.app), on_done=self.models_dialog.show_rows)

    def measure(self, name: str) -> None:
        self.models_dialog.set_measuring(name)
        self.runner.write(f"Measuring the speed of {name}",
                          lambda progress, control: models.measure_again(self.app, name, progress, control),
                          on_done=lambda model: self.refresh_models(), on_error=lambda exc: self.refresh_models(),
                          pausable=False)


class PanelProgress:
    """The core Progress of a hub install, for the panel: bytes of the download (Cancel on), then the later steps'
    words (Cancel off: they have no safe point). The job's own progress (the status bar) hears the words only: its
    counts are files, not bytes. Thread-safe: `show` runs on the GUI thread."""

    def __init__(self, job_progress, show, *, interval: float = 0.1, clock=time.monotonic):
        self.job_progress = job_progress
        self.show = show  # show(done, total, text, cancellable)
        self.interval = interval
        self.clock = clock
        self.total: int | None = None
        self.last_shown = 0.0

    def started(self, total: int | None, what: str) -> None:
        self.job_progress.started(None, what)
        self.total, self.last_shown = total, float("-inf")
        if total:
            self.advanced(0)
        else:
            self.show(0, None, f"{what[:1].upper()}{what[1:]}...", False)

    def advanced(self, done: int, detail: str = "") -> None:
        if not self.total:
            return
        now = self.clock()
        if now - self.last_shown < self.interval and done < self.total:
            return
        self.last_shown = now
        # No rate: after a resumed download, `done` starts with the bytes fetched before, which no rate should count.
        self.show(done, self.total, f"Downloading: {human_bytes(done)} of {human_bytes(self.total)}", True)

    def finished(self) -> None:
        if self.total:  # the download is complete: what follows cannot be stopped midway
            self.total = None
            self.show(0, None, "Checking the model: both encoders, a test image and a text...", False)
        self.job_progress.finished()
