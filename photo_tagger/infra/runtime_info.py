"""What is really installed and loaded: package versions and the onnxruntime build behind the import."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Distributions that all install the same `onnxruntime` package folder and overwrite each other.
ORT_DISTRIBUTIONS = ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino")
PACKAGES = ("numpy", "pillow", "pi-heif", "rawpy", "tokenizers", "chromadb", "PySide6-Essentials", "watchdog",
            "platformdirs", "defusedxml", "tenacity")
EXPORT_PACKAGES = ("torch", "transformers", "onnx", "onnxscript")


@dataclass
class OrtInfo:
    version: str = ""
    providers: list[str] = field(default_factory=list)
    installed: dict[str, str] = field(default_factory=dict)  # distribution -> version
    loaded_from: str = ""  # the distribution whose native library is on disk, "" if unknown
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def python_info() -> str:
    return f"Python {platform.python_version()} ({platform.system()} {platform.machine()}), {sys.executable}"


def onnxruntime_info() -> OrtInfo:
    info = OrtInfo(installed={d: v for d in ORT_DISTRIBUTIONS if (v := package_version(d))})
    try:
        import onnxruntime as ort
    except Exception as exc:  # a clobbered install can fail with ImportError or OSError
        info.problems.append(f"onnxruntime does not import: {exc}")
        return info
    info.version = ort.__version__
    info.providers = list(ort.get_available_providers())
    info.loaded_from = _native_library_owner(Path(ort.__file__).parent, info.installed)
    if len(info.installed) > 1:
        shared = (f"{' and '.join(info.installed)} are all installed and share one folder; the native library "
                  f"on disk is {info.loaded_from or 'from none of them intact'}")
        if len(set(info.installed.values())) > 1 or not info.loaded_from:
            info.problems.append(shared + ". Their files are mixed: pip uninstall all of them, then install "
                                          "the one you want")
        else:
            info.notes.append(shared + " (uninstalling either one removes the shared files)")
    elif info.installed and not info.loaded_from:
        info.problems.append("onnxruntime's native library does not match its package record (damaged install)")
    return info


def _native_library_owner(package_dir: Path, installed: dict[str, str]) -> str:
    """Which distribution's RECORD hash matches the pybind library that is actually on disk."""
    candidates = list((package_dir / "capi").glob("onnxruntime_pybind11_state*"))
    if not candidates:
        return ""
    on_disk = candidates[0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(on_disk.read_bytes()).digest()).rstrip(b"=").decode()
    for dist_name in installed:
        for entry in metadata.distribution(dist_name).files or ():
            if entry.name == on_disk.name and entry.hash and entry.hash.value == digest:
                return dist_name
    return ""
