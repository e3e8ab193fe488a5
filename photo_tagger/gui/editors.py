"""The Labels... and Settings... dialogs as the window runs them: load off the GUI thread, save as jobs."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from photo_tagger.gui.dialogs.labels_dialog import LabelsDialog
from photo_tagger.gui.dialogs.settings_dialog import SettingsDialog
from photo_tagger.gui.window_part import WindowPart

if TYPE_CHECKING:
    from photo_tagger.services.label_report import LabelReportService
    from photo_tagger.services.labels import LabelService


def _labels_and_states(labels: LabelService, reports: LabelReportService):
    """The labels (and a problem with the file) plus each label's photos, what decides it and any guidance
    (services/label_report.py, as `labels list` shows them)."""
    labels_in_use, problem = labels.labels_state()
    states, _ = reports.label_report()
    return labels_in_use, problem, states


def _save_and_compare(labels_service: LabelService, labels, renames, broken_file_seen, progress, control):
    """The writer's job: save and retag (through the same guard as the CLI's label edits), and what that did to
    the labels and categories the edit was not about (as `labels add` says it)."""
    return labels_service.save_labels_and_compare(labels, progress, control, renames,
                                                  broken_file_seen=broken_file_seen)


class Editors(WindowPart):
    """Opens the dialogs non-modally (tests reach them as `labels_dialog` / `settings_dialog`)."""

    def __init__(self, window):
        super().__init__(window)
        self.labels_dialog: LabelsDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._unsaved: dict = {}  # settings changes waiting for the save in flight
        self._saving = False

    # -- labels
    def edit_labels(self) -> None:
        if self.labels_dialog is not None:
            self.labels_dialog.raise_()
            return
        self.runner.query(lambda: _labels_and_states(self.app.label_service, self.app.label_report_service),
                          on_done=self._show_labels,
                          on_error=lambda exc: self.window.status.show_message(f"Cannot read the labels: {exc}"))

    def _show_labels(self, state) -> None:
        if self.labels_dialog is not None:
            return
        labels, problem, states = state
        dialog = LabelsDialog(labels, problem, self.window, preview=self._preview,
                              states=states, runner=self.runner)
        dialog.finished.connect(partial(self._labels_closed, dialog, bool(problem)))
        self.labels_dialog = dialog
        dialog.open()

    def _preview(self, labels, name: str) -> str:
        """The dialog's preview, on a query worker."""
        return self.app.label_report_service.edit_preview(labels, name)

    def _labels_closed(self, dialog: LabelsDialog, broken_file_shown: bool, result: int) -> None:
        self.labels_dialog = None
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            labels = dialog.result_labels()
            if labels is not None:
                self.save_labels(labels, dialog.renames(), broken_file_seen=broken_file_shown)

    def save_labels(self, labels, renames: dict[str, str] | None = None, *, broken_file_seen: bool = False):
        """Save on the writer (renamed labels keep their tags and the user's choices), then retag every photo
        from its stored embedding; the sidebar follows. A full disk, a store that does not answer or a labels.toml
        broken since the dialog opened refuse it with nothing changed (services/labels.py), said in the status
        bar. `broken_file_seen`: the dialog said the file is broken and that saving replaces it."""
        self.window.status.show_message("Saving the labels...")
        return self.runner.write("Retagging with the new labels",
                                 lambda progress, control: _save_and_compare(
                                     self.app.label_service, labels, renames, broken_file_seen, progress, control),
                                 on_done=self._labels_saved, on_error=lambda exc: self.window.refresh())

    def finish_pending_retag(self):
        """A label edit interrupted before its retag ended (the app was killed): finished on the writer at start."""
        return self.runner.write("Finishing the retag of an interrupted label edit",
                                 lambda progress, control: self.app.pending_retag_service.finish_pending_retag(progress,
                                                                                                       control),
                                 on_done=lambda report: report is not None and self._labels_saved((report, None)),
                                 on_error=lambda exc: self.window.refresh())

    def _labels_saved(self, result) -> None:
        report, others = result
        also = f"; {others.describe()}" if others else ""
        self.window.status.show_message(f"Labels saved; retagged {report.photos} photos ({report.changed} changed, "
                                        f"{report.seconds:.2f} s){also}")
        self.window.refresh()

    # -- settings
    def edit_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        self.runner.query(self.app.model_service.model_precisions, on_done=self._show_settings)

    def _show_settings(self, precisions) -> None:
        if self.settings_dialog is not None:
            return
        dialog = SettingsDialog(self.app.settings, tuple(precisions), self.window.grid_model.blur_flagged,
                                self.window, ask_reading_estimate=lambda mode, on_done: self.runner.query(
                                    lambda: self.app.text_reading_service.reading_estimate(mode), on_done=on_done))
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
        if "thumbnail_size" in changes:
            self.window.set_thumbnail_size(changes["thumbnail_size"])
        if changes:
            later = {"device", "precision", "fast_decode", "store_url", "store_ca_file"} & set(changes)
            restart = f"; {', '.join(sorted(later))} apply at the next start" if later else ""
            self.save_settings(changes, f"Settings saved{restart}")
        if changes.get("ocr") in ("auto", "all"):  # the photos it now covers are read now, not at the next index
            self.runner.write("Reading text in photos",
                              lambda progress, control: self.app.text_reading_service.read_text(progress, control,
                                                                                                  changes["ocr"]))

    def set_thumbnail_size(self, size: int) -> None:
        """From the View menu: the grid follows at once, settings.toml a moment later."""
        self.window.set_thumbnail_size(size)
        if size != self.app.settings.thumbnail_size or "thumbnail_size" in self._unsaved:
            self.save_settings({"thumbnail_size": size}, "")

    def save_settings(self, changes: dict, message: str) -> None:
        """Write settings.toml on a query worker, not the writer: a small file must not wait behind an index job.
        One save at a time (two workers could finish out of order); changes made meanwhile follow in one more."""
        self._unsaved.update(changes)
        if self._saving:
            return
        changes, self._unsaved, self._saving = self._unsaved, {}, True

        def saved(_) -> None:
            self._saving = False
            if message:
                self.window.status.show_message(message)
            if self._unsaved:
                self.save_settings({}, "")

        def failed(exc: BaseException) -> None:
            self._saving = False
            self.window.status.show_message(f"Settings not saved: {exc}")

        self.runner.query(partial(self.app.update_settings, **changes), on_done=saved, on_error=failed)
