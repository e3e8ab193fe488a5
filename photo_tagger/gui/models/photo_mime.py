"""Photos dragged inside the window (grid -> an album in the sidebar): their library ids in a MIME type of ours."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QMimeData

PHOTO_IDS_MIME = "application/x-photo-tagger-photo-ids"


def photo_ids_mime(ids: list[str]) -> QMimeData:
    data = QMimeData()
    data.setData(PHOTO_IDS_MIME, QByteArray(json.dumps(ids).encode()))
    return data


def photo_ids_of(data: QMimeData | None) -> list[str]:
    """The ids in a drag's data; [] when it holds none (or something that is not ours)."""
    if data is None or not data.hasFormat(PHOTO_IDS_MIME):
        return []
    try:
        ids = json.loads(bytes(data.data(PHOTO_IDS_MIME)).decode())
    except (ValueError, UnicodeDecodeError):
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
