"""The selected photo's details: preview, file facts, text read in it (the search's words marked), tags with scores
(editable), flags and "Not sensitive"."""

from __future__ import annotations

import html
import os

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from photo_tagger.core.dates import record_date
from photo_tagger.core.search_rank import spans

# The search's words in the photo's text: bold on a light yellow, readable in light and dark themes.
MARK_STYLE = "font-weight: bold; background-color: #ffe37a; color: #000000"
# A photo with thousands of text boxes: this much is shown (laid out on the GUI thread); search reads it all.
MAX_TEXT_SHOWN = 3000

# Decoded this big (the longer side), then scaled down to the panel's width: a wide panel stays sharp.
PREVIEW_SIZE = 640
TagRole = Qt.ItemDataRole.UserRole + 1
RemovedRole = Qt.ItemDataRole.UserRole + 2  # True on a tag the user removed (listed struck through, with undo)


class ClickableLabel(QLabel):
    clicked = Signal()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class DetailsPanel(QScrollArea):
    """Shows one PhotoDetails; edits leave as signals (the window runs them on the writer)."""

    tag_added = Signal(str)
    tag_removed = Signal(str)
    tag_put_back = Signal(str)  # undo of a removal
    not_sensitive_requested = Signal()
    preview_clicked = Signal()
    read_text_requested = Signal()  # "Read the text in this photo": the window reads it on the writer

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.details = None
        self._pixmap: QPixmap | None = None  # the preview as decoded; shown scaled to the panel's width
        self._focus_pending = False  # "Edit tags" asked before the photo's details arrived
        self._reveal_tags = False  # "Edit tags" asked for this photo: its late preview must not push the field away
        self.setWidgetResizable(True)
        # The content follows the panel's width (the preview scales): never a sideways scroll.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(260)
        body = QWidget(self)
        self.preview = ClickableLabel(body)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(QSize(200, 200))
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.preview.clicked.connect(self.preview_clicked)
        self.name = QLabel(body)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.name.setWordWrap(True)
        self.path = self._value(body)
        self.taken = self._value(body)
        self.camera = self._value(body)
        self.size = self._value(body)
        facts = QFormLayout()
        facts.addRow("Folder", self.path)
        facts.addRow("Taken", self.taken)
        facts.addRow("Camera", self.camera)
        facts.addRow("Size", self.size)

        self.flag_box = QWidget(body)
        self.flags = QLabel(self.flag_box)
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet("color: #b02020")
        self.not_sensitive = QPushButton("Not sensitive", self.flag_box)
        self.not_sensitive.setToolTip("A false alarm: this photo stays unflagged, also after retagging")
        self.not_sensitive.clicked.connect(self.not_sensitive_requested)
        flag_layout = QVBoxLayout(self.flag_box)
        flag_layout.setContentsMargins(0, 0, 0, 0)
        flag_layout.addWidget(self.flags)
        flag_layout.addWidget(self.not_sensitive, 0, Qt.AlignmentFlag.AlignLeft)

        self.text_title = QLabel("Text in photo", body)
        self.text = QLabel(body)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._needles: tuple[str, ...] = ()  # the current search's words and quoted text
        self._text_hidden = False  # a flagged photo not revealed: its words could tell what it shows
        # Where the text was not read (or found nothing): why, and the way to read it now.
        self.text_note = QLabel(body)
        self.text_note.setWordWrap(True)
        self.text_note.setStyleSheet("color: #707070")
        self.read_text = QPushButton("Read the text in this photo", body)
        self.read_text.setToolTip("Run the text reader on this photo now (about a second)")
        self.read_text.clicked.connect(self._read_text_clicked)

        self.tags = QListWidget(body)
        self.tags.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tags.customContextMenuRequested.connect(self._tag_menu)
        self.tags.setMinimumHeight(120)
        self.remove = QPushButton("Remove tag", body)
        self.remove.setEnabled(False)
        self.remove.clicked.connect(self._remove_selected)
        self.tags.currentItemChanged.connect(self._tag_chosen)
        self.new_tag = QLineEdit(body)
        self.new_tag.setPlaceholderText("Add a tag")
        self.new_tag.returnPressed.connect(self._add)
        self.add = QPushButton("Add", body)
        self.add.clicked.connect(self._add)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_tag, 1)
        add_row.addWidget(self.add)

        self.placeholder = QLabel("Select a photo to see its details", body)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #707070")
        self.content = QWidget(body)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        layout.addWidget(self.name)
        layout.addLayout(facts)
        layout.addWidget(self.flag_box)
        layout.addWidget(self.text_title)
        layout.addWidget(self.text)
        layout.addWidget(self.text_note)
        layout.addWidget(self.read_text, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel("Tags", body))
        layout.addWidget(self.tags, 1)
        layout.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(add_row)
        outer = self._outer = QVBoxLayout(body)
        outer.addWidget(self.placeholder)
        outer.addWidget(self.content, 1)
        outer.addStretch(0)
        self.setWidget(body)
        # Details and the preview arrive apart and change the height: after "Edit tags" the field stays in view.
        self.verticalScrollBar().rangeChanged.connect(lambda *_: self._reveal_tags and self._scroll_to_tags())
        self.clear()

    @staticmethod
    def _value(parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def clear(self, reason: str = "Select a photo to see its details") -> None:
        self.details = None
        self._focus_pending = self._reveal_tags = False
        self.content.hide()
        self.placeholder.setText(reason)
        self.placeholder.show()

    def set_details(self, details) -> None:
        """Show a PhotoDetails (services/photo_details.py); the preview comes separately (set_preview). None: the photo
        left the library since it was listed (deleted, or moved away)."""
        if details is None:
            self.clear("This photo is no longer in the library (its file was deleted or moved).")
            return
        self.details = details
        record = details.record
        self.placeholder.hide()
        self.content.show()
        twins = details.companions  # a RAW + JPEG pair is one photo: both files are named
        self.name.setText("\n".join([os.path.basename(record.path), *(f"+ {os.path.basename(t)}" for t in twins)]))
        self.name.setToolTip("\n".join([record.path, *twins]))
        self.path.setText(os.path.dirname(record.path))
        found = record_date(record)
        self.taken.setText(found.shown() if found else "unknown")
        camera = " ".join(p for p in (record.camera_make, record.camera_model) if p)
        self.camera.setText(camera or "unknown")
        dims = f"{record.width} \u00d7 {record.height} px, " if record.width and record.height else ""
        self.size.setText(f"{dims}{_file_size(record.size)}")
        if record.status != "indexed":
            self.size.setText(f"{self.size.text()}\nskipped: {record.skip_reason}")
        self.flag_box.setVisible(bool(details.flags))
        source = dict(getattr(details, "sources", ()))  # confidence 0..1 and where it came from (issue 13)
        self.flags.setText("Flagged: " + ", ".join(f"{name} {score:.2f} ({source.get(name, 'prompt')})"
                                                   for name, score in details.flags))
        self._show_text()
        self.tags.clear()
        for name, score in details.tags:
            item = QListWidgetItem(f"{name}    {score:.2f}  {source.get(name, 'prompt')}" if score is not None
                                   else f"{name}    (added by you)")
            item.setData(TagRole, name)
            self.tags.addItem(item)
        for name, score in getattr(details, "removed_tags", ()):
            model_says = f"    {score:.2f}" if score is not None else ""
            item = QListWidgetItem(f"{name}{model_says}    removed by you")
            font = item.font()
            font.setStrikeOut(True)
            item.setFont(font)
            item.setForeground(self.palette().placeholderText())
            item.setToolTip(f"You removed “{name}” from this photo: it stays off after retagging. "
                            "Select it and click “Put back tag” to undo.")
            item.setData(TagRole, name)
            item.setData(RemovedRole, True)
            self.tags.addItem(item)
        if not details.tags:
            empty = QListWidgetItem("No tags yet: add one below")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)  # not selectable, so never "removed"
            self.tags.addItem(empty)
        self._tag_chosen(None)
        if self._focus_pending:
            self.focus_tags()

    def set_search(self, query) -> None:
        """Mark this search's words (a parsed core/query.py Query: plain, weighted and quoted) in the photo's text;
        None, or text (parsed here: "" or a malformed query marks nothing)."""
        if isinstance(query, str):
            from photo_tagger.services.search import read_query

            query = read_query(query)[0]
        self._needles = query.highlights() if query is not None else ()
        self._show_text()

    def set_text_hidden(self, hidden: bool) -> None:
        """Hide the text read in a flagged photo until it is revealed, as its preview is."""
        self._text_hidden = hidden
        if self.details is not None:
            self._show_text()

    def _show_text(self) -> None:
        text = getattr(self.details, "text", "") if self.details is not None else ""
        self.text_title.setVisible(bool(text))
        self.text.setVisible(bool(text))
        if text and self._text_hidden:
            self.text.setText("<i>Hidden while this photo is flagged: click the preview to show both.</i>")
            self.text_note.setVisible(False)
            self.read_text.setVisible(False)
            return
        shown = text[:MAX_TEXT_SHOWN]
        more = f"<br><i>... and {len(text) - len(shown):,} more characters</i>" if len(text) > len(shown) else ""
        self.text.setText(marked_html(shown, self._needles) + more if text else "")
        note = text_note(self.details) if self.details is not None and not text else ""
        self.text_note.setText(note)
        self.text_note.setVisible(bool(note))
        status = getattr(self.details, "text_status", "")
        self.read_text.setVisible(bool(note) and status != "none" and self.details.record.status == "indexed")
        self.read_text.setEnabled(True)
        self.read_text.setText("Read the text in this photo")

    def _read_text_clicked(self) -> None:
        self.read_text.setEnabled(False)  # one request at a time; the details come back with the text
        self.read_text.setText("Reading the text...")
        self.read_text_requested.emit()

    def text_read_failed(self, reason: str) -> None:
        self.read_text.setEnabled(True)
        self.read_text.setText("Read the text in this photo")
        self.text_note.setText(f"The text could not be read: {reason}")
        self.text_note.show()

    def clear_preview(self) -> None:
        """A new photo is on its way: drop the old one's preview (it may come before or after set_details)."""
        self._pixmap = None
        self._reveal_tags = False
        self.preview.clear()
        self.preview.setText("Loading...")

    def set_preview(self, pixmap: QPixmap | None, hidden: bool = False) -> None:
        if pixmap is None or pixmap.isNull():
            self._pixmap = None
            self.preview.setText("No preview")
            return
        self._pixmap = pixmap
        self._fit_preview()
        self.preview.setToolTip("Flagged: click to show the photo" if hidden else "")
        self.preview.setCursor(Qt.CursorShape.PointingHandCursor if hidden else Qt.CursorShape.ArrowCursor)

    def preview_width(self) -> int:
        """The width the preview may take (a QLabel would crop a wider pixmap): the panel's, less the margins and
        a scroll bar's room whether one shows or not, so a scroll bar coming or going cannot resize the preview and
        so bring or take it again."""
        margins = self._outer.contentsMargins()
        room = self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width()
        return max(1, room - margins.left() - margins.right())

    def _fit_preview(self) -> None:
        """The whole photo, as wide as the panel (never taller than wide), aspect ratio kept."""
        if self._pixmap is None:
            return
        width = self.preview_width()
        ratio = self.devicePixelRatioF()
        box = QSize(width, width) * ratio
        scaled = self._pixmap.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self.preview.setPixmap(scaled)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_preview()

    def focus_tags(self) -> None:
        """Focus the "Add a tag" field and scroll it into view; before the details came, once they come."""
        if self.details is None:
            self._focus_pending = True
            return
        self._focus_pending = False
        self._reveal_tags = True
        self.new_tag.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scroll_to_tags()

    def _scroll_to_tags(self) -> None:
        self.ensureWidgetVisible(self.new_tag)
        # Again once the layout has settled (new details or a preview may just have changed the panel's height).
        QTimer.singleShot(0, self, lambda: self.ensureWidgetVisible(self.new_tag))

    def _add(self) -> None:
        name = " ".join(self.new_tag.text().split()).lower()
        if name and self.details is not None:
            self.new_tag.clear()
            self.tag_added.emit(name)

    def _tag_chosen(self, current, _previous=None) -> None:
        """The button under the list removes the chosen tag, or puts back a removed one."""
        removed = current is not None and bool(current.data(RemovedRole))
        self.remove.setText("Put back tag" if removed else "Remove tag")
        self.remove.setEnabled(current is not None and bool(current.data(TagRole)))

    def _remove_selected(self) -> None:
        item = self.tags.currentItem()
        if item is not None and item.data(TagRole):
            (self.tag_put_back if item.data(RemovedRole) else self.tag_removed).emit(item.data(TagRole))

    def tag_menu(self, item: QListWidgetItem) -> QMenu:
        menu = QMenu(self)
        name = item.data(TagRole)
        if item.data(RemovedRole):
            menu.addAction(f"Put back \u201c{name}\u201d (undo the removal)", lambda: self.tag_put_back.emit(name))
        else:
            menu.addAction(f"Remove \u201c{name}\u201d", lambda: self.tag_removed.emit(name))
        return menu

    def _tag_menu(self, position) -> None:
        item = self.tags.itemAt(position)
        if item is not None and item.data(TagRole):
            menu = self.tag_menu(item)
            menu.exec(self.tags.viewport().mapToGlobal(position))
            menu.deleteLater()


def text_note(details) -> str:
    """Why a photo shows no text: found none when read, or not read (the gate's reason, the setting, or waiting)."""
    status, reason = getattr(details, "text_status", ""), getattr(details, "text_reason", "")
    if details.record.status != "indexed":
        return ""
    if status == "none":
        return "No text found in this photo." + (f" ({reason})" if reason else "")
    if status == "unlikely":
        return f"Text not read: judged unlikely to hold text ({reason})." if reason else \
            "Text not read: judged unlikely to hold text."
    if status == "failed":
        return f"Text not read: {reason}."
    if status == "pending":
        return "Text not read yet: it is read after the photos are indexed."
    if status == "text":
        return ""
    if getattr(details, "ocr_mode", "auto") == "off":
        return "Text not read: reading text in photos is off (Settings)."
    return "Text not read yet."


def marked_html(text: str, needles) -> str:
    """`text` as rich text: escaped (a photo's text is never markup), line breaks kept, where the search's words
    occur (as the text search matches them: case-insensitive, from a word's start) marked with MARK_STYLE."""
    out, at = [], 0
    for start, end in spans(text, needles):
        out += [html.escape(text[at:start]), f'<span style="{MARK_STYLE}">{html.escape(text[start:end])}</span>']
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out).replace("\n", "<br>")


def _file_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
