"""Benchmark ChromaVectorStore (embedded): add, ids(), reopen, and k-NN query latency with and without filters.

    python benchmarks/bench_store.py --n 10000 100000 --queries 200 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import chromadb
import numpy as np

from photo_tagger.infra.chroma_store import ChromaVectorStore, open_chroma

DAY = 86_400
T0 = 1_420_070_400  # 2015-01-01
LABELS = [f"label{i:02d}" for i in range(50)]


def make_data(n: int, dim: int, seed: int = 0):
    """Clustered unit vectors (CLIP embeddings are far from uniform) and photo-like metadata."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(10, n // 500), dim)).astype(np.float32)
    vecs = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    folders = [f"/home/me/Pictures/{y}/{m:02d}-event{e}" for y in range(2015, 2025) for m in range(1, 13)
               for e in range(4)]  # 480 folders
    metas = []
    for i in range(n):
        k = int(rng.integers(1, 4))
        metas.append({
            "root": "/home/me/Pictures" if i % 10 else "/mnt/phone",
            "folder": folders[int(rng.integers(0, len(folders)))],
            "taken_at": T0 + int(rng.integers(0, 10 * 365 * DAY)),
            "tags": [LABELS[j] for j in rng.choice(50, size=k, replace=False)],
            "flagged": bool(rng.random() < 0.02),
        })
    ids = [f"/home/me/Pictures/img_{i:07d}.jpg" for i in range(n)]
    return ids, vecs, metas, folders


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p)) * 1000


def bench(n: int, dim: int, queries: int, rounds: int, k: int, root: Path, ef: int | None) -> dict:
    ids, vecs, metas, folders = make_data(n, dim)
    rng = np.random.default_rng(1)
    picks = rng.integers(0, n, queries)
    qvecs = vecs[picks] + 0.3 * rng.standard_normal((queries, dim)).astype(np.float32)
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    start = T0 + 3 * 365 * DAY
    filters = {
        "none": None,
        "folder ==": {"folder": folders[17]},
        "tags $contains": {"tags": {"$contains": "label07"}},
        "90-day range": {"$and": [{"taken_at": {"$gte": start}}, {"taken_at": {"$lte": start + 90 * DAY}}]},
    }
    masks = {
        "none": np.ones(n, bool),
        "folder ==": np.array([m["folder"] == folders[17] for m in metas]),
        "tags $contains": np.array(["label07" in m["tags"] for m in metas]),
        "90-day range": np.array([start <= m["taken_at"] <= start + 90 * DAY for m in metas]),
    }

    path = root / f"db-{n}"
    client = open_chroma(path)
    store = ChromaVectorStore(client, "photos--bench", ef_search=ef)
    res: dict = {"n": n}
    t = time.perf_counter()
    for s in range(0, n, 1000):  # the indexer writes batches of this order
        store.upsert(ids[s:s + 1000], vecs[s:s + 1000], metas[s:s + 1000])
    res["add"] = time.perf_counter() - t

    t = time.perf_counter()
    got = store.ids()
    res["ids"] = time.perf_counter() - t
    assert len(got) == n
    t = time.perf_counter()
    store.count()
    res["count"] = time.perf_counter() - t
    sample = ids[:1000]
    t = time.perf_counter()
    store.get_embeddings(sample)
    res["get_emb_1k"] = time.perf_counter() - t
    res["disk_mb"] = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20

    client.close()
    t = time.perf_counter()
    client = open_chroma(path)
    store = ChromaVectorStore(client, "photos--bench", ef_search=ef)
    store.query(qvecs[0], k)
    res["reopen_first_query"] = time.perf_counter() - t

    for name, where in filters.items():
        for q in qvecs[:20]:  # warm-up
            store.query(q, k, where)
        p50s, p95s = [], []
        for _ in range(rounds):
            lat = []
            for q in qvecs:
                t = time.perf_counter()
                store.query(q, k, where)
                lat.append(time.perf_counter() - t)
            p50s.append(pct(lat, 50))
            p95s.append(pct(lat, 95))
        # Recall@k against exact search over the rows the filter admits.
        recalls = []
        mask = masks[name]
        for q in qvecs[:50]:
            sims = np.where(mask, vecs @ q, -np.inf)
            want = min(k, int(mask.sum()))
            exact = {ids[i] for i in np.argsort(-sims)[:want]}
            hits = {h[0] for h in store.query(q, k, where)}
            recalls.append(len(exact & hits) / max(1, want))
        res[name] = (statistics.median(p50s), statistics.median(p95s), float(np.mean(recalls)),
                     float(mask.mean()) * 100)
    client.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="query rounds; p50/p95 are medians over rounds")
    ap.add_argument("-k", type=int, default=50)
    ap.add_argument("--ef-search", type=int, default=None, help="HNSW ef_search (Chroma's default: 100)")
    args = ap.parse_args()
    print(f"chromadb {chromadb.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cpus, dim {args.dim}, k {args.k}, {args.queries} queries x {args.rounds} rounds, "
          f"ef_search {args.ef_search or 'default'}")
    root = Path(tempfile.mkdtemp(prefix="bench_store-"))
    try:
        results = [bench(n, args.dim, args.queries, args.rounds, args.k, root, args.ef_search) for n in args.n]
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print("\n| N | add (batches of 1,000) | ids() | count() | get 1k embeddings | reopen + 1st query | disk |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['n']:,} | {r['add']:.1f} s ({r['n'] / r['add']:,.0f}/s) | {r['ids'] * 1000:.0f} ms | "
              f"{r['count'] * 1000:.1f} ms | {r['get_emb_1k'] * 1000:.0f} ms | "
              f"{r['reopen_first_query'] * 1000:.0f} ms | {r['disk_mb']:.0f} MB |")
    print(f"\n| N | filter (share of rows) | p50 ms | p95 ms | recall@{args.k} |")
    print("|---|---|---|---|---|")
    for r in results:
        for name in ("none", "folder ==", "tags $contains", "90-day range"):
            p50, p95, recall, share = r[name]
            print(f"| {r['n']:,} | {name} ({share:.1f}%) | {p50:.1f} | {p95:.1f} | {recall:.3f} |")


if __name__ == "__main__":
    main()
