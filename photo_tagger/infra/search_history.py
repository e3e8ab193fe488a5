"""Recent searches: the last distinct queries, newest first, in a small JSON file beside the catalog."""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 50
# Remembering a search must not hold one up for long: another process holding the file longer than this (a write
# takes milliseconds) loses our entry, with a warning in the log.
LOCK_TIMEOUT_S = 2.0
TYPING_S = 10.0  # a query extended within this long replaces the one before it


class SearchHistory:
    """Read-modify-write under a lock file (two processes searching at once keep both queries), each write
    atomic (a temporary file renamed over the old one: a kill mid-write leaves the previous history whole)."""

    def __init__(self, path: Path, keep: int = KEEP, lock_timeout: float = LOCK_TIMEOUT_S):
        self.path = Path(path)
        self.keep = keep
        self.lock_timeout = lock_timeout
        self._thread_lock = threading.Lock()

    def recent(self, n: int = 20) -> list[str]:
        """The last `n` distinct queries, newest first."""
        return [entry["query"] for entry in self._read()[:max(n, 0)]]

    def remember(self, query: str) -> None:
        """Put `query` first (moved up if it was there already). A failure is logged, never raised: the search
        itself went fine."""
        query = " ".join(query.split())
        if not query:
            return
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._thread_lock, FileLock(f"{self.path}.lock", timeout=self.lock_timeout):
                now = time.time()
                entries = [e for e in self._read() if e["query"] != query]
                # The window searches as the user types: "beach su" a moment before "beach sunset" was a step on
                # the way, not a search of its own.
                if entries and query.startswith(entries[0]["query"]) and now - entries[0].get("at", 0) < TYPING_S:
                    entries.pop(0)
                entries.insert(0, {"query": query, "at": round(now, 3)})
                self._write(entries[:self.keep])
        except Timeout:
            log.warning("search history %s is busy: %r not remembered", self.path, query)
        except OSError as exc:  # a library on a read-only disk is searched on purpose: said with -v only
            (log.info if exc.errno == errno.EROFS else log.warning)("cannot remember the search %r in %s: %s", query,
                                                                    self.path, exc)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _read(self) -> list[dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:  # damaged or unreadable: start a new history, say so once per read
            log.warning("search history %s cannot be read (%s); starting afresh", self.path, exc)
            return []
        entries = data.get("searches") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            return []
        return [e for e in entries if isinstance(e, dict) and isinstance(e.get("query"), str) and e["query"]]

    def _write(self, entries: list[dict]) -> None:
        tmp = self.path.with_name(f"{self.path.name}.tmp{os.getpid()}.{threading.get_ident()}")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "searches": entries}, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
