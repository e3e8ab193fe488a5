"""Images/s per model family on this machine, measured the way an install measures it (infra/model_costs.py).

Each family's ready model in Immich's layout (fixed batch of 1: the runtime feeds rows one by one, as with Immich's
own exports) is installed into a scratch store, then every repeat times each family once, in a rotated order, so
machine noise hits all alike; figures are medians over repeats. The models are the tests' random-weight fixtures:
tiny CLIP, SigLIP and multilingual (XLM-R text tower) models of small shape, plus a CLIP in OpenAI ViT-B/32's exact
shape (speed does not depend on the weights' values), exported here in Immich's layout.

    PYTHONPATH=. python benchmarks/bench_model_families.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.infra.model_costs import measure_speed  # noqa: E402
from photo_tagger.infra.model_store import ModelStore  # noqa: E402


def vit_b32_immich() -> Path:
    from tests.fixture_models.checkpoints import cached_model, vit_b32_clip
    from tests.fixture_models.immich_layout import SOURCES, write_immich_layout

    return cached_model("immich-vit-b32-random", lambda d: write_immich_layout(vit_b32_clip(), d), SOURCES)


def families() -> dict[str, Path]:
    from tests.fixture_models.immich_layout import tiny_immich
    from tests.fixture_models.mclip import mclip_immich
    from tests.fixture_models.siglip import siglip_immich

    return {"CLIP tiny (32 px, width 32)": tiny_immich(), "SigLIP tiny (32 px)": siglip_immich(),
            "Multilingual tiny (XLM-R text, tiny CLIP image)": mclip_immich(),
            "CLIP ViT-B/32 shape (224 px)": vit_b32_immich()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="each timed run lasts at least this long")
    parser.add_argument("--threads", type=int, default=0, help="0: one per core (the app's default)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    store = ModelStore(Path(tempfile.mkdtemp(prefix="bench-families-")))
    models = {family: store.install(str(folder), name=f"m{i}", agreement_check=False)
              for i, (family, folder) in enumerate(families().items())}
    rates: dict[str, list[float]] = {family: [] for family in models}
    names = list(models)
    load_before = loadavg()
    for repeat in range(args.repeats):
        for family in names[repeat % len(names):] + names[:repeat % len(names)]:
            speed = measure_speed(models[family], device="cpu", threads=args.threads, seconds=args.seconds,
                                  max_images=10_000)
            rates[family].append(speed["images_per_s"]["fp32"])
    report = {"cpu": cpu_name(), "threads": args.threads or "one per core", "repeats": args.repeats,
              "load_before": load_before, "load_after": loadavg(),
              "images_per_s": {f: {"median": statistics.median(r), "min": min(r), "max": max(r)}
                               for f, r in rates.items()}}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['cpu']}, threads {report['threads']}, load {load_before} -> {report['load_after']}")
    print("| family | images/s (median) | min-max |")
    print("|---|---|---|")
    for family, r in report["images_per_s"].items():
        print(f"| {family} | {r['median']:.1f} | {r['min']:.1f}-{r['max']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
