"""What checking a model's hashes costs at start: sha256 of the image encoder, and session creation with and
without the check (the app hashes the bytes it hands to onnxruntime, once per process per file).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_model_check.py MODELS_DIR [--name vitb32] [--repeats 5]

MODELS_DIR holds an installed ViT-B/32-shaped model (e.g. installed by bench_encoder.py, or
`ModelStore(MODELS_DIR).install_from_checkpoint(str(tests.fixture_models.checkpoints.vit_b32_clip()), name=...)`).
Files are in the page cache after the first repeat (what a restart sees); the first repeat is reported apart.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import onnxruntime as ort

from photo_tagger.infra.model_store import ModelStore, sha256_of


def _session(source) -> None:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models_dir", type=Path)
    parser.add_argument("--name", default="vitb32")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    model = ModelStore(args.models_dir).get(args.name)
    path = model.image_encoder_file("fp32")
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB")
    cases = {
        "sha256 of the file (model verify's way)": lambda: sha256_of(path),
        "read + sha256 into memory (read_verified)": lambda: model.read_verified(path.name),
        "session from the path, no check (before)": lambda: _session(str(path)),
        "read + sha256 + session from the bytes": lambda: _session(model.read_verified(path.name)),
        "sha256 + session from the path (now: check_file, then load)": lambda: (model.check_file(path.name),
                                                                                _session(str(path))),
    }
    for label, run in cases.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        rest = times[1:] or times
        print(f"| {label} | {times[0]:.2f} | {statistics.median(rest):.2f} | {min(rest):.2f} |")


if __name__ == "__main__":
    main()
