"""Absolute tag rule measured on the trained shapes CLIP (it knows 4 colours x 4 shapes and no everyday word).

The library reference is measured on one set of 800 held-out photos ("library") and the rule is scored on
another 800 ("test"). Label sets:
- default: the app's 50 default labels and 5 moderation categories (the model knows none: ideally 0% tagged);
- joint: 16 labels "red circle"..., each with the model's caption as its prompt (one true label per photo);
- joint-templates: the same 16 labels with the default prompt templates instead;
- colour+shape: 4 colour and 4 shape labels, each prompted with the captions it covers (two true labels);
- colour+shape-templates: the same 8 labels with the default templates ("a photo of a red.");
- triangles: a moderation category (unsafe: the triangle captions; safe: the other captions).
Swept: LEVEL_K (library level + k spreads), RANK (background words a label may lose to), the basic colour and
shape words in the background (ablation) and FLAG_LEVEL_K.

    PYTHONPATH=. .venv/bin/python benchmarks/tag_rule_sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judgement_data import ShapesData  # noqa: E402

from photo_tagger.core import background as background_module  # noqa: E402
from photo_tagger.core import calibration
from photo_tagger.core.labels import DEFAULT_LABELS, Label, LabelSet, ModerationCategory, default_label_set  # noqa: E402
from photo_tagger.core.tagging import calibrated, prepare, scores  # noqa: E402
from tests.fixture_models.shapes import COLORS, SHAPES, caption  # noqa: E402

TRIANGLES = ModerationCategory("triangles", tuple(caption(c, "triangle") for c in COLORS),
                               tuple(caption(c, s) for c in COLORS for s in SHAPES if s != "triangle"), threshold=0.5)


def label_sets() -> dict[str, LabelSet]:
    joint = [(f"{c} {s}", (caption(c, s),)) for c in COLORS for s in SHAPES]
    per = [(c, tuple(caption(c, s) for s in SHAPES)) for c in COLORS] + \
          [(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES]
    return {
        "default": default_label_set(),
        "joint": LabelSet(labels=tuple(Label(n, p) for n, p in joint), threshold=0.5),
        "joint-templates": LabelSet(labels=tuple(Label(n) for n, _ in joint), threshold=0.5),
        "colour+shape": LabelSet(labels=tuple(Label(n, p) for n, p in per), threshold=0.5),
        "colour+shape-templates": LabelSet(labels=tuple(Label(n) for n, _ in per), threshold=0.5),
        "triangles": LabelSet(moderation=(TRIANGLES,)),
    }


def truth_of(name: str, truth) -> np.ndarray:
    if name == "triangles":
        return np.array([s == "triangle" for _, s in truth])
    if name in DEFAULT_LABELS:
        return np.zeros(len(truth), bool)
    words = name.split()
    return np.array([all(w in (c, s) for w in words) for c, s in truth])


def measure(data, sets, library, test, truth) -> dict[str, str]:
    out = {}
    for key, labels in sets.items():
        prepared = calibrated(prepare(labels, data.texts), library)
        conf, _, flag_conf, _ = scores(test, prepared)
        tagged = conf >= prepared.labels.thresholds
        flagged = flag_conf >= prepared.categories.thresholds
        if key == "default":
            out[key] = f"{tagged.any(1).mean():.3f} / {flagged.any(1).mean():.3f}"
            continue
        hits, names = (flagged, prepared.categories.names) if key == "triangles" else (tagged, prepared.names)
        gold = np.stack([truth_of(n, truth) for n in names], 1)
        tp = (hits & gold).sum()
        out[key] = f"{tp / max(hits.sum(), 1):.2f} / {tp / gold.sum():.2f}"
    return out


def main() -> None:
    data = ShapesData()
    library, _ = data.photos("library")
    test, truth = data.photos("test")
    sets = label_sets()
    words = background_module.BACKGROUND_WORDS
    print(f"library {len(library)} photos, test {len(test)} photos; cells: precision / recall "
          "(default: share of photos tagged / flagged)\n")
    keys = list(sets)
    print("| basic words | LEVEL_K | RANK | FLAG_LEVEL_K | " + " | ".join(keys) + " |")
    print("|---" * (4 + len(keys)) + "|")
    chosen = (calibration.LEVEL_K, calibration.RANK, calibration.FLAG_LEVEL_K)
    grid = [(True, k, r, chosen[2]) for k in (0.5, 0.75, 0.9, 1.0, 1.5) for r in (0, 1, 2)]
    grid += [(True, chosen[0], chosen[1], f) for f in (0.5, 0.75, 1.0, 1.5, 2.0) if f != chosen[2]]
    grid += [(False, chosen[0], r, chosen[2]) for r in (0, 1)]
    for basic, level_k, rank, flag_k in grid:
        background_module.BACKGROUND_WORDS = words if basic else words[:-background_module.BASIC_WORDS]
        calibration.BACKGROUND_WORDS = background_module.BACKGROUND_WORDS
        calibration.LEVEL_K, calibration.RANK, calibration.FLAG_LEVEL_K = level_k, rank, flag_k
        cells = measure(data, sets, library, test, truth)
        mark = " **(default)**" if (basic, level_k, rank, flag_k) == (True, *chosen) else ""
        print(f"| {'yes' if basic else 'no'} | {level_k} | {rank} | {flag_k}{mark} | "
              + " | ".join(cells[k] for k in keys) + " |")


if __name__ == "__main__":
    main()
