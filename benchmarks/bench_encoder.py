"""Image encoder throughput, model only: torch (transformers CLIPModel) vs the onnxruntime engine, fp32 and int8.

Uses a random-weight checkpoint in the exact OpenAI ViT-B/32 shape (speed does not depend on weight values),
installs it once with the project's ModelStore (fp32 + int8 ONNX image encoders) and then, in one process,
times the three variants on the same pre-made pixel batches. Each repeat runs every variant once, in a rotated
order, so machine noise (this is often a shared machine) hits all of them alike; reported figures are medians
over repeats, and ratios are to torch measured in the same run.

    PYTHONPATH=. python benchmarks/bench_encoder.py --batch 16 --batches 3 --repeats 7
    PYTHONPATH=. python benchmarks/bench_encoder.py --quant-variants     # also int8 quantization options
    PYTHONPATH=. python benchmarks/bench_encoder.py --json               # machine-readable

--quant-variants re-quantizes the installed fp32 encoder with other onnxruntime options (quant_pre_process,
per_channel, reduce_range) into benchmarks/out/quant-variants/ and times each against the engine's int8 and
fp32 in the same interleaved way, with embedding cosines to fp32. It never changes the installed model.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.infra.model_store import ModelStore  # noqa: E402
from photo_tagger.infra.onnx_clip import OnnxImageEncoder, default_threads  # noqa: E402

MODEL_NAME = "vit-b32-random"
CLIP_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32).reshape(1, 3, 1, 1)
CLIP_STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32).reshape(1, 3, 1, 1)
PAUSE_S = 0.1  # between variants: lets spinning thread pools of the previous one go idle


def make_pixels(n_batches: int, batch: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """Image-like inputs: smooth random colour fields plus fine noise in [0,1], CLIP-normalized, NCHW float32."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(n_batches):
        coarse = rng.random((batch, 3, size // 16, size // 16), dtype=np.float32)
        img = np.repeat(np.repeat(coarse, 16, axis=2), 16, axis=3)
        img = np.clip(img + 0.08 * rng.standard_normal(img.shape, dtype=np.float32), 0.0, 1.0)
        batches.append(np.ascontiguousarray((img - CLIP_MEAN) / CLIP_STD, np.float32))
    return batches


def install(models_dir: Path):
    """The ViT-B/32-shaped random model with fp32 + int8 image encoders; reused when already installed."""
    store = ModelStore(models_dir)
    if MODEL_NAME in store.names():
        model = store.get(MODEL_NAME)
        model.check_files()
        if "int8" in model.precisions and Path(model.manifest.get("source", "")).is_dir():
            return model, False
    from tests.fixture_models.checkpoints import vit_b32_clip

    checkpoint = vit_b32_clip()
    return store.install_from_checkpoint(str(checkpoint), name=MODEL_NAME, int8=True, replace=True), True


def l2n(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float32)
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)


def cosines(a: np.ndarray, b: np.ndarray) -> dict:
    c = (l2n(a) * l2n(b)).sum(axis=1)
    return {"min": float(c.min()), "mean": float(c.mean())}


class TorchRunner:
    def __init__(self, checkpoint: str, threads: int):
        import torch
        from transformers import CLIPModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        torch.set_num_threads(threads)
        self.torch = torch
        self.model = CLIPModel.from_pretrained(checkpoint).eval()

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        with self.torch.inference_mode():
            out = self.model.get_image_features(pixel_values=self.torch.from_numpy(pixels))
        out = getattr(out, "pooler_output", out)  # transformers 5: a model output
        return l2n(out.numpy())


class SessionRunner:
    """A bare onnxruntime session with the engine's settings, for quantized variants not installed as models."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        return l2n(self.session.run(None, {"pixel_values": pixels})[0])


def run_all(fn, batches: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([fn(b) for b in batches])


def interleaved(runners: dict, batches: list[np.ndarray], repeats: int, warmup: int) -> dict[str, list[float]]:
    """images/s of each runner per repeat; each repeat runs all runners once, the order rotated per repeat."""
    names = list(runners)
    for _ in range(warmup):
        for name in names:
            runners[name](batches[0])
    n_images = sum(len(b) for b in batches)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            time.sleep(PAUSE_S)
            t0 = time.perf_counter()
            for b in batches:
                runners[name](b)
            rates[name].append(n_images / (time.perf_counter() - t0))
    return rates


def summarize(rates: dict[str, list[float]], baseline: str) -> dict:
    base = statistics.median(rates[baseline])
    out = {}
    for name, values in rates.items():
        med = statistics.median(values)
        # ratio per repeat too: both ran within seconds of each other, so this pairs away slow drifts
        paired = statistics.median(v / b for v, b in zip(values, rates[baseline]))
        out[name] = {
            "images_per_s_median": med,
            "images_per_s_min": min(values),
            "images_per_s_max": max(values),
            "ms_per_image_median": 1000.0 / med,
            f"ratio_to_{baseline}": med / base,
            f"paired_ratio_to_{baseline}_median": paired,
            "runs": values,
        }
    return out


# ---------------------------------------------------------------- int8 quantization options (finding only)

QUANT_VARIANTS = {
    # name: (pre_process, per_channel, reduce_range); "engine" is what model_export does today
    "engine (per-tensor)": None,
    "pre_process": (True, False, False),
    "per_channel": (False, True, False),
    "reduce_range": (False, False, True),
    "pre_process+per_channel": (True, True, False),
}


@contextlib.contextmanager
def _quiet():
    root = logging.getLogger()
    was, root.disabled = root.disabled, True
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        root.disabled = was


def build_quant_variants(model, out_dir: Path) -> dict[str, dict]:
    """Quantize the installed fp32 encoder with each option set (cached by the fp32 file's hash)."""
    from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic

    fp32 = model.image_encoder_file("fp32")
    key = model.manifest["files"]["image_fp32.onnx"]["sha256"][:12]
    folder = out_dir / key
    folder.mkdir(parents=True, exist_ok=True)
    built: dict[str, dict] = {}
    pre = folder / "image_fp32_pre.onnx"
    for name, opts in QUANT_VARIANTS.items():
        if opts is None:
            path = model.image_encoder_file("int8")
            built[name] = {"path": path, "build_s": None}
            continue
        use_pre, per_channel, reduce_range = opts
        path = folder / (name.replace("+", "_") + ".onnx")
        t0 = time.perf_counter()
        try:
            if use_pre and not pre.exists():
                with _quiet():
                    quant_pre_process(str(fp32), str(pre))
            if not path.exists():
                with _quiet():
                    quantize_dynamic(
                        pre if use_pre else fp32, path, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["MatMul", "Gemm"], per_channel=per_channel, reduce_range=reduce_range,
                    )
        except Exception as exc:  # report, do not abort the benchmark
            built[name] = {"path": None, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
            continue
        built[name] = {"path": path, "build_s": time.perf_counter() - t0}
    return built


def onnx_op_counts(path: Path) -> dict[str, int]:
    import onnx

    counts: dict[str, int] = {}
    for node in onnx.load(str(path), load_external_data=False).graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def quant_experiment(model, batches, fp32_out, threads, repeats, warmup, out_dir) -> dict:
    built = build_quant_variants(model, out_dir)
    runners = {"engine fp32": SessionRunner(model.image_encoder_file("fp32"), threads)}
    result: dict[str, dict] = {}
    for name, info in built.items():
        if info.get("path") is None:
            result[name] = {"error": info["error"]}
            continue
        runners[name] = SessionRunner(info["path"], threads)
        ops = onnx_op_counts(info["path"])
        result[name] = {
            "file_mb": info["path"].stat().st_size / 1e6,
            "build_s": info["build_s"],
            "cosine_to_fp32": cosines(run_all(runners[name], batches), fp32_out),
            "nodes": sum(ops.values()),
            "int8_matmuls": ops.get("MatMulInteger", 0) + ops.get("DynamicQuantizeMatMul", 0),
        }
    rates = interleaved(runners, batches, repeats, warmup)
    summary = summarize(rates, "engine fp32")
    for name in runners:
        result.setdefault(name, {}).update(summary[name])
    return result


# ---------------------------------------------------------------- main


def fmt_table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=16, help="images per batch (default 16)")
    p.add_argument("--batches", type=int, default=3, help="distinct pixel batches timed per repeat (default 3)")
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per variant (default 7)")
    p.add_argument("--warmup", type=int, default=1, help="untimed batches per variant first (default 1)")
    p.add_argument("--threads", type=int, default=0, help="threads for torch and onnxruntime (0 = cores usable)")
    p.add_argument("--models-dir", type=Path, default=HERE / "out" / "models")
    p.add_argument("--quant-variants", action="store_true", help="also time int8 quantization options")
    p.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    p.add_argument("--save-json", type=Path, help="also write the JSON to this file")
    args = p.parse_args(argv)

    import onnxruntime as ort
    import torch
    import transformers

    threads = args.threads or default_threads()
    meta = {
        "cpu": cpu_name(), "cores_usable": default_threads(), "threads": threads, "batch": args.batch,
        "batches_per_repeat": args.batches, "repeats": args.repeats, "warmup_batches": args.warmup,
        "loadavg_start": loadavg(), "python": platform.python_version(), "torch": torch.__version__,
        "transformers": transformers.__version__, "onnxruntime": ort.__version__,
    }
    t0 = time.perf_counter()
    model, installed_now = install(args.models_dir)
    meta["install_s"] = round(time.perf_counter() - t0, 1) if installed_now else "reused"
    meta["model"] = str(model.path)
    checkpoint = model.manifest["source"]

    size = int(model.manifest["image_size"])
    batches = make_pixels(args.batches, args.batch, size)
    runners = {
        "torch": TorchRunner(checkpoint, threads),
        "engine fp32": OnnxImageEncoder(model, device="cpu", precision="fp32", threads=threads).encode_images,
        "engine int8": OnnxImageEncoder(model, device="cpu", precision="int8", threads=threads).encode_images,
    }
    outs = {name: run_all(fn, batches) for name, fn in runners.items()}  # also the first warm-up
    fidelity = {
        "fp32_vs_torch_max_abs_diff": float(np.abs(outs["engine fp32"] - outs["torch"]).max()),
        "int8_vs_fp32_cosine": cosines(outs["engine int8"], outs["engine fp32"]),
        "int8_vs_torch_cosine": cosines(outs["engine int8"], outs["torch"]),
        "images": len(outs["torch"]),
    }
    rates = interleaved(runners, batches, args.repeats, args.warmup)
    results = summarize(rates, "torch")
    quant = None
    if args.quant_variants:
        quant = quant_experiment(model, batches, outs["engine fp32"], threads, args.repeats, args.warmup,
                                 args.models_dir.parent / "quant-variants")
    meta["loadavg_end"] = loadavg()
    meta["total_s"] = round(time.perf_counter() - t0, 1)

    report = json.dumps({"meta": meta, "results": results, "fidelity": fidelity, "quant_variants": quant},
                        indent=2, default=str)
    if args.save_json:
        args.save_json.parent.mkdir(parents=True, exist_ok=True)
        args.save_json.write_text(report + "\n", encoding="utf-8")
    if args.json:
        print(report)
        return 0

    print(f"CPU {meta['cpu']}, {meta['cores_usable']} cores usable, {threads} threads; "
          f"batch {args.batch} x {args.batches} batches per repeat, {args.repeats} repeats, interleaved; "
          f"load average {meta['loadavg_start']} -> {meta['loadavg_end']}; "
          f"torch {meta['torch']}, transformers {meta['transformers']}, onnxruntime {meta['onnxruntime']}\n")
    rows = [[name, f"{r['images_per_s_median']:.1f}", f"{r['images_per_s_min']:.1f}-{r['images_per_s_max']:.1f}",
             f"{r['ms_per_image_median']:.1f}", f"{r['ratio_to_torch']:.2f}x",
             f"{r['paired_ratio_to_torch_median']:.2f}x"] for name, r in results.items()]
    print(fmt_table(rows, ["variant", "images/s (median)", "min-max", "ms/image", "vs torch (medians)",
                           "vs torch (paired, median)"]))
    c, ct = fidelity["int8_vs_fp32_cosine"], fidelity["int8_vs_torch_cosine"]
    print(f"\nFidelity on the same {fidelity['images']} inputs: engine fp32 vs torch max abs diff "
          f"{fidelity['fp32_vs_torch_max_abs_diff']:.1e} (normalized embeddings); int8 vs fp32 cosine "
          f"min {c['min']:.5f} / mean {c['mean']:.5f}; int8 vs torch min {ct['min']:.5f} / mean {ct['mean']:.5f}")
    if quant:
        print("\nint8 quantization options (quantize_dynamic, QInt8 weights, MatMul/Gemm), same inputs, "
              "interleaved with the engine's fp32:\n")
        qrows = []
        for name, r in quant.items():
            if "error" in r:
                qrows.append([name, "failed: " + r["error"], "", "", "", ""])
                continue
            cos = r.get("cosine_to_fp32")
            qrows.append([
                name, f"{r['images_per_s_median']:.1f}", f"{r['paired_ratio_to_engine fp32_median']:.2f}x",
                f"{cos['min']:.5f} / {cos['mean']:.5f}" if cos else "(reference)",
                f"{r['file_mb']:.0f}" if "file_mb" in r else "", str(r.get("int8_matmuls", "")),
            ])
        print(fmt_table(qrows, ["variant", "images/s (median)", "vs fp32 (paired)", "cosine to fp32 min / mean",
                                "MB", "int8 MatMuls"]))
    print(f"\n(total {meta['total_s']} s; model install: {meta['install_s']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
