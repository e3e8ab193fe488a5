"""The viewer's pictures: decoded upright on the thumbnail pool, fitted to the screen or at full size; only the
ones the viewer still wants are kept (the current photo and its neighbours)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from photo_tagger.core.preprocess import open_rgb_and_info
from photo_tagger.core.privacy_blur import obscure

log = logging.getLogger(__name__)

# (path, mtime_ns, box, hidden): box is the (width, height) the picture is fitted in, or None for full size.
Key = tuple[str, int, "tuple[int, int] | None", bool]


@dataclass(frozen=True)
class ViewImage:
    image: QImage  # upright, RGB32 (a QPixmap is made from it without a conversion)
    width: int  # the photo's upright size at full resolution
    height: int
    full: bool  # `image` is the photo at full resolution
    hidden: bool  # blurred: a flagged photo not revealed


def decode_for_view(path: str, box: tuple[int, int] | None, hidden: bool) -> ViewImage:
    """Worker threads only: `path` upright (EXIF orientation), fitted in `box` (JPEGs decode at a reduced size
    first), or full size when box is None; blurred when `hidden`."""
    # The fitted picture's shorter side is at most the box's: JPEGs decode at the smallest DCT scale above it.
    image, info = open_rgb_and_info(path, min_side=min(box) if box else None)
    try:
        if box and (image.width > box[0] or image.height > box[1]):
            image.thumbnail(box)
        width, height = image.size
        shown = obscure(image) if hidden else image  # the same few blobs of colour at any size, 1:1 too
        picture = QImage(shown.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888)
        picture = picture.convertToFormat(QImage.Format.Format_RGB32)  # a converted copy: owns its pixels
    finally:
        image.close()
    return ViewImage(picture, info.width, info.height, (width, height) == (info.width, info.height), hidden)


class ViewerImages(QObject):
    """Decodes what the viewer wants on the runner's thumbnail pool, newest wish first; answers for pictures
    no longer wanted (the user stepped on) are dropped, so memory holds only the wanted ones."""

    loaded = Signal(object)  # Key: get(key) now answers
    failed = Signal(object, str)  # Key, the reason

    def __init__(self, runner, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self._images: dict[Key, ViewImage] = {}
        self._errors: dict[Key, str] = {}
        self._pending: set[Key] = set()
        self._wanted: list[Key] = []

    def get(self, key: Key) -> ViewImage | None:
        return self._images.get(key)

    def error(self, key: Key) -> str | None:
        return self._errors.get(key)

    @property
    def kept(self) -> list[Key]:
        return list(self._images)

    def want(self, keys: list[Key]) -> None:
        """Keep and decode exactly `keys` (the first is asked for first); forget everything else."""
        self._wanted = list(dict.fromkeys(keys))
        wanted = set(self._wanted)
        for key in [k for k in self._images if k not in wanted]:
            del self._images[key]
        for key in [k for k in self._errors if k not in wanted]:
            del self._errors[key]
        for key in self._wanted:
            if key not in self._images and key not in self._errors and key not in self._pending:
                self._pending.add(key)
                path, _, box, hidden = key
                # Looked up at each call (not bound at import): tests watch which thread decodes.
                self.runner.thumbnail(lambda p=path, b=box, h=hidden: decode_for_view(p, b, h),
                                      on_done=lambda image, k=key: self._loaded(k, image),
                                      on_error=lambda exc, k=key: self._failed(k, exc))

    def _loaded(self, key: Key, image: ViewImage) -> None:
        self._pending.discard(key)
        if key in self._wanted:
            self._images[key] = image
            self.loaded.emit(key)

    def _failed(self, key: Key, exc: BaseException) -> None:
        self._pending.discard(key)
        reason = getattr(exc, "reason", None) or str(exc)
        if not hasattr(exc, "reason"):
            log.error("the viewer could not decode %s", key[0], exc_info=exc)
        if key in self._wanted:
            self._errors[key] = reason
            self.failed.emit(key, reason)
