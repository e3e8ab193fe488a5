"""The first-run screen's actions: offer the ready models with their download sizes, install one from the Hugging Face
hub (progress in bytes, Cancel) or from a local folder; and the Models dialog (what each installed model costs)."""

from __future__ import annotations

import time
from functools import partial

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QVBoxLayout

from photo_tagger.gui.dialogs.models_dialog import ModelsDialog
from photo_tagger.gui.launcher import standard_folder
from photo_tagger.gui.widgets.panels import NoModelPanel
from photo_tagger.gui.window_part import WindowPart
from photo_tagger.services import models
from photo_tagger.services.models import DEFAULT_READY, HubDownloadError, human_bytes, rate_text


class ModelSetup(WindowPart):
    """Runs the install on the writer (the window stays usable); the panel that asked shows what happens and what
    failed: the first-run page, or the same panel in the Models dialog's "Install another model..."."""

    def __init__(self, window):
        super().__init__(window)
        self.first_run = window.no_model
        self.panel = self.first_run  # the panel of the install in flight (or of the last one)
        self._wire(self.first_run)
        self.runner.job_finished.connect(self._job_finished)
        self.job = None  # the install in flight
        self.models_dialog: ModelsDialog | None = None
        self.add_dialog: QDialog | None = None

    def _wire(self, panel: NoModelPanel) -> None:
        panel.set_ready_models(models.ready_models())
        panel.install_requested.connect(partial(self.choose_folder, panel))
        panel.hub_install_requested.connect(lambda hub_id: self.install_from_hub(hub_id, panel))
        panel.cancel_requested.connect(self.cancel)
        panel.first_shown.connect(partial(self.ask_sizes, panel))

    def ask_sizes(self, panel: NoModelPanel) -> None:
        """Each ready model's download size from the hub, on the query workers ("size unknown: offline" without)."""
        for ready in models.ready_models():
            self.runner.query(partial(models.download_size, ready.repo_id),
                              on_done=lambda answer: panel.set_size(
                                  answer.repo_id, f"{answer.text} download" if answer.size else answer.text))

    def choose_folder(self, panel: NoModelPanel | None = None) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "A model folder: a ready ONNX model, or one Photo "
                                                              "Tagger made",
                                                  standard_folder(QStandardPaths.StandardLocation.DownloadLocation))
        if folder:  # its suggested name is read from its files on a worker, then the user may change it
            self.runner.query(partial(models.suggested_name, folder),
                              on_done=lambda suggested: self.name_and_install(folder, suggested, panel))

    def name_and_install(self, folder: str, suggested: str, panel: NoModelPanel | None = None):
        """Asks what to call the model (its own name suggested: not "model" after the folder), then installs."""
        name, ok = self.ask_name(folder, suggested)
        if ok and name.strip():
            return self.install_from_folder(folder, panel, name=name.strip())
        return None

    def ask_name(self, folder: str, suggested: str) -> tuple[str, bool]:
        return QInputDialog.getText(self.window, "Name the model",
                                    f"The model in {folder} is installed as (the name shown in Tools > Models and "
                                    "Compare models):", text=suggested)

    def install_from_folder(self, folder: str, panel: NoModelPanel | None = None, name: str | None = None):
        return self._install(panel, f"Installing the model from {folder} and checking it...",
                             lambda progress, control: self.app.model_service.install_model(folder, progress, control,
                                                                                            name=name))

    def install_from_hub(self, hub_id: str, panel: NoModelPanel | None = None):
        panel = panel or self.first_run

        def job(progress, control):
            shown = PanelProgress(progress, partial(self.runner.call_in_gui, panel.show_progress))
            return self.app.model_service.install_from_hub(hub_id, shown, control)

        if self.job is not None:  # one install at a time
            return self.job
        job = self._install(panel, f"Downloading {hub_id} from the Hugging Face hub...", job)
        panel.show_progress(0, None, f"Downloading {hub_id} from the Hugging Face hub: asking for its files...",
                            cancellable=True)
        return job

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()  # the download stops at its next chunk (hub_download's checkpoint)

    def _install(self, panel: NoModelPanel | None, busy_text: str, job):
        if self.job is not None:  # one install at a time (its panel says which)
            return self.job
        self.panel = panel or self.first_run
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
        if self.panel is not self.first_run:
            panel = self.panel
            self.runner.query(self.app.model_service.installed_models,
                              on_done=lambda rows: panel.mark_installed({r.source for r in rows}))
            self.panel.set_note(f"Installed {model.name}{here}. Tools > Compare models... tries it on your photos "
                                "beside the model in use.")
            if self.models_dialog is not None and self.models_dialog.isVisible():
                self.refresh_models()
        self.window.check_setup()  # a first model opens the library; a second one's trial starts (model_trial)

    def show_add_model(self) -> QDialog:
        """The first-run panel's list in a dialog, for a second model (the packaged app has no terminal)."""
        if self.add_dialog is None:
            self.add_dialog = QDialog(self.window)
            self.add_dialog.setWindowTitle("Install another model")
            panel = NoModelPanel(DEFAULT_READY, self.add_dialog, title="Install another model", intro=(
                "Another model may find more, or understand searches in your language. Installing it changes "
                "nothing yet: the model in use stays until you switch (Tools > Compare models...)."))
            self._wire(panel)
            QVBoxLayout(self.add_dialog).addWidget(panel)
            self.add_dialog.panel = panel
            self.add_dialog.resize(720, 640)
        panel = self.add_dialog.panel
        self.runner.query(self.app.model_service.installed_models,
                          on_done=lambda rows: panel.mark_installed({r.source for r in rows}))
        self.add_dialog.show()
        self.add_dialog.raise_()
        return self.add_dialog

    # -- Tools > Models...
    def show_models(self) -> ModelsDialog:
        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.window)
            self.models_dialog.measure_requested.connect(self.measure)
            self.models_dialog.add_requested.connect(self.show_add_model)
        self.models_dialog.show()
        self.models_dialog.raise_()
        self.refresh_models()
        return self.models_dialog

    def refresh_models(self) -> None:
        self.runner.query(self.app.model_service.installed_models, on_done=self.models_dialog.show_rows)

    def measure(self, name: str) -> None:
        self.models_dialog.set_measuring(name)
        self.runner.write(f"Measuring the speed of {name}",
                          lambda progress, control: self.app.model_service.measure_again(name, progress, control),
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
            self.job_progress.started(None, "checking it")
            self.show(0, None, "Checking the model: both encoders, a test image and a text...", False)
        self.job_progress.finished()
