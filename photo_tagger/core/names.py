"""The names people give things (albums, events): trimmed, one line, not too long."""

from __future__ import annotations

import unicodedata

from photo_tagger.core.errors import PhotoTaggerError

MAX_NAME = 200  # characters; longer names are refused (they would not fit a sidebar row, nor a keyword path)


def clean_user_name(name: str, thing: str, error: type[PhotoTaggerError], hint: str = "") -> str:
    """`name` as stored (NFC, spaces around it trimmed), or `error` saying in one line what is wrong with it.
    `thing` is what is named ("an album"), `hint` how to give a name, said when there is none."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    if not cleaned:
        raise error(f"{thing} needs a name" + (f" ({hint})" if hint else ""))
    if len(cleaned) > MAX_NAME:
        raise error(f"{thing} name is at most {MAX_NAME} characters (this one has {len(cleaned)})")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in cleaned):
        raise error(f"{thing} name cannot hold control characters or line breaks: {cleaned!r}")
    return cleaned
