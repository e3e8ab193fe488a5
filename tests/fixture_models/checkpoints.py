"""Cached builders of local CLIP checkpoints in the standard transformers format."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
COMMON_SOURCES = [HERE / "checkpoints.py", HERE / "tokenizer_files.py", REPO / "tests/assets/bpe_simple_vocab_16e6.txt.gz"]
SHAPES_SOURCES = COMMON_SOURCES + [HERE / "shapes.py", HERE / "train_shapes_clip.py"]


def cache_dir() -> Path:
    """Where built models live: $PHOTO_TAGGER_TEST_CACHE or <repo>/.test-cache/models."""
    return Path(os.environ.get("PHOTO_TAGGER_TEST_CACHE") or REPO / ".test-cache" / "models")


def image_processor(size: int):
    """CLIP preprocessing at `size`; the PIL backend so results never depend on torchvision being installed."""
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    return CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})


def save_clip_checkpoint(model, dest: Path) -> None:
    """Weights (safetensors) + config + tokenizer files + preprocessor_config.json, like a hub CLIP repo."""
    from .tokenizer_files import write_clip_tokenizer

    model.save_pretrained(str(dest), safe_serialization=True)
    write_clip_tokenizer(dest)
    image_processor(model.config.vision_config.image_size).save_pretrained(str(dest))


def _source_key(sources: list[Path]) -> str:
    import torch
    import transformers

    h = hashlib.sha256(f"{transformers.__version__} {torch.__version__}".encode())
    for p in sources:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: fcntl is POSIX-only
        from filelock import FileLock

        with FileLock(str(path)):
            yield
        return
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def cached_model(name: str, build: Callable[[Path], None], sources: list[Path]) -> Path:
    """Return <cache>/<name>-<hash of sources>, building it once (lock, temp dir, atomic rename)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    key = f"{name}-{_source_key(sources)}"
    final = root / key
    if final.is_dir():
        return final
    with _locked(root / f".{key}.lock"):
        if final.is_dir():  # another process built it while we waited
            return final
        for stale in root.glob(f".tmp-{key}-*"):  # left by a killed build; we hold the lock
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=root))
        try:
            build(tmp)
            # mkdtemp makes the folder 0700 and transformers writes model.safetensors 0600: open both up.
            for p in [tmp, *tmp.iterdir()]:
                p.chmod(0o755 if p.is_dir() else 0o644)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final


def _random_clip(dest: Path, seed: int, **config) -> None:
    import torch
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(seed)
    save_clip_checkpoint(CLIPModel(CLIPConfig(**config)).eval(), dest)


TINY_CONFIG = dict(
    text_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4),
    vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8),
    projection_dim=16,
)


def tiny_clip() -> Path:
    """Random, very small CLIP (image 32, patch 8, hidden 32, projection 16) with the real tokenizer."""
    return cached_model("tiny-clip", lambda d: _random_clip(d, 0, **TINY_CONFIG), COMMON_SOURCES)


def vit_b32_clip() -> Path:
    """Random weights in the exact OpenAI ViT-B/32 shape (CLIPConfig defaults), for benchmarks."""
    return cached_model("vit-b32-random", lambda d: _random_clip(d, 0), COMMON_SOURCES)


def shapes_clip() -> Path:
    """Small CLIP trained on coloured shapes; its training_report.json holds the held-out accuracy."""
    from .train_shapes_clip import train

    return cached_model("shapes-clip", train, SHAPES_SOURCES)


def heldout_shapes(n: int | None = None, seed: int | None = None):
    """The held-out evaluation photos [(image, color, shape)] that shapes_clip's report was measured on."""
    from .train_shapes_clip import HELDOUT_N, HELDOUT_SEED
    from .shapes import sample_dataset

    return sample_dataset(HELDOUT_N if n is None else n, HELDOUT_SEED if seed is None else seed)
