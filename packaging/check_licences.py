"""CI check: no runtime dependency of the app is declared GPL, AGPL or unknown, and no wheel bundles a GPL native library.

Reads the installed environment (the closure of photo-tagger's requirements without extras), never a hand-kept list:

    python packaging/check_licences.py          # exit 1 with one line per problem
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from photo_tagger.infra import licences  # noqa: E402

# Reviewed exceptions: a distribution named here passes although its metadata matches a rule, for the reason given:
# {"name": ("text its declared licence must contain", "why it is fine")}. The text is checked against what the
# distribution declares now, so a change of licence is seen again. None is needed today: PySide6 and shiboken6 declare
# "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only", and a choice with an LGPL alternative passes by itself.
REVIEWED: dict[str, tuple[str, str]] = {}

def problems(found: list[licences.Licence], missing: list[str], reviewed: dict = REVIEWED) -> list[str]:
    """One line per problem; empty when the environment is fine."""
    lines = [f"{name}: required but not installed (its licence cannot be checked)" for name in missing]
    for lic in found:
        key = lic.name.lower()
        exception = reviewed.get(key)
        accepted = exception is not None and exception[0].lower() in lic.declared.lower()
        if lic.copyleft_terms() and not accepted:
            lines.append(f"{lic.name} {lic.version}: declared {lic.declared!r}: GPL/AGPL code may not be in the app")
        elif lic.unknown() and not accepted:
            lines.append(f"{lic.name} {lic.version}: declares no licence (review it and add it to REVIEWED with why)")
        for lib in lic.gpl_libraries():
            lines.append(f"{lic.name} {lic.version}: bundles {lib}, a GPL library")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=licences.ROOT, help="the distribution whose runtime closure is checked")
    parser.add_argument("--table", action="store_true", help="also print every distribution and its licence")
    args = parser.parse_args(argv)
    dists, missing = licences.runtime_distributions(args.root)
    found = [licences.licence_of(d) for d in dists]
    if args.table:
        print(licences.table(found))
    bad = problems(found, missing)
    for line in bad:
        print(f"check_licences: {line}", file=sys.stderr)
    libraries = sum(len(lic.native_libraries) for lic in found)
    print(f"check_licences: {len(found)} runtime distributions, {libraries} native libraries: "
          f"{'FAILED, ' + str(len(bad)) + ' problem(s)' if bad else 'no GPL, AGPL or unknown licence'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
