"""`photo-tagger stacks`: bursts and similar shots stacked, each with its best shot and why; `--top PHOTO` makes a
photo the top of its stack."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json

if TYPE_CHECKING:
    from photo_tagger.app import App

EPILOG = """A stack is a burst (one camera's shots, each within 2 s of the one before), shots of the same scene
taken within a minute that look alike, or copies of the same file. Its top is the best shot by measured
sharpness and exposure (clipped highlights and shadows), weighed by the photos you kept before, or the one you
chose with --top. Nothing is moved or deleted."""


def register(subparsers) -> None:
    p = subparsers.add_parser("stacks", help="bursts and similar shots, each with its best shot",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--top", type=Path, metavar="PHOTO", help="make this photo the top of its stack (remembered)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_stacks)


def _stacks(app: App, args) -> int:
    from photo_tagger.cli.progress import TerminalProgress

    stacks = app.stack_service
    if args.top is not None:
        stack = stacks.make_top(app.photo_details_service.find_photo(args.top).id)
        if args.json:
            say_json(_as_json(stack))
        else:
            say(f"{stack.top.path} is now the top of its stack of {len(stack.photos)}.")
        return 0
    found = stacks.find_stacks()
    missing = stacks.unmeasured(found)
    if missing:  # photos indexed before measures existed: measured once, then compared
        stacks.measure_missing(missing, progress=TerminalProgress(enabled=False if args.json else None))
        found = stacks.find_stacks()
    if args.json:
        say_json([_as_json(s) for s in found])
        return 0
    if not found:
        say("No stacks: no bursts or similar shots.")
        return 0
    for stack in found:
        say(f"{stack.reason:<24} {stack.top.path}")
        for record in stack.others:
            say(f"{'':<24}   also {record.path}")
    photos = sum(len(s.photos) for s in found)
    say(f"{len(found)} stack{'s' * (len(found) != 1)} of {photos} photos.")
    return 0


def _as_json(stack) -> dict:
    return {"top": stack.top.path, "reason": stack.reason, "count": len(stack.photos),
            "photos": [{"path": r.path, "taken_at": r.taken_at, "top": r.id == stack.top.id}
                       for r in stack.photos]}
