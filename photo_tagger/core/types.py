"""Plain data passed between layers (frozen dataclasses, no behaviour beyond small helpers)."""

from __future__ import annotations

from dataclasses import dataclass

# OpenAI CLIP's normalization constants (the defaults of every CLIP checkpoint in transformers).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class PreprocessSpec:
    """How a model wants its pixels: shorter side resized to image_size, center crop, normalize."""

    image_size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
