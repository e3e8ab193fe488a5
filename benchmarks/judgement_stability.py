"""Issue 19 §4: how many unchanged photos change tags when photos are added to the library.

A library of 800 held-out photos is tagged; then K photos from another draw are added and the same 800 photos
are tagged again, with the reference measured (a) on the whole library each time (the rule before issue 19) and
(b) on the library's reference photos (core/retagging.py reference_ids: the oldest photos, their count rounded
down to a step of 1.1x). Labels: every label of the sweep (colours, shapes, joint labels, the default labels and
categories), default template.

    PYTHONPATH=. python benchmarks/judgement_stability.py [--world shapes|world]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgement_sweep import World  # noqa: E402

from photo_tagger.core.retagging import reference_count  # noqa: E402
from photo_tagger.core.tagging import calibrated, decide, prepare  # noqa: E402


def tags(decisions) -> list[tuple]:
    return [(tuple(sorted(n for n, _ in d.tags)), tuple(sorted(n for n, _ in d.flags))) for d in decisions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--world", default="shapes")
    args = parser.parse_args()
    world = World(args.world)
    prepared = prepare(world.labels(), world.data.texts)
    base, extra = world.library, world.test
    before = tags(decide(base, calibrated(prepared, base)))
    before_stable = tags(decide(base, calibrated(prepared, base[:reference_count(len(base))])))
    print(f"**{world.name}**: {len(base)} photos tagged, then K added; photos of the first {len(base)} whose tags "
          f"or flags changed\n")
    print("| K added | whole library as reference | reference photos (1.1x steps) | reference photos used |")
    print("|---|---|---|---|")
    for k in (1, 8, 40, 80, 160):
        library = np.concatenate([base, extra[:k]])
        whole = tags(decide(base, calibrated(prepared, library)))
        kept = library[:reference_count(len(library))]
        stable = tags(decide(base, calibrated(prepared, kept)))
        print(f"| {k} | {sum(a != b for a, b in zip(before, whole))} | "
              f"{sum(a != b for a, b in zip(before_stable, stable))} | {len(kept)} |")


if __name__ == "__main__":
    main()
