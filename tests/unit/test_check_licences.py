"""The CI licence check (packaging/check_licences.py) on fake installed distributions: GPL, AGPL, unknown and a bundled
GPL library fail it; permissive, LGPL and dual-licensed ones pass; extras (dev tools) are not part of the app."""

import importlib.metadata as metadata
import importlib.util
from pathlib import Path

from photo_tagger.infra import licences

_spec = importlib.util.spec_from_file_location("check_licences",
                                               Path(__file__).resolve().parents[2] / "packaging" / "check_licences.py")
check_licences = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_licences)


def fake_dist(site: Path, name: str, *, requires=(), expression="", license_field="", classifiers=(), files=()):
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0"]
    lines += [f"License-Expression: {expression}"] * bool(expression) + [f"License: {license_field}"] * bool(license_field)
    lines += [f"Classifier: License :: {c}" for c in classifiers] + [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    for file in files:
        (site / file).parent.mkdir(parents=True, exist_ok=True)
        (site / file).write_text("text")
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in (*files, f"{info.name}/METADATA")))


def check(site: Path, root="app", reviewed=None):
    def find(name):
        found = list(metadata.distributions(name=name, path=[str(site)]))
        if not found:
            raise metadata.PackageNotFoundError(name)
        return found[0]

    dists, missing = licences.runtime_distributions(root, find)
    found = [licences.licence_of(d) for d in dists]
    return {lic.name for lic in found}, check_licences.problems(found, missing, reviewed or {})


def test_permissive_lgpl_and_dual_licences_pass_and_dev_extras_are_not_checked(tmp_path):
    fake_dist(tmp_path, "app", expression="MIT", requires=["perm", "lesser", "dual", "tool; extra == 'dev'"])
    fake_dist(tmp_path, "perm", license_field="BSD", files=["perm/LICENSE.txt", "perm/_native.so"])
    fake_dist(tmp_path, "lesser", classifiers=["OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)"])
    fake_dist(tmp_path, "dual", expression="LGPL-3.0-only OR GPL-2.0-only", requires=["deep[extra1]"])  # a cycle
    fake_dist(tmp_path, "deep", expression="Apache-2.0", requires=["deeper; extra == 'extra1'", "dual[x]"])
    fake_dist(tmp_path, "deeper", expression="MPL-2.0 AND MIT")
    fake_dist(tmp_path, "tool", expression="GPL-3.0-only")  # a dev tool: not in what the app installs
    names, problems = check(tmp_path)
    assert names == {"app", "perm", "lesser", "dual", "deep", "deeper"} and problems == []
    perm = licences.licence_of(next(metadata.distributions(name="perm", path=[str(tmp_path)])))
    assert perm.files == ("perm/LICENSE.txt",) and perm.native_libraries == ("perm/_native.so",)


def test_a_dependency_declared_gpl_agpl_or_nothing_fails(tmp_path):
    fake_dist(tmp_path, "app", expression="MIT", requires=["gpl-classifier", "agpl", "nothing", "gone"])
    fake_dist(tmp_path, "gpl-classifier", license_field="GPLv3",
              classifiers=["OSI Approved :: GNU General Public License v3 (GPLv3)"])
    fake_dist(tmp_path, "agpl", expression="AGPL-3.0-or-later")
    fake_dist(tmp_path, "nothing", license_field="UNKNOWN", classifiers=["Other/Proprietary License"])
    _, problems = check(tmp_path)
    assert len(problems) == 4
    assert [p.split(" ")[0] for p in problems] == ["gone:", "agpl", "gpl-classifier", "nothing"]
    assert "GPL/AGPL code may not be in the app" in problems[1] and "GPLv3" in problems[2] and "declares no licence" in problems[3]
    # A reviewed exception passes only while the distribution still declares what was reviewed.
    _, problems = check(tmp_path, reviewed={"nothing": ("Other/Proprietary", "reviewed: a test")})
    assert not any(p.startswith("nothing") for p in problems)


def test_a_wheel_that_bundles_x265_or_exiv2_fails(tmp_path):
    fake_dist(tmp_path, "app", expression="MIT", requires=["heif", "xmp"])
    fake_dist(tmp_path, "heif", expression="BSD-3-Clause", files=["heif.libs/libx265-4883ecb5.so.217"])
    fake_dist(tmp_path, "xmp", expression="MIT", files=["xmp/lib/libexiv2.so"])
    _, problems = check(tmp_path)
    assert problems == ["heif 1.0: bundles heif.libs/libx265-4883ecb5.so.217, a GPL library",
                        "xmp 1.0: bundles xmp/lib/libexiv2.so, a GPL library"]

