"""What a model trial leaves in the library: which photos it encoded from which content (a JSON file beside the
catalog; the vectors themselves are in the catalog's `vectors` table under the tried model's key)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class TrialRecords:
    """model key -> {photo id: content hash it was encoded from}. Written by the writer only (one process holds
    the library), each write atomic: a kill mid-write leaves the previous file whole."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def encoded(self, key: str) -> dict[str, str]:
        return dict(self._read().get(key, {}))

    def add(self, key: str, hashes: dict[str, str]) -> None:
        data = self._read()
        data.setdefault(key, {}).update(hashes)
        self._write(data)

    def forget(self, key: str) -> None:
        data = self._read()
        if data.pop(key, None) is not None:
            self._write(data)

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # damaged: the trial's vectors are simply encoded again
            log.warning("model trial records %s cannot be read (%s); starting afresh", self.path, exc)
            return {}
        trials = data.get("trials") if isinstance(data, dict) else None
        return {k: v for k, v in trials.items() if isinstance(v, dict)} if isinstance(trials, dict) else {}

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.tmp{os.getpid()}")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "trials": data}, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)


def drop_model_vectors(catalog, key: str) -> int:
    """Delete every catalog vector of model content `key` (a tried model removed); returns how many."""
    with catalog.transaction() as db:
        return db.execute("DELETE FROM vectors WHERE model = ?", (key,)).rowcount

