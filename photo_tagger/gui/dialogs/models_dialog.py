"""Tools > Models...: the installed models and what each costs here (download and disk size, images/s measured on
this computer, languages, precisions), with buttons to measure a model's speed again and to install another one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.services.models import human_bytes, rate_text

COLUMNS = ("Model", "Family", "Languages", "Images/s here", "Precisions", "Download", "On disk", "Source")


class ModelsDialog(QDialog):
    """Shows rows of services.models.installed_models; the window reads them and runs the measuring off the GUI
    thread (gui/model_setup.py)."""

    measure_requested = Signal(str)  # a model name
    add_requested = Signal()  # "Install another model..."

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(1040, 320)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.note = QLabel("Reading the models...", self)
        self.note.setWordWrap(True)
        self.measure_button = QPushButton("Measure speed again", self)
        self.measure_button.setToolTip("Encode made-up images for a few seconds with the selected model, on the device "
                                       "and threads in Settings")
        self.measure_button.setEnabled(False)
        self.measure_button.clicked.connect(self._measure_clicked)
        self.add_button = QPushButton("Install another model...", self)
        self.add_button.clicked.connect(self.add_requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.measure_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.rows: list = []
        self._measuring: str | None = None

    def show_rows(self, rows: list) -> None:
        selected = self.selected_name()
        self.rows = rows
        self._measuring = None
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = f"{row.name} (in use)" if row.active else row.name
            if row.costs is None:
                cells = (name, "broken", row.problem, "", "", "", "", row.source)
            else:
                c = row.costs
                speed = ", ".join(f"{rate_text(rate)} {p}" for p, rate in c.images_per_s.items()) or "not measured"
                cells = (name, c.family, c.languages, speed, " + ".join(c.precisions),
                         human_bytes(c.download_bytes) if c.download_bytes is not None else "not recorded",
                         human_bytes(c.disk_bytes), row.source)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, row.name)
                self.table.setItem(r, column, item)
            if row.name == selected or (selected is None and row.active):
                self.table.selectRow(r)
        measured = {c.measured_on for c in (row.costs for row in rows) if c and c.measured_on}
        where = f" ({', '.join(sorted(measured))})" if measured else ""
        self.note.setText("No model is installed." if not rows else
                          f"Images/s: the image encoder alone on this computer{where}, measured at install; "
                          "indexing also reads and decodes each photo. Download: what installing it fetched.")
        self._selection_changed()

    def selected_name(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def set_measuring(self, name: str) -> None:
        self._measuring = name
        self.note.setText(f"Measuring the speed of {name} (a few seconds)...")
        self._selection_changed()

    def _selection_changed(self) -> None:
        name = self.selected_name()
        usable = any(r.name == name and r.costs is not None for r in self.rows)
        self.measure_button.setEnabled(usable and self._measuring is None)

    def _measure_clicked(self) -> None:
        name = self.selected_name()
        if name:
            self.measure_requested.emit(name)
