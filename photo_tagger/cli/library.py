"""`photo-tagger index`, `status`, `watch`: the library from the command line."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.cli.output import say, say_json
from photo_tagger.cli.progress import TerminalProgress
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.jobs import JobControl
from photo_tagger.core.library import resolve_folder

if TYPE_CHECKING:
    from photo_tagger.app import App
    from photo_tagger.services.pending_retag import PendingRetagService

log = logging.getLogger(__name__)
SHOWN_SKIPPED = 20
# How long `index` waits for a Chroma server that went away mid-run before it stops (resumable: nothing is
# lost); `watch` waits until it is stopped, at start too.
INDEX_STORE_PATIENCE_S = 3600.0


def register(subparsers) -> None:
    p = subparsers.add_parser("index", help="add folders to the library (if new) and bring them up to date")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.set_defaults(handler=_index)

    p = subparsers.add_parser("status", help="watched folders, photo counts, skipped files, pending work")
    p.add_argument("--skipped", action="store_true", help="list every skipped file with its reason")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_status)

    p = subparsers.add_parser("unwatch", help="stop watching a folder: its photos leave the library (files stay)")
    p.add_argument("folder", type=Path)
    p.set_defaults(handler=_unwatch)

    p = subparsers.add_parser("watch", help="keep the library in step with the disk until interrupted")
    p.add_argument("--debounce", type=float, default=0.5, help="seconds of quiet before indexing (default 0.5)")
    p.set_defaults(handler=_watch)


def _index(app: App, args) -> int:
    folder_service = app.folder_service
    folder_service.refuse_read_only()
    folders = [resolve_folder(p) for p in args.paths]
    progress = TerminalProgress(enabled=None if not args.json else False)
    folder_service.check_store()  # the store must answer now; later outages are waited out
    _finish_pending_retag(app.pending_retag_service, quiet=args.json)
    roots, report = folder_service.add_folders(folders, progress, JobControl(), patience=INDEX_STORE_PATIENCE_S)
    if args.json:
        say_json({"roots": roots, **report.as_dict()})
        return 0
    say(report.summary(", ".join(folders)))
    for skipped in report.skipped[:SHOWN_SKIPPED]:
        say(f"  skipped {skipped.path}: {skipped.reason}")
    if len(report.skipped) > SHOWN_SKIPPED:
        say(f"  ... and {len(report.skipped) - SHOWN_SKIPPED} more: photo-tagger status --skipped")
    return 0


def _finish_pending_retag(pending: PendingRetagService, quiet: bool = False) -> None:
    """A label edit killed before its retag ended: the tags follow the labels in use before anything else."""
    report = pending.finish_pending_retag(TerminalProgress(unit="photo", enabled=False if quiet else None))
    if report is not None and not quiet:
        say(f"Finished the retag an interrupted label edit left: {report.photos} photos ({report.changed} changed)")


def _unwatch(app: App, args) -> int:
    folder = str(args.folder.expanduser().resolve())
    roots = app.folder_service.roots()
    if folder not in roots:
        watched = ", ".join(roots) or "none"
        raise PhotoTaggerError(f"{args.folder} is not a watched folder (watched: {watched})")
    forgotten = app.folder_service.stop_watching(folder)
    say(f"Stopped watching {folder}: {forgotten.summary()} (the files are untouched)")
    return 0


def _status(app: App, args) -> int:
    found = app.folder_service.status()
    model, pending = found.model, found.pending
    per_root = {root: vars(counts) for root, counts in found.roots.items()}
    skipped_files = [{"path": path, "reason": reason} for path, reason in found.skipped]
    status = {
        "model": model,
        "store": found.store,
        "roots": [{"path": root, **counts} for root, counts in per_root.items()],
        "photos": sum(c["indexed"] for c in per_root.values()),
        "skipped": len(skipped_files),
        "pending": pending,
        "skipped_files": skipped_files if args.skipped else None,
    }
    if args.json:
        say_json({k: v for k, v in status.items() if v is not None})
        return 0
    say(f"Model: {model}    Library: {status['store']}")
    if not per_root:
        say("No folders yet: photo-tagger index FOLDER")
    for root, counts in per_root.items():
        stale = f", {counts['stale']} to re-encode" if counts["stale"] else ""
        say(f"  {root}: {counts['indexed']} photos, {counts['skipped']} skipped{stale}")
    todo = ", ".join(f"{v} {k}" for k, v in pending.items() if v)
    say(f"Pending: {todo or 'nothing, all up to date'}")
    if args.skipped:
        for entry in status["skipped_files"]:
            say(f"  skipped {entry['path']}: {entry['reason']}")
    elif status["skipped"]:
        say(f"{status['skipped']} files skipped: photo-tagger status --skipped")
    return 0


def _watch(app: App, args) -> int:
    from photo_tagger.core.jobs import Cancelled
    from photo_tagger.core.watching import WatchLoop

    folder_service = app.folder_service
    folder_service.refuse_read_only()
    roots = folder_service.roots()
    if not roots:
        raise PhotoTaggerError("no folders are watched yet: photo-tagger index FOLDER")
    stop, control = threading.Event(), JobControl()

    def stopped(*_) -> None:  # SIGTERM: a run in progress stops at its next batch (resumable), like Ctrl+C
        stop.set()
        control.cancel()

    signal.signal(signal.SIGTERM, stopped)

    def index(scope: list[str]) -> None:
        # The same service as the window's live watching: index what changed, then settle the tags as `index` does.
        try:
            report = folder_service.index_changes(scope, TerminalProgress(enabled=False), control)
        except Cancelled:
            return
        if report is not None:
            say(f"{time.strftime('%H:%M:%S')} {report.summary('changes')}", flush=True)

    loop = WatchLoop(index)
    watcher = folder_service.watcher(roots, loop.on_changes, args.debounce)
    _finish_pending_retag(app.pending_retag_service)
    say(f"Catching up on {len(roots)} folder(s)...", flush=True)
    folder_service.remove_orphans()
    with watcher:
        index([])
        for root, reason in watcher.failed_roots.items():
            say(f"warning: not watching {root}: {reason}", flush=True)
        say("Watching for changes (Ctrl+C to stop)", flush=True)
        try:
            loop.run(stop)
        except KeyboardInterrupt:
            pass
    return 0
