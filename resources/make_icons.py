"""Render the app icon, photo_tagger/gui/assets/icon.svg, to the PNG sizes the window, `install-desktop` and
packaging need.

Run from the repository root after editing the SVG:  python resources/make_icons.py
Writes photo_tagger/gui/assets/icon-<size>.png (the one copy: the installed package reads them, and
packaging/ takes them from there) and resources/photo-tagger.ico (Windows, PyInstaller only).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent / "photo_tagger" / "gui" / "assets"
SVG = ASSETS / "icon.svg"


def render(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"could not write {out}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts, image IO)
    for size in SIZES:
        png = ASSETS / f"icon-{size}.png"
        render(SVG, size, png)
        print(f"wrote {png.relative_to(HERE.parent)}")
    _write_ico(ASSETS / "icon-256.png", HERE / "photo-tagger.ico")
    return 0


def _write_ico(png: Path, out: Path) -> None:
    """A Windows .ico for PyInstaller (Pillow writes one from the largest PNG, downscaling)."""
    from PIL import Image

    with Image.open(png) as image:
        image.save(out, format="ICO", sizes=[(s, s) for s in (16, 32, 48, 64, 128, 256)])
    print(f"wrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    sys.exit(main())
