"""The Duplicates page: groups of copies side by side, and "keep this, move the others to the trash"."""

from __future__ import annotations

import os
from functools import partial
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.dates import EXIF, record_date
from photo_tagger.core.duplicates import TIERS, DuplicateGroup
from photo_tagger.core.types import PhotoRecord
from photo_tagger.gui.models.duplicate_groups import DuplicateGroupsModel, GroupRole
from photo_tagger.gui.tasks import _message  # the status bar's one line for a failed job
from photo_tagger.gui.widgets.details_panel import _file_size
from photo_tagger.services.browsing import folder_name

if TYPE_CHECKING:
    from photo_tagger.services.duplicates import DuplicateService

TIERS_SHOWN = {"exact": ("Exact copies", "The same bytes"),
               "near": ("Near copies", "The same shot re-encoded, resized, lightly cropped or stripped of EXIF"),
               "similar": ("Similar shots", "Other shots of the same scene: a burst or a series")}
MATCHED = {"exact": "copy", "near": "near copy", "similar": "similar shot"}  # by the tier a photo matched at
# Every tile has the border (transparent but for the suggested one), so all line up; the palette's highlight shows
# in light and dark themes. Set once on the view: a style sheet per tile made a page of cards several times slower.
TILE_STYLE = ("#suggestedTile { border: 2px solid palette(highlight); border-radius: 4px; }\n"
              "#photoTile { border: 2px solid transparent; border-radius: 4px; }")
PAGE = 30  # groups shown at once; "Show more" adds as many (a tile is a handful of widgets)
SPACING = 8
TILE_EXTRA = 40  # a tile is this much wider than its thumbnail
TILE_MARGIN = 6


def groups_and_flags(service: DuplicateService, tier: str, folder: str | None, progress,
                     control) -> tuple[list[DuplicateGroup], set[str]]:
    """On the writer (it may store hashes): the groups, and which of their photos are flagged (blurred like in the
    grid)."""
    groups = service.find_groups(tier, folder, progress=progress, control=control)
    return groups, service.flagged(groups)


class DuplicatesView(QWidget):
    """A page of the window: a tier and a folder to look in, the groups found, one button per photo to keep."""

    closed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.model = DuplicateGroupsModel(self)
        self.setStyleSheet(TILE_STYLE)
        self.flagged: set[str] = set()
        self.shown = 0  # groups with a card
        self._target = 0  # groups to have a card: the cards are made one per event-loop turn
        self._scheduled = False
        self._generation = 0
        self._job = None
        self._shown_for: tuple[str, str | None] = ("near", None)  # the tier and folder of the groups shown
        self._cards: list[GroupCard] = []
        self._columns = 0
        self.tier = QComboBox(self)
        for tier in TIERS:
            name, meaning = TIERS_SHOWN[tier]
            self.tier.addItem(name, tier)
            self.tier.setItemData(self.tier.count() - 1, meaning, Qt.ItemDataRole.ToolTipRole)
        self.tier.setToolTip("\n".join(f"{name}: {meaning.lower()}" for name, meaning in TIERS_SHOWN.values()))
        self.tier.setCurrentIndex(TIERS.index("near"))
        self.folder = QComboBox(self)
        self.folder.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.find_button = QPushButton("Find", self)
        self.back_button = QPushButton("Back to photos", self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cards = QVBoxLayout()
        self.cards.setSpacing(SPACING)
        self.more_button = QPushButton(self)
        self.more_button.hide()
        content = QWidget(self)
        column = QVBoxLayout(content)
        column.addLayout(self.cards)
        column.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(content)
        self.scroll.viewport().installEventFilter(self)  # tiles per row follow the width
        bar = QHBoxLayout()
        bar.addWidget(_bold("Duplicates"))
        bar.addSpacing(12)
        bar.addWidget(self.tier)
        bar.addWidget(QLabel("in", self))
        bar.addWidget(self.folder)
        bar.addWidget(self.find_button)
        bar.addStretch(1)
        bar.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        window.runner.job_finished.connect(self._job_finished)
        self.find_button.clicked.connect(self.find)
        self.tier.activated.connect(lambda _: self.find())
        self.folder.activated.connect(lambda _: self.find())
        self.more_button.clicked.connect(self._show_more)
        self.back_button.clicked.connect(self.closed)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # set apart: see main_window's Return
        back.activated.connect(self.closed)
        back.setWhatsThis("Leave the Duplicates view")
        self.came_from: QWidget | None = None
        self.closed.connect(self._leave)
        window.pages.addWidget(self)
        self.model.modelReset.connect(self._rebuild)
        self.model.rowsRemoved.connect(self._rows_removed)
        self.model.dataChanged.connect(self._group_changed)
        window.thumbnails.thumbnail_loaded.connect(self._thumbnail_loaded)

    # -- finding
    def open(self, folders: tuple[str, ...], folder: str | None) -> None:
        """Shown over the window's page with the watched folders to choose from (`folder` chosen); looks at once
        the first time and when the folder changed."""
        pages = self.window.pages
        if pages.currentWidget() is not self:
            self.came_from = pages.currentWidget()
            pages.setCurrentWidget(self)
        self.setFocus()
        before = self.folder.currentData()
        self.folder.clear()
        self.folder.addItem("all folders", None)
        for path in folders:
            self.folder.addItem(folder_name(path), path)
            self.folder.setItemData(self.folder.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        self.folder.setCurrentIndex(max(0, self.folder.findData(folder)))
        if self._generation == 0 or folder != before:
            self.find()

    def find(self) -> None:
        """Look for groups of the chosen tier on the writer (it may store hashes); a newer look drops older ones."""
        self._generation += 1
        if self._job is not None:
            self._job.cancel()
        tier, folder = self.tier.currentData(), self.folder.currentData()
        self.model.set_groups([])
        self.status.setText(f"Finding {_tier_words(tier)}{_where(folder)}...")
        self._job = self.window.runner.write(
            f"Finding {_tier_words(tier)}",
            lambda progress, control: groups_and_flags(self.window.app.duplicate_service, tier, folder, progress,
                                                       control),
            on_done=partial(self._found, self._generation, tier, folder),
            on_error=partial(self._failed, self._generation))

    def _found(self, generation: int, tier: str, folder: str | None, result) -> None:
        if generation != self._generation:
            return
        self._job = None
        groups, self.flagged = result
        self.model.set_groups(groups)
        self._shown_for = (tier, folder)
        self.status.setText(self._summary(tier, folder))

    def _job_finished(self, job, result) -> None:
        if job is self._job and result is None and job.control.cancelled:  # stopped from the status bar
            self._job = None
            self.status.setText("Stopped looking for duplicates.")

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._job = None
            text = _message(exc).strip() or type(exc).__name__
            self.status.setText(f"Could not look for duplicates: {text.splitlines()[0]}")

    def _summary(self, tier: str, folder: str | None) -> str:
        groups = self.model.groups
        if not groups:
            return f"No {_tier_words(tier)} found{_where(folder)}."
        return (f"{self._remaining(tier, folder)}. The suggested photo to keep (the camera's original: its EXIF and "
                "format, then the largest, then the oldest) comes first in each group; nothing moves until you click.")

    def _remaining(self, tier: str, folder: str | None) -> str:
        """"3 groups of near copies in Trips: 5 photos could go" (the groups still shown)."""
        groups = self.model.groups
        if not groups:
            return f"no group of {_tier_words(tier)} is left{_where(folder)}"
        extra = sum(len(g.photos) - 1 for g in groups)
        return (f"{len(groups)} group{'s' if len(groups) != 1 else ''} of {_tier_words(tier)}{_where(folder)}: "
                f"{extra} photo{'s' if extra != 1 else ''} could go")

    def _leave(self) -> None:
        window = self.window
        if window.pages.currentWidget() is self:  # back to the first-run panel it came from, else the photos
            window.pages.setCurrentWidget(self.came_from if self.came_from in (window.no_model, window.empty)
                                          else window.browser)

    # -- cards
    def _rebuild(self) -> None:
        for card in self._cards:
            card.deleteLater()
        self._cards, self.shown, self._target = [], 0, 0
        self._show_more()

    def _show_more(self) -> None:
        self._target = min(len(self.model.groups), self.shown + PAGE)
        self._update_more()
        if not self._scheduled:  # else the chain under way goes on to the new target
            self._build_next()

    @property
    def building(self) -> bool:
        return self.shown < self._target

    def _build_next(self) -> None:
        """One card per event-loop turn: a page of 30 groups of 9 is 270 tiles, about 0.3-1 s of widgets that
        would otherwise stall the window in one piece (clicks and scrolling go on between cards)."""
        self._scheduled = False
        if not self.building:
            return
        card = GroupCard(self, self.model.groups[self.shown])
        self._cards.append(card)
        self.cards.addWidget(card)
        self.shown += 1
        if self.building:
            self._scheduled = True
            QTimer.singleShot(0, self, self._build_next)

    def _update_more(self) -> None:
        left = len(self.model.groups) - self._target
        more = min(left, PAGE)
        self.more_button.setText(f"Show {more} more group{'s' if more != 1 else ''} ({left} not shown)")
        self.more_button.setVisible(left > 0)

    def _rows_removed(self, _parent, first: int, last: int) -> None:
        gone = [row for row in range(first, last + 1) if row < self.shown]
        for row in reversed(gone):
            self._cards.pop(row).deleteLater()
        self.shown -= len(gone)
        self._target -= len([row for row in range(first, last + 1) if row < self._target])
        self._update_more()

    def _group_changed(self, top, bottom, _roles=()) -> None:
        for row in range(top.row(), min(bottom.row(), self.shown - 1) + 1):
            old = self._cards[row]
            self._cards[row] = GroupCard(self, self.model.index(row, 0).data(GroupRole))
            self.cards.replaceWidget(old, self._cards[row])
            old.deleteLater()

    def columns(self) -> int:
        width = self.scroll.viewport().width() - 2 * SPACING - 24  # the card's margins
        return max(1, width // (self.window.thumbnails.size + TILE_EXTRA + SPACING))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.columns() != self._columns:
            self._columns = self.columns()
            for card in self._cards:
                card.lay_out(self._columns)
        return False

    def _thumbnail_loaded(self, key) -> None:
        for card in self._cards:
            card.thumbnail_loaded(key)

    # -- keeping one
    def keep(self, group: DuplicateGroup, photo: PhotoRecord) -> None:
        """Asks first, naming how many files go; then the others of the group go to the trash on the writer."""
        others = [p for p in group.photos if p.id != photo.id]
        files = f"{len(others)} other photo{'s' if len(others) != 1 else ''}"
        shots = sum(group.tiers.get(p.id) == "similar" for p in group.photos)
        warning = (f"\n\nCareful: {shots} photo{'s' if shots != 1 else ''} of this group "
                   f"{'are other shots' if shots != 1 else 'is another shot'} of the scene, not copies."
                   if shots else "")
        if not self.window.confirm(f"Keep {os.path.basename(photo.path)} and move the {files} of this group to the "
                                   f"trash?{warning}\n\nThey can be restored from the system trash; nothing is "
                                   "deleted."):
            return
        card = next((c for c in self._cards if c.group is group), None)
        if card is not None:
            card.setEnabled(False)  # one click per group: a second would find the files gone
        self.window.runner.write(f"Moving {files} to the trash",
                                 lambda progress, control: self.window.app.trash_service.keep_one(photo, others,
                                                                                            progress, control),
                                 on_done=partial(self._trashed, card), on_error=lambda _: self._enable(card))

    def _enable(self, card) -> None:
        if card in self._cards:  # still shown, as it was (nothing moved)
            card.setEnabled(True)

    def _trashed(self, card, report) -> None:
        self._enable(card)
        self.model.forget({p.id for p in report.moved})
        self.status.setText(f"{report.summary()}. {_capitalized(self._remaining(*self._shown_for))}.")
        self.window.status.show_message(report.summary())
        if report.moved:
            self.window.refresh()  # the grid and the folder counts


class GroupCard(QFrame):
    """One group: its photos side by side, the suggested one to keep first and marked."""

    def __init__(self, view: DuplicatesView, group: DuplicateGroup):
        super().__init__(view)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.group = group
        self.tiles = [PhotoTile(view, group, photo) for photo in group.photos]
        self.grid = QGridLayout()
        self.grid.setSpacing(SPACING)
        layout = QVBoxLayout(self)
        count = len(group.photos)
        layout.addWidget(QLabel(f"<b>{count} photos</b>: keep one, the other {count - 1} can go to the trash", self))
        layout.addLayout(self.grid)
        self.lay_out(view.columns())

    def lay_out(self, columns: int) -> None:
        for n, tile in enumerate(self.tiles):
            self.grid.addWidget(tile, n // columns, n % columns)  # a row's tiles as tall: Keep buttons line up
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        self.grid.setColumnStretch(columns, 1)  # tiles to the left, not spread over the width

    def thumbnail_loaded(self, key) -> None:
        for tile in self.tiles:
            if tile.key == key:
                tile.show_thumbnail()


class PhotoTile(QFrame):
    """A photo's thumbnail and facts (resolution, date, size, folder, why it matched) above its Keep button."""

    def __init__(self, view: DuplicatesView, group: DuplicateGroup, photo: PhotoRecord):
        super().__init__(view)
        self.view, self.photo = view, photo
        self.key = (photo.path, photo.mtime_ns)
        suggested = photo.id == group.keep.id
        self.setObjectName("suggestedTile" if suggested else "photoTile")  # framed by the view's TILE_STYLE
        size = view.window.thumbnails.size
        self.setFixedWidth(size + TILE_EXTRA)
        self.thumbnail = QLabel(self)
        self.thumbnail.setFixedSize(size, size)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setToolTip(photo.path)
        self.facts = QLabel(self._facts(group, suggested, size + TILE_EXTRA - 2 * (TILE_MARGIN + 2)), self)
        self.facts.setWordWrap(True)
        self.facts.setToolTip(photo.path)
        others = len(group.photos) - 1
        self.keep_button = QPushButton("Keep this" + (" (suggested)" if suggested else ""), self)
        self.keep_button.setToolTip(f"Keep {os.path.basename(photo.path)} and move the other {others} "
                                    f"photo{'s' if others != 1 else ''} of this group to the system trash")
        self.keep_button.clicked.connect(lambda: view.keep(group, photo))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(TILE_MARGIN, TILE_MARGIN, TILE_MARGIN, TILE_MARGIN)
        layout.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.facts)
        layout.addStretch(1)
        layout.addWidget(self.keep_button)
        self.show_thumbnail()

    def show_thumbnail(self) -> None:
        thumbnails = self.view.window.thumbnails
        path, mtime_ns = self.key
        grid = self.view.window.grid_model  # blurring on, and not revealed by the user (as in the grid)
        hidden = self.photo.id in self.view.flagged and grid.blur_flagged and not grid.is_revealed(self.photo.id)
        pixmap: QPixmap = (thumbnails.blurred_pixmap if hidden else thumbnails.pixmap)(path, mtime_ns)
        self.thumbnail.setPixmap(pixmap)

    def _facts(self, group: DuplicateGroup, suggested: bool, width: int) -> str:
        """Name, folder (from the watched folder's name down), resolution and file size, date, why it matched."""
        photo, metrics = self.photo, QFontMetrics(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        name = QFontMetrics(bold).elidedText(os.path.basename(photo.path), Qt.TextElideMode.ElideMiddle, width)
        where = os.path.join(folder_name(photo.root), os.path.dirname(photo.relpath)).rstrip("/")
        lines = [f"<b>{escape(name)}</b>", escape(metrics.elidedText(where, Qt.TextElideMode.ElideLeft, width))]
        size = f"{photo.width} \u00d7 {photo.height}, " if photo.width and photo.height else ""
        lines.append(f"{size}{_file_size(photo.size)}")
        found = record_date(photo)
        if found is not None:
            lines.append(found.at.replace("T", " ") + ("" if found.source == EXIF else " (file date)"))
        reason = group.reasons.get(photo.id, "")
        if reason:
            tier = group.tiers.get(photo.id)  # a similar tier's group holds copies and other shots: say which
            shown = f"{MATCHED[tier]}: {reason}" if group.tier == "similar" and tier in MATCHED else reason
            lines.append(f"<i>{escape(shown)}</i>")
        if suggested:  # last: the names of a row's tiles stay on one line
            color = self.palette().color(QPalette.ColorRole.Highlight).name()
            lines.append(f'<b style="color: {color}">Suggested to keep</b>')
        return "<br>".join(lines)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _tier_words(tier: str) -> str:
    return {"exact": "exact copies", "near": "near copies", "similar": "similar shots"}.get(tier, tier)


def _where(folder: str | None) -> str:
    return f" in {folder_name(folder)}" if folder else ""


def _bold(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
