"""The Labels... and Settings... dialogs as the window runs them: load off the GUI thread, save as jobs."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog

from photo_tagger.gui import library_queries as queries
from photo_tagger.gui import operations
from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog
from photo_tagger.gui.dialogs.settings_dialog import SettingsDialog



class Editors(QObject):
    """Opens the dialogs non-modally (tests reach them as `labels_dialog` / `settings_dialog`)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.app = window.app
        self.runner = window.runner
        self.labels_dialog: LabelsDialog | None = None
        self.settings_dialog: SettingsDialog | None = None

    # -- labels
    def edit_labels(self) -> None:
        if self.labels_dialog is not None:
            self.labels_dialog.raise_()
            return
        self.runner.query(partial(queries.labels_state, self.app), on_done=self._show_labels,
                          on_error=lambda exc: self.window.status.show_message(f"Cannot read the labels: {exc}"))

    def _show_labels(self, state) -> None:
        if self.labels_dialog is not None:
            return
        labels, problem = state
        dialog = LabelsDialog(labels, problem, self.window)
        dialog.finished.connect(partial(self._labels_closed, dialog))
        self.labels_dialog = dialog
        dialog.open()

    def _labels_closed(self, dialog: LabelsDialog, result: int) -> None:
        self.labels_dialog = None
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            labels = dialog.result_labels()
            if labels is not None:
                self.save_labels(labels)

    def save_labels(self, labels):
        """Save on the writer, then retag every photo from its stored embedding; the sidebar follows."""
        self.window.status.show_message("Saving the labels...")
        return self.runner.write("Retagging with the new labels",
                                 lambda progress, control: operations.save_labels_and_retag(self.app, labels,
                                                                                            progress, control),
                                 on_done=self._labels_saved, on_error=lambda exc: self.window.refresh())

    def _labels_saved(self, report) -> None:
        self.window.status.show_message(f"Labels saved; retagged {report.photos} photos ({report.changed} changed, "
                                        f"{report.seconds:.2f} s)")
        self.window.refresh()

    # -- settings
    def edit_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        self.runner.query(partial(queries.model_precisions, self.app), on_done=self._show_settings)

    def _show_settings(self, precisions) -> None:
        if self.settings_dialog is not None:
            return
        dialog = SettingsDialog(self.app.settings, tuple(precisions), self.window.grid_model.blur_flagged,
                                self.window)
        dialog.finished.connect(partial(self._settings_closed, dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _settings_closed(self, dialog: SettingsDialog, result: int) -> None:
        self.settings_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        if dialog.blur_flagged() != self.window.grid_model.blur_flagged:
            self.window.blur_action.setChecked(dialog.blur_flagged())  # the menu item and the grid follow
        changes = dialog.changes()
        if changes:
            # A query worker, not the writer: saving a small TOML file must not wait behind an index job.
            self.runner.query(partial(self.app.update_settings, **changes),
                              on_done=lambda _: self.window.status.show_message(
                                  "Settings saved; device and precision apply at the next start"),
                              on_error=lambda exc: self.window.status.show_message(f"Settings not saved: {exc}"))
