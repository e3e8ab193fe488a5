"""Logging for the app and its commands: a rotating log file, and one line per record on the console."""

from __future__ import annotations

import errno
import logging
import logging.handlers
from pathlib import Path

log = logging.getLogger(__name__)


class _ConsoleHandler(logging.StreamHandler):
    """The console handler this module adds (replaced, not doubled, when logging is configured again)."""


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """A log file that never prints "--- Logging error ---" tracebacks of its own (a full disk, say)."""

    def handleError(self, record) -> None:
        pass


class _ConsoleFormatter(logging.Formatter):
    """One line per record: an exception's traceback goes to the log file only (with -v, here too)."""

    def __init__(self, log_file: Path | None, verbose: bool):
        super().__init__("%(levelname)s: %(message)s")
        self.log_file, self.verbose = log_file, verbose

    def format(self, record) -> str:
        from photo_tagger.cli.output import shown  # a name holding terminal escape codes is never sent raw

        if self.verbose or not record.exc_info:
            return shown(super().format(record))
        error = record.exc_info[1]
        where = f" (traceback in {self.log_file})" if self.log_file else ""
        return shown(f"{record.levelname}: {record.getMessage()}: {type(error).__name__}: {error}{where}")


def configure_logging(log_dir: Path, verbose: bool = False) -> Path | None:
    """A rotating log file for diagnosis; the console shows warnings (or info with --verbose), one line each.
    Returns the log file (None when it cannot be written). A record logged with extra={"console": False} goes
    to the file only."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, (_ConsoleHandler, _QuietFileHandler))]:
        root.removeHandler(handler)  # calling twice (tests, GUI restart) must not double every line
        handler.close()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    log_file: Path | None = log_dir / "photo-tagger.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        # backslashreplace: a file name that is not valid UTF-8 (surrogate escapes) is logged, not dropped
        file_handler = _QuietFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8",
                                         errors="backslashreplace")
    except OSError as exc:
        problem, log_file, read_only = str(exc), None, exc.errno == errno.EROFS
    console = _ConsoleHandler()
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_ConsoleFormatter(log_file, verbose))
    console.addFilter(lambda record: verbose or getattr(record, "console", True))
    root.addHandler(console)
    if log_file is None:
        # A home on a read-only disk is read on purpose (searched, looked at): no warning at every command.
        (log.info if read_only else log.warning)("no log file (%s)", problem)
        return None
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(file_handler)
    return log_file
