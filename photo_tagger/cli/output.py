"""What the CLI prints: paths with undecodable bytes (non-UTF-8 names) shown with escapes, never a crash, and
control characters (terminal escape codes) shown as escapes, never sent to the terminal."""

from __future__ import annotations

import json

# Control characters but line breaks and tabs (the CLI's own layout), and the invisible marks that reorder text:
# a tag, label or file name holding ESC [ ... would otherwise recolour, move or clear the user's terminal.
_HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_ESCAPED = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
            for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), *map(ord, _HIDDEN)] if chr(c) not in "\n\t"}


def shown(text) -> str:
    """`text` printable on any UTF-8 console: os.fsdecode's surrogates for bytes that are not UTF-8 become
    `\\xe9`-style escapes (`caf\\xe9.jpg`); everything else is left as it is."""
    text = str(text).translate(_ESCAPED)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name produces
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def say(text="", **print_args) -> None:
    """print() for lines that may hold a path."""
    print(shown(text), **print_args)


def say_json(data) -> None:
    """JSON with every string shown() the same way as in text (a lone surrogate is no valid JSON text)."""
    print(json.dumps(_shown_strings(data), indent=2))


def _shown_strings(value):
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {shown(k) if isinstance(k, str) else k: _shown_strings(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shown_strings(v) for v in value]
    return value
