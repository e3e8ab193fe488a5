"""Issue 19: the tag and flag rule on both fixture worlds, each kind of label beside the model's own ceiling.

Worlds (held-out photos no model trained on; the rule is calibrated on a library of 800 + the 800 test photos, as
a retag does, and scored on the 800 test photos):
- shapes: the trained shapes CLIP (one colour and one shape per photo, captions "a photo of a red circle" only);
- world: the multi-fact CLIP (tests/fixture_models/world.py: object, colour, scene, style, partial captions);
- world-seedN: the same world trained from another seed (the held-out check).
Every label uses the default template "a photo of a {label}." alone. Per kind of label: the app's precision /
recall / F1 (confidence >= the label's threshold, 0.5), and the ceiling: mean and lowest per-label ROC AUC of the
cosine, and the pooled precision / recall / F1 of a per-label cosine threshold chosen with hindsight on the test
photos. "unknown" and "defaults": the share of test photos tagged (labels for concepts the model does not know);
categories: a custom one written the seed article's way (unsafe "a photo of a triangle", safe the other objects)
and the default ones (share of photos flagged: none applies).

    PYTHONPATH=. python benchmarks/judgement_sweep.py [--worlds shapes world world-seed1] [--grid] [--draws]
        [--category-draws] [--category-grid]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgement_data import ShapesData, WorldData  # noqa: E402

from photo_tagger.core import calibration  # noqa: E402
from photo_tagger.core.labels import DEFAULT_LABELS, Label, LabelSet, ModerationCategory, default_label_set  # noqa: E402
from photo_tagger.core.tagging import calibrated, prepare, scores  # noqa: E402
from tests.judgement_metrics import auc, best_threshold, prf  # noqa: E402

TEMPLATE = ("a photo of a {}.",)
UNKNOWN = ("dog", "car", "people", "sunset", "wedding", "green", "square", "desert", "rain", "blorp")
IN_WORLD = {"snow", "night", "beach", "sky"}  # default labels a world photo can truly show


class World:
    """Label kinds, their truth on the test photos, and the categories of one fixture world."""

    def __init__(self, name: str):
        self.name = name
        if name == "shapes":
            from tests.fixture_models.shapes import COLORS, SHAPES

            self.data = ShapesData()
            self.library, _ = self.data.photos("library")
            self.test, truth = self.data.photos("test")
            facts = [{c, s, f"{c} {s}"} for c, s in truth]
            self.kinds = {"colour": list(COLORS), "object": list(SHAPES),
                          "joint": [f"{c} {s}" for c in COLORS for s in SHAPES]}
            objects, unsafe = list(SHAPES), "triangle"
        else:
            from tests.fixture_models.world import COLOURS, OBJECTS, SCENES, STYLES

            seed = int(name.split("seed")[1]) if "seed" in name else 0
            self.data = WorldData(seed)
            self.library, _ = self.data.photos("library")
            self.test, truth = self.data.photos("test")
            facts = [f.labels() for f in truth]
            self.kinds = {"object": list(OBJECTS), "colour": list(COLOURS), "scene": list(SCENES),
                          "style": list(STYLES), "joint": [f"{c} {o}" for c in COLOURS for o in OBJECTS]}
            objects, unsafe = list(OBJECTS), "triangle"
        self.kinds["unknown"] = [u for u in UNKNOWN if not any(u in self.kinds[k] for k in self.kinds)]
        self.kinds["defaults"] = [d for d in DEFAULT_LABELS if d not in IN_WORLD]
        self.facts = facts
        self.category = ModerationCategory(f"{unsafe}s", (f"a photo of a {unsafe}",),
                                           tuple(f"a photo of a {o}" for o in objects if o != unsafe))
        self.category_truth = np.array([unsafe in f for f in facts])

    def truth(self, label: str) -> np.ndarray:
        return np.array([label in f for f in self.facts])

    def labels(self) -> LabelSet:
        names = [n for kind in self.kinds.values() for n in kind]
        return LabelSet(labels=tuple(Label(n) for n in dict.fromkeys(names)), templates=TEMPLATE,
                        moderation=(self.category, *default_label_set().moderation))


def measure(world: World) -> dict:
    """Per kind: app (p, r, f1) or share tagged, ceiling (mean AUC, min AUC, p, r, f1); categories too."""
    prepared = calibrated(prepare(world.labels(), world.data.texts), np.concatenate([world.library, world.test]))
    conf, _, flag_conf, _ = scores(world.test, prepared)
    tagged = conf >= prepared.labels.thresholds
    cosines = prepared.labels.prompt_scores(world.test)
    col = {n: k for k, n in enumerate(prepared.names)}
    out = {}
    for kind, names in world.kinds.items():
        cols = [col[n] for n in names]
        if kind in ("unknown", "defaults"):
            out[kind] = {"tagged": float(tagged[:, cols].any(1).mean())}
            continue
        gold = np.stack([world.truth(n) for n in names], 1)
        hits = tagged[:, cols]
        app = prf(int((hits & gold).sum()), int((hits & ~gold).sum()), int((~hits & gold).sum()))
        aucs = [auc(cosines[:, c], gold[:, k]) for k, c in enumerate(cols)]
        ceiling = prf(*np.sum([best_threshold(cosines[:, c], gold[:, k]) for k, c in enumerate(cols)], 0))
        out[kind] = {"app": app, "auc": (float(np.nanmean(aucs)), float(np.nanmin(aucs))), "ceiling": ceiling}
    cats = prepared.categories
    flagged = flag_conf >= cats.thresholds
    mine = cats.names.index(world.category.name)
    gold = world.category_truth
    hit = flagged[:, mine]
    unsafe = cats.prompt_scores(world.test)[:, mine]
    out["category"] = {"app": prf(int((hit & gold).sum()), int((hit & ~gold).sum()), int((~hit & gold).sum())),
                       "auc": (auc(unsafe, gold),) * 2, "ceiling": prf(*best_threshold(unsafe, gold))}
    out["default categories"] = {"tagged": float(np.delete(flagged, mine, axis=1).any(1).mean())}
    known = [col[n] for kind in world.kinds for n in world.kinds[kind]]
    truth = np.stack([world.truth(prepared.names[c]) for c in known], 1)
    flag_truth = np.zeros_like(flag_conf, bool)
    flag_truth[:, mine] = gold
    out["_pairs"] = (np.concatenate([conf[:, known].ravel(), flag_conf.ravel()]),
                     np.concatenate([truth.ravel(), flag_truth.ravel()]),
                     np.concatenate([np.zeros(truth.size, bool), np.ones(flag_conf.size, bool)]))
    return out


BINS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)


def reliability(pairs: list[tuple]) -> str:
    """How often a tag or flag given at each confidence is right, pooled over the worlds."""
    conf = np.concatenate([p[0] for p in pairs])
    right = np.concatenate([p[1] for p in pairs])
    flag = np.concatenate([p[2] for p in pairs])
    lines = ["| confidence | tags given | right | flags given | right |", "|---|---|---|---|---|"]
    for lo, hi in zip(BINS, BINS[1:]):
        cells = []
        for which in (~flag, flag):
            inside = which & (conf >= lo) & (conf < hi)
            cells += [str(int(inside.sum())), f"{right[inside].mean():.3f}" if inside.any() else "-"]
        lines.append(f"| {lo:.2f}-{min(hi, 1):.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(world: World, result: dict) -> str:
    lines = [f"**{world.name}** ({len(world.test)} test photos)", "",
             "| kind | labels | app P / R / F1 | ceiling AUC mean (min) | ceiling P / R / F1 | app F1 / ceiling F1 |",
             "|---|---|---|---|---|---|"]
    for kind, row in result.items():
        if kind.startswith("_"):
            continue
        count = len(world.kinds.get(kind, ())) or (1 if kind == "category" else 5)
        if "tagged" in row:
            lines.append(f"| {kind} | {count} | {row['tagged']:.3f} of photos {'flagged' if 'categ' in kind else 'tagged'} | | | |")
            continue
        p, r, f = row["app"]
        cp, cr, cf = row["ceiling"]
        lines.append(f"| {kind} | {count} | {p:.3f} / {r:.3f} / {f:.3f} | {row['auc'][0]:.3f} ({row['auc'][1]:.3f}) "
                     f"| {cp:.3f} / {cr:.3f} / {cf:.3f} | {f / max(cf, 1e-9):.2f} |")
    return "\n".join(lines)


def grid_row(world: World, result: dict) -> str:
    cells = []
    for kind, row in result.items():
        if kind.startswith("_"):
            continue
        cells.append(f"{row['tagged']:.3f}" if "tagged" in row else f"{row['app'][2] / max(row['ceiling'][2], 1e-9):.2f}")
    return " | ".join(cells)


GRID = {"AGREEMENT": (0.6, 0.7, 0.8), "GAP": (0.0, 4.0), "SPLIT_Z": (0.0, 0.5)}
CATEGORY_GRID = {"CONTRAST_WIN": (-0.5, 0.0, 0.5), "CONTRAST_Z": (0.0, 0.5, 1.0), "CONTRAST_AGREEMENT": (0.5, 0.8)}


def draws(world: World, sizes=(40, 64, 80, 160), count: int = 30) -> str:
    """How often the split decides (calibration.agrees) on small libraries: random draws of the world's photos,
    each calibrated alone; per kind of label, the share of (draw, label) pairs that agree: without the clear-gap
    condition (GAP) and the least number of photos (SPLIT_PHOTOS), with the first, and with both."""
    prepared = prepare(world.labels(), world.data.texts)
    photos = np.concatenate([world.library, world.test])
    kinds = {n: k for k, names in world.kinds.items() for n in names}
    order = list(world.kinds)
    lines = [f"**{world.name}**: share of (draw, label) pairs whose split decides, {count} draws per size", "",
             "| photos | GAP | SPLIT_PHOTOS | " + " | ".join(order) + " |", "|---|---|---|" + "---|" * len(order)]
    chosen, least_chosen = calibration.GAP, calibration.SPLIT_PHOTOS
    for size in sizes:
        rng = np.random.default_rng(size)
        picks = [rng.choice(len(photos), size, replace=False) for _ in range(count)]
        for gap, least in ((0.0, 0), (chosen, 0), (chosen, least_chosen)):
            calibration.GAP, calibration.SPLIT_PHOTOS = gap, least
            agreed = {k: [] for k in order}
            for idx in picks:
                labels = calibrated(prepared, photos[idx]).labels
                for name, yes in zip(labels.names, labels.agreed or [False] * len(labels.names)):
                    agreed[kinds[name]].append(yes)
            lines.append(f"| {size} | {gap} | {least} | " + " | ".join(f"{np.mean(agreed[k]):.4f}" for k in order) + " |")
    calibration.GAP, calibration.SPLIT_PHOTOS = chosen, least_chosen
    return "\n".join(lines)


def category_draws(world: World, sizes=(40, 64, 80, 160, 400), count: int = 30) -> str:
    """The categories on small libraries: random draws of the world's photos, each calibrated alone and decided on
    itself (as a retag does); the custom category's pooled precision / recall / F1 over the draws, and the share of
    photos the default categories flag, with the user's contrast way (USE_USER_CONTRAST) off and on."""
    prepared = prepare(world.labels(), world.data.texts)
    photos = np.concatenate([world.library, world.test])
    truth = np.concatenate([np.zeros(len(world.library), bool), world.category_truth])
    known = np.concatenate([np.zeros(len(world.library), bool), np.ones(len(world.test), bool)])
    lines = [f"**{world.name}**: {count} draws per size, test photos only scored for the custom category", "",
             "| photos | user's contrast | custom P / R / F1 | default categories: flagged |", "|---|---|---|---|"]
    chosen = calibration.USE_USER_CONTRAST
    for size in sizes:
        rng = np.random.default_rng(size)
        picks = [rng.choice(len(photos), size, replace=False) for _ in range(count)]
        for on in (False, True):
            calibration.USE_USER_CONTRAST = on
            tp = fp = fn = 0
            shares = []
            for idx in picks:
                draw = calibrated(prepared, photos[idx])
                flagged = scores(photos[idx], draw)[2] >= draw.categories.thresholds
                mine = draw.categories.names.index(world.category.name)
                hit, gold, seen = flagged[:, mine], truth[idx], known[idx]
                tp, fp, fn = tp + int((hit & gold & seen).sum()), fp + int((hit & ~gold & seen).sum()), \
                    fn + int((~hit & gold & seen).sum())
                shares.append(np.delete(flagged, mine, axis=1).any(1).mean())
            p, r, f = prf(tp, fp, fn)
            lines.append(f"| {size} | {'on' if on else 'off'} | {p:.3f} / {r:.3f} / {f:.3f} | "
                         f"{np.mean(shares):.4f} (worst draw {np.max(shares):.3f}) |")
    calibration.USE_USER_CONTRAST = chosen
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worlds", nargs="+", default=["shapes", "world", "world-seed1"])
    parser.add_argument("--grid", action="store_true", help="also sweep the rule's constants (F1 / ceiling cells)")
    parser.add_argument("--draws", action="store_true", help="also: how often the split decides on small libraries")
    parser.add_argument("--category-draws", action="store_true", help="also: the categories on small libraries")
    parser.add_argument("--category-grid", action="store_true", help="also sweep the user's contrast constants")
    args = parser.parse_args()
    worlds = [World(n) for n in args.worlds]
    pairs = []
    for world in worlds:
        result = measure(world)
        pairs.append(result["_pairs"])
        print(table(world, result), "\n")
    print("Reliability (all worlds above; a label or category's confidence where it tags or flags):\n")
    print(reliability(pairs), "\n")
    if args.draws:
        for world in worlds:
            print(draws(world), "\n")
    if args.category_draws:
        for world in worlds:
            print(category_draws(world), "\n")
    if args.category_grid:
        chosen = {k: getattr(calibration, k) for k in CATEGORY_GRID}
        print("| " + " | ".join(CATEGORY_GRID) + " | " + " | ".join(
            f"{w.name} {c}" for w in worlds for c in ("custom F1 / ceiling", "defaults flagged")) + " |")
        print("|---" * (len(CATEGORY_GRID) + 2 * len(worlds)) + "|")
        for values in itertools.product(*CATEGORY_GRID.values()):
            for k, v in zip(CATEGORY_GRID, values):
                setattr(calibration, k, v)
            mark = " **(default)**" if dict(zip(CATEGORY_GRID, values)) == chosen else ""
            cells = []
            for world in worlds:
                row = measure(world)
                cells += [f"{row['category']['app'][2] / max(row['category']['ceiling'][2], 1e-9):.2f}",
                          f"{row['default categories']['tagged']:.3f}"]
            print("| " + " | ".join(map(str, values)) + mark + " | " + " | ".join(cells) + " |")
        for k, v in chosen.items():
            setattr(calibration, k, v)
        print()
    if args.grid:
        chosen = {k: getattr(calibration, k) for k in GRID}
        for world in worlds:
            keys = [k for k in measure(world) if not k.startswith("_")]
            print(f"**{world.name}**: cells are app F1 / ceiling F1, or the share of photos tagged / flagged\n")
            print("| " + " | ".join(GRID) + " | " + " | ".join(keys) + " |")
            print("|---" * (len(GRID) + len(keys)) + "|")
            for values in itertools.product(*GRID.values()):
                for k, v in zip(GRID, values):
                    setattr(calibration, k, v)
                mark = " **(default)**" if dict(zip(GRID, values)) == chosen else ""
                print("| " + " | ".join(map(str, values)) + mark + " | " + grid_row(world, measure(world)) + " |")
            for k, v in chosen.items():
                setattr(calibration, k, v)
            print()


if __name__ == "__main__":
    main()
