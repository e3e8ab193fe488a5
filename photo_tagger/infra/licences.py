"""The licences of what the app runs on, read from the installed distributions (importlib.metadata): the runtime
dependency closure, each distribution's declared licence, its own licence files and its native libraries."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "photo-tagger"

# A licence file, by name: LICENSE, LICENCE.txt, COPYING, NOTICE, AUTHORS, ThirdPartyNotices.txt, LICENSES_bundled.txt...
_LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|copyright|authors|thirdpartynotices|third_party_notices)"
                           r"([-_.][\w.-]*)?$|^licen[cs]es?_bundled", re.I)
_NATIVE = re.compile(r"\.(so(\.\d+)*|dylib|dll|pyd)$", re.I)
# Native libraries under the GPL that a wheel may bundle, and which one did (issue 22).
GPL_LIBRARIES = {"x265": "the x265 HEVC encoder (GPL-2.0; pillow-heif's wheels)",
                 "x264": "the x264 H.264 encoder (GPL-2.0)",
                 "exiv2": "Exiv2 (GPL-2.0-or-later; pyexiv2's wheels)"}


@dataclass(frozen=True)
class Licence:
    """What one installed distribution says about its licence, and the files that say it in full."""

    name: str
    version: str
    expression: str  # License-Expression (PEP 639), "" when not declared
    license_field: str  # the License field, first line only ("" when empty or UNKNOWN)
    classifiers: tuple[str, ...]  # the last part of each "License ::" classifier
    files: tuple[str, ...]  # licence files inside the distribution (paths relative to site-packages)
    native_libraries: tuple[str, ...]

    @property
    def declared(self) -> str:
        """One line: the expression if there is one, else the License field and classifiers."""
        if self.expression:
            return self.expression
        parts = [self.license_field] if self.license_field else []
        parts += [c for c in self.classifiers if c not in parts]
        return "; ".join(parts) or "unknown"

    def copyleft_terms(self) -> list[str]:
        """The declared terms that are GPL or AGPL (LGPL is not among them), with dual-licence alternatives weighed:
        an SPDX expression with an OR is fine when one alternative carries no GPL/AGPL."""
        if self.expression:
            alternatives = re.split(r"\s+OR\s+", self.expression.strip("() "), flags=re.I)
            strong = [alt for alt in alternatives if any(_strong_copyleft(t) for t in _spdx_ids(alt))]
            return strong if len(strong) == len(alternatives) else []
        return [t for t in ([self.license_field] + list(self.classifiers)) if t and _strong_copyleft(t)]

    def unknown(self) -> bool:
        """Nothing declared that names a licence (Other/Proprietary and UNKNOWN say nothing)."""
        if self.expression:
            return False
        named = [c for c in self.classifiers if not c.startswith("Other/Proprietary")]
        return not (self.license_field or named)

    def gpl_libraries(self) -> list[str]:
        return [lib for lib in self.native_libraries if any(key in PurePosixPath(lib).name.lower()
                                                            for key in GPL_LIBRARIES)]

    def read_files(self) -> list[tuple[str, str]]:
        """(path, text) of each licence file; unreadable ones are skipped with a note."""
        dist = metadata.distribution(self.name)
        texts = []
        for file in self.files:
            try:
                data = Path(dist.locate_file(file)).read_bytes()
                texts.append((file, data.decode("utf-8", errors="replace")))
            except OSError as exc:
                texts.append((file, f"(could not be read: {exc})"))
        return texts


def _spdx_ids(expression: str) -> list[str]:
    return [t for t in re.findall(r"[A-Za-z0-9.+-]+", expression) if t.upper() not in ("AND", "OR", "WITH")]


def _strong_copyleft(term: str) -> bool:
    """GPL or AGPL in an SPDX id (GPL-3.0-only, AGPL-3.0) or in free text (classifiers, the License field)."""
    if re.search(r"\bLGPL|Lesser|Library General", term, re.I):
        return False
    return bool(re.search(r"(^|[^A-Za-z])A?GPL|General Public Licen[cs]e|Affero", term, re.I))


def licence_of(dist: metadata.Distribution) -> Licence:
    meta = dist.metadata
    field = (meta.get("License") or "").strip()
    field = field.splitlines()[0].strip() if field else ""
    if field.upper() in ("UNKNOWN", "NONE") or len(field) > 120:  # a whole licence text pasted in says nothing short
        field = ""
    classifiers = tuple(c.split(" :: ")[-1] for c in meta.get_all("Classifier") or () if c.startswith("License ::")
                        and c.strip() != "License :: OSI Approved")
    files, native = [], []
    for file in dist.files or ():
        parts = file.parts
        if _NATIVE.search(file.name):
            native.append(str(file))
        elif (parts[0].endswith(".dist-info") and len(parts) > 2 and parts[1] == "licenses"  # PEP 639: all of it
              or _LICENCE_FILE.match(file.name) and (parts[0].endswith(".dist-info") or len(parts) <= 2)):
            files.append(str(file))
    return Licence(meta["Name"], dist.version, (meta.get("License-Expression") or "").strip(), field, classifiers,
                   tuple(files), tuple(native))


def runtime_distributions(root: str = ROOT,
                          find: Callable[[str], metadata.Distribution] = metadata.distribution,
                          ) -> tuple[list[metadata.Distribution], list[str]]:
    """The closure of `root`'s requirements without extras (what its default install pulls in), as installed here;
    and the requirements that apply but are not installed."""
    seen: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, frozenset[str]]] = set()  # a distribution is read again for each new set of extras
    missing: list[str] = []
    queue: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while queue:
        name, extras = queue.pop()
        key = canonicalize_name(name)
        if (key, extras) in done or (key in seen and not extras):
            continue
        done.add((key, extras))
        try:
            dist = seen.get(key) or find(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        seen[key] = dist
        for line in dist.requires or ():
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": extra}) for extra in ("", *extras)):
                if canonicalize_name(req.name) not in seen or req.extras:
                    queue.append((req.name, frozenset(req.extras)))
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"])), sorted(set(missing))


def runtime_licences(root: str = ROOT) -> list[Licence]:
    """Every distribution of the default install, the app itself first."""
    dists, _ = runtime_distributions(root)
    licences = [licence_of(d) for d in dists]
    return sorted(licences, key=lambda lic: (canonicalize_name(lic.name) != canonicalize_name(root),
                                             lic.name.lower()))


def table(licences: Iterable[Licence]) -> str:
    """A plain-text table: distribution, version, declared licence."""
    rows = [(lic.name, lic.version, lic.declared) for lic in licences]
    width = max((len(name) for name, _, _ in rows), default=10)
    vwidth = max((len(version) for _, version, _ in rows), default=7)
    return "\n".join(f"{name:<{width}}  {version:<{vwidth}}  {declared}" for name, version, declared in rows)
