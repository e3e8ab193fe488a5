"""Old against new, in one run: indexing, search, and the indexes' catch-up from the catalog (issue 23 §2).

Wall times on a shared machine swing with other jobs' load; the CPU figures (user + system) much less.
Each repeat runs both trees (PYTHONPATH=OLD and PYTHONPATH=NEW, rotated order) in fresh processes on the same
photos and the same installed tiny model, each from an empty library:

- index: `photo-tagger index PHOTOS --json`, the report's seconds (scan, decode, encode, Chroma + catalog writes)
  and the CPU seconds of the whole command;
- search: `App.search_service.search` (older trees: `services.search.search`) in the opened app, median of --queries text queries (matrix warm), and CPU
  ms per query;
- restore: the embedded `chroma/` deleted, then the next open's catch-up from the catalog (App.vector_store);
- recover: every photo journaled as a killed run leaves it, then `Indexer.recover` (catch-up from the catalog).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_vectors_ab.py --old /work/main --new . --photos 400 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, shutil, subprocess, sys, time
from pathlib import Path
home, photos, queries = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
out = {}
def children_cpu():
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime
cpu = children_cpu()
run = subprocess.run([sys.executable, "-m", "photo_tagger", "--home", str(home), "index", photos, "--json"],
                     capture_output=True, text=True, check=True)
out["index_s"] = json.loads(run.stdout)["seconds"]
out["index_cpu_s"] = children_cpu() - cpu  # the whole command, start-up included
from photo_tagger.app import App
app = App.from_home(home)
if hasattr(App, "search_service"):  # the tree's search is a service the app builds
    search = app.search_service.search
else:  # an older tree: a function of the app
    from photo_tagger.services import search as search_module
    search = lambda text: search_module.search(app, text)
search("a photo of a cat")  # opens the matrix and the text encoder
times, cpu = [], time.process_time()
for n in range(queries):
    t = time.perf_counter()
    search(f"a photo of colour number {n}")
    times.append(time.perf_counter() - t)
out["search_ms"] = 1000 * sorted(times)[len(times) // 2]
out["search_cpu_ms"] = 1000 * (time.process_time() - cpu) / queries
ids = app.catalog.filter_ids(app.model_key())
app.catalog.journal_add(ids, app.model_key())
t, cpu = time.perf_counter(), time.process_time()
app.indexer.recover()
out["recover_s"], out["recover_cpu_s"] = time.perf_counter() - t, time.process_time() - cpu
app.close()
shutil.rmtree(home / "data" / "library" / "chroma")
app = App.from_home(home)
t, cpu = time.perf_counter(), time.process_time()
store = app.vector_store()
out["restore_s"], out["restore_cpu_s"] = time.perf_counter() - t, time.process_time() - cpu
assert store.count() == len(ids), (store.count(), len(ids))
app.close()
print(json.dumps(out))
"""


def make_library_photos(folder: Path, count: int) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):  # distinct colours: distinct content
        Image.new("RGB", (160, 120), (i % 256, (i // 256) * 40 % 256, (i * 7) % 256)).save(folder / f"{i:05d}.jpg")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True)
    ap.add_argument("--photos", type=int, default=400)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-vectors-"))
    try:
        sys.path.insert(0, str(args.new.resolve()))
        from photo_tagger.app import App
        from tests.fixture_models.checkpoints import tiny_clip

        depot = App.from_home(work / "depot")
        depot.models.install_from_checkpoint(str(tiny_clip()), name="tiny", int8=True)
        model = depot.models.get("tiny").path
        make_library_photos(work / "photos", args.photos)
        results: dict[str, list[dict]] = {"old": [], "new": []}
        for repeat in range(args.repeats):
            order = ["old", "new"] if repeat % 2 == 0 else ["new", "old"]
            for which in order:
                home = work / f"home-{which}-{repeat}"
                tree = str((args.old if which == "old" else args.new).resolve())
                env = {**os.environ, "PYTHONPATH": tree}
                subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from photo_tagger.app import App; "
                                "a = App.from_home(sys.argv[1]); a.models.import_folder(Path(sys.argv[2])); "
                                "a.update_settings(model='tiny')", str(home), str(model)], env=env, check=True)
                run = subprocess.run([sys.executable, "-c", CHILD, str(home), str(work / "photos"), str(args.queries)],
                                     env=env, capture_output=True, text=True)
                if run.returncode:
                    raise SystemExit(f"{which} failed:\n{run.stderr[-3000:]}")
                results[which].append(json.loads(run.stdout.strip().splitlines()[-1]))
                shutil.rmtree(home)
                print(which, results[which][-1], flush=True)
        print(f"\n{args.photos} photos, {args.repeats} repeats, medians; ratio = new / old")
        print("| what | old | new | new/old |\n|---|---|---|---|")
        for key in results["old"][0]:
            old = statistics.median(r[key] for r in results["old"])
            new = statistics.median(r[key] for r in results["new"])
            print(f"| {key} | {old:.4g} | {new:.4g} | {new / old:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
