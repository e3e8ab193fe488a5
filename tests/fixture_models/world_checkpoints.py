"""Cached builder of the multi-fact world CLIP (tests/fixture_models/world.py), apart from checkpoints.py so that
adding it left the other fixture models' cache keys as they were."""

from __future__ import annotations

from pathlib import Path

from .checkpoints import COMMON_SOURCES, HERE, cached_model

WORLD_SOURCES = COMMON_SOURCES + [HERE / "world.py", HERE / "train_world_clip.py", HERE / "world_checkpoints.py"]


def world_clip(seed: int = 0) -> Path:
    """Small CLIP trained on multi-fact photos (object, colour, scene, style) with partial captions; seed 0 is the
    test fixture, another seed a second model for the sweeps (benchmarks/judgement_sweep.py)."""
    from .train_world_clip import train

    return cached_model("world-clip" if seed == 0 else f"world-clip-seed{seed}", lambda d: train(d, seed),
                        WORLD_SOURCES)


def heldout_world(n: int, seed: int | None = None):
    """Held-out multi-fact photos [(image, Facts)], from a seed no world model trained or validated on."""
    from .train_world_clip import HELDOUT_SEED
    from .world import sample_world

    return sample_world(n, HELDOUT_SEED if seed is None else seed)
