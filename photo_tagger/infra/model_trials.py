"""What a model trial leaves in the library besides its vectors (those are in the catalog's `vectors` table under the
tried model's key): which photo content each vector was made from, one small append-only file per tried model."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class TrialRecords:
    """model key -> {photo id: content hash it was encoded from}, as lines "id<TAB>hash" appended per batch (a
    trial of every photo appends, it never rewrites). A kill mid-append leaves at most a partial last line, which is
    ignored: that photo is simply encoded again."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _file(self, key: str) -> Path:
        return self.folder / (key.replace("@", "--").replace(os.sep, "_") + ".tsv")

    def exists(self, key: str) -> bool:
        try:
            return self._file(key).stat().st_size > 0
        except OSError:
            return False

    def encoded(self, key: str) -> dict[str, str]:
        try:
            text = self._file(key).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return {}
        except OSError as exc:  # unreadable: the trial's photos are encoded again
            log.warning("model trial records %s cannot be read (%s)", self._file(key), exc)
            return {}
        found = {}
        for line in text.splitlines():
            photo_id, tab, digest = line.partition("\t")
            if tab and photo_id and digest:
                found[photo_id] = digest
        return found

    def add(self, key: str, hashes: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self._file(key), "a", encoding="utf-8") as f:
            f.write("".join(f"{i}\t{h}\n" for i, h in hashes.items()))
            f.flush()
            os.fsync(f.fileno())

    def forget(self, key: str) -> None:
        self._file(key).unlink(missing_ok=True)


def ids_with_vector(catalog, key: str, ids) -> set[str]:
    """Those of `ids` with a catalog vector of model content `key` (the vectors themselves are not read)."""
    return {row[0] for row in catalog.rows_in("SELECT photo_id FROM vectors WHERE model = ? AND photo_id IN", ids, (key,))}


def drop_model_vectors(catalog, key: str) -> int:
    """Delete every catalog vector of model content `key` (a tried model removed); returns how many."""
    with catalog.transaction() as db:
        return db.execute("DELETE FROM vectors WHERE model = ?", (key,)).rowcount
