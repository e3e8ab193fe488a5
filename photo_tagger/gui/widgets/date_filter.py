"""When a photo was taken, beside the search bar: any date, recent spans, this or last year, or a chosen range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QWidget

DateRange = tuple[date | None, date | None]  # (since, until), both inclusive; None: open


class DateRangeDialog(QDialog):
    """Two calendar fields; `range()` is what was chosen."""

    def __init__(self, since: date, until: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Photos taken between")
        self.since = QDateEdit(QDate(since.year, since.month, since.day), self, calendarPopup=True)
        self.until = QDateEdit(QDate(until.year, until.month, until.day), self, calendarPopup=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   Qt.Orientation.Horizontal, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("From", self.since)
        form.addRow("To", self.until)
        form.addRow(buttons)

    def range(self) -> DateRange:
        since, until = self.since.date().toPython(), self.until.date().toPython()
        return (since, until) if since <= until else (until, since)


class DateFilter(QComboBox):
    """Emits range_changed(since, until) when the user picks another span."""

    range_changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None, today: Callable[[], date] = date.today,
                 ask_range: Callable[[DateRange], DateRange | None] | None = None):
        super().__init__(parent)
        self._today = today
        self._ask_range = ask_range or self._range_dialog
        self._range: DateRange = (None, None)
        self.setToolTip("Only photos taken in this span (a photo without a capture date counts by its file's date)")
        year = today().year
        for text, span in (("Any date", lambda t: (None, None)),
                           ("Past 30 days", lambda t: (t - timedelta(days=30), t)),
                           ("Past 12 months", lambda t: (t - timedelta(days=365), t)),
                           (f"This year ({year})", lambda t: (date(t.year, 1, 1), date(t.year, 12, 31))),
                           (f"Last year ({year - 1})", lambda t: (date(t.year - 1, 1, 1), date(t.year - 1, 12, 31))),
                           ("Choose dates...", None)):
            self.addItem(text, span)
        self._previous = 0
        # Wide enough for a chosen range ("01 Jul 2021 \u2013 31 Jul 2021"), not cut at the first day.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.activated.connect(self._picked)

    def range(self) -> DateRange:
        return self._range

    def _picked(self, index: int) -> None:
        span = self.itemData(index)
        if span is None:
            chosen = self._ask_range(self._range)
            if chosen is None:  # cancelled: the span in use stays
                self.setCurrentIndex(self._previous)
                return
            self.setItemText(index, f"{chosen[0]:%d %b %Y} \u2013 {chosen[1]:%d %b %Y}")
        else:
            chosen = span(self._today())
            self.setItemText(self.count() - 1, "Choose dates...")
        self.setCurrentIndex(index)
        self._previous = index
        if chosen != self._range:
            self._range = chosen
            self.range_changed.emit(*chosen)

    def _range_dialog(self, current: DateRange) -> DateRange | None:
        today = self._today()
        dialog = DateRangeDialog(current[0] or today - timedelta(days=30), current[1] or today, self)
        return dialog.range() if dialog.exec() == QDialog.DialogCode.Accepted else None
