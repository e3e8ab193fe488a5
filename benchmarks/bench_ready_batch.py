"""What Immich's fixed batch of 1 costs: the same ViT-B/32-shaped (random) image tower exported with a fixed batch of
1 (as Immich's ready models are, which the app feeds row by row) and with a dynamic batch (the app's own export),
timed interleaved in one process on the CPU.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ready_batch.py [--out /tmp/bench-ready] [--threads 2] [--repeats 4]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort


def export(out: Path) -> None:
    if (out / "batch1.onnx").exists() and (out / "dynamic.onnx").exists():
        return
    import torch
    from transformers import CLIPModel

    from tests.fixture_models.checkpoints import vit_b32_clip

    model = CLIPModel.from_pretrained(vit_b32_clip()).eval()

    class Visual(torch.nn.Module):
        def forward(self, image):
            features = model.get_image_features(pixel_values=image).pooler_output
            return features / features.norm(dim=-1, keepdim=True)

    for name, example, dynamic in (("batch1.onnx", torch.zeros(1, 3, 224, 224), None),
                                   ("dynamic.onnx", torch.zeros(2, 3, 224, 224), ({0: torch.export.Dim("batch")},))):
        if (out / name).exists():
            continue
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(Visual().eval(), (example,), str(out / name), input_names=["image"],
                              output_names=["embedding_out"], dynamic_shapes=dynamic, opset_version=18,
                              dynamo=True, external_data=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-ready"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    export(args.out)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # as the app (onnx_clip.py)
    fixed = ort.InferenceSession(str(args.out / "batch1.onnx"), options, providers=["CPUExecutionProvider"])
    dynamic = ort.InferenceSession(str(args.out / "dynamic.onnx"), options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((args.batch, 3, 224, 224)).astype(np.float32)
    rows = np.concatenate([fixed.run(None, {"image": x[i:i + 1]})[0] for i in range(len(x))])
    print(f"max abs diff of the two: {float(np.abs(rows - dynamic.run(None, {'image': x})[0]).max()):.1e}")
    timings = {"fixed batch 1, row by row": [], f"dynamic batch {args.batch}": []}
    for _ in range(args.repeats):
        start = time.perf_counter()
        for i in range(len(x)):
            fixed.run(None, {"image": x[i:i + 1]})
        timings["fixed batch 1, row by row"].append(len(x) / (time.perf_counter() - start))
        start = time.perf_counter()
        dynamic.run(None, {"image": x})
        timings[f"dynamic batch {args.batch}"].append(len(x) / (time.perf_counter() - start))
    for what, values in timings.items():
        print(f"{what:28s} images/s median {statistics.median(values):5.1f}  ({', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
