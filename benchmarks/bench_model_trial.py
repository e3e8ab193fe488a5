"""Trying a model (issue 14 §4): how long one writer slice of the trial takes, and the comparison after it.

The tiny model is in use (the library indexed with it); the ViT-B/32-shaped random model in Immich's layout is
tried. Measured on camera-like 12 MP JPEGs (benchmarks/make_corpus.py):
  - one slice: `encode_trial(limit=SLICE, seconds=SLICE_S)` as the window's TrialDriver runs it on the writer (read + hash +
    decode + encode + write, plus the bookkeeping: the catalog's records read once, which photos have a vector);
    a slice is what an index or a tag edit may wait behind;
  - the bookkeeping alone (`trial_state`) at this library size;
  - `compare` on the encoded photos (labels decided by both models, the recent searches run with both): the first
    repeat encodes the tried model's label prompts and background words, the next find them in the text cache.
Figures are medians over the slices of one trial (each slice encodes other photos), then over --repeats trials
(the trial's vectors are dropped between them).

    PYTHONPATH=. .venv/bin/python benchmarks/make_corpus.py /tmp/corpus --count 150
    PYTHONPATH=. .venv/bin/python benchmarks/bench_model_trial.py --corpus /tmp/corpus --repeats 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


class _Quiet:
    def started(self, total, what): pass

    def advanced(self, done, detail=""): pass

    def status(self, text): pass

    def finished(self): pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sample", type=int, default=500)
    args = ap.parse_args()

    from benchmarks.bench_model_families import vit_b32_immich
    from photo_tagger.app import App
    from photo_tagger.core.jobs import JobControl
    from photo_tagger.core.labels import default_label_set
    from photo_tagger.gui.model_trial_driver import SLICE, SLICE_S
    from tests.fixture_models.checkpoints import tiny_clip

    home = OUT / "trial-home"
    shutil.rmtree(home, ignore_errors=True)
    app = App.from_home(home)
    app.models.install_from_checkpoint(str(tiny_clip()), name="tiny", int8=False)
    app.models.install(str(vit_b32_immich()), name="vitb32", agreement_check=False)
    app.update_settings(model="tiny")
    app.save_labels(default_label_set())
    app.close()
    app = App.from_home(home)
    app.folder_service.add_folders([str(args.corpus)], _Quiet(), JobControl())
    for query in ("a dog on a beach", "a red car", "people at a party"):
        app.search_service.remember_search(query)
    photos = app.catalog.count_embedded(app.model_key())
    trials = app.model_trial_service
    slices, sizes, rates, states, compares = [], [], [], [], []
    for _ in range(args.repeats):
        trials.discard_trial("vitb32")
        while True:
            started = time.perf_counter()
            before = trials.trial_state("vitb32", args.sample)
            states.append(time.perf_counter() - started)
            if before.complete:
                break
            started = time.perf_counter()
            after = trials.encode_trial("vitb32", args.sample, limit=SLICE, seconds=SLICE_S)
            seconds = time.perf_counter() - started
            done = after.encoded - before.encoded
            slices.append(seconds)
            sizes.append(done)
            rates.append(done / seconds)
        started = time.perf_counter()
        comparison = trials.compare("vitb32", args.sample)
        compares.append(time.perf_counter() - started)
    result = {"photos": photos, "sample": comparison.photos, "slice_max_photos": SLICE, "slice_budget_s": SLICE_S,
              "repeats": args.repeats, "slices": len(slices), "slice_s_median": statistics.median(slices),
              "slice_s_max": max(slices), "slice_photos_median": statistics.median(sizes),
              "photos_per_s_median": statistics.median(rates),
              "trial_state_s_median": statistics.median(states),
              "compare_s_each_repeat": compares,  # the first with the tried model's text cache cold
              "searches": len(comparison.searches), "labels": len(comparison.labels)}
    app.close()
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_model_trial.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
