"""Render resources/photo-tagger.svg to the PNG sizes packaging and the desktop entry need.

Run from the repository root after editing the SVG:  python resources/make_icons.py
Writes resources/icons/photo-tagger-<size>.png, resources/photo-tagger.ico (Windows) and copies the
runtime set into photo_tagger/gui/assets/ (what the installed package and `install-desktop` read).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
SVG = HERE / "photo-tagger.svg"
ASSETS = HERE.parent / "photo_tagger" / "gui" / "assets"


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
    out_dir = HERE / "icons"
    out_dir.mkdir(exist_ok=True)
    ASSETS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        png = out_dir / f"photo-tagger-{size}.png"
        render(SVG, size, png)
        shutil.copyfile(png, ASSETS / f"icon-{size}.png")
        print(f"wrote {png.relative_to(HERE.parent)}")
    shutil.copyfile(SVG, ASSETS / "icon.svg")
    _write_ico(out_dir, HERE / "photo-tagger.ico")
    print(f"copied the runtime icons to {ASSETS.relative_to(HERE.parent)}")
    return 0


def _write_ico(png_dir: Path, out: Path) -> None:
    """A Windows .ico for PyInstaller (Pillow writes one from the largest PNG, downscaling)."""
    from PIL import Image

    with Image.open(png_dir / "photo-tagger-256.png") as image:
        image.save(out, format="ICO", sizes=[(s, s) for s in (16, 32, 48, 64, 128, 256)])
    print(f"wrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    sys.exit(main())
