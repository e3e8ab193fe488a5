"""The `photo-tagger` command: global options, subcommand dispatch, one-line errors."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from photo_tagger import __version__
from photo_tagger.cli import desktop, doctor, library, models, search, sidecars, store, tagging

log = logging.getLogger(__name__)

COMMANDS = (library, search, tagging, sidecars, models, store, doctor, desktop)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photo-tagger",
        description="Tag, search and moderate your photos by meaning, offline. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--home", metavar="DIR",
                        help="keep settings, models, library and caches under DIR (also: $PHOTO_TAGGER_HOME)")
    parser.add_argument("--store", metavar="URL",
                        help="use the library on this Chroma server (http://host:port) for this run, or 'local' "
                        "for this machine's (the setting store_url, which `store migrate` changes)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more, to the console too")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def run(argv: list[str]) -> int:
    from photo_tagger.app import App, configure_logging
    from photo_tagger.core.errors import PhotoTaggerError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        app = App.from_home(args.home)
        if args.store is not None:
            app.override(store_url="" if args.store.strip() in ("", "local") else args.store.strip())
        configure_logging(app.paths.log_dir, args.verbose)
        if args.command is None:
            from photo_tagger.gui.launch import launch
            from photo_tagger.infra.qt_platform import check_desktop

            desktop = check_desktop()  # before Qt, which aborts with a misleading message
            if not desktop.ok:
                print(f"photo-tagger: cannot open the window: {desktop.problem}", file=sys.stderr)
                return 1

            return launch(app)
        try:
            return int(args.handler(app, args) or 0)
        finally:
            app.close()
    except PhotoTaggerError as exc:
        print(f"photo-tagger: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("photo-tagger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:  # a bug: full traceback to the log, one line to the user
        log.exception("unexpected error in %s", args.command)
        print(f"photo-tagger: internal error: {type(exc).__name__}: {exc} (details in the log file; "
              f"photo-tagger doctor shows where it is)", file=sys.stderr)
        return 70
