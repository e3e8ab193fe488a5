"""Review one label or moderation category: the photos it would tag (or flag), borderline first; Y / N (or the
buttons) accept or reject the selected photo at once, and the list is re-learned from that choice.

Nothing here touches the store or a file on the GUI thread (ARCHITECTURE.md, Threading): the labels file and
the list are read by queries, each answer is stored and the list re-learned by a write job on the runner's
single writer, thumbnails are decoded by its thumbnail pool. An answer leaves the list at once; answers given
while a job runs wait in order and go together in the next job, so none is lost or stored twice."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.gui.thumbnails import load_preview
from photo_tagger.services import browsing, review

if TYPE_CHECKING:
    from photo_tagger.app import App
    from photo_tagger.core.ports import Catalog
    from photo_tagger.services.review import ReviewService

PhotoIdRole = Qt.ItemDataRole.UserRole + 1
ICON = 64  # px; thumbnails are read only for the rows shown first, once each
ICONS_AT_ONCE = 12


def store_answers(reviews: ReviewService, catalog: Catalog, answers: list[tuple[str, str, str, bool]],
                  target: tuple[str, str] | None, progress=None, control=None):
    """The writer's job: store `answers` ((kind, name, photo_id, accept), in the order given), then re-learn and
    list `target`. Returns (stored, one line per answer that could not be stored, candidates, records, the
    sidebar's tag counts after them: browsing.tag_rows)."""
    if progress is not None:
        progress.started(len(answers) + 1, "answers")
    stored, problems = 0, []
    for done, (kind, name, photo_id, accept) in enumerate(answers, 1):
        try:
            reviews.decide(kind, name, photo_id, accept)
            stored += 1
        except PhotoTaggerError as exc:  # e.g. the photo was deleted since the list was made
            problems.append(str(exc))
        if progress is not None:
            progress.advanced(done)
    found, records, counts = listing(reviews, catalog, target) if target is not None \
        else ([], {}, browsing.tag_rows(catalog))
    if progress is not None:
        progress.advanced(len(answers) + 1)
    return stored, problems, found, records, counts


def listing(reviews: ReviewService, catalog: Catalog, target: tuple[str, str]):
    """(candidates, their records, the sidebar's tag counts): what the dialog shows and what the sidebar shows,
    read together so that they agree."""
    found, records = reviews.candidates(*target)
    return found, records, browsing.tag_rows(catalog)


def _small_image(path: str, hidden: bool = False) -> QImage:
    """A thumbnail's pixels, decoded at reduced size (JPEG draft), obscured when `hidden` (a flagged photo: the
    one blur of core/privacy_blur.py); thumbnail workers only."""
    return load_preview(path, ICON, hidden)


class ReviewDialog(QDialog):
    """Over an App and the window's TaskRunner. `reviewed` carries the number of choices stored so far;
    `answers_given` counts every answer (stored or still queued). The window retags the library after a review
    with any answer, so that learning reaches every photo (MainWindow.review_labels)."""

    reviewed = Signal(int)
    counts_changed = Signal(object)  # browsing.tag_rows after the answers: the sidebar shows the same counts

    def __init__(self, app: App, runner, parent: QWidget | None = None, target: tuple[str, str] | None = None,
                 hide_if_flagged: Callable[[str], bool] = lambda photo_id: True):
        super().__init__(parent)
        self.app = app
        self.runner = runner
        self.hide_if_flagged = hide_if_flagged  # the window's: blurring on and the photo not revealed there
        self.setWindowTitle("Review tags and flags")
        self.resize(640, 620)
        self.choices_made = 0  # stored
        self.answers_given = 0  # stored, queued or refused
        self._queue: deque[tuple[str, str, str, bool]] = deque()  # answered, not yet handed to the writer
        self._in_flight: list[tuple[str, str, str, bool]] = []  # handed to the writer, not yet back
        self._job = None
        self._listing = 0  # generation of the list shown: older results are dropped
        self._auto_selected: str | None = None  # the photo selected after an answer (not by the user)
        self._closed = False
        self._relist = False  # the target changed while a job was under way: its list is not wanted
        self._icons: dict[str, QIcon | None] = {}
        self._hidden_paths: dict[str, str] = {}  # photos whose icon is blurred (flagged): a double-click shows one
        self.targets: list[tuple[str, str]] = []  # filled once the labels are counted (_overview_read)
        self.to_review: dict[tuple[str, str], int] = {}
        self.picker = QComboBox(self)
        self.header = QLabel("Reading the labels...", self)
        self.header.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setIconSize(QSize(ICON, ICON))
        self.yes = QPushButton("Yes, it is (Y)", self)
        self.no = QPushButton("No, it is not (N)", self)
        self.state = QLabel(self)  # what the writer is doing with the answers
        self.state.setStyleSheet("color: palette(mid);")
        self.status = QLabel(self)  # the last problem, one line
        self.status.setStyleSheet("color: #a05a00;")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.yes)
        buttons.addWidget(self.no)
        buttons.addStretch(1)
        buttons.addWidget(self.state)
        layout = QVBoxLayout(self)
        for widget in (self.picker, self.header, self.list):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.list.itemDoubleClicked.connect(self._show_hidden)
        self.yes.clicked.connect(lambda: self.answer(True))
        self.no.clicked.connect(lambda: self.answer(False))
        for key, value in (("Y", True), ("N", False)):
            QShortcut(QKeySequence(key), self, activated=lambda v=value: self.answer(v))
        runner.job_finished.connect(self._job_finished)
        self._set_buttons()
        self.header.setText("Counting what there is to review...")
        runner.query(lambda: app.review_service.overview(), on_done=partial(self._overview_read, target),
                     on_error=self._labels_failed)

    def _overview_read(self, target, rows) -> None:
        """Every enabled label and category with its number of photos to review (counted on a query worker),
        those with something first. The dialog opens on `target` when it has something to review, else on the
        first that has."""
        if self._closed:
            return
        self.targets = [(kind, name) for kind, name, _ in rows]
        self.to_review = {(kind, name): n for kind, name, n in rows}
        for row in range(len(self.targets)):
            self.picker.addItem(self._picker_text(row))
        waiting = [t for t in self.targets if self.to_review[t]]
        start = target if target in waiting else (waiting[0] if waiting else None)
        if start is not None:
            self.picker.setCurrentIndex(self.targets.index(start))
        self.picker.currentIndexChanged.connect(lambda _: self.refresh())
        if self.targets and not waiting:
            self.picker.setCurrentIndex(-1)
            self.header.setText("Nothing to review: no label or moderation category has a photo it is unsure "
                                "about that you have not answered for.")
            return
        self.refresh()

    def _picker_text(self, row: int) -> str:
        kind, name = self.targets[row]
        n = self.to_review.get((kind, name), 0)
        count = f"{n} to review" if n else "nothing to review"
        return f"{'Label' if kind == review.LABEL else 'Moderation'}: {name} ({count})"

    def _labels_failed(self, exc: BaseException) -> None:
        if not self._closed:
            self.header.setText("The labels could not be read.")
            self.status.setText(_line(exc))

    @property
    def target(self) -> tuple[str, str] | None:
        index = self.picker.currentIndex()
        return self.targets[index] if 0 <= index < len(self.targets) else None

    @property
    def busy(self) -> bool:
        """Answers are being stored or wait to be."""
        return bool(self._in_flight or self._queue)

    # -- the list
    def refresh(self) -> None:
        """List the current target afresh (re-learned from the choices so far), on a query worker."""
        self._listing += 1
        self.list.clear()
        self._set_buttons()
        if self.target is None:
            self.header.setText("No enabled label or moderation category to review.")
            return
        if self._in_flight or self._queue:  # the job under way lists the target once the answers are in
            self._relist = True
            self.header.setText("Learning from your answers...")
            self._pump()
            return
        self.header.setText("Listing...")
        target = self.target
        self.runner.query(lambda: listing(self.app.review_service, self.app.catalog, target),
                          on_done=partial(self._listed, self._listing, self.target),
                          on_error=partial(self._list_failed, self._listing))

    def _listed(self, generation: int, target, result) -> None:
        if self._closed or generation != self._listing or target != self.target:
            return
        found, records, counts = result
        kind, name = target
        self.counts_changed.emit(counts)
        waiting = {photo_id for _, _, photo_id, _ in (*self._in_flight, *self._queue)}
        found = [c for c in found if c.photo_id not in waiting]  # answered meanwhile: not listed again
        current = self.list.currentItem()
        kept = current.data(PhotoIdRole) if current is not None else None
        if kept == self._auto_selected:  # the user did not pick another photo: the most borderline one now
            kept = None
        self.list.clear()
        verb = "tags" if kind == review.LABEL else "flags"
        tagged, near = sum(c.tagged for c in found), sum(not c.tagged for c in found)
        self._set_to_review(target, len(found))
        carried = dict(counts[0]).get(name, 0) if kind == review.LABEL else None
        now = f"{carried} photo{'s' if carried != 1 else ''} carry {name!r} now (as in the sidebar). " \
            if carried is not None else ""
        if found:
            self.header.setText(f"{now}To review: {len(found)} photo{'s' if len(found) != 1 else ''} you have not "
                                f"answered for, {tagged} above its threshold and {near} just below; the most "
                                f"uncertain first. Y: it is {name!r}, N: it is not.")
        else:
            self.header.setText(f"{now}Nothing to review: {name!r} {verb} no photo you have not answered for, "
                                f"and none comes near.")
        select, icons = 0, []
        for row, candidate in enumerate(found):
            record = records.get(candidate.photo_id)
            path = record.path if record else candidate.photo_id
            state = verb if candidate.tagged else "near miss"
            item = QListWidgetItem(f"{candidate.confidence:.2f}  {candidate.source:7}  {state:9}  "
                                   f"{os.path.basename(path)}\n{os.path.dirname(path)}")
            item.setData(PhotoIdRole, candidate.photo_id)
            self.list.addItem(item)
            if candidate.photo_id == kept:
                select = row
            if row < ICONS_AT_ONCE and record:
                icons.append((candidate.photo_id, path))
        self._show_icons(icons)
        self._select(select)
        self._set_buttons()

    def _set_to_review(self, target, n: int) -> None:
        """The picker's count for `target` follows the list (answers take photos off it)."""
        if target in self.targets and self.to_review.get(target) != n:
            self.to_review[target] = n
            self.picker.setItemText(self.targets.index(target), self._picker_text(self.targets.index(target)))

    def _list_failed(self, generation: int, exc: BaseException) -> None:
        if self._closed or generation != self._listing:
            return
        self.header.setText("The list could not be made.")
        self.status.setText(_line(exc))

    def _select(self, row: int) -> None:
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)
            self._auto_selected = self.list.item(row).data(PhotoIdRole)
        else:
            self._auto_selected = None

    def _set_buttons(self) -> None:
        answerable = self.list.count() > 0
        self.yes.setEnabled(answerable)
        self.no.setEnabled(answerable)

    def _show_icons(self, rows: list[tuple[str, str]]) -> None:
        """Small thumbnails for the first rows, decoded off the GUI thread once per photo for the dialog's life; a
        flagged photo's is obscured, as everywhere in the window (its flags asked of a query worker first)."""
        for photo_id, _ in rows:
            if self._icons.get(photo_id) is not None:
                self._set_icon(photo_id)
        todo = [(photo_id, path) for photo_id, path in rows if photo_id not in self._icons]
        if not todo:
            return
        for photo_id, _ in todo:
            self._icons[photo_id] = None
        ids = [photo_id for photo_id, _ in todo]
        self.runner.query(partial(self.app.model_trial_service.flagged_among, ids), on_done=partial(self._decode_icons, todo),
                          on_error=lambda exc: self._decode_icons(todo, set(ids)))  # flags unknown: all hidden

    def _decode_icons(self, todo: list[tuple[str, str]], flagged: set[str]) -> None:
        if self._closed:
            return
        for photo_id, path in todo:
            hidden = photo_id in flagged and self.hide_if_flagged(photo_id)
            if hidden:
                self._hidden_paths[photo_id] = path
            self.runner.thumbnail(partial(_small_image, path, hidden), on_done=partial(self._icon_made, photo_id),
                                  on_error=lambda exc: None)  # unreadable now: the row still shows its name

    def _icon_made(self, photo_id: str, image: QImage) -> None:
        if self._closed:
            return
        self._icons[photo_id] = QIcon(QPixmap.fromImage(image))
        self._set_icon(photo_id)

    def _set_icon(self, photo_id: str) -> None:
        for row in range(min(self.list.count(), ICONS_AT_ONCE)):
            if self.list.item(row).data(PhotoIdRole) == photo_id:
                self.list.item(row).setIcon(self._icons[photo_id])
                self.list.item(row).setToolTip("Flagged: double-click to show the photo"
                                               if photo_id in self._hidden_paths else "")

    def _show_hidden(self, item: QListWidgetItem) -> None:
        """A blurred (flagged) photo's icon, shown sharp on the user's double-click: judging it may need to see it."""
        photo_id = item.data(PhotoIdRole)
        path = self._hidden_paths.pop(photo_id, None)
        if path is not None:
            self.runner.thumbnail(partial(_small_image, path, False), on_done=partial(self._icon_made, photo_id),
                                  on_error=lambda exc: None)

    # -- answers
    def answer(self, accept: bool) -> None:
        """The selected photo is (or is not) the target: it leaves the list at once and the answer is stored in
        order on the writer, which then re-learns the list."""
        item = self.list.currentItem()
        if item is None or self.target is None:
            return
        kind, name = self.target
        row = self.list.row(item)
        self._queue.append((kind, name, item.data(PhotoIdRole), accept))
        self.answers_given += 1
        self.list.takeItem(row)
        self._set_to_review(self.target, self.list.count())
        self._select(min(row, self.list.count() - 1))
        self._set_buttons()
        self._pump()

    def _pump(self) -> None:
        """Hand every queued answer to the writer, unless a job of ours is still under way."""
        if not self._in_flight and self._queue:
            self._in_flight = list(self._queue)
            self._queue.clear()
            self._relist = False
            self._job = self.runner.write(
                f"Learning from {_answers(len(self._in_flight))} (review)",
                self._store_job(self._in_flight, self.target),
                on_done=partial(self._stored, self._in_flight, self.target),
                on_error=partial(self._store_failed, self._in_flight), pausable=False)
        self._show_state()

    def _show_state(self) -> None:
        if self._in_flight:
            waiting = f"; {len(self._queue)} more waiting" if self._queue else ""
            self.state.setText(f"Saving {_answers(len(self._in_flight))} and re-learning{waiting}...")
        elif self.choices_made:
            self.state.setText(f"{_answers(self.choices_made)} saved; the list has learned from them")
        else:
            self.state.setText("")

    def _stored(self, answers, target, result) -> None:
        if answers is not self._in_flight:
            return
        stored, problems, found, records, counts = result
        self._in_flight, self._job = [], None
        self.choices_made += stored
        if self._closed:
            return
        self.counts_changed.emit(counts)
        if stored:
            self.reviewed.emit(self.choices_made)
        self.status.setText(problems[-1] if problems else "")
        self._after_job(target, (found, records), counts)

    def _store_failed(self, answers, exc: BaseException) -> None:
        if answers is not self._in_flight:
            return
        self._in_flight, self._job = [], None
        if not self._closed:
            self.status.setText(_line(exc))
            self._after_job(None, None)

    def _job_finished(self, job, result) -> None:
        """A job of ours cancelled before it ran (Cancel in the status bar): nothing of it was stored."""
        if job is not self._job or not job.cancelled or result is not None:
            return
        lost = len(self._in_flight)
        self._in_flight, self._job = [], None
        if not self._closed:
            self.status.setText(f"Cancelled: {_answers(lost)} not saved; those photos are listed again")
            self._after_job(None, None)

    def _after_job(self, target, listed, counts=None) -> None:
        if self._queue:
            self._pump()  # the answers given meanwhile; that job lists the target again
        elif listed is not None and target == self.target and not self._relist:
            self._listing += 1
            self._listed(self._listing, target, (*listed, counts))
        else:
            self.refresh()
        self._show_state()

    def done(self, result: int) -> None:
        """Closing: answers still waiting go to the writer now, so they are stored before the window's retag
        (the writer runs its jobs in order); results that come back later only count."""
        if self._queue:
            answers = list(self._queue)
            self._queue.clear()
            self.runner.write(f"Learning from {_answers(len(answers))} (review)",
                              self._store_job(answers, None),
                              on_done=partial(self._counted, answers), pausable=False)
        self._closed = True
        super().done(result)

    def _counted(self, answers, result) -> None:
        self.choices_made += result[0]

    def _store_job(self, answers, target):
        """The writer's job storing `answers` (the app's parts are read on the writer, not here)."""
        app = self.app
        return lambda progress, control: store_answers(app.review_service, app.catalog, answers, target, progress,
                                                       control)


def _answers(n: int) -> str:
    return f"{n} answer{'s' if n != 1 else ''}"


def _line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, PhotoTaggerError) else f"{type(exc).__name__}: {exc}"
    return text.splitlines()[0] if text else type(exc).__name__
