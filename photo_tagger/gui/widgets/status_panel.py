"""The status bar's content: what the writer is doing, a progress bar with files/s, Pause/Resume, Cancel, and a
count of skipped files."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from photo_tagger.gui.tasks import Job
from photo_tagger.gui.widgets.skipped_dialog import SkippedFilesDialog


class StatusPanel(QWidget):
    """Shows the oldest running job of a TaskRunner; a message when nothing runs."""

    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.message = QLabel("Ready", self)
        self._about_selection = False  # the message is about the selected photo (see show_message)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.rate = QLabel("", self)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop the running job at its next safe point (what was done is kept)")
        self.cancel.clicked.connect(self._cancel)
        self.pause = QPushButton("Pause", self)
        self.pause.setCheckable(True)
        self.pause.setToolTip("Pause the running job at its next safe point; Resume goes on where it stopped")
        self.pause.toggled.connect(self._pause_toggled)
        self.skipped = QPushButton("", self)
        self.skipped.setFlat(True)
        self.skipped.setToolTip("Files that could not be indexed, with the reasons")
        self.skipped.clicked.connect(self.show_skipped)
        self.skipped.setVisible(False)
        self.skipped_rows: list[tuple[str, str]] = []
        self.skipped_dialog: SkippedFilesDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.rate)
        layout.addWidget(self.progress)
        layout.addWidget(self.pause)
        layout.addWidget(self.cancel)
        layout.addWidget(self.skipped)
        runner.job_started.connect(self.show_job)
        runner.job_progressed.connect(self.show_job)
        runner.job_finished.connect(lambda job, result: self._job_ended(job))
        self._set_busy(False)

    def show_message(self, text: str, *, about_selection: bool = False) -> None:
        """`about_selection`: the message is about the selected photo, and goes when another one is selected."""
        self.message.setText(text)
        self.message.setToolTip(text)
        self._about_selection = about_selection

    def selection_changed(self) -> None:
        if self._about_selection:
            self.show_message("Ready")

    def show_job(self, job: Job) -> None:
        if job.control.cancelled:
            self.show_message(f"{job.description}: stopping...")
            return
        self._set_busy(True)
        # A job without safe points (an install) can be neither paused nor stopped: no buttons that mean nothing.
        self.pause.setVisible(job.pausable)
        self.cancel.setVisible(job.pausable)
        self._show_paused(job.control.paused)
        what = f" ({job.what})" if job.what and job.what.lower() not in job.description.lower() else ""
        if job.total:
            self.progress.setRange(0, job.total)
            self.progress.setValue(min(job.done, job.total))
            self.progress.setFormat(f"{job.done} / {job.total}")
            self.rate.setText(f"{job.rate:.1f} files/s" if job.rate else "")
        else:
            self.progress.setRange(0, 0)  # busy: no total known
            self.rate.setText("")
        if job.control.paused:
            self.show_message(f"{job.description}: paused")
        else:
            self.show_message(f"{job.description}: {job.state}" if job.state else f"{job.description}{what}...")

    def _job_ended(self, job: Job) -> None:
        remaining = self.runner.jobs
        if remaining:
            self.show_job(remaining[0])
            return
        self._set_busy(False)
        if job.control.cancelled:
            self.show_message(f"{job.description}: cancelled")
        elif self.message.text().startswith(job.description) and self.message.text().endswith("..."):
            self.show_message(f"{job.description}: done")  # not left "running"; a result may say more next

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.rate.setVisible(busy)
        self.cancel.setVisible(busy)
        self.cancel.setEnabled(busy)
        if not busy:
            self.pause.setVisible(False)
            self._show_paused(False)

    def _show_paused(self, paused: bool) -> None:
        self.pause.blockSignals(True)
        self.pause.setChecked(paused)
        self.pause.setText("Resume" if paused else "Pause")
        self.pause.blockSignals(False)

    def _pause_toggled(self, paused: bool) -> None:
        jobs = self.runner.jobs
        if not jobs:
            self._show_paused(False)
            return
        job = jobs[0]  # the running one: the writer runs the oldest job, the rest wait behind it
        if not job.pausable:
            self._show_paused(False)
            return
        if paused:
            job.control.pause()
        else:
            job.control.resume()
        self.show_job(job)

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self._show_paused(False)
        self.runner.cancel_writes()
        self.show_message("Stopping...")

    # -- skipped files
    def set_skipped(self, rows: list[tuple[str, str]]) -> None:
        """rows: (path, reason) of every skipped file in the library."""
        self.skipped_rows = list(rows)
        count = len(self.skipped_rows)
        self.skipped.setText(f"{count} skipped")
        self.skipped.setVisible(count > 0)

    def show_skipped(self) -> SkippedFilesDialog:
        if self.skipped_dialog is not None:
            self.skipped_dialog.close()
            self.skipped_dialog.deleteLater()
        self.skipped_dialog = SkippedFilesDialog(self.skipped_rows, self.window())
        self.skipped_dialog.show()
        return self.skipped_dialog
