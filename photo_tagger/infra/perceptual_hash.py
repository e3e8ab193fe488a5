"""Perceptual hashes of photos (ImageHash's phash) and the thumbnails near duplicates are checked with, computed in
the indexer's decode pool from the image it decoded anyway (EXIF orientation applied), or for photos indexed
before this existed."""

from __future__ import annotations

from typing import NamedTuple

from PIL import Image

from photo_tagger.core.frame_match import thumbnail

# The decoded size a photo indexed before hashes existed is read at: the JPEG draft size the indexer decodes at
# for a 224-pixel model (phash looks at 32x32, the thumbnail at 32x32: both are far below it).
DRAFT_SIDE = 256


class PhotoHash(NamedTuple):
    phash: int  # unsigned 64-bit
    thumb: bytes


def photo_hash(image: Image.Image) -> PhotoHash:
    import imagehash  # scipy comes with it: loaded by the first photo hashed, not at start

    bits = imagehash.phash(image).hash.flatten()
    return PhotoHash(int("".join("1" if b else "0" for b in bits), 2), thumbnail(image))


def hash_file(path: str) -> PhotoHash:
    """For a photo indexed before hashes existed: decoded at draft size (raises UnreadableImage with a reason)."""
    from photo_tagger.core.preprocess import open_rgb

    with open_rgb(path, min_side=DRAFT_SIDE) as image:
        return photo_hash(image)


class PerceptualHashAnalyzer:
    """The indexer's photo analyzer (core/photo_analysis.py) for perceptual hashes."""

    name = "perceptual hash"

    def analyze(self, image: Image.Image, content_hash: str) -> PhotoHash:
        return photo_hash(image)

    def store(self, catalog, db, results) -> None:
        catalog.write_hashes(db, [(photo_id, record.content_hash, value.phash, value.thumb)
                                  for photo_id, (record, value) in results.items()])
