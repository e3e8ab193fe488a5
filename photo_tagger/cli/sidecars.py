"""`photo-tagger export-xmp`: tags and flags into XMP sidecars beside the photos (the photos are not touched)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.sidecars import EDITED_ELSEWHERE

if TYPE_CHECKING:
    from photo_tagger.app import App

SHOWN = 20


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export-xmp", help="write tags and flags to XMP sidecars (IMG_1.jpg.xmp), merged with what they hold")
    p.add_argument("folder", nargs="?", type=Path, help="only photos in this folder or below")
    p.add_argument("--overwrite-ours", action="store_true",
                   help="replace the app's keywords even where another program changed them since the last export")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.set_defaults(handler=_export_xmp)


def _export_xmp(app: App, args) -> int:
    folder = app.sidecar_service.folder_in_library(args.folder) if args.folder is not None else None
    report = app.sidecar_service.write_sidecars(
        folder=folder, overwrite_ours=args.overwrite_ours,
        progress=TerminalProgress(unit="photo", enabled=False if args.json else None), control=JobControl())
    if args.json:
        say_json(report.as_dict())
        return 0
    say(report.summary())
    if report.edited_elsewhere:
        say(f"Edited elsewhere: {EDITED_ELSEWHERE}")
    for path in report.edited_elsewhere[:SHOWN]:
        say(f"  left alone {path}.xmp")
    for skipped in report.skipped[:SHOWN]:
        say(f"  skipped {skipped.path}: {skipped.reason}")
    hidden = max(0, len(report.edited_elsewhere) - SHOWN) + max(0, len(report.skipped) - SHOWN)
    if hidden:
        say(f"  ... and {hidden} more: photo-tagger export-xmp --json lists them all")
    return 0
