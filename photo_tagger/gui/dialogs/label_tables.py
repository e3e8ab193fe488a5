"""The labels editor's tables: rows that fit their wrapped prompts, columns inside the table, and a row that keeps
its height while one of its cells is edited."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyledItemDelegate, QTableWidget, QWidget


def editable_table(parent: QWidget, columns, narrow, name_width: int, whole_text) -> QTableWidget:
    """A table with `columns`: the name first (sized by the dialog), the `narrow` columns fitted to their
    contents, the rest (prompts, what decides a label) sharing what is left. `whole_text(item)` runs on every
    change (the dialog shows a cell's whole text as its tooltip)."""
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    # Rows grow to their wrapped prompts; every column stays inside the table at the dialog's size.
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setMinimumSectionSize(40)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)  # sized by the dialog (longest name)
    header.resizeSection(0, name_width)
    for column in range(1, len(columns)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents if column in narrow
                                    else QHeaderView.ResizeMode.Stretch)
    table.itemChanged.connect(whole_text)
    table.setItemDelegate(SteadyRowDelegate(table))
    return table


class SteadyRowDelegate(QStyledItemDelegate):
    """While a cell is edited its row keeps its height: rows otherwise fit their contents, and a row that grew
    around the editor pushed the label's name out of sight (issue 21). They fit again once the edit ends."""

    def createEditor(self, parent, option, index):
        header = self.parent().verticalHeader()
        sizes = [header.sectionSize(row) for row in range(header.count())]
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        for row, size in enumerate(sizes):
            header.resizeSection(row, size)
        return super().createEditor(parent, option, index)

    def destroyEditor(self, editor, index):
        super().destroyEditor(editor, index)
        self.parent().verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
