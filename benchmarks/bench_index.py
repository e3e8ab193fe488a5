"""End-to-end indexing: `photo-tagger index` throughput, peak RSS, and the re-scan of an unchanged 10k library.

What one run measures (all on the machine it runs on, intra-op threads = the cores this process may use):

1. Throughput of `photo-tagger --home HOME index CORPUS --json` on camera-like 12 MP JPEGs with the
   ViT-B/32-shaped random model, fp32 and int8 (settings.toml `precision`), each run from an empty library
   (the library folder is deleted before each run; the installed model is the same). Against, in the same
   run, on the same files:
     - "the seeds' way": transformers CLIPImageProcessorPil on a full PIL decode + torch
       CLIPModel.get_image_features, batch 16, on the first --seeds-count files;
     - the engine's model-only rate: OnnxImageEncoder on random (16,3,224,224) batches, fp32 and int8.
   Each repeat runs every variant once in a rotated order (a shared machine's noise hits all alike); figures
   are medians over repeats, ratios are ratios of medians (and medians of per-repeat ratios).
   photos/s = photos / the report's `seconds` (scan + decode + encode + write; what the CLI prints);
   the command's wall time (python start, imports, model load) is reported beside it.
2. Peak RSS of each index process: exact (GNU time's max RSS) and sampled with psutil every 50 ms.
   CPU seconds (user + system) of every variant are recorded too: on a shared machine the wall-clock rate
   depends on how much of the cores the run got, CPU per photo much less.
3. Re-scan of an unchanged library of --rescan-files tiny PNGs (16x16, all different) with the tiny model:
   indexed once from empty, then `photo-tagger index ROOT` again (nothing changed): wall time of the whole
   command, and of the in-process `Indexer.index` call (App opened before timing), interleaved, median of
   --repeats. Plus a breakdown of the in-process call (walk, catalog read, diff) and the CLI's start-up
   floor (`photo-tagger --version`).

    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_index.py --corpus /tmp/corpus --count 200 --repeats 3
    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_index.py --skip-e2e --profile   # only the re-scan, profiled

Models are installed once per home with `photo-tagger model install` (ViT-B/32-shaped: about a minute) and
reused; homes live under benchmarks/out/ (gitignored). Results also go to benchmarks/out/bench_index.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.config import AppPaths, Settings  # noqa: E402
from photo_tagger.infra.model_store import ModelStore  # noqa: E402

OUT = HERE / "out"
VIT_NAME = "vitb32"
TINY_NAME = "tiny"
PAUSE_S = 0.5  # between variants: lets the previous one's spinning thread pools go idle
GIB = 1024 ** 3
MIB = 1024 ** 2

TARGETS = {
    "fp32_vs_seeds": 5.0,
    "fp32_vs_model_only": 0.75,
    "int8_vs_seeds": 10.0,
    "peak_rss_bytes": 1.5e9,
    "rescan_s": 3.0,
}


# ---------------------------------------------------------------- machine

def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def med(values):
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------- the CLI as a subprocess

def cli() -> list[str]:
    script = Path(sys.executable).with_name("photo-tagger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "photo_tagger"]


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_measured(args: list[str], sample_s: float = 0.05) -> dict:
    """Run a command; wall time, exit code, stdout, exact peak RSS (wait4) and psutil-sampled peak RSS."""
    import psutil

    out_path = OUT / f".bench_index-{os.getpid()}.out"
    rss_path = out_path.with_suffix(".rss")
    # ru_maxrss of a child we spawn also counts the pre-exec copy of this (large) process, so the exact peak
    # comes from /usr/bin/time, whose own child starts from a small process.
    timer = ["/usr/bin/time", "-f", "%M", "-o", str(rss_path)] if os.path.exists("/usr/bin/time") else []
    with open(out_path, "wb") as out, open(out_path.with_suffix(".err"), "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(timer + args, stdout=out, stderr=err, env=cli_env())
        stop = threading.Event()
        peak = [0]

        def sample():
            try:
                p = psutil.Process(proc.pid)
                while not stop.is_set():
                    rss = p.memory_info().rss
                    for child in p.children(recursive=True):
                        try:
                            rss += child.memory_info().rss
                        except psutil.Error:
                            pass
                    peak[0] = max(peak[0], rss)
                    stop.wait(sample_s)
            except psutil.Error:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    stderr = out_path.with_suffix(".err").read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    out_path.with_suffix(".err").unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{stdout[-2000:]}\n{stderr[-4000:]}")
    maxrss = None
    if timer:
        maxrss = int(rss_path.read_text().strip().splitlines()[-1]) * 1024  # GNU time: KiB
        rss_path.unlink()
    return {"wall_s": wall, "stdout": stdout, "stderr": stderr,
            "maxrss_bytes": maxrss if maxrss is not None else peak[0],
            "sampled_peak_rss_bytes": peak[0],
            "cpu_s": usage.ru_utime + usage.ru_stime}  # the command's user + system CPU, its children included


def index_cmd(home: Path, folder: Path) -> list[str]:
    return cli() + ["--home", str(home), "index", str(folder), "--json"]


def fresh_library(home: Path) -> None:
    shutil.rmtree(AppPaths.resolve(home).library_dir, ignore_errors=True)


def write_settings(home: Path, **values) -> None:
    paths = AppPaths.resolve(home)
    Settings(**values).save(paths.settings_file)


def run_index(home: Path, folder: Path, expect_new: int | None = None, expect_unchanged: int | None = None) -> dict:
    m = run_measured(index_cmd(home, folder))
    report = json.loads(m["stdout"])
    if report["skipped"] or report["cancelled"]:
        raise RuntimeError(f"index run skipped/cancelled files: {report['skipped_files'][:5]}")
    if expect_new is not None and report["new"] != expect_new:
        raise RuntimeError(f"expected {expect_new} new photos, report says {report['new']}")
    if expect_unchanged is not None and (report["unchanged"] != expect_unchanged or report["new"]):
        raise RuntimeError(f"expected {expect_unchanged} unchanged, report: {report}")
    m["report"] = report
    return m


# ---------------------------------------------------------------- corpus and models

def photo_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg") and p.is_file())


def ensure_corpus(corpus: Path, count: int) -> tuple[Path, list[Path]]:
    """A folder holding exactly `count` corpus JPEGs: the corpus itself, or a view of hard links (symlinks)."""
    files = photo_files(corpus) if corpus.is_dir() else []
    if len(files) < count:
        print(f"making {count} camera-like JPEGs in {corpus} (about 0.5 s/file/core)...", flush=True)
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), str(corpus), "--count", str(count)],
                       check=True, env=cli_env())
        files = photo_files(corpus)
    if len(files) == count:
        return corpus, files
    view = OUT / f"corpus-view-{count}"
    shutil.rmtree(view, ignore_errors=True)
    view.mkdir(parents=True)
    for f in files[:count]:
        try:
            os.link(f, view / f.name)
        except OSError:
            os.symlink(f, view / f.name)
    return view, photo_files(view)


def warm_page_cache(files: list[Path]) -> int:
    total = 0
    for f in files:
        total += len(f.read_bytes())
    return total


def ensure_model(home: Path, name: str, checkpoint: Path, int8: bool) -> None:
    store = ModelStore(AppPaths.resolve(home).models_dir)
    if name in store.names():
        model = store.get(name)
        try:
            model.check_files()
            if not int8 or "int8" in model.precisions:
                return
        except Exception as exc:  # damaged: reinstall
            print(f"reinstalling {name}: {exc}", flush=True)
    print(f"installing {name} from {checkpoint} into {home} ...", flush=True)
    t0 = time.perf_counter()
    cmd = cli() + ["--home", str(home), "model", "install", str(checkpoint), "--name", name, "--replace"]
    subprocess.run(cmd + (["--int8"] if int8 else []), check=True, env=cli_env())
    print(f"  installed in {time.perf_counter() - t0:.0f} s", flush=True)


# ---------------------------------------------------------------- in-process baselines

class SeedsWay:
    """transformers CLIPImageProcessorPil on a full PIL decode + torch CLIPModel.get_image_features."""

    def __init__(self, checkpoint: Path, threads: int, batch: int):
        import torch
        from transformers import CLIPModel
        from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        torch.set_num_threads(threads)
        self.torch = torch
        self.batch = batch
        self.processor = CLIPImageProcessorPil.from_pretrained(str(checkpoint))
        self.model = CLIPModel.from_pretrained(str(checkpoint)).eval()

    def run(self, files: list[Path]) -> np.ndarray:
        from PIL import Image

        out = []
        for start in range(0, len(files), self.batch):
            images = []
            for f in files[start:start + self.batch]:
                with Image.open(f) as im:
                    images.append(im.convert("RGB"))  # full decode of the 12 MP JPEG
            pixels = self.processor(images=images, return_tensors="pt")["pixel_values"]
            with self.torch.inference_mode():
                feats = self.model.get_image_features(pixel_values=pixels)
            feats = getattr(feats, "pooler_output", feats)  # transformers 5 returns a model output
            out.append(feats.numpy())
        return np.concatenate(out)


class ModelOnly:
    """The engine's OnnxImageEncoder on pre-made random batches (no decode, no store)."""

    def __init__(self, home: Path, name: str, precision: str, batches: list[np.ndarray]):
        from photo_tagger.infra.onnx_clip import OnnxImageEncoder

        model = ModelStore(AppPaths.resolve(home).models_dir).get(name)
        self.encoder = OnnxImageEncoder(model, device="cpu", precision=precision)
        self.batches = batches
        self.encoder.encode_images(batches[0])  # session creation + warm-up, untimed

    def run(self) -> None:
        for b in self.batches:
            self.encoder.encode_images(b)


# ---------------------------------------------------------------- part 1 + 2: throughput and RSS

def bench_throughput(args, corpus_dir: Path, files: list[Path], home: Path) -> dict:
    from tests.fixture_models.checkpoints import vit_b32_clip

    checkpoint = vit_b32_clip()
    ensure_model(home, VIT_NAME, checkpoint, int8=True)
    n = len(files)
    seed_files = files[: args.seeds_count]
    print(f"warming the page cache: {warm_page_cache(files) / MIB:.0f} MiB", flush=True)

    threads = cores()
    seeds = SeedsWay(checkpoint, threads, args.batch)
    seeds.run(seed_files[: args.batch])  # warm-up (first-call allocations), untimed
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((args.batch, 3, 224, 224), dtype=np.float32) for _ in range(args.model_batches)]
    model_only = {p: ModelOnly(home, VIT_NAME, p, batches) for p in ("fp32", "int8")}
    n_model = args.batch * args.model_batches

    variants = ("seeds", "fp32", "int8", "model_fp32", "model_int8") + (("fp32_fast", "int8_fast") if args.fast_decode else ())
    runs: dict[str, list[dict]] = {k: [] for k in variants}

    def do(name: str) -> None:
        time.sleep(PAUSE_S)
        if name == "seeds":
            c0, t0 = time.process_time(), time.perf_counter()
            seeds.run(seed_files)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            runs[name].append({"seconds": dt, "rate": len(seed_files) / dt, "cpu_s": cpu,
                               "cpu_ms_per_photo": 1000 * cpu / len(seed_files)})
        elif name.startswith("model_"):
            c0, t0 = time.process_time(), time.perf_counter()
            model_only[name[6:]].run()
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            runs[name].append({"seconds": dt, "rate": n_model / dt, "cpu_s": cpu,
                               "cpu_ms_per_photo": 1000 * cpu / n_model})
        else:
            fresh_library(home)
            write_settings(home, model=VIT_NAME, precision=name.split("_")[0], batch_size=args.batch,
                           fast_decode=name.endswith("_fast"))
            m = run_index(home, corpus_dir, expect_new=n)
            seconds = m["report"]["seconds"]
            runs[name].append({"seconds": seconds, "rate": n / seconds, "wall_s": m["wall_s"],
                               "wall_rate": n / m["wall_s"], "cpu_s": m["cpu_s"],
                               "cpu_ms_per_photo": 1000 * m["cpu_s"] / n,  # whole command, start-up included
                               "maxrss_bytes": m["maxrss_bytes"], "sampled_peak_rss_bytes": m["sampled_peak_rss_bytes"]})
        r = runs[name][-1]
        extra = f", wall {r['wall_s']:.1f} s, peak RSS {r['maxrss_bytes'] / MIB:.0f} MiB" if "wall_s" in r else ""
        print(f"  {name:<11} {r['rate']:7.2f} /s ({r['seconds']:.1f} s{extra}; {r['cpu_ms_per_photo']:.0f} CPU-ms/photo)"
              f" load {loadavg()}", flush=True)

    names = list(runs)
    for rep in range(args.repeats):
        order = names[rep % len(names):] + names[: rep % len(names)]
        print(f"repeat {rep + 1}/{args.repeats}: {', '.join(order)}", flush=True)
        for name in order:
            do(name)

    rate = {k: med([r["rate"] for r in v]) for k, v in runs.items()}
    cpu_ms = {k: med([r["cpu_ms_per_photo"] for r in v]) for k, v in runs.items()}

    def paired(a: str, b: str) -> float:
        return med([x["rate"] / y["rate"] for x, y in zip(runs[a], runs[b])])

    return {
        "photos": n, "seeds_photos": len(seed_files), "model_only_images": n_model, "batch": args.batch,
        "threads": threads, "runs": runs, "rate_median": rate, "cpu_ms_per_photo_median": cpu_ms,
        "wall_rate_median": {k: med([r["wall_rate"] for r in runs[k]]) for k in ("fp32", "int8")},
        "fast_decode_vs_seeds": {k: (rate[k] / rate["seeds"], paired(k, "seeds")) for k in runs if k.endswith("_fast")},
        "fast_decode_vs_model_only": {k: rate[k] / rate[f"model_{k[:4]}"] for k in runs if k.endswith("_fast")},
        "ratios": {
            "fp32_vs_seeds": rate["fp32"] / rate["seeds"], "fp32_vs_seeds_paired": paired("fp32", "seeds"),
            "int8_vs_seeds": rate["int8"] / rate["seeds"], "int8_vs_seeds_paired": paired("int8", "seeds"),
            "fp32_vs_model_only": rate["fp32"] / rate["model_fp32"],
            "fp32_vs_model_only_paired": paired("fp32", "model_fp32"),
            "int8_vs_model_only": rate["int8"] / rate["model_int8"],
            "int8_vs_model_only_paired": paired("int8", "model_int8"),
        },
        "peak_rss_bytes": {p: max(r["maxrss_bytes"] for r in runs[p]) for p in ("fp32", "int8")},
        "sampled_peak_rss_bytes": {p: max(r["sampled_peak_rss_bytes"] for r in runs[p]) for p in ("fp32", "int8")},
    }


# ---------------------------------------------------------------- part 3: re-scan of an unchanged library

def make_tiny_tree(root: Path, n: int, per_folder: int = 100) -> None:
    """n different 16x16 PNGs in folders of `per_folder`; reused when a previous run completed it."""
    from PIL import Image

    marker = root / f".complete-{n}"
    if marker.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    for i in range(n):
        folder = root / f"d{i // per_folder:04d}"
        if i % per_folder == 0:
            folder.mkdir(parents=True)
        colour = (i % 256, (i // 256) % 256, (i * 7) % 256)
        Image.new("RGB", (16, 16), colour).save(folder / f"img_{i:05d}.png")
    marker.write_text("")
    print(f"made {n} tiny PNGs in {root} in {time.perf_counter() - t0:.1f} s", flush=True)


def bench_rescan(args, home: Path, root: Path) -> dict:
    from photo_tagger.app import App
    from photo_tagger.core.scan import diff_against_catalog, walk_photos
    from tests.fixture_models.checkpoints import tiny_clip

    ensure_model(home, TINY_NAME, tiny_clip(), int8=False)
    write_settings(home, model=TINY_NAME)
    make_tiny_tree(root, args.rescan_files)
    root = root.resolve()
    n = args.rescan_files

    fresh_library(home)
    print(f"first index of {n} tiny files (tiny model) ...", flush=True)
    first = run_index(home, root, expect_new=n)
    print(f"  {first['wall_s']:.1f} s wall, report {first['report']['seconds']:.1f} s "
          f"({n / first['report']['seconds']:.0f} files/s)", flush=True)

    version = [run_measured(cli() + ["--version"])["wall_s"] for _ in range(args.repeats)]
    cli_runs, inproc, first_call = [], [], []
    for rep in range(args.repeats):
        time.sleep(PAUSE_S)
        m = run_index(home, root, expect_unchanged=n)
        cli_runs.append({"wall_s": m["wall_s"], "report_s": m["report"]["seconds"], "maxrss_bytes": m["maxrss_bytes"]})
        time.sleep(PAUSE_S)
        app = App.from_home(home)
        try:
            indexer = app.indexer  # opens catalog + Chroma + collection: not part of the timed call
            t0 = time.perf_counter()
            report = indexer.index([str(root)])
            dt = time.perf_counter() - t0
            if report.unchanged != n or report.new or report.removed:
                raise RuntimeError(f"in-process re-scan was not a no-op: {report.as_dict()}")
            inproc.append(dt)
            t0 = time.perf_counter()  # a second call in the same process (warm Python objects)
            indexer.index([str(root)])
            first_call.append(time.perf_counter() - t0)
        finally:
            app.close()
        print(f"  re-scan {rep + 1}: command {m['wall_s']:.2f} s (report {m['report']['seconds']:.2f} s), "
              f"in-process Indexer.index {dt:.2f} s, again {first_call[-1]:.2f} s; load {loadavg()}", flush=True)

    # Where the in-process time goes (each step alone, medians).
    app = App.from_home(home)
    try:
        indexer = app.indexer
        steps = {"walk (os.scandir + stat)": [], "catalog.records(root)": [], "diff_against_catalog": [],
                 "recover() (journal check)": []}
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            on_disk = list(walk_photos(str(root), skip_dirs=indexer.skip_dirs))
            t1 = time.perf_counter()
            known = app.catalog.records(str(root))
            t2 = time.perf_counter()
            diff_against_catalog(on_disk, known)
            t3 = time.perf_counter()
            indexer.recover()
            t4 = time.perf_counter()
            for key, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                steps[key].append(dt)
        profile_text = None
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            indexer.index([str(root)])
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(18)
            profile_text = buf.getvalue()
    finally:
        app.close()

    return {
        "files": n, "root": str(root),
        "first_index": {"wall_s": first["wall_s"], "report_s": first["report"]["seconds"],
                        "maxrss_bytes": first["maxrss_bytes"]},
        "cli_runs": cli_runs, "cli_wall_s_median": med([r["wall_s"] for r in cli_runs]),
        "cli_report_s_median": med([r["report_s"] for r in cli_runs]),
        "inprocess_s": inproc, "inprocess_s_median": med(inproc),
        "inprocess_second_call_s_median": med(first_call),
        "cli_version_wall_s_median": med(version),
        "breakdown_s_median": {k: med(v) for k, v in steps.items()},
        "profile": profile_text,
    }


# ---------------------------------------------------------------- report

def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_tables(result: dict) -> None:
    m = result["machine"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores usable, load before {m['load_before']}, after {m['load_after']}")
    tp = result.get("throughput")
    if tp:
        r, q, c = tp["rate_median"], tp["ratios"], tp["cpu_ms_per_photo_median"]
        print(f"\n| what | photos/s (median of {len(tp['runs']['fp32'])}) | CPU-ms/photo | ratio | target |")
        print("|---|---|---|---|---|")
        print(f"| seeds' way: CLIPImageProcessorPil + torch CLIPModel, full decode, batch {tp['batch']} "
              f"({tp['seeds_photos']} files) | {r['seeds']:.2f} | {c['seeds']:.0f} | 1.0 | - |")
        print(f"| `photo-tagger index`, fp32, empty library ({tp['photos']} files) | {r['fp32']:.2f} | {c['fp32']:.0f} | "
              f"{q['fp32_vs_seeds']:.1f}x seeds (paired {q['fp32_vs_seeds_paired']:.1f}x) | >= 5x: "
              f"{verdict(q['fp32_vs_seeds'] >= TARGETS['fp32_vs_seeds'])} |")
        print(f"| `photo-tagger index`, int8, empty library ({tp['photos']} files) | {r['int8']:.2f} | {c['int8']:.0f} | "
              f"{q['int8_vs_seeds']:.1f}x seeds (paired {q['int8_vs_seeds_paired']:.1f}x) | >= 10x: "
              f"{verdict(q['int8_vs_seeds'] >= TARGETS['int8_vs_seeds'])} |")
        print(f"| model only, OnnxImageEncoder fp32, random ({tp['batch']},3,224,224) | {r['model_fp32']:.2f} | "
              f"{c['model_fp32']:.0f} | "
              f"index fp32 = {q['fp32_vs_model_only']:.0%} of it (paired {q['fp32_vs_model_only_paired']:.0%}) | "
              f">= 75%: {verdict(q['fp32_vs_model_only'] >= TARGETS['fp32_vs_model_only'])} |")
        print(f"| model only, OnnxImageEncoder int8 | {r['model_int8']:.2f} | {c['model_int8']:.0f} | index int8 = "
              f"{q['int8_vs_model_only']:.0%} of it (paired {q['int8_vs_model_only_paired']:.0%}) | - |")
        for k, (ratio, paired_ratio) in tp.get("fast_decode_vs_seeds", {}).items():
            target = TARGETS["fp32_vs_seeds" if k.startswith("fp32") else "int8_vs_seeds"]
            print(f"| `photo-tagger index`, {k[:4]}, setting `fast_decode = true` | {r[k]:.2f} | {c[k]:.0f} | "
                  f"{ratio:.1f}x seeds (paired {paired_ratio:.1f}x), {tp['fast_decode_vs_model_only'][k]:.0%} of "
                  f"model only | >= {target:.0f}x: {verdict(ratio >= target)} |")
        wr = tp["wall_rate_median"]
        print(f"| (index, whole command incl. start-up and model load: fp32 / int8) | {wr['fp32']:.2f} / "
              f"{wr['int8']:.2f} | | | |")
        rss = tp["peak_rss_bytes"]
        print(f"| peak RSS of the index process, fp32 (int8), max of runs | {rss['fp32'] / MIB:.0f} MiB "
              f"({rss['int8'] / MIB:.0f} MiB); psutil-sampled {tp['sampled_peak_rss_bytes']['fp32'] / MIB:.0f} MiB"
              f" | | | < 1.5 GB: {verdict(rss['fp32'] < TARGETS['peak_rss_bytes'])} |")
        print("\nCPU-ms/photo: user+system CPU per photo (index: whole command incl. start-up); less load-dependent "
              "than photos/s on a shared machine.")
    rs = result.get("rescan")
    if rs:
        print(f"\n| re-scan, {rs['files']} unchanged files | seconds (median of {len(rs['cli_runs'])}) | target |")
        print("|---|---|---|")
        print(f"| `photo-tagger index ROOT`, whole command (wall) | {rs['cli_wall_s_median']:.2f} | < 3 s: "
              f"{verdict(rs['cli_wall_s_median'] < TARGETS['rescan_s'])} |")
        print(f"| in-process `Indexer.index` (fresh App each time) | {rs['inprocess_s_median']:.2f} | < 3 s: "
              f"{verdict(rs['inprocess_s_median'] < TARGETS['rescan_s'])} |")
        print(f"| in-process, second call in the same process | {rs['inprocess_second_call_s_median']:.2f} | |")
        print(f"| the command's own report `seconds` | {rs['cli_report_s_median']:.2f} | |")
        print(f"| CLI start-up floor (`photo-tagger --version`) | {rs['cli_version_wall_s_median']:.2f} | |")
        for k, v in rs["breakdown_s_median"].items():
            print(f"| step: {k} | {v:.3f} | |")
        fi = rs["first_index"]
        print(f"| (first index from empty, tiny model: wall / report) | {fi['wall_s']:.1f} / {fi['report_s']:.1f} | |")
        if rs.get("profile"):
            print("\ncProfile of one in-process re-scan (cumulative):\n" + rs["profile"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/corpus"),
                    help="folder of camera-like JPEGs (made with make_corpus.py when it has fewer than --count)")
    ap.add_argument("--count", type=int, default=200, help="photos to index per run (default 200)")
    ap.add_argument("--home", type=Path, default=OUT / "index-home",
                    help="Photo Tagger home for the ViT-B/32 runs; the tiny-model home is HOME-tiny")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seeds-count", type=int, default=48, help="files for the seeds' way (default 48)")
    ap.add_argument("--model-batches", type=int, default=3, help="random batches for the model-only rate")
    ap.add_argument("--rescan-files", type=int, default=10_000)
    ap.add_argument("--rescan-root", type=Path, default=Path("/tmp/photo-tagger-rescan"))
    ap.add_argument("--skip-e2e", action="store_true", help="only the re-scan part")
    ap.add_argument("--fast-decode", action="store_true", help="also index with the fast_decode setting")
    ap.add_argument("--skip-rescan", action="store_true", help="only throughput and RSS")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process re-scan")
    ap.add_argument("--json-out", type=Path, default=OUT / "bench_index.json")
    args = ap.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    home = args.home.resolve()
    started = time.perf_counter()
    result: dict = {"machine": {"cpu": cpu_name(), "cores": cores(), "python": platform.python_version(),
                                "load_before": loadavg()}}
    try:
        import onnxruntime
        import torch
        import transformers

        result["machine"]["versions"] = {"onnxruntime": onnxruntime.__version__, "torch": torch.__version__,
                                         "transformers": transformers.__version__}
    except ImportError:
        pass
    if not args.skip_e2e:
        corpus_dir, files = ensure_corpus(args.corpus, args.count)
        result["corpus"] = {"dir": str(corpus_dir), "files": len(files),
                            "bytes": sum(f.stat().st_size for f in files)}
        result["throughput"] = bench_throughput(args, corpus_dir, files, home)
    if not args.skip_rescan:
        result["rescan"] = bench_rescan(args, Path(str(home) + "-tiny"), args.rescan_root)
    result["machine"]["load_after"] = loadavg()
    result["total_s"] = time.perf_counter() - started
    print_tables(result)
    print(f"\ntotal {result['total_s']:.0f} s; JSON in {args.json_out}")
    args.json_out.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
