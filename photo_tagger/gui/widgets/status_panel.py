"""The status bar's content: what the writer is doing, a progress bar with files/s, and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from photo_tagger.gui.tasks import Job


class StatusPanel(QWidget):
    """Shows the oldest running job of a TaskRunner; a message when nothing runs."""

    def __init__(self, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.message = QLabel("Ready", self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.rate = QLabel("", self)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop the running job at its next safe point (what was done is kept)")
        self.cancel.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.rate)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        runner.job_started.connect(self.show_job)
        runner.job_progressed.connect(self.show_job)
        runner.job_finished.connect(lambda job, result: self._job_ended(job))
        self._set_busy(False)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setToolTip(text)

    def show_job(self, job: Job) -> None:
        if job.control.cancelled:
            self.show_message(f"{job.description}: stopping...")
            return
        self._set_busy(True)
        what = f" ({job.what})" if job.what and job.what.lower() not in job.description.lower() else ""
        if job.total:
            self.progress.setRange(0, job.total)
            self.progress.setValue(min(job.done, job.total))
            self.progress.setFormat(f"{job.done} / {job.total}")
            self.rate.setText(f"{job.rate:.1f} files/s" if job.rate else "")
        else:
            self.progress.setRange(0, 0)  # busy: no total known
            self.rate.setText("")
        self.show_message(f"{job.description}{what}...")

    def _job_ended(self, job: Job) -> None:
        remaining = self.runner.jobs
        if remaining:
            self.show_job(remaining[0])
            return
        self._set_busy(False)
        if job.control.cancelled:
            self.show_message(f"{job.description}: cancelled")

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.rate.setVisible(busy)
        self.cancel.setVisible(busy)
        self.cancel.setEnabled(busy)

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.runner.cancel_writes()
        self.show_message("Stopping...")
