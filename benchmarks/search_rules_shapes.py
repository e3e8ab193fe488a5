"""The search rules of issue 15 §3 measured on the trained shapes CLIP (80 held-out photos, 5 per colour x shape):

1. minus terms: "a photo of a SHAPE -COLOR" for every shape and colour: photos of that colour left in the top 12,
   photos of the shape kept; "-WORD" for words the model does not know: photos left out (should be none);
2. a photo plus words (similar --plus COLOR): the top 4 should be the same shape in the wanted colour; the photo
   and the word combined as a plain normalised sum against each in its own spread over the library (the app's).

    PYTHONPATH=. python benchmarks/search_rules_shapes.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.app import App  # noqa: E402
from photo_tagger.cli.main import run  # noqa: E402
from photo_tagger.core import search_rank  # noqa: E402
from photo_tagger.core.labels import Label, LabelSet  # noqa: E402
from tests.fixture_models.checkpoints import heldout_shapes, shapes_clip  # noqa: E402
from tests.fixture_models.shapes import COLORS, SHAPES, caption  # noqa: E402

UNKNOWN = ("dog", "people", "car", "beach", "night", "tree")


def library(workdir: Path) -> tuple[Path, dict]:
    home, photos = workdir / "home", workdir / "photos"
    truth = {}
    if not (workdir / "truth.json").exists():
        photos.mkdir(parents=True)
        app = App.from_home(home)
        app.models.install_from_checkpoint(str(shapes_clip()), name="shapes", int8=True)
        app.update_settings(model="shapes")
        app.save_labels(LabelSet(labels=tuple(Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES)))
        app.close()
        for i, (image, color, shape) in enumerate(heldout_shapes(5 * len(COLORS) * len(SHAPES))):
            image.save(photos / f"{i:03d}.jpg", quality=92)
            truth[str(photos / f"{i:03d}.jpg")] = (color, shape)
        assert run(["--home", str(home), "index", str(photos)]) == 0
        (workdir / "truth.json").write_text(json.dumps(truth))
    return home, {p: tuple(c) for p, c in json.loads((workdir / "truth.json").read_text()).items()}


def minus_terms(app, truth) -> dict:
    before = after = kept = queries = 0
    unknown = dict.fromkeys(UNKNOWN, 0)
    for shape in SHAPES:
        for color in COLORS:
            base = app.search_service.search(f"a photo of a {shape}", limit=12, remember=False).hits
            minus = app.search_service.search(f"a photo of a {shape} -{color}", limit=12, remember=False).hits
            before += sum(truth[h.record.path][0] == color for h in base)
            after += sum(truth[h.record.path][0] == color for h in minus)
            kept += sum(truth[h.record.path][1] == shape for h in minus)
            queries += 1
        for word in UNKNOWN:
            unknown[word] += app.search_service.search(f"a photo of a {shape} -{word}", limit=12, remember=False).left_out
    return {"queries": queries, "that colour in the top 12, without the minus": before, "with it": after,
            "photos of the shape in the top 12 with it (mean)": round(kept / queries, 2),
            "left out by words the model does not know (4 queries each)": unknown}


def photo_plus_words(app, truth) -> dict:
    model = app.model_key()
    ids = app.catalog.filter_ids(model)
    paths = {r.id: r.path for r in app.catalog.get(ids).values()}
    vectors = app.catalog.vectors(model, ids)
    matrix = np.stack([vectors[i] for i in ids])
    labels = [truth[paths[i]] for i in ids]
    sample = app.search_service.calibration()[0]
    found = {"plain sum": [], "each in its own spread (the app)": []}
    for k in range(len(ids)):
        for color in COLORS:
            if color == labels[k][0]:
                continue
            both = np.stack([matrix[k], app.cached_text_encoder.encode_texts([color])[0]])
            for name, spread in (("plain sum", np.ones(2)),
                                 ("each in its own spread (the app)", search_rank.spreads(both, sample))):
                scores = matrix @ search_rank.combine(both, [1, 1], spread)
                top = [j for j in np.argsort(-scores) if j != k][:4]
                found[name].append(np.mean([labels[j] == (color, labels[k][1]) for j in top]))
    return {"pairs": len(found["plain sum"]),
            **{f"top-4 precision, {name}": round(float(np.mean(v)), 3) for name, v in found.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="search-rules-"))
    home, truth = library(workdir)
    app = App.from_home(home)
    try:
        print(json.dumps({"minus terms": minus_terms(app, truth), "photo plus words": photo_plus_words(app, truth)},
                         indent=1))
    finally:
        app.close()


if __name__ == "__main__":
    main()
