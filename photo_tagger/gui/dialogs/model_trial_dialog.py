"""Tools > Compare models: try another installed model on a sample of your photos, see its tags and your recent
searches beside the model in use, then switch to it or remove it.

The encoding is the window's TrialDriver's (gui/model_trial_driver.py: short slices on the writer, going on when
this closes); the comparison runs on a query worker; thumbnails come from the window's thumbnail pool.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.model_comparison import SAMPLE_SIZE, ModelComparison

if TYPE_CHECKING:
    from photo_tagger.app import App

ICON = 72


class ModelTrialDialog(QDialog):
    """`thumbnails`: the window's ThumbnailProvider; `driver`: its TrialDriver. `on_message(text)`: where a removal
    is told (the status bar; a switch is told by the window, which hears it from the driver)."""

    def __init__(self, app: App, runner, thumbnails, driver, *, name: str | None = None, sample: int = SAMPLE_SIZE,
                 blur_flagged: bool = True, on_message=None, on_install_another=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare models")
        self.resize(900, 640)
        self.app, self.runner, self.thumbnails, self.driver = app, runner, thumbnails, driver
        self.sample = sample
        self.blur_flagged = blur_flagged  # as the window's grid: flagged photos blurred
        self.flagged: set[str] = set()
        self.on_message = on_message or (lambda text: None)
        self.on_install_another = on_install_another  # opens Tools > Models > Install another model
        self.name: str | None = None
        self.state = None  # the last TrialState
        self.comparison: ModelComparison | None = None
        self.stopped = False
        self.switching = False
        self.closed = False  # answers that arrive after the dialog closed are dropped (it may be deleted)
        self.turn = 0  # bumped whenever the work in flight is dropped (stop, another model, remove, close)
        self._icons: dict[tuple[str, int], list] = {}  # thumbnail key -> (widget, row or item) showing it

        self.model_box = QComboBox(self)
        self.model_box.activated.connect(lambda _: self.start(self.model_box.currentText()))
        self.state_text = QLabel("Reading the installed models...", self)
        self.state_text.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.clicked.connect(self.toggle_stop)
        self.stop_button.hide()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.labels_table = self._table(["Label", "Both", "", ""])
        self.photos_table = self._table(["Photo", "", ""])
        self.photos_table.setIconSize(QSize(ICON, ICON))
        self.photos_table.verticalHeader().setDefaultSectionSize(ICON + 6)
        self.searches = QWidget(self)
        self.searches_layout = QVBoxLayout(self.searches)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.searches)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.labels_table, "Tags")
        self.tabs.addTab(self.photos_table, "Photos tagged differently")
        self.tabs.addTab(scroll, "Recent searches")
        self.tabs.hide()
        self.switch_button = QPushButton("Switch", self)
        self.switch_button.clicked.connect(self.switch)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove)
        self.install_button = QPushButton("Install another model...", self)
        self.install_button.setToolTip("The models you can install (Tools > Models > Install another model)")
        self.install_button.clicked.connect(self._install_another)
        self.install_button.hide()
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        for button in (self.switch_button, self.remove_button):
            button.setEnabled(False)

        top = QHBoxLayout()
        self.try_label = QLabel("Try", self)
        top.addWidget(self.try_label)
        top.addWidget(self.model_box, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.stop_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.state_text)
        layout.addWidget(self.install_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(progress_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        self.thumbnails.thumbnail_loaded.connect(self._thumbnail_loaded)
        self.runner.job_progressed.connect(self._job_progressed)
        driver.state_changed.connect(self._state_changed)
        driver.switched.connect(self._switched)
        driver.failed.connect(self._driver_failed)
        self.runner.query(app.model_trial_service.candidates, on_done=partial(self._candidates, name),
                          on_error=partial(self._failed, self.turn))

    def _table(self, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return table

    # -- the trial
    def _candidates(self, name: str | None, names: list[str]) -> None:
        if self.closed:
            return
        self.model_box.addItems(names)
        if not names:  # nothing to try: say so, and offer the way to another model (no empty "Try" box)
            for widget in (self.try_label, self.model_box, self.switch_button, self.remove_button):
                widget.hide()
            which = f"{self.app.settings.model}, the one in use" if self.app.settings.model else "the one in use"
            self.state_text.setText(f"Only one model is installed ({which}). Compare "
                                    "models tries another model on a sample of your photos beside it, and you switch "
                                    "only if you like what it finds. Install another model first.")
            self.install_button.setVisible(self.on_install_another is not None)
            return
        self.model_box.setEnabled(len(names) > 1)
        running = self.driver.name if self.driver.running and self.driver.name in names else None
        self.start(name if name in names else running or names[0])

    def _install_another(self) -> None:
        self.accept()
        self.on_install_another()

    def start(self, name: str) -> None:
        """Show the trial of `name`: the driver encodes what its sample lacks (or goes on with a switch already
        under way), then it is compared."""
        self.turn += 1
        self.name, self.comparison, self.stopped = name, None, False
        self.model_box.setCurrentText(name)
        self.switch_button.setText(f"Switch to {name}")
        self.remove_button.setText(f"Remove {name}")
        self.tabs.hide()
        self.summary.clear()
        self.state_text.setText(f"Looking at the trial of {name}...")
        if self.driver.name == name and self.driver.running:
            self.switching = self.driver.then_switch
            if self.driver.state is not None:
                self._state_changed(self.driver.state)
        else:
            self.driver.start(name)

    def _state_changed(self, state) -> None:
        """From the driver: after each slice, and once the trial is looked at."""
        if self.closed or state.model != self.name:
            return
        self.state = state
        self.switch_button.setEnabled(not self.switching)
        self.remove_button.setEnabled(not self.switching)
        if not state.photos:
            self.state_text.setText(f"No photo is indexed with {state.current} yet: add a folder first.")
            return
        if not state.complete:
            self._show_encoding(state)
            return
        if self.switching:
            self.state_text.setText(f"Every photo is encoded with {state.model}: switching...")
            return
        self.progress.hide()
        self.stop_button.hide()
        if self.comparison is None:
            self.state_text.setText(f"{state.model} encoded {state.photos} of your {state.library} photos. Comparing "
                                    f"it with {state.current}...")
            self.runner.query(partial(self._compare, state.model), on_done=partial(self._compared, self.turn),
                              on_error=partial(self._failed, self.turn))

    def _compare(self, name: str):
        """On a query worker: the comparison and the records of the photos it names."""
        trials = self.app.model_trial_service
        comparison = trials.compare(name, self.sample)
        records = trials.photo_records(comparison)
        return comparison, records, trials.flagged_among(records) if self.blur_flagged else set()

    def _show_encoding(self, state) -> None:
        left = state.photos - state.encoded
        if self.switching:
            words = (f"Encoding the other {left} photos with {state.model} before switching; {state.current} stays "
                     "in use, searches and tags included, until then.")
        else:
            words = (f"Encoding a sample of {state.photos} of your {state.library} photos with {state.model} in the "
                     f"background ({left} to go); you can go on working, and close this meanwhile.")
        self.state_text.setText(words)
        self.progress.setRange(0, state.photos)
        self.progress.setValue(state.encoded)
        self.progress.show()
        self.stop_button.setText("Stop")
        self.stop_button.show()

    def _job_progressed(self, job) -> None:
        if job is self.driver.job and self.state is not None and job.total and not self.stopped:
            self.progress.setValue(min(self.state.encoded + job.done, self.progress.maximum()))

    def toggle_stop(self) -> None:
        """Stop after the batch being encoded (what was encoded stays), or go on from there."""
        if not self.stopped:
            self.stopped = True
            self.driver.stop()
            self.stop_button.setText("Go on")
            self.state_text.setText(f"Stopped. {self.name} goes on from where it stopped when you go on (or at the "
                                    "next start of Photo Tagger).")
            return
        self.stopped = False
        self.driver.start(self.name, then_switch=self.switching)

    # -- the comparison
    def _compared(self, turn: int, answer) -> None:
        if self.closed or turn != self.turn:
            return
        comparison, records, self.flagged = answer
        self.comparison = comparison
        current, trial = comparison.current_model, comparison.trial_model
        share = round(100 * comparison.agreed / comparison.photos)
        notes = "".join(f"<br>{note}" for note in comparison.notes)
        which = (f"all {comparison.photos} of your photos" if comparison.photos >= self.state.library else
                 f"{comparison.photos} photos spread over your library")
        self.state_text.setText(f"{trial} tried on {which}, beside {current}, the model in use. The tags are each "
                                "model's own; your additions and removals teach both alike.")
        self.summary.setText(f"<b>Tags: the same on {comparison.agreed} of {comparison.photos} photos "
                             f"({share}%)</b>; {len(comparison.disagreements)} tagged differently.{notes}")
        self._fill_labels(comparison)
        self._fill_photos(comparison, records)
        self._fill_searches(comparison, records)
        self.tabs.setTabText(1, f"Photos tagged differently ({len(comparison.disagreements)})")
        self.tabs.setTabText(2, f"Recent searches ({len(comparison.searches)})")
        self.tabs.show()

    def _fill_labels(self, comparison: ModelComparison) -> None:
        table = self.labels_table
        table.setHorizontalHeaderLabels(["Label", "Both", f"Only {comparison.current_model}",
                                         f"Only {comparison.trial_model}"])
        table.setRowCount(len(comparison.labels))
        for row, label in enumerate(comparison.labels):
            for column, value in enumerate((label.label, label.both, label.only_current, label.only_trial)):
                item = QTableWidgetItem(str(value))
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                table.setItem(row, column, item)

    def _fill_photos(self, comparison: ModelComparison, records: dict) -> None:
        table = self.photos_table
        table.setHorizontalHeaderLabels(["Photo", f"{comparison.current_model} tags", f"{comparison.trial_model} tags"])
        rows = [d for d in comparison.disagreements if d.photo_id in records]
        table.setRowCount(len(rows))
        for row, d in enumerate(rows):
            record = records[d.photo_id]
            photo = QTableWidgetItem(record.relpath)
            photo.setToolTip(record.path)
            photo.setIcon(QIcon(self._pixmap(record, table, row)))
            table.setItem(row, 0, photo)
            table.setItem(row, 1, QTableWidgetItem(", ".join(d.current) or "(none)"))
            table.setItem(row, 2, QTableWidgetItem(", ".join(d.trial) or "(none)"))

    def _fill_searches(self, comparison: ModelComparison, records: dict) -> None:
        while self.searches_layout.count():
            widget = self.searches_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if not comparison.searches:
            self.searches_layout.addWidget(QLabel("No recent searches yet: search in the window, then look again.",
                                                  self.searches))
        for search in comparison.searches:
            title = QLabel(f"<b>{_escaped(search.query)}</b>: {search.shared} of the top "
                           f"{max(len(search.current), len(search.trial))} are the same photos", self.searches)
            self.searches_layout.addWidget(title)
            for model, ids in ((comparison.current_model, search.current), (comparison.trial_model, search.trial)):
                row = QHBoxLayout()
                row.setContentsMargins(0, 2, 0, 2)
                name = QLabel(model, self.searches)
                name.setFixedWidth(120)
                row.addWidget(name)
                row.addWidget(self._strip([records[i] for i in ids if i in records]), 1)
                holder = QWidget(self.searches)
                holder.setLayout(row)
                self.searches_layout.addWidget(holder)
        self.searches_layout.addStretch(1)

    def _strip(self, records: list) -> QListWidget:
        """One row of thumbnails, best first."""
        strip = QListWidget(self.searches)
        strip.setViewMode(QListView.ViewMode.IconMode)
        strip.setFlow(QListView.Flow.LeftToRight)
        strip.setWrapping(False)
        strip.setIconSize(QSize(ICON, ICON))
        strip.setGridSize(QSize(ICON + 8, ICON + 6))  # no caption line under the thumbnails
        strip.setFixedHeight(ICON + 12)
        strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for record in records:
            item = QListWidgetItem(strip)
            item.setToolTip(record.path)
            item.setIcon(QIcon(self._pixmap(record, strip, item)))
        return strip

    def _pixmap(self, record, widget, where):
        key = (record.path, record.mtime_ns)
        self._icons.setdefault(key, []).append((widget, where, record.id in self.flagged))
        return self._thumbnail(key, record.id in self.flagged)

    def _thumbnail(self, key, flagged: bool):
        return self.thumbnails.blurred_pixmap(*key) if flagged else self.thumbnails.pixmap(*key)

    def _thumbnail_loaded(self, key) -> None:
        for widget, where, flagged in self._icons.get(tuple(key), ()):
            icon = QIcon(self._thumbnail(tuple(key), flagged))
            try:
                if isinstance(widget, QTableWidget):
                    item = widget.item(where, 0)
                    if item is not None:
                        item.setIcon(icon)
                else:
                    where.setIcon(icon)
            except RuntimeError:  # the row was replaced by another comparison meanwhile
                continue

    # -- switch or remove
    def switch(self) -> None:
        """Encode every photo the new model lacks (the one in use serves everything meanwhile), then switch."""
        self.switching, self.stopped = True, False
        self.switch_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.model_box.setEnabled(False)
        self.driver.start(self.name, then_switch=True)

    def _switched(self, report) -> None:
        if not self.closed:
            self.switching = False
            self.accept()

    def remove(self) -> None:
        name = self.name
        answer = QMessageBox.question(self, "Remove model", f"Remove {name} and what its trial encoded?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.driver.stop()
        self.switch_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.runner.write(f"Removing {name}", lambda progress, control: self.app.model_service.remove_model(name),
                          on_done=lambda _: self._removed(name), on_error=partial(self._failed, self.turn),
                          pausable=False)

    def _removed(self, name: str) -> None:
        self.on_message(f"Removed {name}")
        if not self.closed:
            self.accept()

    def _failed(self, turn: int, exc) -> None:
        if self.closed or turn != self.turn:
            return
        self.switching = False
        self.progress.hide()
        self.stop_button.hide()
        self.state_text.setText(f"{exc}")
        self.switch_button.setEnabled(self.name is not None)
        self.remove_button.setEnabled(self.name is not None)

    def _driver_failed(self, message: str) -> None:
        self._failed(self.turn, message)

    def done(self, result: int) -> None:
        """Closing stops the slice being encoded; the trial goes on from there when it is opened again."""
        self.closed = True  # the driver goes on in the background
        self.thumbnails.thumbnail_loaded.disconnect(self._thumbnail_loaded)
        self.runner.job_progressed.disconnect(self._job_progressed)
        self.driver.state_changed.disconnect(self._state_changed)
        self.driver.switched.disconnect(self._switched)
        self.driver.failed.disconnect(self._driver_failed)
        super().done(result)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_for(window) -> ModelTrialDialog:
    """Tools > Compare models: one dialog at a time, over the window's runner and thumbnails."""
    dialog = getattr(window, "model_trial_dialog", None)
    if dialog is not None and dialog.isVisible():
        dialog.raise_()
        return dialog
    dialog = ModelTrialDialog(window.app, window.runner, window.thumbnails, window.model_trial,
                              on_message=window.status.show_message, blur_flagged=window.grid_model.blur_flagged,
                              on_install_another=window.model_setup.show_add_model, parent=window)
    dialog.finished.connect(dialog.deleteLater)
    window.model_trial_dialog = dialog
    dialog.open()
    return dialog
