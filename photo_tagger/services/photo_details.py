"""One photo's details: its record, effective tags with their scores, flags, the text read in it (another computer's
photo: from the store)."""

from __future__ import annotations

from dataclasses import dataclass

from photo_tagger.core.raw_files import companions_on_disk
from photo_tagger.core.tag_sources import photo_tags
from photo_tagger.core.tagging import TagDecision, UserChoices
from photo_tagger.core.types import PhotoRecord
from photo_tagger.core.vector_metadata import foreign_record
from photo_tagger.services.browsing import GridItem


@dataclass(frozen=True)
class PhotoDetails:
    """The details panel's photo: its record, effective tags (score, or None for a tag the user added) and flags."""

    item: GridItem
    record: PhotoRecord
    tags: tuple[tuple[str, float | None], ...]
    flags: tuple[tuple[str, float], ...]
    not_sensitive: bool = False
    sources: tuple[tuple[str, str], ...] = ()  # tag or flag name -> "prompt" / "learned" (issue 13)
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


def photo_details(app, photo_id: str) -> PhotoDetails | None:
    """None when the photo left the library (its file was deleted or moved away): an expected answer, not an error."""
    catalog = app.catalog
    record = catalog.get([photo_id]).get(photo_id)
    if record is None:
        return _shared_photo_details(app, photo_id)
    decision = catalog.decisions([photo_id]).get(photo_id, TagDecision())
    choices = catalog.choices([photo_id]).get(photo_id) or UserChoices()
    result = photo_tags(catalog, [photo_id], decisions={photo_id: decision}, choices={photo_id: choices})[photo_id]
    tag_scores, flag_scores = dict(decision.tags), dict(decision.flags)
    tags = tuple(
        sorted(
            ((t, tag_scores.get(t)) for t in result.tags), key=lambda ts: (ts[1] is not None, -(ts[1] or 0.0), ts[0])
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
        app.settings.ocr,
        tuple(companions_on_disk(record.path)),
    )


def _shared_photo_details(app, photo_id: str) -> PhotoDetails | None:
    """Another computer's photo in a shared library: what its record in the store says (read-only here)."""
    store = app.vector_store()
    meta = store.get_metadata([photo_id]).get(photo_id) if store.shared else None
    record = foreign_record(photo_id, meta, store.library_id) if meta else None
    if record is None or meta is None:
        return None
    tags, flags = tuple(meta.get("tags") or ()), tuple(meta.get("flags") or ())
    return PhotoDetails(
        GridItem.of(record, None, tags, flags), record, tuple((t, None) for t in tags), tuple((f, 0.0) for f in flags)
    )
