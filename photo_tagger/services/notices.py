"""Photo Tagger's licence and the third-party notices: the file built into the packaged app, or, from source, made
from the installed distributions' own licence files (infra/licences.py)."""

from __future__ import annotations

import importlib.resources
from datetime import date

from photo_tagger import __version__
from photo_tagger.infra import licences

NOTICES_FILE = "THIRD_PARTY_NOTICES.txt"  # package data of photo_tagger in the packaged app (packaging/build.sh)
APP_LICENCE = "MIT"
COPYRIGHT = "Copyright (c) 2026 Photo Tagger contributors"
# photo_tagger/notices/: what the LGPL parts need, and Apache-2.0 for the packages that declare it but ship no text.
_LICENCE_TEXTS = ("Apache-2.0.txt", "LGPL-3.0.txt", "GPL-3.0.txt", "LGPL-2.1.txt")
_RULE = "=" * 100


def _resource(name: str) -> str:
    return (importlib.resources.files("photo_tagger") / "notices" / name).read_text(encoding="utf-8")


def app_licence_text() -> str:
    """The MIT licence text (photo_tagger/notices/LICENSE, a copy of the repository's LICENSE)."""
    return _resource("LICENSE")


def _built_file():
    return importlib.resources.files("photo_tagger") / NOTICES_FILE


def built_notices() -> str | None:
    """The notices file the packaged app carries, None when running from source."""
    path = _built_file()
    return path.read_text(encoding="utf-8") if path.is_file() else None


def third_party_notices() -> str:
    """What Help > About and `doctor --licences --full` show: the built file, else made now (about a second)."""
    return built_notices() or render_notices()


def summary() -> str:
    """The short form: the app's licence, then each runtime distribution with its declared licence."""
    built = built_notices()
    if built is not None:  # the packaged app has no metadata for most distributions: its table is in the file
        return built.split(f"\n{_RULE}\n", 2)[1].strip() if built.count(_RULE) >= 2 else built
    return _summary(licences.runtime_licences())


def _summary(found: list[licences.Licence]) -> str:
    return "\n".join(
        [
            f"Photo Tagger {__version__}: {APP_LICENCE} licence. {COPYRIGHT}.",
            "",
            "Runtime dependencies (as installed) and the licences they declare:",
            "",
            licences.table(found),
        ]
    )


def render_notices() -> str:
    """The whole notices text from what is installed: the app's licence, the table, the notices that no package
    carries (Qt, bundled LGPL libraries, the OCR models), every distribution's licence files, the GNU licence texts."""
    found = licences.runtime_licences()
    parts = [
        f"Third-party software in Photo Tagger {__version__} (made {date.today().isoformat()} from the installed "
        f"distributions' own licence files)",
        _RULE,
        _summary(found),
        _RULE,
        "Photo Tagger",
        "------------",
        app_licence_text().strip(),
        _RULE,
        "Notices that the packages do not carry themselves",
        "",
        _resource("ADDITIONAL_NOTICES.txt").strip(),
        _RULE,
    ]
    for lic in found:
        if lic.name.lower() == licences.ROOT:
            continue
        parts += [f"{lic.name} {lic.version}", "-" * len(f"{lic.name} {lic.version}"), f"Declared: {lic.declared}"]
        texts = lic.read_files()
        if not texts:
            parts.append("(this distribution ships no licence file: the text of its declared licence is at the end)")
        seen = set()
        for path, text in texts:
            if text.strip() in seen:  # the same file twice (OpenCV ships its licences in cv2/ and in dist-info)
                continue
            seen.add(text.strip())
            parts += ["", f"[{path}]", text.strip()]
        parts.append(_RULE)
    for name in _LICENCE_TEXTS:
        parts += [name.removesuffix(".txt"), "", _resource(name).strip(), _RULE]
    return "\n".join(parts) + "\n"
