"""Learning and deciding from stored embeddings: fitting one label, and deciding 10,000 photos x 50 labels +
5 categories with 10 learned labels (ViT-B/32 size, 512-d; random unit vectors: the speed does not depend on
their meaning), and a whole `retag` of those photos from a real catalog: calibration on the library, training
the 10 labels from their stored choices, deciding, and writing the changes.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_learning.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from photo_tagger.core import calibration, learning  # noqa: E402
from photo_tagger.core.labels import default_label_set  # noqa: E402
from photo_tagger.core.tagging import calibrated, decide, prepare  # noqa: E402

DIM, PHOTOS = 512, 10_000


class RandomText:
    embedding_dim = DIM

    def encode_texts(self, texts):
        rng = np.random.default_rng(abs(hash(tuple(texts))) % 2**32)
        v = rng.normal(size=(len(texts), DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def unit(rows, seed):
    v = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def main() -> None:
    library = unit(PHOTOS, 0)
    prepared = calibrated(prepare(default_label_set(), RandomText()), library[:4000])
    slope = calibration.SHARPNESS / prepared.reference.spread
    fits = []
    learned = {}
    for row, name in enumerate(prepared.names[:10]):
        examples = learning.Examples(unit(20, row + 1), unit(20, row + 100))
        started = time.perf_counter()
        learned[name] = learning.fit(examples, np.zeros((0, DIM), np.float32), prepared.labels.prior(row, prepared.reference),
                                     slope, 0.5)
        fits.append(time.perf_counter() - started)
    weak_fits = []
    for row in range(5):
        examples = learning.Examples(unit(10, row + 200), np.zeros((0, DIM), np.float32))
        started = time.perf_counter()
        learning.fit(examples, learning.weak_sample(library, np.array([], int)), None, slope)
        weak_fits.append(time.perf_counter() - started)
    alone_fits = []  # a prompt that disagrees with 10 + 10 examples: no prior, the threshold in the library's gap
    for row in range(5):
        examples = learning.Examples(unit(10, row + 300), unit(10, row + 400))
        started = time.perf_counter()
        auc = learning.prompt_auc(examples.positives @ prepared.labels.priors[row],
                                  examples.negatives @ prepared.labels.priors[row])
        model = learning.fit(examples, np.zeros((0, DIM), np.float32), None, slope, 0.0)
        learning.in_widest_gap(model, examples, library[:4000])
        alone_fits.append(time.perf_counter() - started)
    prepared = replace(prepared, labels=replace(prepared.labels, learned=learned))
    decide(library[:100], prepared)  # warm up
    times = []
    for _ in range(3):
        started = time.perf_counter()
        decide(library, prepared)
        times.append(time.perf_counter() - started)
    print(f"fit one label, 20 + 20 examples: median {np.median(fits) * 1000:.1f} ms, max {max(fits) * 1000:.1f} ms")
    print(f"fit one label, 10 examples + {learning.WEAK_NEGATIVES} weak negatives: median "
          f"{np.median(weak_fits) * 1000:.1f} ms, max {max(weak_fits) * 1000:.1f} ms")
    print(f"fit one label by its 10 + 10 examples alone (prompt rank AUC {auc:.2f}; threshold in the gap of 4000 "
          f"photos): median {np.median(alone_fits) * 1000:.1f} ms, max {max(alone_fits) * 1000:.1f} ms")
    print(f"decide {PHOTOS} photos x {len(prepared.names)} labels ({len(learned)} learned) + "
          f"{len(prepared.categories.names)} categories: best {min(times):.3f} s, median {np.median(times):.3f} s")
    retag_bench(library, prepare(default_label_set(), RandomText()))


def retag_bench(library: np.ndarray, labels) -> None:
    import tempfile

    from photo_tagger.core.retagging import retag
    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from tests.fakes import InMemoryStore

    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.sqlite3")
        ids = [f"{i:040x}" for i in range(len(library))]
        records = [PhotoRecord(id=i, root="/p", relpath=f"{n}.jpg", size=1, mtime_ns=1, content_hash=i,
                               status="indexed", embedded_model="m") for n, i in enumerate(ids)]
        catalog.add_root("/p", 0.0)
        with catalog.transaction() as db:
            catalog.write(db, records)
            catalog.write_vectors(db, "m", ids, library)
            for row, name in enumerate(labels.names[:10]):  # 20 added and 20 removed per learned label
                picks = np.random.default_rng(row).choice(len(ids), 40, replace=False)
                catalog.set_user_tags(db, ids[picks[0]], add=[name])
                for k in picks[:20]:
                    catalog.set_user_tags(db, ids[k], add=[name])
                for k in picks[20:]:
                    catalog.set_user_tags(db, ids[k], remove=[name])
        store = InMemoryStore()
        for case in ("first retag (all written)", "retag again (nothing changed)"):
            started = time.perf_counter()
            report = retag(catalog, store, labels, "m")
            print(f"retag {len(ids)} photos, {case}: {time.perf_counter() - started:.3f} s "
                  f"({len(report.learned)} learned: {', '.join(report.learned[:3])}...)")
        catalog.close()


if __name__ == "__main__":
    main()
