"""`photo-tagger duplicates`: groups of copies and look-alikes, each with the suggested photo to keep."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json

if TYPE_CHECKING:
    from photo_tagger.app import App

TIERS = ("exact", "near", "similar")  # core.duplicates.TIERS; --help imports no numpy

EPILOG = """tiers (each includes the stricter ones):
  exact    the same bytes
  near     the same shot re-encoded, resized, re-saved as PNG or stripped of EXIF, or lightly cropped; the default
  similar  other shots of the same scene: taken within a minute of each other and close in meaning

In each group the first photo is the one to keep: the largest, then the oldest. Every other photo says why it
matched that one. Nothing is moved or deleted."""


def register(subparsers) -> None:
    p = subparsers.add_parser("duplicates", help="groups of duplicate photos, with the one to keep",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tier", default="near", help=f"how alike photos must be: {', '.join(TIERS)} (default near)")
    p.add_argument("--folder", help="only photos in this folder or below")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_duplicates)


def _duplicates(app: App, args) -> int:
    from photo_tagger.cli.progress import TerminalProgress

    groups = app.duplicate_service.find_groups(args.tier, args.folder,
                                               progress=TerminalProgress(enabled=False if args.json else None))
    if args.json:
        say_json([{"tier": g.tier, "keep": g.keep.path,
                   "photos": [{"path": r.path, "width": r.width, "height": r.height, "taken_at": r.taken_at,
                               "keep": n == 0, "tier": g.tiers.get(r.id), "reason": g.reasons.get(r.id)}
                              for n, r in enumerate(g.photos)]} for g in groups])
        return 0
    if not groups:
        say(f"No {args.tier} duplicates.")
        return 0
    for group in groups:
        keep = group.keep
        say(f"keep   {keep.path} ({keep.width}x{keep.height})")
        for record in group.photos[1:]:
            say(f"  also {record.path}: {group.reasons[record.id]}")
        say()
    others = sum(len(g.photos) - 1 for g in groups)
    say(f"{len(groups)} group{'s' * (len(groups) != 1)}, {others} photo{'s' * (others != 1)} you could remove "
        f"(tier {args.tier}).")
    return 0
