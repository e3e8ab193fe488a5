"""Issue 19, moderation: the category rule's constants on both fixture worlds (judgement_sweep.py's worlds and
measure): the custom category written the seed article's way (F1 against its ceiling) and the share of photos the
default categories flag (none applies). Also prints each category's kinds and the everyday words it excludes.

    PYTHONPATH=. python benchmarks/category_sweep.py [--worlds shapes world]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgement_sweep import World, measure

from photo_tagger.core import calibration
from photo_tagger.core.tagging import prepare

GRID = {"CONTRAST_MARGIN": (1.0, 2.0), "CATEGORY_KIND_MARGIN": (-1.0, 0.0, 0.5, 0.75, 1.0, 1.5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", nargs="+", default=["shapes", "world"])
    args = parser.parse_args()
    worlds = [World(n) for n in args.worlds]
    for world in worlds:
        cats = prepare(world.labels(), world.data.texts).categories
        print(world.name, "; ".join(f"{n}: kinds {'/'.join(cats.kinds[i])}, excludes {int(cats.excluded[i].sum())}"
                                    for i, n in enumerate(cats.names)))
    chosen = {k: getattr(calibration, k) for k in GRID}
    print("\n| " + " | ".join(GRID) + " | " + " | ".join(
        f"{w.name} custom F1 / ceiling | {w.name} defaults flagged" for w in worlds) + " |")
    print("|---" * (len(GRID) + 2 * len(worlds)) + "|")
    for values in itertools.product(*GRID.values()):
        for k, v in zip(GRID, values):
            setattr(calibration, k, v)
        cells = []
        for world in worlds:
            row = measure(world)
            f1, ceiling = row["category"]["app"][2], row["category"]["ceiling"][2]
            cells += [f"{f1:.3f} / {ceiling:.3f}", f"{row['default categories']['tagged']:.4f}"]
        mark = " **(default)**" if dict(zip(GRID, values)) == chosen else ""
        print("| " + " | ".join(map(str, values)) + mark + " | " + " | ".join(cells) + " |", flush=True)
    for k, v in chosen.items():
        setattr(calibration, k, v)


if __name__ == "__main__":
    main()
