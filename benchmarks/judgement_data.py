"""Shared data for the judgement sweeps: the trained shapes CLIP exported to ONNX once, embeddings of two
disjoint sets of held-out photos (a "library" and a "test" set), and a disk-cached text encoder.

Everything is cached under .test-cache/judgement (rebuilt when the shapes model changes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from photo_tagger.core.preprocess import clip_pixels  # noqa: E402
from photo_tagger.core.text_cache import CachedTextEncoder  # noqa: E402
from photo_tagger.infra.model_store import ModelStore  # noqa: E402
from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder  # noqa: E402
from tests.fixture_models.checkpoints import heldout_shapes, shapes_clip  # noqa: E402

SECOND_SEED = 30_001  # disjoint from training (0), validation (10_001) and the held-out set (20_001)


class ShapesData:
    def __init__(self):
        checkpoint = shapes_clip()
        self.root = REPO / ".test-cache" / "judgement" / checkpoint.name
        store = ModelStore(self.root / "models")
        self.model = store.get("shapes") if "shapes" in store.names() else \
            store.install_from_checkpoint(str(checkpoint), name="shapes")
        self.logit_scale = self.model.logit_scale
        self.texts = CachedTextEncoder(OnnxTextEncoder(self.model), "shapes", self.root / "texts.sqlite3")

    def photos(self, which: str) -> tuple[np.ndarray, list[tuple[str, str]]]:
        """(embeddings, [(colour, shape)]) of 800 held-out photos: "library" (the report's set) or "test"."""
        path = self.root / f"{which}.npz"
        seed = None if which == "library" else SECOND_SEED
        data = heldout_shapes(None, seed)
        truth = [(c, s) for _, c, s in data]
        if not path.exists():
            encoder = OnnxImageEncoder(self.model)
            pixels = np.stack([clip_pixels(im, self.model.preprocess_spec) for im, _, _ in data])
            np.savez(path, embeddings=encoder.encode_images(pixels))
        return np.load(path)["embeddings"], truth


class WorldData:
    """The multi-fact world (tests/fixture_models/world.py): a world CLIP of `seed` exported to ONNX once, and
    the embeddings of held-out photos ("library" and "test": two disjoint draws no world model trained on)."""

    SEEDS = {"library": 21_001, "test": 31_001}
    N = 800

    def __init__(self, seed: int = 0):
        from tests.fixture_models.world_checkpoints import world_clip

        checkpoint = world_clip(seed)
        self.root = REPO / ".test-cache" / "judgement" / checkpoint.name
        store = ModelStore(self.root / "models")
        self.model = store.get("world") if "world" in store.names() else \
            store.install_from_checkpoint(str(checkpoint), name="world")
        self.texts = CachedTextEncoder(OnnxTextEncoder(self.model), "world", self.root / "texts.sqlite3")

    def photos(self, which: str):
        """(embeddings, [Facts]) of N held-out photos."""
        from tests.fixture_models.world_checkpoints import heldout_world

        path = self.root / f"{which}.npz"
        data = heldout_world(self.N, self.SEEDS[which])
        if not path.exists():
            encoder = OnnxImageEncoder(self.model)
            pixels = np.stack([clip_pixels(im, self.model.preprocess_spec) for im, _ in data])
            np.savez(path, embeddings=encoder.encode_images(pixels))
        return np.load(path)["embeddings"], [f for _, f in data]
