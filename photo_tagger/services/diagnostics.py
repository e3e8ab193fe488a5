"""What the installation and the machine can do (doctor, Help > About, the window's start) and why a command
failed, in words: what the CLI and the window show about the runtime, without reaching into infra/ themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photo_tagger import __version__
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra.runtime_info import (
    EXPORT_PACKAGES,
    PACKAGES,
    OrtInfo,
    onnxruntime_info,
    package_version,
    python_info,
)

if TYPE_CHECKING:
    from photo_tagger.config import AppPaths, Settings
    from photo_tagger.core.ports import TextEncoder
    from photo_tagger.infra.model_store import InstalledModel, ModelStore
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder

__all__ = [
    "EXPORT_PACKAGES",
    "PACKAGES",
    "DiagnosticsService",
    "OrtInfo",
    "RuntimeFacts",
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


@dataclass(frozen=True)
class RuntimeFacts:
    """Help > About's runtime lines, read without loading a model session."""

    model: str  # the model in use, or why there is none
    providers: str  # the execution providers in use, or the ones the device setting will pick
    onnxruntime: str  # its version, "missing" without it
    python: str


class DiagnosticsService:
    """What `photo-tagger doctor` and Help > About report about this installation: versions, onnxruntime, the
    models, where the files are. The settings, the model in use and its encoders are read on use."""

    def __init__(
        self,
        *,
        paths: AppPaths,
        settings: Callable[[], Settings],
        models: ModelStore,
        active_model: Callable[[], InstalledModel],
        image_encoder: Callable[[], OnnxImageEncoder],
        text_encoder: Callable[[], TextEncoder],
        loaded_providers: Callable[[], list[str] | None],
    ) -> None:
        self._paths = paths
        self._settings = settings
        self._models = models
        self._active_model = active_model
        self._image_encoder = image_encoder  # made (a model session loaded) only by doctor_report
        self._text_encoder = text_encoder
        self._loaded_providers = loaded_providers  # a loaded session's providers, else None (loads nothing)

    def doctor_report(self) -> dict:
        """`photo-tagger doctor`'s report: what is installed, what really loaded, where data lives; "usable" when no
        problem was found (the model in use's encoders are loaded and run, as the app will)."""
        from photo_tagger.services.store_server import access_summary

        ort = onnxruntime_info()
        paths, settings = self._paths, self._settings()
        problems = list(ort.problems)
        report: dict[str, Any] = {
            "photo_tagger": __version__,
            "python": python_info(),
            "packages": {name: package_version(name) or None for name in PACKAGES},
            "export_packages": {name: package_version(name) or None for name in EXPORT_PACKAGES},
            "onnxruntime": {
                "version": ort.version,
                "providers": ort.providers,
                "distributions": ort.installed,
                "native_library_from": ort.loaded_from,
            },
            "paths": {
                "config": str(paths.settings_file),
                "models": str(paths.models_dir),
                "library": str(paths.library_dir),
                "cache": str(paths.cache_dir),
                "logs": str(paths.log_dir),
            },
            "settings": {"device": settings.device, "precision": settings.precision},
            "models": [],
            "problems": problems,
            "notes": list(ort.notes),
        }
        for name, model, problem in self._models.list():
            report["models"].append({"name": name, "ok": model is not None, "problem": problem})
        report["active_model"] = self._check_active_model(problems)
        report["desktop"] = _check_desktop(problems)
        # Where the library's vectors live and where a server's token would come from: never the token itself.
        report["store"] = access_summary(settings.store_url, settings.store_ca_file)
        report["usable"] = not problems
        return report

    def _check_active_model(self, problems: list[str]) -> dict | None:
        """Load the encoders the way the app will, so "usable" means they really run."""
        try:
            model = self._active_model()
            image_encoder, text_encoder = self._image_encoder(), self._text_encoder()
            text_encoder.encode_texts(["a photo of a cat"])
            return {
                "name": model.name,
                "image_encoder_on": image_encoder.providers[0],
                "precision": image_encoder.precision,
            }
        except PhotoTaggerError as exc:
            problems.append(str(exc))
            return None

    def about_paths(self) -> tuple[tuple[str, str], ...]:
        """Where the library, the log, the settings and the models are (known without touching a file)."""
        paths = self._paths
        return (
            ("Library", str(paths.library_dir)),
            ("Log folder", str(paths.log_dir)),
            ("Settings", str(paths.settings_file)),
            ("Models", str(paths.models_dir)),
        )

    def runtime_facts(self) -> RuntimeFacts:
        """The same facts `doctor` reports, without ever loading a model session: the providers of a session already
        loaded, else the ones the device setting will pick (a query worker runs it)."""
        ort = onnxruntime_info()
        try:
            model_text = f"{self._active_model().name}"
        except PhotoTaggerError as exc:
            model_text = f"none in use ({exc})"
        loaded = self._loaded_providers()
        device = self._settings().device
        if loaded:
            providers = f"{', '.join(loaded)} (in use)"
        elif ort.version:
            providers = (
                f"{', '.join(providers_for(device))} (for device {device!r}; "
                f"the model loads on first use; available: {', '.join(ort.providers)})"
            )
        else:
            providers = "; ".join(ort.problems) or "onnxruntime is not installed"
        return RuntimeFacts(model_text, providers, ort.version or "missing", python_info())


def _check_desktop(problems: list[str]) -> dict:
    """The libraries the window needs, checked the way the app checks them before it starts Qt."""
    desktop = check_desktop(need_display=False)  # doctor runs in terminals without a display too
    if desktop.problem:
        problems.append(f"the desktop window cannot open: {desktop.problem}")
    return {
        "platform": desktop.platform,
        "checked": desktop.checked,
        "ok": desktop.ok,
        "missing_libraries": list(desktop.missing),
    }
