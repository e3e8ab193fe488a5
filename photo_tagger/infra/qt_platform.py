"""Can Qt open a window here? Checks the xcb platform plugin's system libraries before Qt can abort on them.

Qt aborts the process (SIGABRT, exit 134) when its xcb plugin fails to load, and its message blames
libxcb-cursor0 whatever is really missing. So the launcher loads the plugin first: if that works, Qt will too;
if not, the plugin's ELF dependencies are loaded one by one to name every library that is missing or broken
(an empty or foreign file of that name fails the same way), with the packages that provide them.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package): the libraries Qt's xcb plugin and QtGui need.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}


@dataclass(frozen=True)
class DesktopCheck:
    """What stands between this process and a window; `problem` is "" when nothing does."""

    platform: str  # the Qt platform plugin that will be used ("xcb", "wayland", "offscreen", ...)
    checked: bool  # False where nothing can be checked ahead of Qt (not Linux, not xcb, no plugin found)
    missing: tuple[str, ...] = ()  # sonames that would not load
    details: dict[str, str] = field(default_factory=dict)  # soname -> the loader's reason
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def check_desktop(environ: os._Environ | dict | None = None, *, need_display: bool = True) -> DesktopCheck:
    """Check that Qt's platform plugin can start; `need_display=False` checks the libraries alone (doctor)."""
    environ = os.environ if environ is None else environ
    platform = _platform(environ)
    if platform != "xcb":
        return DesktopCheck(platform, checked=False)
    plugin = xcb_plugin_path()
    if plugin is None:
        return DesktopCheck(platform, checked=False)
    try:
        ctypes.CDLL(str(plugin))  # what Qt is about to do; once loaded, Qt reuses it
    except OSError as exc:
        details = _missing_libraries(plugin)
        if not details:  # the plugin itself is broken, not the system
            return DesktopCheck(platform, True, problem=f"Qt's xcb platform plugin does not load ({exc})")
        missing = tuple(details)
        return DesktopCheck(platform, True, missing, details, problem=missing_libraries_message(missing))
    if need_display and not environ.get("DISPLAY"):
        return DesktopCheck(platform, True, problem="no display to open a window on (DISPLAY is not set): start "
                            "Photo Tagger from a desktop session; its commands work without one (--help)")
    return DesktopCheck(platform, True)


def missing_libraries_message(missing: tuple[str, ...]) -> str:
    """One line: what is missing and the command that installs it on Debian/Ubuntu and on Fedora."""
    debian = sorted({PACKAGES[name][0] for name in missing if name in PACKAGES})
    fedora = sorted({PACKAGES[name][1] for name in missing if name in PACKAGES})
    unknown = [name for name in missing if name not in PACKAGES]
    how = []
    if debian:
        how.append(f"sudo apt-get install {' '.join(debian)} (Debian/Ubuntu)")
        how.append(f"sudo dnf install {' '.join(fedora)} (Fedora)")
    if unknown:
        how.append(f"the package that provides {', '.join(unknown)}")
    return (f"system libraries are missing or broken: {', '.join(missing)}. "
            f"Install them with: {' or '.join(how)}")


def xcb_plugin_path() -> Path | None:
    """libqxcb.so inside the installed (or frozen) PySide6, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for candidate in (Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so",
                          Path(folder) / "plugins" / "platforms" / "libqxcb.so"):
            if candidate.is_file():
                return candidate
    return None


def _platform(environ) -> str:
    if not sys.platform.startswith("linux"):
        return sys.platform
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"  # Qt 6 prefers its Wayland plugin there; xcb is only its fallback
    return "xcb"


def _missing_libraries(plugin: Path) -> dict[str, str]:
    """Each system library in the plugin's dependency tree that fails to load, with the loader's reason.

    Qt's own libraries (beside the plugin, in the wheel) are followed through; system ones are loaded by
    soname, the way the dynamic loader finds them (LD_LIBRARY_PATH, then the system cache).
    """
    qt_lib = plugin.parents[2] / "lib"
    seen: set[str] = set()
    failures: dict[str, str] = {}
    pending = [plugin]
    while pending:
        for soname in _needed(pending.pop()):
            if soname in seen:
                continue
            seen.add(soname)
            bundled = qt_lib / soname
            if bundled.is_file():
                pending.append(bundled)
                continue
            try:
                ctypes.CDLL(soname)
            except OSError as exc:
                failures[soname] = str(exc)
    return failures


def _needed(library: Path) -> list[str]:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    with library.open("rb") as f:
        for section in ELFFile(f).iter_sections():
            if isinstance(section, DynamicSection):
                return [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    return []
