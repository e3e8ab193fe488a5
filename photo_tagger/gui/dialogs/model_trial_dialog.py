"""Tools > Compare models: try another installed model on a sample of your photos, see its tags and your recent
searches beside the model in use, then switch to it or remove it.

The sample is encoded on the runner's writer in short slices (services/model_trial.py), so an index or a tag edit
never waits long behind it; a slice stopped (Stop, or the dialog closed) is taken up where it left off. The
comparison runs on a query worker; thumbnails come from the window's thumbnail pool.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QListView,
                               QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton, QScrollArea,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from photo_tagger.core.model_comparison import SAMPLE_SIZE, ModelComparison
from photo_tagger.services import model_trial

SLICE = 48  # photos per writer job: a few seconds at most, then other writes get their turn
ICON = 72


class ModelTrialDialog(QDialog):
    """`thumbnails`: the window's ThumbnailProvider. `on_message(text)`: where the outcome goes (the status bar)."""

    def __init__(self, app, runner, thumbnails, *, name: str | None = None, sample: int = SAMPLE_SIZE,
                 blur_flagged: bool = True, on_message=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Compare models")
        self.resize(900, 640)
        self.app, self.runner, self.thumbnails = app, runner, thumbnails
        self.sample = sample
        self.blur_flagged = blur_flagged  # as the window's grid: flagged photos blurred
        self.flagged: set[str] = set()
        self.on_message = on_message or (lambda text: None)
        self.name: str | None = None
        self.state = None  # the last TrialState
        self.comparison: ModelComparison | None = None
        self.job = None  # the writer job running now (a slice, or the switch)
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
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        for button in (self.switch_button, self.remove_button):
            button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Try", self))
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
        layout.addLayout(progress_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        self.thumbnails.thumbnail_loaded.connect(self._thumbnail_loaded)
        self.runner.job_progressed.connect(self._job_progressed)
        self.runner.query(partial(model_trial.candidates, app), on_done=partial(self._candidates, name),
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
        if not names:
            self.model_box.hide()
            self.state_text.setText("Only one model is installed. Install another one to compare it with the model in "
                                    "use: photo-tagger model install ID (photo-tagger model list --available).")
            return
        self.model_box.setEnabled(len(names) > 1)
        self.start(name if name in names else names[0])

    def start(self, name: str) -> None:
        """Show the trial of `name`: encode what its sample lacks (slice by slice), then compare."""
        self._drop_work()
        self.name, self.comparison, self.stopped = name, None, False
        self.model_box.setCurrentText(name)
        self.switch_button.setText(f"Switch to {name}")
        self.remove_button.setText(f"Remove {name}")
        self.tabs.hide()
        self.summary.clear()
        self.state_text.setText(f"Looking at the trial of {name}...")
        self.runner.query(partial(model_trial.trial_state, self.app, name, self.sample),
                          on_done=partial(self._state_known, self.turn), on_error=partial(self._failed, self.turn))

    def _drop_work(self) -> None:
        """Stop the slice in flight (what it encoded stays) and ignore every answer still on its way."""
        self.turn += 1
        if self.job is not None:
            self.job.cancel()
            self.job = None

    def _state_known(self, turn: int, state) -> None:
        if self.closed or turn != self.turn:
            return
        name = self.name
        self.state, self.job = state, None
        self.switch_button.setEnabled(not self.switching)
        self.remove_button.setEnabled(not self.switching)
        if not state.photos:
            self.state_text.setText(f"No photo is indexed with {state.current} yet: add a folder first.")
            return
        if self.switching:
            self._switch_step()
            return
        if not state.complete:
            self._encode_slice()
            return
        self.progress.hide()
        self.stop_button.hide()
        self.state_text.setText(f"{name} encoded {state.photos} of your {state.library} photos, spread over the "
                                f"library. Comparing it with {state.current}...")
        self.runner.query(partial(self._compare, name), on_done=partial(self._compared, self.turn),
                          on_error=partial(self._failed, self.turn))

    def _compare(self, name: str):
        """On a query worker: the comparison and the records of the photos it names."""
        comparison = model_trial.compare(self.app, name, self.sample)
        records = model_trial.photo_records(self.app, comparison)
        return comparison, records, model_trial.flagged_among(self.app, records) if self.blur_flagged else set()

    def _encode_slice(self, everything: bool = False) -> None:
        if self.stopped:
            return
        state, name = self.state, self.name
        left = state.photos - state.encoded
        if everything:
            words = (f"Encoding the other {left} photos with {name} before switching; {state.current} stays in use, "
                     "searches and tags included, until then.")
        else:
            words = (f"Encoding a sample of {state.photos} of your {state.library} photos with {name} in the "
                     "background ({left} to go); you can go on working meanwhile.")
        self.state_text.setText(words)
        self.progress.setRange(0, state.photos)
        self.progress.setValue(state.encoded)
        self.progress.show()
        self.stop_button.setText("Stop")
        self.stop_button.show()
        size = None if everything else self.sample
        self.job = self.runner.write(f"Trying {name}", lambda progress, control: model_trial.encode_trial(
            self.app, name, size, progress, control, limit=SLICE), on_done=partial(self._sliced, self.turn, everything),
            on_error=partial(self._failed, self.turn))

    def _sliced(self, turn: int, everything: bool, state) -> None:
        if self.closed or turn != self.turn:
            return
        self.state, self.job = state, None
        if everything:
            self._switch_step()
        elif not state.complete:
            self._encode_slice()
        else:
            self._state_known(turn, state)

    def _job_progressed(self, job) -> None:
        if job is self.job and self.state is not None and job.total:
            self.progress.setValue(min(self.state.encoded + job.done, self.progress.maximum()))

    def toggle_stop(self) -> None:
        """Stop after the batch being encoded (what was encoded stays), or go on from there."""
        if not self.stopped:
            self.stopped = True
            self._drop_work()
            self.stop_button.setText("Go on")
            self.state_text.setText(f"Stopped. {self.name} goes on from where it stopped when you go on (or open "
                                    "this again later).")
            return
        self.stopped = False
        self.start(self.name) if not self.switching else self._switch_step(query=True)

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
        self._drop_work()
        self.switching, self.stopped = True, False
        self.switch_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.model_box.setEnabled(False)
        self._switch_step(query=True)

    def _switch_step(self, query: bool = False) -> None:
        name = self.name
        if query:
            self.runner.query(partial(model_trial.trial_state, self.app, name, None),
                              on_done=partial(self._state_known, self.turn),
                              on_error=partial(self._failed, self.turn))
        elif not self.state.complete:
            self._encode_slice(everything=True)
        else:
            self.state_text.setText(f"Every photo is encoded with {name}: switching...")
            self.job = self.runner.write(f"Switching to {name}", lambda progress, control: model_trial.switch_to(
                self.app, name, progress, control), on_done=self._switched,
                on_error=partial(self._failed, self.turn))

    def _switched(self, report) -> None:
        self.on_message(f"Switched to {report.model}: its {report.adopted} encoded photos are kept "
                        f"({report.to_encode} left for the next index); Photo Tagger uses it from its next start")
        if not self.closed:
            self.job, self.switching = None, False
            self.accept()

    def remove(self) -> None:
        name = self.name
        answer = QMessageBox.question(self, "Remove model", f"Remove {name} and what its trial encoded?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._drop_work()
        self.switch_button.setEnabled(False)
        self.remove_button.setEnabled(False)
        self.runner.write(f"Removing {name}", lambda progress, control: model_trial.remove_tried(self.app, name),
                          on_done=lambda _: self._removed(name), on_error=partial(self._failed, self.turn),
                          pausable=False)

    def _removed(self, name: str) -> None:
        self.on_message(f"Removed {name}")
        if not self.closed:
            self.accept()

    def _failed(self, turn: int, exc: BaseException) -> None:
        if self.closed or turn != self.turn:
            return
        self.job = None
        self.switching = False
        self.progress.hide()
        self.stop_button.hide()
        self.state_text.setText(f"{exc}")
        self.switch_button.setEnabled(self.name is not None)
        self.remove_button.setEnabled(self.name is not None)

    def done(self, result: int) -> None:
        """Closing stops the slice being encoded; the trial goes on from there when it is opened again."""
        self._drop_work()  # a switch that is writing already finishes (no checkpoint is left in it)
        self.closed = True
        self.thumbnails.thumbnail_loaded.disconnect(self._thumbnail_loaded)
        self.runner.job_progressed.disconnect(self._job_progressed)
        super().done(result)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_for(window) -> ModelTrialDialog:
    """Tools > Compare models: one dialog at a time, over the window's runner and thumbnails."""
    dialog = getattr(window, "model_trial_dialog", None)
    if dialog is not None and dialog.isVisible():
        dialog.raise_()
        return dialog
    dialog = ModelTrialDialog(window.app, window.runner, window.thumbnails, on_message=window.status.show_message,
                              blur_flagged=window.grid_model.blur_flagged, parent=window)
    dialog.finished.connect(dialog.deleteLater)
    window.model_trial_dialog = dialog
    dialog.open()
    return dialog
