"""The thumbnail queue: a few requests in the pool at a time, the newest first, old ones dropped after a cap."""

from __future__ import annotations

from PySide6.QtGui import QImage

from photo_tagger.gui import thumbnails
from photo_tagger.gui.thumbnails import ThumbnailCache, ThumbnailProvider


class HeldPool:
    """A runner whose thumbnail jobs wait until the test finishes them (on the test's thread, like the GUI's)."""

    def __init__(self):
        self.jobs = []

    def thumbnail(self, fn, *, on_done=None, on_error=None):
        self.jobs.append((fn, on_done, on_error))

    def finish(self, n: int = 1) -> None:
        for _ in range(n):
            fn, on_done, _ = self.jobs.pop(0)
            on_done(fn())


class FakeCache(ThumbnailCache):
    def load(self, path, mtime_ns):
        self.made.append(path)
        image = QImage(self.size, self.size * 3 // 4, QImage.Format.Format_RGB32)
        image.fill(0)
        return image


def provider(tmp_path, monkeypatch, waiting: int = 500):
    monkeypatch.setattr(thumbnails, "MAX_WAITING", waiting)
    cache = FakeCache(tmp_path, 160)
    cache.made = []
    pool = HeldPool()
    return ThumbnailProvider(pool, cache), pool, cache


def test_tiles_in_view_now_are_made_before_tiles_scrolled_past(qtbot, tmp_path, monkeypatch):
    thumbs, pool, cache = provider(tmp_path, monkeypatch)
    for i in range(20):  # a fast scroll paints 20 tiles, one after the other
        assert thumbs.pixmap(f"/p/{i}.jpg", 1) is thumbs.loading
    assert len(pool.jobs) == thumbnails.IN_FLIGHT  # the rest wait in the provider, not in the pool
    assert thumbs.pixmap("/p/3.jpg", 1) is thumbs.loading and len(pool.jobs) == thumbnails.IN_FLIGHT  # asked once
    pool.finish(thumbnails.IN_FLIGHT)
    assert cache.made == [f"/p/{i}.jpg" for i in range(4)]
    pool.finish(thumbnails.IN_FLIGHT)
    assert cache.made[4:] == [f"/p/{i}.jpg" for i in (19, 18, 17, 16)]  # the newest: where the scroll is now
    assert thumbs.pixmap("/p/19.jpg", 1) is not thumbs.loading


def test_requests_beyond_the_cap_are_dropped_and_asked_again_when_painted(qtbot, tmp_path, monkeypatch):
    thumbs, pool, cache = provider(tmp_path, monkeypatch, waiting=5)
    for i in range(14):
        thumbs.pixmap(f"/p/{i}.jpg", 1)
    # 4 in the pool (0-3), 5 waiting (9-13): 4-8 were dropped.
    while pool.jobs:
        pool.finish()
    assert sorted(cache.made) == sorted(f"/p/{i}.jpg" for i in (0, 1, 2, 3, 9, 10, 11, 12, 13))
    assert thumbs.pixmap("/p/5.jpg", 1) is thumbs.loading  # painted again: asked again
    pool.finish()
    assert cache.made[-1] == "/p/5.jpg" and thumbs.pixmap("/p/5.jpg", 1) is not thumbs.loading


def test_a_size_change_drops_what_waits_and_what_comes_back_late(qtbot, tmp_path, monkeypatch):
    thumbs, pool, cache = provider(tmp_path, monkeypatch)
    for i in range(8):
        thumbs.pixmap(f"/p/{i}.jpg", 1)
    thumbs.set_size(240)
    pool.finish(thumbnails.IN_FLIGHT)  # made for 160 px: not kept
    assert not thumbs._pixmaps and not pool.jobs  # and the 4 that waited are gone
    thumbs.pixmap("/p/0.jpg", 1)
    assert len(pool.jobs) == 1
    fn, on_done, _ = pool.jobs.pop()
    on_done(QImage(240, 180, QImage.Format.Format_RGB32))
    assert thumbs.pixmap("/p/0.jpg", 1).width() == 240
