"""Retag and search benchmarks on the app's real components (Catalog + ChromaVectorStore, ef_search=500).

1. Retag: N photos (synthetic catalog records + synthetic 512-d unit embeddings stored with
   `vector_metadata`), the 50 default labels prepared with a fake, deterministic TextEncoder (retag cost does
   not depend on the text model's weights), logit scale 100. Times `retag(...)` end to end for an all-change
   retag (from an untagged library), a retag after a slight label-set change (some change) and a repeat of it
   (nothing changes), median over repeats, plus a breakdown by step and a cProfile of one all-change run.
2. Search: a 100k-entry library (synthetic PhotoRecords over ~200 folders under 5 roots, 5 years of dates,
   tags from the 50 labels, ~2% flagged, metadata from `vector_metadata`) queried with
   `core.search.search_text` through the real ONNX text encoder of a ViT-B/32-shaped random-weight model,
   wrapped in `CachedTextEncoder`: cold text (uncached), cached text, and with filters. Also the text encoder
   alone (unpadded vs padded to 77 tokens).
3. --experiments: where filtered query time goes (Chroma pre-filter alone, ef_search, query(ids=...)) and an
   exact numpy alternative (in-memory embedding matrix + metadata columns).

    PYTHONPATH=. python benchmarks/bench_search.py                          # retag + search (~13 min on a busy 2-core machine)
    PYTHONPATH=. python benchmarks/bench_search.py --skip-retag --skip-search --experiments --queries 30 \
        --workdir /tmp/bench-search --keep                                  # ~8 min
    PYTHONPATH=. python benchmarks/bench_search.py --skip-retag --search-n 20000 --queries 50   # quick

--workdir/--keep keep the built libraries so a later run skips the ~90 s build of the 100k store.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import logging
import os
import platform
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as photo_tagger/__main__.py: before numpy loads

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import chromadb  # noqa: E402

import photo_tagger.core.retagging as retagging_module  # noqa: E402
from benchmarks.machine import cpu_name, loadavg  # noqa: E402
from photo_tagger.core.embedding_index import EmbeddingIndex  # noqa: E402
from photo_tagger.core.labels import Label, default_label_set  # noqa: E402
from photo_tagger.core.retagging import retag  # noqa: E402
from photo_tagger.core.search import Filters, search_text  # noqa: E402
from photo_tagger.core.tagging import EffectiveTags, TagDecision, effective, prepare  # noqa: E402
from photo_tagger.core.text_cache import CachedTextEncoder  # noqa: E402
from photo_tagger.core.types import PhotoRecord  # noqa: E402
from photo_tagger.core.vector_metadata import vector_metadata  # noqa: E402
from photo_tagger.infra.catalog import Catalog  # noqa: E402
from photo_tagger.infra.chroma_store import ChromaVectorStore, open_chroma  # noqa: E402

EF_SEARCH = 500  # as App.vector_store
DIM = 512
MODEL = "vit-b32-random"
DAY = 86_400
LIMIT = 20  # the CLI's default --limit


# ----------------------------------------------------------------------------------------------- helpers
def ms(values, p) -> float:
    return float(np.percentile(np.asarray(values), p)) * 1000


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in loadavg() or []) or "?"


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


class FakeTextEncoder:
    """Deterministic random unit vector per text (seeded by the text's hash): a TextEncoder for retag."""

    embedding_dim = DIM

    def encode_texts(self, texts):
        out = np.empty((len(texts), DIM), np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[row] = np.random.default_rng(seed).standard_normal(DIM)
        return unit(out)


class Timers:
    """Wraps callables on objects/modules and sums their wall time per name."""

    def __init__(self):
        self.total: dict[str, float] = {}
        self._undo: list = []

    def wrap(self, owner, attr: str, name: str) -> None:
        original = getattr(owner, attr)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.total[name] = self.total.get(name, 0.0) + time.perf_counter() - start

        setattr(owner, attr, timed)
        self._undo.append((owner, attr, original, isinstance(owner, type(retagging_module))))

    def restore(self) -> None:
        for owner, attr, original, is_module in reversed(self._undo):
            if is_module:
                setattr(owner, attr, original)
            else:
                delattr(owner, attr)  # instance attribute shadowed the bound method
        self._undo.clear()


def write_catalog(catalog: Catalog, records: list[PhotoRecord], vectors: np.ndarray,
                  tags: list[EffectiveTags] | None = None) -> None:
    """Records, their embeddings and (as automatic decisions) their tags, as the indexer leaves them."""
    for root in sorted({r.root for r in records}):
        catalog.add_root(root, 0.0)
    for start in range(0, len(records), 5000):
        part = records[start:start + 5000]
        with catalog.transaction() as db:
            catalog.write(db, part)
            catalog.write_vectors(db, MODEL, [r.id for r in part], vectors[start:start + 5000])
            if tags is not None:
                catalog.write_decisions(db, {r.id: TagDecision(tuple((t, 0.5) for t in e.tags),
                                                               tuple((f, 0.9) for f in e.flags))
                                             for r, e in zip(part, tags[start:start + 5000])})


def add_to_store(store: ChromaVectorStore, records, vectors, metadatas, batch: int = 1000) -> float:
    started = time.perf_counter()
    for start in range(0, len(records), batch):
        store.upsert([r.id for r in records[start:start + batch]], vectors[start:start + batch],
                     metadatas[start:start + batch])
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------------------- retag
def retag_benchmark(workdir: Path, n: int, repeats: int, shared: bool = False) -> dict:
    rng = np.random.default_rng(7)
    fake = FakeTextEncoder()
    labels_a = default_label_set()
    # A slight change: one label removed, one added, one threshold raised (what `labels add/remove/set` do).
    labels_b = labels_a.without_label("map").with_label(Label("kite")).with_label(Label("people", threshold=0.3))
    t = time.perf_counter()
    prepared_a = prepare(labels_a, fake, 100.0)
    prepared_b = prepare(labels_b, fake, 100.0)
    prepare_s = time.perf_counter() - t

    # Photo embeddings: 1-3 "true" labels plus noise, nudged towards the safe prompts of every moderation
    # category, and ~2% towards one category's unsafe prompts, so tags and flags come out photo-like.
    records, vectors = [], np.empty((n, DIM), np.float32)
    base = datetime(2020, 1, 1)
    cats = prepared_a.categories  # the absolute rule's prepared labels (core/tagging.py)
    safe_pull = sum(unit(safe.mean(0)) for safe in cats.safe)
    label_vectors = np.stack([prepared_a.labels.groups[prepared_a.labels.group_owner == r].mean(0)
                              for r in range(len(prepared_a.names))])
    for i in range(n):
        k = int(rng.integers(1, 4))
        picks = rng.choice(len(prepared_a.names), size=k, replace=False)
        v = rng.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
        v += (rng.uniform(0.06, 0.14, size=k)[:, None] * label_vectors[picks]).sum(0)
        v += 0.17 * safe_pull
        if rng.random() < 0.02:
            row = int(rng.integers(len(cats.names)))
            v += 0.15 * unit(cats.groups[cats.group_owner == row].mean(0))
        vectors[i] = v
        taken = base + timedelta(seconds=int(rng.integers(0, 5 * 365 * DAY)))
        records.append(PhotoRecord(
            id=f"{i:08x}{rng.integers(0, 2**63):016x}", root="/home/ann/Pictures",
            relpath=f"{taken.year}/{taken:%Y-%m} event {i % 40}/IMG_{i:05d}.JPG", size=3_000_000 + i,
            mtime_ns=1_600_000_000_000_000_000 + i, content_hash=f"{i:032x}", status="indexed",
            embedded_model=MODEL, width=4000, height=3000, taken_at=taken.isoformat(), camera_make="Canon",
            camera_model="EOS 80D", indexed_at=1.7e9))
    vectors = unit(vectors)

    root = workdir / f"retag-{n}"
    shutil.rmtree(root, ignore_errors=True)
    catalog = Catalog(root / "catalog.sqlite3")
    write_catalog(catalog, records, vectors)
    client = open_chroma(root / "chroma")
    # shared: a server-like store other instances read, which mirrors tags into its metadata.
    store = ChromaVectorStore(client, f"photos--{MODEL}", ef_search=EF_SEARCH, shared=shared)
    build_s = add_to_store(store, records, vectors, [vector_metadata(r) for r in records])
    ids = [r.id for r in records]

    def reset() -> None:
        with catalog.transaction() as db:
            db.execute("DELETE FROM auto_tags")
            db.execute("DELETE FROM auto_flags")
        if shared:
            store.update_metadata(ids, [{"tags": None, "flags": None, "flagged": False}] * len(ids))

    cases = {"all change (first retag)": [], "label set changed slightly": [], "nothing changed": []}
    changed = {}
    order = [("all change (first retag)", prepared_a), ("label set changed slightly", prepared_b),
             ("nothing changed", prepared_b)]
    for _ in range(repeats):
        reset()
        for name, prepared in order:
            t = time.perf_counter()
            report = retag(catalog, store, prepared, MODEL)
            cases[name].append(time.perf_counter() - t)
            changed[name] = report.changed

    # Sanity: the store's tag metadata equals the catalog's effective tags.
    sample = ids[:: max(1, n // 200)]
    decisions = catalog.decisions(sample)
    meta = store.get_metadata(sample)
    for i in sample:
        eff = effective(decisions.get(i, TagDecision()), None)
        if shared:
            assert tuple(meta[i].get("tags", ())) == eff.tags and tuple(meta[i].get("flags", ())) == eff.flags, i
        else:
            assert "tags" not in meta[i] and "flags" not in meta[i], i
    all_decisions = catalog.decisions(ids)
    tags_per_photo = statistics.mean(len(all_decisions.get(i, TagDecision()).tags) for i in ids)
    flagged = sum(1 for i in ids if all_decisions.get(i, TagDecision()).flags) / n

    # Breakdown: one more cycle with timers around every step retag calls.
    breakdown = {}
    reset()
    for name, prepared in order:
        timers = Timers()
        timers.wrap(catalog, "records", "catalog.records")
        timers.wrap(catalog, "vectors", "catalog.vectors")
        timers.wrap(retagging_module, "decide", "decide")
        timers.wrap(catalog, "decisions", "catalog.decisions (read old)")
        timers.wrap(catalog, "choices", "catalog.choices")
        timers.wrap(catalog, "journal_add", "catalog.journal_add")
        timers.wrap(store, "update_metadata", "store.update_metadata")
        timers.wrap(catalog, "write_decisions", "catalog.write_decisions")
        timers.wrap(catalog, "journal_clear", "catalog.journal_clear")
        t = time.perf_counter()
        retag(catalog, store, prepared, MODEL)
        total = time.perf_counter() - t
        timers.restore()
        parts = dict(timers.total)
        parts["other (effective() compare, commit, loops)"] = total - sum(parts.values())
        breakdown[name] = (total, parts)

    reset()
    profiler = cProfile.Profile()
    profiler.enable()
    retag(catalog, store, prepared_a, MODEL)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(22)
    catalog.close()
    client.close()
    return {"n": n, "shared": shared, "labels": len(prepared_a.names), "build_s": build_s, "prepare_s": prepare_s,
            "cases": cases, "changed": changed, "breakdown": breakdown, "profile": text.getvalue(),
            "tags_per_photo": tags_per_photo, "flagged": flagged}


def print_retag(r: dict) -> None:
    mode = "shared store (tags mirrored into Chroma)" if r["shared"] else "private store (embedded default)"
    print(f"\n## Retag, {mode}: {r['n']:,} photos x {r['labels']} labels (+5 moderation categories), logit scale 100")
    print(f"(library build: store.upsert {r['build_s']:.1f} s; prepare() of both label sets with the fake "
          f"encoder {r['prepare_s'] * 1000:.0f} ms; after the first retag: {r['tags_per_photo']:.2f} tags/photo, "
          f"{r['flagged'] * 100:.1f}% flagged)\n")
    print("| retag | photos changed | median s | min-max s | runs |")
    print("|---|---|---|---|---|")
    for name, times in r["cases"].items():
        print(f"| {name} | {r['changed'][name]:,} | {statistics.median(times):.2f} | "
              f"{min(times):.2f}-{max(times):.2f} | {len(times)} |")
    names = list(next(iter(r["breakdown"].values()))[1])
    print("\nBreakdown (one extra run each, timers around the calls retag makes; seconds):\n")
    print("| step | " + " | ".join(r["breakdown"]) + " |")
    print("|---|" + "---|" * len(r["breakdown"]))
    for step in names:
        print(f"| {step} | " + " | ".join(f"{parts[step]:.3f}" for _, parts in r["breakdown"].values()) + " |")
    print("| **total** | " + " | ".join(f"**{total:.3f}**" for total, _ in r["breakdown"].values()) + " |")
    print("\ncProfile of one all-change retag (cumulative):\n")
    lines = r["profile"].splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("\n".join(line for line in lines[max(0, start - 4):] if line.strip()))


# ----------------------------------------------------------------------------------------------- search library
ROOTS = ("/home/ann/Pictures", "/home/ann/Phone", "/mnt/nas/photos", "/media/ann/SDCARD", "/home/ann/Scans")
EVENTS = ("Holiday", "Birthday", "Hiking", "Christmas", "Wedding", "Beach day", "Zoo", "Concert", "Garden",
          "Ski trip", "City break", "Party", "Lake", "Road trip", "Museum", "Camping")


def make_folders(rng) -> list[tuple[str, str, date, int, float]]:
    """(root, relative folder, start day, span days, weight): ~200 leaf folders under 5 roots."""
    folders = []
    for year in range(2020, 2025):
        for k in range(20):  # Pictures/<year>/<date> <event>
            start = date(year, 1, 1) + timedelta(days=int(rng.integers(0, 360)))
            folders.append((ROOTS[0], f"{year}/{start:%Y-%m-%d} {EVENTS[k % len(EVENTS)]}", start,
                            int(rng.integers(1, 10)), float(rng.lognormal(0, 1))))
        for q in range(1, 5):  # NAS/Family/<year>/Q<q>
            folders.append((ROOTS[2], f"Family/{year}/Q{q}", date(year, 3 * q - 2, 1), 90, float(rng.lognormal(0, 1))))
        for m in range(1, 13, 3):  # SD card DCIM folders, one per quarter
            folders.append((ROOTS[3], f"DCIM/{100 + (year - 2020) * 4 + m // 3}CANON", date(year, m, 1), 90, 0.5))
    folders.append((ROOTS[1], "DCIM/Camera", date(2020, 1, 1), 5 * 365, 40.0))  # the phone: one big folder
    folders.append((ROOTS[1], "Pictures/Screenshots", date(2020, 1, 1), 5 * 365, 3.0))
    folders.append((ROOTS[1], "WhatsApp/Media/Images", date(2020, 1, 1), 5 * 365, 8.0))
    for k in range(10):  # scans: no capture date
        folders.append((ROOTS[4], f"Album {k + 1}", None, 0, 0.3))
    for k in range(15):  # NAS/Archive/<old event>
        folders.append((ROOTS[2], f"Archive/Event {k + 1:02d}", date(2020, 1, 1) + timedelta(days=100 * k), 20, 0.5))
    return folders


def search_library(n: int, seed: int = 3):
    """Records, unit vectors, effective tags and numpy metadata columns (for exact filtered search)."""
    rng = np.random.default_rng(seed)
    labels = [label.name for label in default_label_set().labels]
    label_p = 1.0 / (np.arange(len(labels)) + 4.0)
    label_p /= label_p.sum()
    folders = make_folders(rng)
    weights = np.array([f[4] for f in folders])
    folder_of = rng.choice(len(folders), size=n, p=weights / weights.sum())
    # Vectors: clustered (n/500 centres), each folder favouring 3 of them, like photos of one event.
    centres = rng.standard_normal((max(10, n // 500), DIM)).astype(np.float32)
    favourite = rng.integers(0, len(centres), size=(len(folders), 3))
    cluster = np.where(rng.random(n) < 0.7, favourite[folder_of, rng.integers(0, 3, n)],
                       rng.integers(0, len(centres), n))
    vectors = np.empty((n, DIM), np.float32)
    for start in range(0, n, 10_000):
        part = slice(start, min(n, start + 10_000))
        vectors[part] = unit(centres[cluster[part]] + 0.6 * rng.standard_normal((part.stop - start, DIM)))
    records, tags, taken_ts, flagged = [], [], np.full(n, -1, np.int64), np.zeros(n, bool)
    tag_bits = np.zeros(n, np.uint64)
    counters = {}
    for i in range(n):
        root, folder, start, span, _ = folders[folder_of[i]]
        counters[folder_of[i]] = number = counters.get(folder_of[i], 0) + 1
        taken = None
        if start is not None:
            moment = datetime(start.year, start.month, start.day) + timedelta(
                seconds=int(rng.integers(0, span * DAY)))
            taken = moment.isoformat()
            taken_ts[i] = int(moment.replace(tzinfo=UTC).timestamp())
        gps = rng.random() < 0.3
        records.append(PhotoRecord(
            id=f"{rng.integers(0, 2**63):016x}{i:016x}", root=root, relpath=f"{folder}/IMG_{number:05d}.JPG",
            size=int(rng.integers(1_000_000, 8_000_000)), mtime_ns=1_600_000_000_000_000_000 + i * 1000,
            content_hash=f"{rng.integers(0, 2**63):016x}{i:016x}", status="indexed", embedded_model=MODEL,
            width=4000, height=3000, taken_at=taken, camera_make="Canon" if root != ROOTS[1] else "Google",
            camera_model="EOS 80D" if root != ROOTS[1] else "Pixel 7",
            gps_lat=float(rng.uniform(-60, 60)) if gps else None, gps_lon=float(rng.uniform(-180, 180)) if gps else None,
            indexed_at=1.7e9))
        k = int(rng.choice([0, 1, 2, 3], p=[0.05, 0.45, 0.35, 0.15]))
        chosen = sorted(labels[j] for j in rng.choice(len(labels), size=k, replace=False, p=label_p))
        for name in chosen:
            tag_bits[i] |= np.uint64(1 << labels.index(name))
        flag = ("violence",) if rng.random() < 0.02 else ()
        flagged[i] = bool(flag)
        tags.append(EffectiveTags(tuple(chosen), flag))
    columns = {"folder_of": folder_of, "taken_ts": taken_ts, "flagged": flagged, "tag_bits": tag_bits,
               "labels": labels, "folders": folders}
    return records, vectors, tags, columns


def phrases(count: int, seed: int = 11) -> list[str]:
    subjects = ["dog", "black cat", "two kids", "grandma", "my daughter", "a red car", "birthday cake", "sailboat",
                "horse", "the wedding couple", "group of friends", "old steam train", "yellow bicycle", "family",
                "seagulls", "cocktail", "pizza", "mountain hut", "snowman", "fireworks", "baby", "tent",
                "sunflowers", "a lighthouse", "people dancing", "a tall church", "surfer", "ice cream",
                "a receipt", "a map"]
    scenes = ["on the beach", "in the snow", "at sunset", "in the garden", "in the city at night", "by the lake",
              "in the forest", "at a concert", "in the kitchen", "on a mountain trail", "in the rain", "at the zoo",
              "at christmas", "on a boat", "in front of the eiffel tower", ""]
    extra = ["", "", "", " with a blue sky", " close up", " from above", " in black and white"]
    rng = random.Random(seed)
    out = set()
    while len(out) < count:
        out.add(" ".join(f"{rng.choice(subjects)} {rng.choice(scenes)}{rng.choice(extra)}".split()))
    result = sorted(out)
    rng.shuffle(result)
    return result


def text_model(workdir: Path):
    """The ViT-B/32-shaped random model: bench_encoder.py's install when present, else installed here."""
    from photo_tagger.infra.model_store import ModelStore

    for models_dir, name in ((HERE / "out" / "models", "vit-b32-random"), (workdir / "models", "vitb32")):
        store = ModelStore(models_dir)
        if name in store.names():
            model = store.get(name)
            m = model.manifest
            if (m.get("embedding_dim") == 512 and m.get("context_length") == 77
                    and "text_fp32.onnx" in m["files"] and not model.verify()):
                return model
    from tests.fixture_models.checkpoints import vit_b32_clip

    return ModelStore(workdir / "models").install_from_checkpoint(str(vit_b32_clip()), name="vitb32")


class TimedStore:
    """Pass-through VectorStore that records the time of each query (to split search_text's latency)."""

    def __init__(self, store):
        self.store = store
        self.last = 0.0

    def query(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.store.query(*args, **kwargs)
        finally:
            self.last = time.perf_counter() - t

    def __getattr__(self, name):
        return getattr(self.store, name)


def build_search_library(workdir: Path, n: int):
    records, vectors, tags, columns = search_library(n)
    root = workdir / f"search-v2-{n}"
    ready = root / "READY"
    catalog_path = root / "catalog.sqlite3"
    build = {}
    if not ready.exists():
        shutil.rmtree(root, ignore_errors=True)
        catalog = Catalog(catalog_path)
        t = time.perf_counter()
        write_catalog(catalog, records, vectors, tags)
        build["catalog_write_s"] = time.perf_counter() - t
        client = open_chroma(root / "chroma")
        store = ChromaVectorStore(client, f"photos--{MODEL}", ef_search=EF_SEARCH)
        build["store_add_s"] = add_to_store(store, records, vectors,
                                            [vector_metadata(r, t_) for r, t_ in zip(records, tags)])
        assert store.count() == n
        catalog.close()
        client.close()
        ready.write_text("ok")
    return root, records, vectors, tags, columns, build


def where_mask(filters: Filters, records, columns) -> np.ndarray:
    """The rows a Filters admits, computed from the generated columns (for recall against exact search)."""
    n = len(records)
    mask = np.ones(n, bool)
    if filters.folder:
        prefix = filters.folder.rstrip("/") + "/"
        mask &= np.array([r.path.startswith(prefix) for r in records])
    if filters.tag:
        bit = np.uint64(1 << columns["labels"].index(filters.tag))
        mask &= (columns["tag_bits"] & bit) != 0
    if filters.flagged is not None:
        mask &= columns["flagged"] == filters.flagged
    if filters.since:
        mask &= columns["taken_ts"] >= int(datetime(filters.since.year, filters.since.month, filters.since.day,
                                                     tzinfo=UTC).timestamp())
    if filters.until:
        mask &= (columns["taken_ts"] >= 0) & (columns["taken_ts"] < int(datetime(
            filters.until.year, filters.until.month, filters.until.day, tzinfo=UTC).timestamp()) + DAY)
    return mask


def filter_cases(columns) -> dict[str, Filters]:
    counts = np.bincount(columns["folder_of"], minlength=len(columns["folders"]))
    folders = columns["folders"]
    # A typical event folder: the one whose size is nearest the median of the Pictures/<year>/ folders.
    event = [i for i, f in enumerate(folders) if f[0] == ROOTS[0]]
    leaf = min(event, key=lambda i: abs(counts[i] - np.median(counts[event])))
    return {
        "folder: one event folder": Filters(folder=f"{folders[leaf][0]}/{folders[leaf][1]}"),
        "folder: a root (subtree)": Filters(folder=ROOTS[0]),
        "tag: common (dog)": Filters(tag="dog"),
        "tag: rare (map)": Filters(tag="map"),
        "--no-flagged": Filters(flagged=False),
        "date: one month": Filters(since=date(2022, 7, 1), until=date(2022, 7, 31)),
        "date: one year": Filters(since=date(2023, 1, 1), until=date(2023, 12, 31)),
        "root + year + --no-flagged": Filters(folder=ROOTS[0], flagged=False, since=date(2023, 1, 1),
                                              until=date(2023, 12, 31)),
    }


def exact_top(vectors, mask, q, k) -> set[int]:
    sims = vectors @ q
    sims[~mask] = -np.inf
    want = min(k, int(mask.sum()))
    return set(np.argsort(-sims)[:want].tolist())


def evict(folder: Path) -> None:
    """Drop the files' pages from the OS page cache (as after a reboot); mapped pages stay, so unmap first."""
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def first_searches(res: dict, root: Path, store, cached, texts: list[str], vectors, index_of) -> None:
    """The first search of a process (text already encoded): a new catalog connection and a new EmbeddingIndex
    each time, so opening the matrix file and catching up with the catalog are in the time."""
    cases = {"first search after start (matrix file in page cache)": "warm",
             "first search after start (matrix file not in page cache)": "cold",
             "first search while another thread opens the matrix (30 ms wait, then HNSW)": "loading"}
    for name, how in cases.items():
        total, scores = [], []
        for text in texts:
            catalog = Catalog(root / "catalog.sqlite3")
            if how == "cold":
                evict(root / "matrix")
            index = EmbeddingIndex(catalog, MODEL, store, folder=root / "matrix")
            holder = None
            if how == "loading":  # what the window's start-up load holds while it opens the matrix
                holding, done = threading.Event(), threading.Event()

                def hold(lock=index._lock):
                    with lock:
                        holding.set()
                        done.wait(30)

                holder = threading.Thread(target=hold)
                holder.start()
                holding.wait(10)
            t = time.perf_counter()
            hits = search_text(text, cached, store, catalog, limit=LIMIT, index=index)
            total.append(time.perf_counter() - t)
            if holder is not None:
                done.set()
                holder.join()
            exact = exact_top(vectors, np.ones(len(vectors), bool), cached.encode_texts([text])[0], LIMIT)
            scores.append(len({index_of[h.record.id] for h in hits} & exact) / LIMIT)
            catalog.close()
            del index
            gc.collect()
        row = {"case": name, "p50": ms(total, 50), "p95": ms(total, 95), "max": ms(total, 100), "store_p50": 0.0,
               "store_p95": 0.0, "queries": len(texts), "share": 100.0, "recall": float(np.mean(scores))}
        res["rows"].append(row)
        print(f"  {name}: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms, max {row['max']:.1f} ms, "
              f"recall@{LIMIT} {row['recall']:.3f}  [load {load_text()}]", flush=True)


def search_benchmark(workdir: Path, n: int, queries: int, recall_queries: int, first_runs: int = 10) -> dict:
    from photo_tagger.infra.onnx_clip import OnnxTextEncoder

    t = time.perf_counter()
    root, records, vectors, tags, columns, build = build_search_library(workdir, n)
    build["total_s"] = time.perf_counter() - t
    model = text_model(workdir)
    encoder = OnnxTextEncoder(model, device="cpu")
    cache_file = root / "text-embeddings.sqlite3"
    cache_file.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(cache_file) + suffix).unlink(missing_ok=True)
    cached = CachedTextEncoder(encoder, model.name, cache_file)
    catalog = Catalog(root / "catalog.sqlite3")
    client = open_chroma(root / "chroma")
    store = ChromaVectorStore(client, f"photos--{MODEL}", ef_search=EF_SEARCH)
    timed = TimedStore(store)
    matrix_dir = root / "matrix"  # as App.embedding_index: the matrix file beside the catalog
    shutil.rmtree(matrix_dir, ignore_errors=True)
    first = EmbeddingIndex(catalog, MODEL, store, folder=matrix_dir)
    t = time.perf_counter()
    first.refresh()  # once per library (an upgrade): the file is built from the catalog
    build["index_build_s"] = time.perf_counter() - t
    del first
    gc.collect()  # unmapped, so the page cache of the file can be dropped below
    index_of = {r.id: i for i, r in enumerate(records)}
    warm = 20
    texts = phrases(warm + queries)
    warm_texts, measured = texts[:warm], texts[warm:]
    res: dict = {"n": n, "build": build, "model": str(model.path), "queries": queries, "rows": []}

    # Text encoder alone: the same phrases unpadded (the engine's way) and padded to 77, interleaved.
    session = encoder._session.session
    tokens = [encoder.tokenizer.encode([t]) for t in measured]
    for ids in tokens[:warm]:
        session.run(None, {"input_ids": ids})
    unpadded, padded = [], []
    for k, ids in enumerate(tokens):
        full = np.full((1, model.context_length), model.pad_token_id, np.int64)
        full[0, : ids.shape[1]] = ids[0]
        runs = [(unpadded, ids), (padded, full)]
        for sink, arr in runs if k % 2 == 0 else runs[::-1]:
            t = time.perf_counter()
            session.run(None, {"input_ids": arr})
            sink.append(time.perf_counter() - t)
    res["tokens_median"] = float(np.median([ids.shape[1] for ids in tokens]))
    res["encoder"] = {"unpadded": unpadded, "padded to 77": padded}
    a = session.run(None, {"input_ids": tokens[0]})[0]
    full = np.full((1, model.context_length), model.pad_token_id, np.int64)
    full[0, : tokens[0].shape[1]] = tokens[0][0]
    res["pad_max_diff"] = float(np.abs(a - session.run(None, {"input_ids": full})[0]).max())

    def run_case(name: str, filters: Filters, texts_: list[str], encoder_=cached, recall=True, index_="main"):
        index_ = index if index_ == "main" else index_
        total, store_q, hit_counts = [], [], []
        for text in texts_:
            timed.last = 0.0  # searches of a private store never call store.query
            t = time.perf_counter()
            hits = search_text(text, encoder_, timed, catalog, limit=LIMIT, filters=filters, index=index_)
            total.append(time.perf_counter() - t)
            store_q.append(timed.last)
            hit_counts.append(len(hits))
        row = {"case": name, "p50": ms(total, 50), "p95": ms(total, 95), "max": ms(total, 100),
               "store_p50": ms(store_q, 50), "store_p95": ms(store_q, 95), "queries": len(texts_),
               "hits_min": min(hit_counts)}
        mask = where_mask(filters, records, columns)
        row["share"] = float(mask.mean()) * 100
        if recall:
            scores = []
            for text in texts_[:recall_queries]:
                q = cached.encode_texts([text])[0]
                got = {index_of[h.record.id] for h in search_text(text, cached, store, catalog, limit=LIMIT,
                                                                     filters=filters, index=index_)}
                exact = exact_top(vectors, mask, q, LIMIT)
                scores.append(len(got & exact) / max(1, len(exact)))
            row["recall"] = float(np.mean(scores))
        res["rows"].append(row)
        print(f"  {name}: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms "
              f"(store.query p50 {row['store_p50']:.1f}), {row['share']:.1f}% of rows, "
              f"recall@{LIMIT} {row.get('recall', float('nan')):.3f}  [load {load_text()}]", flush=True)

    print(f"\nsearch over {n:,}: warm-up ...", flush=True)
    for text in warm_texts:  # warms ONNX, Chroma's HNSW + SQLite pages, the catalog
        search_text(text, cached, store, catalog, limit=LIMIT)
    for text in measured:
        cached.encode_texts([text])  # first searches below measure the search, not the text encoder
    first_searches(res, root, store, cached, measured[:first_runs], vectors, index_of)
    index = EmbeddingIndex(catalog, MODEL, store, folder=matrix_dir)
    t = time.perf_counter()
    index.refresh()
    build["index_open_s"] = time.perf_counter() - t
    t = time.perf_counter()
    index.refresh()
    build["index_refresh_s"] = time.perf_counter() - t
    run_case("no filter, cold text (uncached query)", Filters(), [f"{t} today" for t in measured])
    run_case("no filter, cached text (memory LRU)", Filters(), measured)
    disk_cached = CachedTextEncoder(encoder, model.name, cache_file)  # a new process: only the SQLite cache
    run_case("no filter, cached text (SQLite cache, new process)", Filters(), measured, encoder_=disk_cached)
    disk_cached.close()
    run_case("no filter, Chroma HNSW (shared mode; above EXACT_MAX_ROWS)", Filters(), measured, index_=None)
    for name, filters in filter_cases(columns).items():
        for text in measured[:warm]:
            search_text(text, cached, store, catalog, limit=LIMIT, filters=filters, index=index)
        run_case(name, filters, measured)
    cached.close()
    catalog.close()
    client.close()
    return res


def print_search(r: dict) -> None:
    b = r["build"]
    print(f"\n## Search over {r['n']:,} photos, limit {LIMIT}, {r['queries']} queries per row")
    if "store_add_s" in b:
        print(f"(build: catalog write {b['catalog_write_s']:.1f} s, store.upsert {b['store_add_s']:.1f} s)")
    print(f"Search matrix (EmbeddingIndex + matrix file): built from the catalog once per library "
          f"{b['index_build_s']:.2f} s; opened from the file {b['index_open_s'] * 1000:.0f} ms; "
          f"refresh with nothing new {b['index_refresh_s'] * 1000:.1f} ms")
    print(f"model: {r['model']}\n")
    enc = r["encoder"]
    print(f"Text encoder alone (ONNX session.run, batch 1, median {r['tokens_median']:.0f} tokens incl. start/end; "
          f"unpadded vs padded max diff {r['pad_max_diff']:.1e}):\n")
    print("| input | p50 ms | p95 ms |")
    print("|---|---|---|")
    for name, values in enc.items():
        print(f"| {name} | {ms(values, 50):.1f} | {ms(values, 95):.1f} |")
    print(f"\n| case (search_text, limit {LIMIT}) | rows admitted | p50 ms | p95 ms | max ms | store.query p50 / p95 ms "
          f"| recall@{LIMIT} |")
    print("|---|---|---|---|---|---|---|")
    for row in r["rows"]:
        recall = f"{row['recall']:.3f}" if "recall" in row else "-"
        print(f"| {row['case']} | {row['share']:.1f}% | {row['p50']:.1f} | {row['p95']:.1f} | {row['max']:.0f} | "
              f"{row['store_p50']:.1f} / {row['store_p95']:.1f} | {recall} |")


# ----------------------------------------------------------------------------------------------- experiments
def experiments(workdir: Path, n: int, queries: int) -> dict:
    """Where filtered query time goes, and what an exact in-process search would cost."""
    root, records, vectors, tags, columns, _ = build_search_library(workdir, n)
    cases = filter_cases(columns)
    rng = np.random.default_rng(5)
    # Query vectors: the random text model's embeddings are used in the main run; here, to isolate the store,
    # text-like vectors (a stored vector plus heavy noise, similarity ~0.2-0.3 to the best match).
    picks = rng.integers(0, n, queries)
    qvecs = unit(vectors[picks] + 0.25 * rng.standard_normal((queries, DIM)).astype(np.float32))
    out = {"rows": []}

    def timeit(fn, reps) -> list[float]:
        for k in range(min(5, reps)):
            fn(k)
        values = []
        for k in range(reps):
            t = time.perf_counter()
            fn(k)
            values.append(time.perf_counter() - t)
        return values

    client = open_chroma(root / "chroma")
    store = ChromaVectorStore(client, f"photos--{MODEL}", ef_search=EF_SEARCH)
    coll = store.collection
    catalog = Catalog(root / "catalog.sqlite3")
    f16 = vectors.astype(np.float16)
    for name, filters in [("no filter", Filters())] + list(cases.items()):
        where = filters.where()
        mask = where_mask(filters, records, columns)
        row = {"case": name, "share": float(mask.mean()) * 100}
        if where is not None:
            got = coll.get(where=where, include=[])["ids"]
            row["get_n"] = len(got)
            row["prefilter"] = ms(timeit(lambda k: coll.get(where=where, include=[]), 20), 50)
        chroma_times = timeit(lambda k: store.query(qvecs[k], LIMIT, where), queries)
        row["query_k20"], row["query_k20_p95"] = ms(chroma_times, 50), ms(chroma_times, 95)
        if where is not None and mask.sum() <= 20_000:
            allowed = [records[i].id for i in np.nonzero(mask)[0]]
            row["query_ids"] = ms(timeit(lambda k: coll.query(query_embeddings=qvecs[k:k + 1], n_results=LIMIT,
                                                              ids=allowed, include=["metadatas", "distances"]),
                                         min(queries, 30)), 50)

        # Exact in-process search: float32 / float16 matrix, mask from metadata columns (built per query).
        def numpy_search(k, matrix=vectors):
            m = where_mask_fast(filters, columns)
            sims = matrix @ qvecs[k].astype(matrix.dtype)
            if m is not None:
                sims = np.where(m, sims, -np.inf)
            top = np.argpartition(-sims, LIMIT)[:LIMIT]
            return top[np.argsort(-sims[top])]

        numpy_times = timeit(numpy_search, queries)
        row["numpy_f32"], row["numpy_f32_p95"] = ms(numpy_times, 50), ms(numpy_times, 95)
        f16_times = timeit(lambda k: numpy_search(k, f16), queries)
        row["numpy_f16"], row["numpy_f16_p95"] = ms(f16_times, 50), ms(f16_times, 95)
        mask_times = timeit(lambda k: where_mask_fast(filters, columns), 50)
        row["mask"] = ms(mask_times, 50)
        recalls = []
        for k in range(min(30, queries)):
            exact = exact_top(vectors, mask, qvecs[k], LIMIT)
            got = {int(i) for i in numpy_search(k, f16)}
            recalls.append(len(exact & got) / max(1, len(exact)))
            ids_got = {h[0] for h in store.query(qvecs[k], LIMIT, where)}
            row.setdefault("chroma_recall", []).append(
                len(ids_got & {records[i].id for i in exact}) / max(1, len(exact)))
        row["numpy_f16_recall"] = float(np.mean(recalls))
        if where is not None and mask.mean() >= 0.5:
            # Broad filter: k-NN without the filter, over-fetched, filtered on the returned metadata.
            index_of = {r.id: i for i, r in enumerate(records)}

            def post_filter(k):
                return [h for h in store.query(qvecs[k], 2 * LIMIT) if mask[index_of[h[0]]]][:LIMIT]

            post_times = timeit(post_filter, queries)
            row["post"], row["post_p95"] = ms(post_times, 50), ms(post_times, 95)
            short, post_recall = 0, []
            for k in range(queries):
                got = post_filter(k)
                short += len(got) < LIMIT
                if k < 30:
                    exact = {records[i].id for i in exact_top(vectors, mask, qvecs[k], LIMIT)}
                    post_recall.append(len(exact & {h[0] for h in got}) / max(1, len(exact)))
            row["post_short"], row["post_recall"] = short, float(np.mean(post_recall))
        row["chroma_recall"] = float(np.mean(row["chroma_recall"]))
        out["rows"].append(row)
        print(f"  {name}: {row}", flush=True)

    # The SQL behind a bool filter: Chroma indexes int/float/string metadata values, not bool ones.
    import sqlite3
    db = sqlite3.connect(f"file:{root / 'chroma' / 'chroma.sqlite3'}?mode=ro", uri=True)
    out["sql"] = {}
    for label, sql in (("flagged = 0 (bool_value)", "SELECT id FROM embedding_metadata WHERE key = 'flagged' AND bool_value = 0"),
                       ("taken_ts range, 1 year (int_value)", "SELECT id FROM embedding_metadata WHERE key = 'taken_ts' "
                        "AND int_value >= 1672531200 AND int_value < 1704067200"),
                       ("folders contains root (array string)", "SELECT id FROM embedding_metadata_array WHERE "
                        f"key = 'folders' AND string_value = '{ROOTS[0]}'")):
        plan = " ".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sql))
        times = timeit(lambda k: db.execute(sql).fetchall(), 10)
        out["sql"][label] = (plan, ms(times, 50), len(db.execute(sql).fetchall()))
    db.close()

    # Loading the in-memory matrix: all embeddings from Chroma vs a float16 .npy sidecar.
    ids = [r.id for r in records]
    t = time.perf_counter()
    store.get_embeddings(ids[:20_000])
    out["get_embeddings_20k_s"] = time.perf_counter() - t
    sidecar = root / "vectors-f16.npy"
    np.save(sidecar, f16)
    t = time.perf_counter()
    np.load(sidecar)
    out["npy_load_s"] = time.perf_counter() - t
    out["npy_mb"] = sidecar.stat().st_size / 2**20
    sidecar.unlink()
    catalog.close()

    # ef_search: the same filtered queries with Chroma's default 100 (modify + reopen), then back to 500.
    coll.modify(configuration={"hnsw": {"ef_search": 100}})
    client.close()
    client = open_chroma(root / "chroma")
    store = ChromaVectorStore(client, f"photos--{MODEL}")
    out["ef100"] = {}
    for name, filters in [("no filter", Filters())] + list(cases.items()):
        where = filters.where()
        out["ef100"][name] = ms(timeit(lambda k: store.query(qvecs[k], LIMIT, where), queries), 50)
    store.collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
    client.close()
    return out


def where_mask_fast(filters: Filters, columns) -> np.ndarray | None:
    """Vectorised metadata filter over columns (folder -> set of folder ids precomputed per filter)."""
    mask = None

    def both(a, b):
        return b if a is None else a & b

    if filters.folder:
        key = ("folder_ids", filters.folder)
        if key not in columns:
            prefix = filters.folder.rstrip("/") + "/"
            admitted = np.array([(f"{root}/{rel}/").startswith(prefix) for root, rel, *_ in columns["folders"]])
            columns[key] = admitted
        mask = both(mask, columns[key][columns["folder_of"]])
    if filters.tag:
        bit = np.uint64(1 << columns["labels"].index(filters.tag))
        mask = both(mask, (columns["tag_bits"] & bit) != 0)
    if filters.flagged is not None:
        mask = both(mask, columns["flagged"] == filters.flagged)
    if filters.since:
        lo = int(datetime(filters.since.year, filters.since.month, filters.since.day, tzinfo=UTC).timestamp())
        mask = both(mask, columns["taken_ts"] >= lo)
    if filters.until:
        hi = int(datetime(filters.until.year, filters.until.month, filters.until.day,
                          tzinfo=UTC).timestamp()) + DAY
        mask = both(mask, (columns["taken_ts"] >= 0) & (columns["taken_ts"] < hi))
    return mask


def print_experiments(e: dict) -> None:
    print("\n## Filtered-query experiments (text-like query vectors, k=20; ms medians unless p95)\n")
    print("| filter | rows | Chroma get(where) alone | Chroma query ef 500 p50 / p95 | ef 100 p50 | Chroma recall@20 "
          "| query(ids=allowed) | numpy f32 p50 / p95 | numpy f16 p50 / p95 | mask | numpy f16 recall@20 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in e["rows"]:
        print(f"| {row['case']} | {row['share']:.1f}% | {row.get('prefilter', float('nan')):.1f} | "
              f"{row['query_k20']:.1f} / {row['query_k20_p95']:.1f} | {e['ef100'][row['case']]:.1f} | "
              f"{row['chroma_recall']:.3f} | {row.get('query_ids', float('nan')):.1f} | "
              f"{row['numpy_f32']:.1f} / {row['numpy_f32_p95']:.1f} | {row['numpy_f16']:.1f} / "
              f"{row['numpy_f16_p95']:.1f} | {row['mask']:.2f} | {row['numpy_f16_recall']:.3f} |")
    print("\nBroad filters answered by an unfiltered k-NN of 2 x limit, filtered in Python on the returned metadata:\n")
    print("| filter | rows | p50 / p95 ms | queries with < 20 hits | recall@20 |")
    print("|---|---|---|---|---|")
    for row in e["rows"]:
        if "post" in row:
            print(f"| {row['case']} | {row['share']:.1f}% | {row['post']:.1f} / {row['post_p95']:.1f} | "
                  f"{row['post_short']} | {row['post_recall']:.3f} |")
    print("\nSQLite alone (chroma.sqlite3, read-only):\n")
    print("| SQL | plan | rows | median ms |")
    print("|---|---|---|---|")
    for label, (plan, t, rows) in e["sql"].items():
        print(f"| {label} | {plan} | {rows:,} | {t:.1f} |")
    print(f"\nLoading the matrix: store.get_embeddings of 20k ids {e['get_embeddings_20k_s']:.2f} s "
          f"(x5 for 100k); float16 .npy of all vectors {e['npy_mb']:.0f} MB loads in {e['npy_load_s'] * 1000:.0f} ms")


# ----------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--retag-n", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--search-n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200, help="measured queries per search row (after 20 warm-up)")
    ap.add_argument("--recall-queries", type=int, default=30)
    ap.add_argument("--first-runs", type=int, default=10, help="first searches after start measured per case")
    ap.add_argument("--skip-retag", action="store_true")
    ap.add_argument("--skip-search", action="store_true")
    ap.add_argument("--shared-retag", action="store_true", help="also retag with a shared (server-like) store")
    ap.add_argument("--experiments", action="store_true")
    ap.add_argument("--workdir", type=Path, help="keep libraries here (reused when present)")
    ap.add_argument("--keep", action="store_true", help="do not delete the workdir")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"chromadb {chromadb.__version__}, python {platform.python_version()}, {cpu_name()}, "
          f"{os.cpu_count()} cpus, load {load_text()}", flush=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    started = time.perf_counter()
    try:
        if not args.skip_retag:
            results["retag"] = retag_benchmark(workdir, args.retag_n, args.repeats)
            print_retag(results["retag"])
            if args.shared_retag:
                results["retag_shared"] = retag_benchmark(workdir, args.retag_n, args.repeats, shared=True)
                print_retag(results["retag_shared"])
            print(f"[load {load_text()}]", flush=True)
        if not args.skip_search:
            results["search"] = search_benchmark(workdir, args.search_n, args.queries, args.recall_queries,
                                                 args.first_runs)
            print_search(results["search"])
        if args.experiments:
            results["experiments"] = experiments(workdir, args.search_n, args.queries)
            print_experiments(results["experiments"])
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ntotal {time.perf_counter() - started:.0f} s, load {load_text()}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
