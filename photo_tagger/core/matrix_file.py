"""One model's embeddings as a float32 file beside the catalog, mapped into memory: a cache of the catalog's
`vectors` table that opens in milliseconds (reading 100,000 embeddings out of SQLite takes about a second)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

VERSION = 2
MIN_ID_WIDTH = 32  # photo ids are 32 hex digits; a longer one widens the records at the next rebuild


class MatrixFile:
    """Append-only rows (float32, one per embedding written) and their photo ids (fixed-width records, so both
    files are mapped, not parsed: opening 100,000 rows costs a few ms), counted by a small JSON header.

    Crash-safe without a journal: rows and ids are written and synced before the header that counts them is
    replaced (atomically), so a crash leaves rows past the header's count, which the next append overwrites. A
    rebuild writes a new generation of both files and switches the header to it. Whatever happens to these
    files, the catalog is the truth: a missing, torn or foreign file is rebuilt from it.
    """

    def __init__(self, folder: Path, key: str):
        self.folder = Path(folder)
        self.key = key
        readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key)[:80]
        self.stem = f"{readable}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
        self._header: dict | None = None

    @property
    def header_path(self) -> Path:
        return self.folder / f"{self.stem}.json"

    def _data_path(self, generation: str) -> Path:
        return self.folder / f"{self.stem}.{generation}.f32"

    def _ids_path(self, generation: str) -> Path:
        return self.folder / f"{self.stem}.{generation}.ids"

    @property
    def seq(self) -> int:
        return self._header["seq"] if self._header else 0

    def load(self) -> tuple[int, np.ndarray, np.ndarray, int] | None:
        """(catalog seq, row ids as bytes, rows, photos with a row) as last saved; None when nothing is usable."""
        try:
            header = json.loads(self.header_path.read_text(encoding="utf-8"))
            if header.get("version") != VERSION or header.get("key") != self.key:
                return None
            self._header = header
            ids, matrix = self._map()
            return int(header["seq"]), ids, matrix, int(header["live"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("the search matrix %s is unreadable (%s); it is rebuilt from the catalog", self.stem, exc)
            self._header = None
            return None

    def _map(self) -> tuple[np.ndarray, np.ndarray]:
        assert self._header is not None, "read the header first"
        rows, dim, width = self._header["rows"], self._header["dim"], self._header["id_width"]
        if rows == 0:
            return np.zeros(0, f"S{width}"), np.zeros((0, dim), np.float32)
        paths = self._data_path(self._header["generation"]), self._ids_path(self._header["generation"])
        if paths[0].stat().st_size < rows * dim * 4 or paths[1].stat().st_size < rows * width:
            raise ValueError(f"{paths[0].name} is shorter than its header says")
        return (
            np.memmap(paths[1], dtype=f"S{width}", mode="r", shape=(rows,)),
            np.memmap(paths[0], dtype=np.float32, mode="r", shape=(rows, dim)),
        )

    def append(self, ids: Sequence[str], vectors: np.ndarray, seq: int, live: int) -> tuple[np.ndarray, np.ndarray]:
        """Add rows after the saved ones (`live`: photos with a row after it); returns every saved row's id and
        vector (mapped). ValueError: these rows need a rebuild (another width of vector or of id)."""
        header = self._header
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        encoded = _encoded(ids, header["id_width"] if header else 0)
        if header is None or header["dim"] != vectors.shape[1] or encoded is None:
            raise ValueError("these rows need a new matrix file")
        _write_at(self._data_path(header["generation"]), header["rows"] * header["dim"] * 4, vectors.tobytes())
        _write_at(self._ids_path(header["generation"]), header["rows"] * header["id_width"], encoded.tobytes())
        self._save_header({**header, "rows": header["rows"] + len(ids), "live": live, "seq": seq})
        return self._map()

    def write_all(self, ids: Sequence[str], vectors: np.ndarray, seq: int) -> tuple[np.ndarray, np.ndarray]:
        """Replace the saved rows by these, one per photo (a first build, a compaction); returns them mapped."""
        self.folder.mkdir(parents=True, exist_ok=True)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        width = max([MIN_ID_WIDTH] + [len(i.encode("utf-8")) for i in ids])
        generation = secrets.token_hex(4)
        _write_at(self._data_path(generation), 0, vectors.tobytes())
        encoded = _encoded(ids, width)
        if encoded is None:
            raise ValueError("a photo id holds a NUL byte")
        _write_at(self._ids_path(generation), 0, encoded.tobytes())
        self._save_header(
            {
                "version": VERSION,
                "key": self.key,
                "generation": generation,
                "rows": len(ids),
                "live": len(ids),
                "dim": int(vectors.shape[1]),
                "id_width": width,
                "seq": seq,
            }
        )
        for path in self.folder.glob(f"{self.stem}.*.*"):  # earlier generations, leftovers of a crash
            if generation not in path.name and path.suffix in (".f32", ".ids"):
                try:
                    path.unlink()
                except OSError:  # still mapped (Windows): the next rebuild removes it
                    pass
        return self._map()

    def _save_header(self, header: dict) -> None:
        temporary = self.header_path.with_suffix(".json.tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(header, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.header_path)
        _sync_folder(self.folder)
        self._header = header


def _encoded(ids: Sequence[str], width: int) -> np.ndarray | None:
    """The ids as fixed-width records (None when one is wider than `width`, or holds a NUL)."""
    raw = [i.encode("utf-8") for i in ids]
    if any(len(r) > width or b"\0" in r for r in raw):
        return None
    return np.array(raw, dtype=f"S{width}")


def _write_at(path: Path, offset: int, data: bytes) -> None:
    """Write data at offset, drop anything after it (an interrupted append's leftovers), sync."""
    with open(path, "r+b" if path.exists() else "w+b") as f:
        f.seek(offset)
        f.write(data)
        f.truncate()
        f.flush()
        os.fsync(f.fileno())


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
