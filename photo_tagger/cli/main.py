"""The `photo-tagger` command: global options, subcommand dispatch, one-line errors."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from photo_tagger import __version__
from photo_tagger.cli import (
    albums,
    desktop,
    doctor,
    duplicates,
    events,
    library,
    library_health,
    models,
    search,
    sidecars,
    stacks,
    store,
    tagging,
)
from photo_tagger.cli import settings as settings_command
from photo_tagger.cli.arguments import OneLineParser
from photo_tagger.cli.output import shown

log = logging.getLogger(__name__)

COMMANDS = (library, library_health, search, duplicates, tagging, albums, events, stacks, sidecars, models, store,
            settings_command, doctor, desktop)


def build_parser() -> OneLineParser:
    parser = OneLineParser(
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


def _terminal_progress():
    from photo_tagger.cli.progress import TerminalProgress  # tqdm only when a bar is needed

    return TerminalProgress()


def run(argv: list[str]) -> int:
    from photo_tagger.app import App
    from photo_tagger.core.errors import PhotoTaggerError
    from photo_tagger.log_setup import configure_logging

    parser = build_parser()
    args = parser.parse_args(argv)
    app = log_file = None
    try:
        # `settings` opens whatever settings.toml holds: it is the command that fixes a bad value in it.
        app = App.for_settings(args.home) if args.command == "settings" else App.from_home(args.home)
        if args.store is not None:
            app.override(store_url="" if args.store.strip() in ("", "local") else args.store.strip())
        log_file = configure_logging(app.paths.log_dir, args.verbose)
        if args.command is None:
            from photo_tagger.gui.launch import launch
            from photo_tagger.services.diagnostics import check_desktop

            desktop = check_desktop()  # before Qt, which aborts with a misleading message
            if not desktop.ok:
                print(f"photo-tagger: cannot open the window: {desktop.problem}", file=sys.stderr)
                return 1

            return launch(app)
        app.progress_factory = _terminal_progress  # a vector store rebuilt on opening shows a bar
        failed = True
        try:
            code = int(args.handler(app, args) or 0)
            failed = code != 0
            return code
        finally:
            app.close(after_error=failed)  # a failed command's one line is not followed by a backup's warning
    except PhotoTaggerError as exc:
        print(shown(f"photo-tagger: error: {exc}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("photo-tagger: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:
        if app is None:
            return _unexpected(exc, args.command, None, [], log_file)
        return _unexpected(exc, args.command, app.paths.library_dir, app.paths.library_files.all(), log_file)


def _unexpected(exc: Exception, command: str | None, library: Path | None, sqlite_files: list[Path],
                log_file) -> int:
    """A full disk or a damaged file is said as such (exit 1); anything else is a bug (exit 70). Either way one
    line on the console; the traceback goes to the log file only. `sqlite_files`: the library's
    (AppPaths.library_files), a damaged one named."""
    from photo_tagger.services.diagnostics import explain_failure

    message = explain_failure(exc, library, sqlite_files)
    log.error("%s in %s", "error" if message else "unexpected error", command, exc_info=exc,
              extra={"console": False})
    if message:
        print(f"photo-tagger: error: {message}", file=sys.stderr)
        return 1
    where = f"traceback in {log_file}" if log_file else "no log file could be written"
    print(f"photo-tagger: internal error: {type(exc).__name__}: {exc} ({where})", file=sys.stderr)
    return 70

