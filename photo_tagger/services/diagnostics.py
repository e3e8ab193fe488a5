"""What the installation and the machine can do (doctor, Help > About, the window's start) and why a command
failed, in words: what the CLI and the window show about the runtime, without reaching into infra/ themselves."""

from __future__ import annotations

from pathlib import Path

from photo_tagger.infra.runtime_info import (
    EXPORT_PACKAGES,
    PACKAGES,
    OrtInfo,
    onnxruntime_info,
    package_version,
    python_info,
)

__all__ = [
    "EXPORT_PACKAGES",
    "PACKAGES",
    "OrtInfo",
    "check_desktop",
    "explain_failure",
    "onnxruntime_info",
    "package_version",
    "providers_for",
    "python_info",
]


def check_desktop(need_display: bool = True):
    """Whether Qt's platform plugin can start (infra/qt_platform.py): checked before Qt, which aborts with a
    misleading message; `need_display=False` checks the libraries alone (doctor, in a terminal)."""
    from photo_tagger.infra.qt_platform import check_desktop as check

    return check(need_display=need_display)


def providers_for(device: str) -> list[str]:
    """The onnxruntime execution providers the `device` setting picks (imports onnxruntime; loads no model)."""
    from photo_tagger.infra.onnx_clip import choose_providers

    return list(choose_providers(device))


def explain_failure(exc: BaseException, library_dir: Path | None, sqlite_files: list[Path]) -> str | None:
    """A full disk or a damaged file said as such, in one line; None for anything else (a bug). `sqlite_files`:
    the library's SQLite files, the one a damaged-page error most likely came from first."""
    from photo_tagger.infra.storage_faults import (
        DamagedFile,
        damaged_file,
        disk_full_message,
        is_damaged,
        is_disk_full,
        is_nearly_full,
    )

    # Chroma words some out-of-space failures as its own ("Error in compaction"): a nearly full disk explains them.
    if is_disk_full(exc, library_dir) or (library_dir is not None and is_nearly_full(library_dir)):
        return disk_full_message(library_dir) if library_dir else f"the disk is full ({exc})"
    if is_damaged(exc) and sqlite_files:
        found = damaged_file(sqlite_files)
        if found is not None:
            return str(DamagedFile(*found))
    return None
