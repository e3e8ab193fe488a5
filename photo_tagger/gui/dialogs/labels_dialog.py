"""The Labels dialog: labels and moderation categories in two tables, checked as the user types."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.errors import ConfigError, PhotoTaggerError
from photo_tagger.core.labels import LabelSet, label_set_from_dict, label_set_to_dict
from photo_tagger.gui.dialogs.label_tables import editable_table

SEPARATOR = " | "
LABEL_COLUMNS = ("Name", "Enabled", "Threshold", "Photos", "Decides by", "Own prompts (| between them)")
CATEGORY_COLUMNS = ("Name", "Enabled", "Threshold", "Unsafe prompts (|)", "Safe prompts (|)")
ENABLED = 1
PHOTOS, DECIDES = 3, 4  # the labels table's read-only columns: what the label does now (label_report)
NAME_WIDTH, NAME_WIDTH_MAX = 120, 200  # the name column's width range in pixels
OriginalNameRole = Qt.ItemDataRole.UserRole + 1  # on a label's name cell: the name it had when the dialog opened
ExamplesOnlyRole = Qt.ItemDataRole.UserRole + 2  # on a new label's name cell: made from examples, no prompt


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


class LabelsDialog(QDialog):
    """Edits a copy of a LabelSet; `result_labels()` is the edited set once the dialog is accepted.

    Validation goes through the same parser as labels.toml (core.labels.label_set_from_dict), so the dialog
    refuses exactly what the file would."""

    def __init__(self, labels: LabelSet, problem: str = "", parent: QWidget | None = None, preview=None,
                 states=(), runner=None):
        """`preview(labels, name) -> str`: what saving these labels would do to label `name` and to the others
        (a dry run: it reads the store, so it runs on `runner`'s query workers, gui/tasks.py; the button shows
        with both); `states`: each label's photos, what decides it and any guidance
        (services/label_report.LabelState), as `labels list` says them."""
        super().__init__(parent)
        self.preview = preview if runner is not None else None
        self.runner = runner
        self._asked = 0  # previews asked for: an answer to an older one is dropped
        self._previewed: LabelSet | None = None  # the labels the preview shown (or being counted) is for
        self.states = {state.name: state for state in states}
        self.setWindowTitle("Labels")
        self.resize(760, 560)
        self.original = labels
        self._result: LabelSet | None = labels
        self._filling = False

        self.problem = QLabel(f"labels.toml has a problem: {problem}\nUsing the last good labels; "
                              "saving here replaces the broken file.", self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a05a00;")
        self.problem.setVisible(bool(problem))

        self.threshold = QDoubleSpinBox(self, decimals=3, minimum=0.0, maximum=1.0, singleStep=0.01)
        self.threshold.setValue(labels.threshold)
        self.threshold.setToolTip("A label tags a photo when its confidence (0 to 1) reaches this, unless it has "
                                  "its own: 0.5 is where its prompt just stands out from everyday things")
        self.best_threshold = QDoubleSpinBox(self, decimals=3, minimum=0.0, maximum=1.0, singleStep=0.01)
        self.best_threshold.setValue(labels.best_threshold)
        self.best_threshold.setToolTip("A photo gets tags only when its best label reaches this probability: a "
                                       "photo no label fits spreads it thinly over all of them")
        self.max_tags = QSpinBox(self, minimum=1, maximum=1000)
        self.max_tags.setValue(labels.max_tags)
        self.label_table = self._table(LABEL_COLUMNS)
        self.category_table = self._table(CATEGORY_COLUMNS)
        self._fill(labels)
        self._fit_name_column()
        self.about = QLabel(self)  # the selected label: what decides it and, when it needs it, what to do
        self.about.setWordWrap(True)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_table.currentCellChanged.connect(lambda row, *_: self._show_about(row))

        self.add_button = QPushButton("Add", self)
        self.add_examples_button = QPushButton("Add from examples", self)
        self.add_examples_button.setToolTip("A label with no prompt, learned from the photos you give it: after "
                                            "saving, select photos and add it to them (at least 3)")
        self.add_examples_button.clicked.connect(lambda: self.add_label(examples_only=True))
        self.remove_button = QPushButton("Remove", self)
        self.rename_button = QPushButton("Rename", self)
        self.add_button.clicked.connect(lambda: self.add_label())
        self.remove_button.clicked.connect(lambda: self._remove_row(self.label_table))
        self.rename_button.setToolTip("Rename the selected label; its tags and your changes to them keep the new "
                                      "name")
        self.rename_button.clicked.connect(lambda: self._rename(self.label_table))
        self.add_category_button = QPushButton("Add", self)
        self.remove_category_button = QPushButton("Remove", self)
        self.add_category_button.clicked.connect(lambda: self.add_category())
        self.remove_category_button.clicked.connect(lambda: self._remove_row(self.category_table))

        labels_page = QWidget(self)
        form = QFormLayout()
        form.addRow("Default threshold", self.threshold)
        self.best_threshold.setVisible(False)  # the softmax rule's gate: kept in the file, unused (issue 13)
        form.addRow("At most tags per photo", self.max_tags)
        page = QVBoxLayout(labels_page)
        page.addLayout(form)
        page.addWidget(self.label_table, 1)
        page.addWidget(self.about)
        page.addLayout(_row(self.add_button, self.add_examples_button, self.remove_button, self.rename_button))
        self.preview_button = QPushButton("Preview changes", self)
        self.preview_button.setToolTip("How many photos the selected label would gain and lose with these edits, "
                                       "and what they do to the other labels and flags, before saving")
        self.preview_button.clicked.connect(self.show_preview)
        self.preview_button.setVisible(self.preview is not None)
        self.preview_text = QLabel(self)
        self.preview_text.setWordWrap(True)
        preview_row = QHBoxLayout()
        preview_row.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignTop)
        preview_row.addWidget(self.preview_text, 1)  # the whole width: it names the other labels an edit moves
        page.addLayout(preview_row)
        moderation_page = QWidget(self)
        page = QVBoxLayout(moderation_page)
        note = QLabel("A category flags a photo when its unsafe prompts beat its safe ones and stand out from "
                      "everyday things, with a confidence that reaches the threshold.", self)
        note.setWordWrap(True)
        page.addWidget(note)
        page.addWidget(self.category_table, 1)
        page.addLayout(_row(self.add_category_button, self.remove_category_button))
        self.tabs = QTabWidget(self)
        self.tabs.addTab(labels_page, "Labels")
        self.tabs.addTab(moderation_page, "Moderation")

        self.errors = QLabel(self)
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color: #c00000;")
        self.errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Save the labels and retag every photo "
                                                                           "from its stored embedding")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problem)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.errors)
        layout.addWidget(self.buttons)

        for table in (self.label_table, self.category_table):
            table.itemChanged.connect(self._validate)
        self.threshold.valueChanged.connect(self._validate)
        self.max_tags.valueChanged.connect(self._validate)
        self.best_threshold.valueChanged.connect(self._validate)
        self._validate()

    # -- building
    def _table(self, columns) -> QTableWidget:
        return editable_table(self, columns, narrow=(ENABLED, 2, PHOTOS) if columns is LABEL_COLUMNS else (ENABLED, 2),
                              name_width=NAME_WIDTH, whole_text=_show_whole_text)

    def _fit_name_column(self) -> None:
        """Names as wide as the longest, within NAME_WIDTH_MAX (longer ones are elided, whole in the tooltip)."""
        for table in (self.label_table, self.category_table):
            table.resizeColumnToContents(0)
            width = table.horizontalHeader().sectionSize(0)
            table.horizontalHeader().resizeSection(0, max(NAME_WIDTH, min(width, NAME_WIDTH_MAX)))

    def _fill(self, labels: LabelSet) -> None:
        self._filling = True
        for label in labels.labels:
            state = self.states.get(label.name)
            row = self._append(self.label_table, label.name, label.enabled,
                               "" if label.threshold is None else f"{label.threshold:g}",
                               "" if state is None else str(state.photos),
                               "" if state is None else state.decided_by, SEPARATOR.join(label.prompts))
            self.label_table.item(row, 0).setData(OriginalNameRole, label.name)
            if state is not None:
                self._show_state(row, state)
        for category in labels.moderation:
            self._append(self.category_table, category.name, category.enabled, f"{category.threshold:g}",
                         SEPARATOR.join(category.unsafe), SEPARATOR.join(category.safe))
        self._filling = False

    def _append(self, table: QTableWidget, name: str, enabled: bool, *texts: str) -> int:
        filling, self._filling = self._filling, True
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(name))
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
        check.setCheckState(Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked)
        table.setItem(row, ENABLED, check)
        for column, text in enumerate(texts, start=2):
            item = QTableWidgetItem(text)
            if table is self.label_table and column in (PHOTOS, DECIDES):  # what the label does: not an input
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setForeground(self.palette().placeholderText())
            if column == PHOTOS:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, item)
        _show_whole_text(table.item(row, 0))
        for column in range(3, table.columnCount()):
            _show_whole_text(table.item(row, column))
        table.item(row, 2).setToolTip("0 to 1; empty: the default threshold" if table is self.label_table
                                      else "0 to 1")
        self._filling = filling
        return row

    # -- the buttons
    def add_label(self, name: str = "", examples_only: bool = False) -> int:
        """A new enabled row (a free "new label" name unless given), its name open for editing. `examples_only`:
        a label with no prompt at all, learned from the photos the user adds it to."""
        decides = "your examples (none yet: add it to at least 3 photos)" if examples_only else ""
        row = self._append(self.label_table, name or self._free_name(self.label_table, "new label"), True, "", "",
                           decides, "")
        self.label_table.item(row, 0).setData(ExamplesOnlyRole, examples_only)
        if examples_only:  # a prompt typed later makes it a prompt label again
            self.label_table.item(row, len(LABEL_COLUMNS) - 1).setToolTip("No prompt: learned from your examples")
        self._start_editing(self.label_table, row)
        return row

    def add_category(self, name: str = "") -> int:
        row = self._append(self.category_table, name or self._free_name(self.category_table, "new category"), True,
                           "0.8", "", "")
        self._start_editing(self.category_table, row)
        return row

    def _start_editing(self, table: QTableWidget, row: int) -> None:
        self._validate()
        table.setCurrentCell(row, 0)
        table.scrollToItem(table.item(row, 0))
        table.editItem(table.item(row, 0))

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)
            self._validate()

    def _rename(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.setCurrentCell(row, 0)
            table.editItem(table.item(row, 0))

    def renames(self) -> dict[str, str]:
        """{old name: new name} of the labels renamed here: their tags and the user's choices follow the name."""
        renamed = {}
        for row in range(self.label_table.rowCount()):
            item = self.label_table.item(row, 0)
            original = item.data(OriginalNameRole) if item is not None else None
            if original and item.text().strip() != original:
                renamed[original] = item.text().strip()
        return renamed

    @staticmethod
    def _free_name(table: QTableWidget, base: str) -> str:
        names = {table.item(row, 0).text().strip() for row in range(table.rowCount())}
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base} {n}"
        return name

    # -- reading the tables back
    def _table_dict(self) -> dict:
        """What the tables hold, in labels.toml's shape; raises ConfigError for what the parser cannot see."""
        data = label_set_to_dict(self.original)
        data["settings"].update(threshold=self.threshold.value(), best_threshold=self.best_threshold.value(),
                                max_tags=self.max_tags.value())
        data["label"] = []
        for row in range(self.label_table.rowCount()):
            name, enabled, threshold, _, _, prompts = self._cells(self.label_table, row)
            entry = {"name": name, "enabled": enabled}
            if threshold:
                entry["threshold"] = _number(threshold, f"label {name!r}")
            original = self.label_table.item(row, 0).data(OriginalNameRole)
            if _split(prompts):
                entry["prompts"] = _split(prompts)
            elif self.label_table.item(row, 0).data(ExamplesOnlyRole) or \
                    any(label.name == original and label.examples_only for label in self.original.labels):
                entry["examples_only"] = True  # a label defined by the user's examples stays so
            data["label"].append(entry)
        data["moderation"], seen = [], set()
        for row in range(self.category_table.rowCount()):
            name, enabled, threshold, unsafe, safe = self._cells(self.category_table, row)
            if name in seen:
                raise ConfigError(f"moderation category {name!r} is defined twice")
            seen.add(name)
            for side, prompts in (("unsafe", unsafe), ("safe", safe)):
                if not _split(prompts):
                    raise ConfigError(f"moderation {name!r}: needs at least one {side} prompt")
            data["moderation"].append({"name": name, "enabled": enabled,
                                       "threshold": _number(threshold, f"moderation {name!r}"),
                                       "unsafe": _split(unsafe), "safe": _split(safe)})
        return data

    @staticmethod
    def _cells(table: QTableWidget, row: int) -> list:
        cells = []
        for column in range(table.columnCount()):
            item = table.item(row, column)
            if column == ENABLED:
                cells.append(item is not None and item.checkState() == Qt.CheckState.Checked)
            else:
                cells.append(item.text().strip() if item is not None else "")
        return cells

    def _validate(self, *_) -> bool:
        if self._filling:
            return True
        try:
            result = label_set_from_dict(self._table_dict())
        except ConfigError as exc:
            self._result = None
            self.errors.setText(str(exc))
        else:
            self._result = replace(result, templates=self.original.templates)
            self.errors.setText("")
        if self._previewed is not None and self._result != self._previewed:  # edited since: that count is stale
            self._asked += 1
            self._previewed = None
            self.preview_text.setText("")
        self.errors.setVisible(bool(self.errors.text()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._result is not None)
        return self._result is not None

    def show_preview(self) -> None:
        """The dry run for the selected label (or the first), with the labels as edited so far."""
        labels = self.result_labels()
        if labels is None or self.preview is None or not labels.labels:
            self.preview_text.setText("Fix the mistake above first." if labels is None else "")
            return
        row = max(self.label_table.currentRow(), 0)
        name = self._cells(self.label_table, row)[0]
        self._asked += 1
        self._previewed = labels
        self.preview_text.setText("Counting...")
        self.runner.query(partial(_count, self.preview, labels, name),
                          on_done=partial(self._preview_done, self._asked),
                          on_error=partial(self._preview_done, self._asked))

    def _preview_done(self, asked: int, answer) -> None:
        """The count (or why there is none), unless the labels were edited, previewed again or closed since."""
        if asked != self._asked:
            return
        # a preview is advice: its failure must not cost the edits
        self.preview_text.setText(answer if isinstance(answer, str) else f"No preview: {answer}")
        others = isinstance(answer, str) and "also changes:" in answer  # a side effect the user did not ask for
        self.preview_text.setStyleSheet("color: #a05a00;" if others else "")

    def _show_state(self, row: int, state) -> None:
        """The label's photos and what decides it in its row; guidance (tags nothing or nearly everything) marks
        the photo count and is said in full below the table when the row is selected."""
        self.label_table.blockSignals(True)  # a tooltip change is an itemChanged, which resets it to the text
        photos = self.label_table.item(row, PHOTOS)
        decides = self.label_table.item(row, DECIDES)
        photos.setToolTip(state.guidance or f"{state.photos} photos carry {state.name!r} now")
        decides.setToolTip(f"Decides by: {state.decided_by}")
        self.label_table.item(row, 0).setToolTip(f"{state.name}\nDecides by: {state.decided_by}")
        if state.guidance:
            photos.setText(f"\u26a0 {state.photos}")
            photos.setForeground(QColor("#a05a00"))
        self.label_table.blockSignals(False)

    def _show_about(self, row: int) -> None:
        item = self.label_table.item(row, 0) if row >= 0 else None
        state = self.states.get(item.data(OriginalNameRole)) if item is not None else None
        if state is None:
            self.about.setText("")
            return
        how = state.decided_by if state.decided_by.startswith("your examples decide") else \
            f"decided by: {state.decided_by}"
        text = f"<b>{escape(state.name)}</b>: {state.photos} photos; {escape(how)}."
        if state.guidance:
            text += f"<br><span style='color:#a05a00'>\u26a0 {escape(state.guidance)}</span>"
        self.about.setText(text)

    def done(self, result: int) -> None:
        self._asked += 1  # a count still under way finds the dialog gone
        super().done(result)

    def result_labels(self) -> LabelSet | None:
        """The edited labels, or None while the tables hold a mistake."""
        return self._result if self._validate() else None

    @property
    def error_text(self) -> str:
        return self.errors.text()

    def accept(self) -> None:
        if self._validate():
            super().accept()


def _count(preview, labels: LabelSet, name: str) -> str:
    """preview(labels, name) on a query worker; a problem the user can fix is its answer, not an error."""
    try:
        return preview(labels, name)
    except PhotoTaggerError as exc:
        return f"No preview: {exc}"


def _show_whole_text(item: QTableWidgetItem | None) -> None:
    """A name or prompt cell's whole text as its tooltip: a narrow window elides or wraps it."""
    if item is not None and item.column() not in (ENABLED, 2) and \
            not (item.tableWidget() is not None and item.tableWidget().columnCount() == len(LABEL_COLUMNS)
                 and item.column() in (PHOTOS, DECIDES)):
        item.setToolTip(item.text())


def _number(text: str, where: str):
    try:
        return float(text)
    except ValueError:
        # Not a number: let the parser say what a threshold must be (it names the entry too).
        return text


def _row(*buttons) -> QHBoxLayout:
    layout = QHBoxLayout()
    for button in buttons:
        layout.addWidget(button)
    layout.addStretch(1)
    return layout
