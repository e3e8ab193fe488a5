"""One photo's details: its record, effective tags with their scores, flags, the text read in it (another computer's
photo: from the store); a photo of the library found by its path."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.core.library import containing_root
from photo_tagger.core.ports import VectorStore
from photo_tagger.core.raw_files import companions_on_disk
from photo_tagger.core.scan import prefix_relpath
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import TagDecision, UserChoices
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import foreign_record
from photo_tagger.services.browsing import GridItem

if TYPE_CHECKING:
    from photo_tagger.infra.catalog import Catalog  # the text read in photos, and finding one by path


@dataclass(frozen=True)
class PhotoDetails:
    """The details panel's photo: its record, effective tags (score, or None for a tag the user added) and flags."""

    item: GridItem
    record: PhotoRecord
    tags: tuple[tuple[str, float | None], ...]
    flags: tuple[tuple[str, float], ...]
    not_sensitive: bool = False
    sources: tuple[tuple[str, str | None], ...] = ()  # tag or flag name -> "prompt" / "learned" (issue 13)
    decision: TagDecision = TagDecision()  # the automatic side, with every score (`photo-tagger tags`)
    choices: UserChoices = UserChoices()  # the user's side
    text: str = ""  # text read in the photo (OCR), "" where none was found or it was not read
    text_status: str = ""  # its text row's status (infra/catalog_text.py), "" when never judged nor read
    text_reason: str = ""  # why its text was not read (the gate's reason) or found nothing
    ocr_mode: str = "auto"  # the setting it was (or was not) read under
    # The RAW (or JPEG) twins beside its file, shown as this one photo (core/raw_files.py): IMG_0001.CR2 for
    # IMG_0001.JPG. Read from the disk when the details are asked for.
    companions: tuple[str, ...] = ()

    @property
    def removed_tags(self) -> tuple[tuple[str, float | None], ...]:
        """The tags the user removed, with the score the model still gives each (None where it gives none)."""
        scores = dict(self.decision.tags)
        return tuple((t, scores.get(t)) for t in sorted(self.choices.removed))


class PhotoDetailsService:
    """One photo at a time: its details for the panel and `photo-tagger tags`, and finding it by its path."""

    def __init__(
        self, *, catalog: Catalog, vector_store: Callable[[], VectorStore], ocr_mode: Callable[[], str]
    ) -> None:
        """`ocr_mode`: the ocr setting as it is now (the Settings dialog changes it)."""
        self._catalog = catalog
        self._vector_store = vector_store
        self._ocr_mode = ocr_mode

    def photo_details(self, photo_id: str) -> PhotoDetails | None:
        """None when the photo left the library (its file was deleted or moved away): an expected answer, not an
        error."""
        catalog = self._catalog
        record = catalog.get([photo_id]).get(photo_id)
        if record is None:
            return self._shared_photo_details(photo_id)
        decision = catalog.decisions([photo_id]).get(photo_id, TagDecision())
        choices = catalog.choices([photo_id]).get(photo_id) or UserChoices()
        result = photo_tags(catalog, [photo_id], decisions={photo_id: decision}, choices={photo_id: choices})[photo_id]
        tag_scores, flag_scores = dict(decision.tags), dict(decision.flags)
        tags = tuple(
            sorted(
                ((t, tag_scores.get(t)) for t in result.tags),
                key=lambda ts: (ts[1] is not None, -(ts[1] or 0.0), ts[0]),
            )
        )
        flags = tuple((f, flag_scores.get(f, 0.0)) for f in result.flags)
        sources = tuple((t, decision.source_of_tag(t)) for t in result.tags if t in tag_scores) + tuple(
            (f, decision.source_of_flag(f)) for f in result.flags if f in flag_scores
        )
        text = catalog.photo_texts([photo_id]).get(photo_id, "")
        text_status, text_reason = catalog.text_states([photo_id]).get(photo_id, ("", ""))
        return PhotoDetails(
            GridItem.of(record, None, result.tags, result.flags),
            record,
            tags,
            flags,
            choices.not_sensitive,
            sources,
            decision,
            choices,
            text,
            text_status,
            text_reason,
            self._ocr_mode(),
            tuple(companions_on_disk(record.path)),
        )

    def _shared_photo_details(self, photo_id: str) -> PhotoDetails | None:
        """Another computer's photo in a shared library: what its record in the store says (read-only here)."""
        store = self._vector_store()
        meta = store.get_metadata([photo_id]).get(photo_id) if store.shared else None
        record = foreign_record(photo_id, meta, store.library_id) if meta else None
        if record is None or meta is None:
            return None
        tags, flags = tuple(meta.get("tags") or ()), tuple(meta.get("flags") or ())
        return PhotoDetails(
            GridItem.of(record, None, tags, flags),
            record,
            tuple((t, None) for t in tags),
            tuple((f, 0.0) for f in flags),
        )

    def find_photo(self, path: Path) -> PhotoRecord:
        """The library record of a photo path, or a one-line error saying why there is none."""
        absolute = str(path.expanduser().resolve())
        root = containing_root(self._catalog.roots(), absolute)
        if root is not None and root != absolute:
            record = self._catalog.find_by_path(root, prefix_relpath(absolute, root))
            if record is not None:
                return record
        if not os.path.exists(absolute):
            raise PhotoTaggerError(f"{path}: no such file")
        raise PhotoTaggerError(f"{path} is not in the library (photo-tagger index FOLDER adds its folder)")
