"""Thumbnails: made with Pillow on worker threads, cached on disk by (path, size, mtime), kept as pixmaps."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import OrderedDict
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from photo_tagger.core.preprocess import UnreadableImage, open_rgb
from photo_tagger.core.privacy_blur import obscure

log = logging.getLogger(__name__)

# The choices offered (Settings.thumbnail_size holds the pixels, so a hand-edited size works too).
THUMBNAIL_SIZES = (("Small", 112), ("Medium", 160), ("Large", 240))
PIXMAP_BUDGET = 1500 * 160 * 160  # pixels kept in memory: about 150 MB of 32-bit pixmaps at most, at any size
IN_FLIGHT = 4  # thumbnails handed to the pool at once: its 2 workers never wait for the GUI thread
MAX_WAITING = 500  # requests kept beyond those, newest first (a few screenfuls); older ones were scrolled past


class ThumbnailCache:
    """JPEG thumbnails under `folder`; file names hash (path, size, mtime), so an edited photo gets a new one."""

    def __init__(self, folder: Path, size: int = 160):
        self.folder = folder
        self.size = size

    def file_for(self, path: str, mtime_ns: int) -> Path:
        key = hashlib.blake2b(f"{path}\0{self.size}\0{mtime_ns}".encode("utf-8", "surrogateescape"),
                              digest_size=16).hexdigest()
        return self.folder / key[:2] / f"{key}.jpg"

    def ensure(self, path: str, mtime_ns: int) -> Path:
        """The cached thumbnail file, made first if missing (worker threads only: reads and decodes)."""
        target = self.file_for(path, mtime_ns)
        if target.exists():
            return target
        image = open_rgb(path, min_side=self.size)  # JPEG draft mode: decodes at a fraction of full size
        try:
            image.thumbnail((self.size, self.size))
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.{id(image)}.part")
            image.save(partial, "JPEG", quality=85)
            os.replace(partial, target)  # readers never see a half-written thumbnail
        finally:
            image.close()
        return target

    def load(self, path: str, mtime_ns: int) -> QImage:
        """Worker threads only: QImage (unlike QPixmap) may be made off the GUI thread."""
        image = QImage(str(self.ensure(path, mtime_ns)))
        if image.isNull():
            raise UnreadableImage(path, "thumbnail could not be read")
        return image

    def load_obscured(self, path: str, mtime_ns: int) -> QImage:
        """Worker threads only: the thumbnail made unrecognisable (core/privacy_blur.py), for a flagged photo."""
        thumbnail = open_rgb(str(self.ensure(path, mtime_ns)))
        try:
            return to_qimage(obscure(thumbnail))
        finally:
            thumbnail.close()


def to_qimage(image: Image.Image) -> QImage:
    """An RGB Pillow image as a QImage owning its pixels (any thread)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return QImage(rgb.tobytes(), rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def load_preview(path: str, size: int, hidden: bool = False) -> QImage:
    """Worker threads only: the photo fitted in size x size, upright, as a QImage (for the details panel); made
    unrecognisable when `hidden` (a flagged photo not revealed)."""
    image = open_rgb(path, min_side=size)
    try:
        image.thumbnail((size, size))
        return to_qimage(obscure(image) if hidden else image)
    finally:
        image.close()


def placeholder(size: int, broken: bool = False) -> QPixmap:
    """A plain tile drawn in memory (no file): shown while a thumbnail is made, or for a broken photo."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#d8d8d8") if not broken else QColor("#f0d0d0"))
    if broken:
        painter = QPainter(pixmap)
        painter.setPen(QColor("#a04040"))
        font = painter.font()
        font.setPixelSize(size // 3)
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "!")
        painter.end()
    return pixmap


class ThumbnailProvider(QObject):
    """Pixmaps for the grid: answered from memory, else requested once from the thumbnail pool.

    Requests wait here, not in the pool, and the newest go first: after a fast scroll the tiles in view are made
    next, not after every tile scrolled past (with 12 MP photos that queue took a minute). The oldest requests
    beyond MAX_WAITING are dropped; a dropped tile painted again asks again."""

    thumbnail_loaded = Signal(object)  # (path, mtime_ns): a pixmap (or the broken tile) is now available

    def __init__(self, runner, cache: ThumbnailCache, *, max_pixmaps: int | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self._fixed_max = max_pixmaps
        self._pixmaps: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._blurred: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._blurring: set[tuple[str, int]] = set()  # obscured tiles asked of the pool, not back yet
        self._pending: set[tuple[str, int]] = set()  # waiting here or in the pool
        self._waiting: OrderedDict[tuple[str, int], None] = OrderedDict()  # newest last
        self._in_flight = 0
        self._failed: set[tuple[str, int]] = set()
        self._use(cache)

    def _use(self, cache: ThumbnailCache) -> None:
        self.cache = cache
        self.max_pixmaps = self._fixed_max or max(200, PIXMAP_BUDGET // (cache.size * cache.size))
        self.loading = placeholder(cache.size)
        self.broken = placeholder(cache.size, broken=True)

    @property
    def size(self) -> int:
        return self.cache.size

    def set_size(self, size: int) -> None:
        """Thumbnails of another size from now on (cached on disk apart: the size is in the file key); the
        pixmaps in memory go, answers still on their way for the old size are dropped."""
        if size == self.cache.size:
            return
        self._use(ThumbnailCache(self.cache.folder, size))
        self._pixmaps.clear()
        self._blurred.clear()
        self._blurring.clear()
        self._pending.clear()
        self._waiting.clear()

    def pixmap(self, path: str, mtime_ns: int) -> QPixmap:
        key = (path, mtime_ns)
        if key in self._pixmaps:
            self._pixmaps.move_to_end(key)
            return self._pixmaps[key]
        if key in self._failed:
            return self.broken
        if key not in self._pending:
            self._pending.add(key)
            self._waiting[key] = None
            if len(self._waiting) > MAX_WAITING:
                dropped, _ = self._waiting.popitem(last=False)
                self._pending.discard(dropped)
            self._submit()
        return self.loading

    def _submit(self) -> None:
        while self._in_flight < IN_FLIGHT and self._waiting:
            key, _ = self._waiting.popitem(last=True)
            self._in_flight += 1
            self._load(self.cache, key)

    def _load(self, cache: ThumbnailCache, key: tuple[str, int]) -> None:
        path, mtime_ns = key
        self.runner.thumbnail(lambda: cache.load(path, mtime_ns),
                              on_done=lambda image: self._loaded(cache, key, image),
                              on_error=lambda exc: self._failed_to_load(cache, key, exc))

    def blurred_pixmap(self, path: str, mtime_ns: int) -> QPixmap:
        """The thumbnail made unrecognisable (for flagged photos), obscured on the thumbnail pool; the plain
        loading tile until then (never the photo itself)."""
        key = (path, mtime_ns)
        if key in self._blurred:
            self._blurred.move_to_end(key)
            return self._blurred[key]
        if key in self._failed:
            return self.broken
        if key not in self._blurring:
            self._blurring.add(key)
            cache = self.cache
            self.runner.thumbnail(lambda: cache.load_obscured(path, mtime_ns),
                                  on_done=lambda image: self._obscured(cache, key, image),
                                  on_error=lambda exc: self._obscured(cache, key, None))
        return self.loading

    def _obscured(self, cache: ThumbnailCache, key: tuple[str, int], image: QImage | None) -> None:
        if cache is not self.cache:
            return  # made for the size before a change
        self._blurring.discard(key)
        if image is None:
            self._failed.add(key)
        else:
            self._blurred[key] = QPixmap.fromImage(image)
            while len(self._blurred) > self.max_pixmaps:
                self._blurred.popitem(last=False)
        self.thumbnail_loaded.emit(key)

    def _loaded(self, cache: ThumbnailCache, key: tuple[str, int], image: QImage) -> None:
        self._in_flight -= 1
        self._submit()
        if cache is not self.cache:
            return  # made for the size before a change
        self._pending.discard(key)
        self._pixmaps[key] = QPixmap.fromImage(image)
        while len(self._pixmaps) > self.max_pixmaps:
            self._pixmaps.popitem(last=False)
        self.thumbnail_loaded.emit(key)

    def _failed_to_load(self, cache: ThumbnailCache, key: tuple[str, int], exc: BaseException) -> None:
        self._in_flight -= 1
        self._submit()
        if cache is not self.cache:
            return
        self._pending.discard(key)
        self._failed.add(key)
        log.info("no thumbnail for %s: %s", key[0], getattr(exc, "reason", exc))
        self.thumbnail_loaded.emit(key)
