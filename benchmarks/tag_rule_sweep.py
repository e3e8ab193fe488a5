"""Tag rule defaults measured on the trained shapes CLIP: precision/recall of tags for threshold x max_tags.

Labels: 4 colours + 4 shapes with the default prompt templates; every held-out photo truly has one colour and
one shape, so a perfect tagger gives both.

    PYTHONPATH=. /work/venv/bin/python benchmarks/tag_rule_sweep.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.core.labels import Label, LabelSet  # noqa: E402
from photo_tagger.core.preprocess import clip_pixels  # noqa: E402
from photo_tagger.core.tagging import decide, prepare, softmax  # noqa: E402
from photo_tagger.infra.model_store import ModelStore  # noqa: E402
from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder  # noqa: E402
from tests.fixture_models.checkpoints import heldout_shapes, shapes_clip  # noqa: E402
from tests.fixture_models.shapes import COLORS, SHAPES  # noqa: E402

THRESHOLDS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.3)
MAX_TAGS = (2, 5)


def main() -> None:
    with tempfile.TemporaryDirectory() as models_dir:
        model = ModelStore(Path(models_dir)).install_from_checkpoint(str(shapes_clip()), name="shapes")
        images, texts = OnnxImageEncoder(model), OnnxTextEncoder(model)
        data = heldout_shapes()
        embeddings = images.encode_images(np.stack([clip_pixels(im, model.preprocess_spec) for im, _, _ in data]))
        names = list(COLORS) + list(SHAPES)
        truth = [{color, shape} for _, color, shape in data]
        print(f"{len(data)} held-out photos, logit scale {model.logit_scale:.1f}, labels: {', '.join(names)}\n")
        print("| threshold | max tags | precision | recall | F1 |\n|---|---|---|---|---|")
        for threshold in THRESHOLDS:
            for max_tags in MAX_TAGS:
                labels = LabelSet(labels=tuple(Label(n) for n in names), threshold=threshold, max_tags=max_tags)
                decisions = decide(embeddings, prepare(labels, texts, model.logit_scale))
                tags = [{name for name, _ in d.tags} for d in decisions]
                hits = sum(len(t & g) for t, g in zip(tags, truth))
                precision = hits / max(sum(len(t) for t in tags), 1)
                recall = hits / sum(len(g) for g in truth)
                f1 = 2 * precision * recall / max(precision + recall, 1e-9)
                print(f"| {threshold} | {max_tags} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")
        other_rules(embeddings, prepare(LabelSet(labels=tuple(Label(n) for n in names)), texts, model.logit_scale),
                    names, truth)


def other_rules(embeddings, prepared, names, truth) -> None:
    """Rule families the app does not use, for comparison (no max_tags)."""
    sims = embeddings @ prepared.matrix.T
    probs = softmax(prepared.logit_scale * sims)
    z = (sims - sims.mean(1, keepdims=True)) / sims.std(1, keepdims=True)
    print("\n| rule | parameter | precision | recall | F1 |\n|---|---|---|---|---|")
    for ratio in (0.01, 0.1):
        _row("probability >= ratio x best", ratio, probs >= ratio * probs.max(1, keepdims=True), names, truth)
    for z0 in (0.5, 0.8, 1.0, 1.2):
        _row("cosine z-score over the labels >= z", z0, z >= z0, names, truth)


def _row(rule, parameter, mask, names, truth) -> None:
    tags = [{names[j] for j in np.nonzero(m)[0]} for m in mask]
    hits = sum(len(t & g) for t, g in zip(tags, truth))
    precision = hits / max(sum(len(t) for t in tags), 1)
    recall = hits / sum(len(g) for g in truth)
    print(f"| {rule} | {parameter} | {precision:.3f} | {recall:.3f} | "
          f"{2 * precision * recall / max(precision + recall, 1e-9):.3f} |")


if __name__ == "__main__":
    main()
