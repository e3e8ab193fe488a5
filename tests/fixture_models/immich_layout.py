"""Ready ONNX models in Immich's published layout, exported here from the tests' own transformers checkpoints.

As Immich's exporter does (machine-learning/export/immich_model_exporter/exporters/onnx/models/openclip.py): graphs
with a fixed batch of 1, input `image` (float32 NCHW) and `text` (int32, the full context length), outputs already
normalized; config.json in open_clip's shape, visual/preprocess_cfg.json, the tokenizer files under textual/.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import warnings
from pathlib import Path

from .checkpoints import COMMON_SOURCES, HERE, cached_model, tiny_clip

SOURCES = COMMON_SOURCES + [HERE / "immich_layout.py"]


def write_immich_layout(checkpoint: Path, dest: Path, *, resize_mode: str = "shortest",
                        interpolation: str = "bicubic") -> None:
    import torch
    from transformers import CLIPModel

    from .tokenizer_files import write_clip_tokenizer

    model = CLIPModel.from_pretrained(checkpoint).eval()
    vision, text = model.config.vision_config, model.config.text_config
    size, dim, ctx = vision.image_size, model.config.projection_dim, text.max_position_embeddings
    (dest / "visual").mkdir(parents=True)
    write_clip_tokenizer(dest / "textual")

    def unit(features):
        features = getattr(features, "pooler_output", features)  # transformers 5 returns a model output
        return features / features.norm(dim=-1, keepdim=True)

    class Visual(torch.nn.Module):
        def forward(self, image):
            return unit(model.get_image_features(pixel_values=image))

    class Textual(torch.nn.Module):
        def forward(self, text):
            return unit(model.get_text_features(input_ids=text.long()))

    _export(Visual(), (torch.zeros(1, 3, size, size),), dest / "visual" / "model.onnx", "image")
    _export(Textual(), (torch.full((1, ctx), 49407, dtype=torch.int32),), dest / "textual" / "model.onnx", "text")
    config = {"embed_dim": dim,
              "vision_cfg": {"image_size": size, "layers": vision.num_hidden_layers, "width": vision.hidden_size,
                             "patch_size": vision.patch_size},
              "text_cfg": {"context_length": ctx, "vocab_size": text.vocab_size, "width": text.hidden_size,
                           "heads": text.num_attention_heads, "layers": text.num_hidden_layers}}
    (dest / "config.json").write_text(json.dumps(config, indent=2))
    preprocess = {"size": [size, size], "mode": "RGB", "mean": [0.48145466, 0.4578275, 0.40821073],
                  "std": [0.26862954, 0.26130258, 0.27577711], "interpolation": interpolation,
                  "resize_mode": resize_mode, "fill_color": 0}
    (dest / "visual" / "preprocess_cfg.json").write_text(json.dumps(preprocess, indent=2))


def _export(module, example: tuple, path: Path, input_name: str) -> None:
    import logging

    import torch

    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), example, str(path), input_names=[input_name], output_names=["embedding_out"],
                          opset_version=18, dynamo=True, external_data=False, verbose=False)


def tiny_immich() -> Path:
    """The tiny random CLIP (checkpoints.tiny_clip) as a ready model in Immich's layout."""
    return cached_model("immich-tiny-clip", lambda d: write_immich_layout(tiny_clip(), d), SOURCES)


def immich_copy(dest: Path, **preprocess_overrides) -> Path:
    """A writable copy of tiny_immich (to damage, or with other preprocess_cfg.json values)."""
    shutil.copytree(tiny_immich(), dest)
    if preprocess_overrides:
        cfg_file = dest / "visual" / "preprocess_cfg.json"
        cfg_file.write_text(json.dumps({**json.loads(cfg_file.read_text()), **preprocess_overrides}))
    return dest


def shapes_immich() -> Path:
    """The small CLIP trained on coloured shapes (checkpoints.shapes_clip) as a ready model: it knows red from blue,
    so the install's red/blue self-check means something on it."""
    from .checkpoints import SHAPES_SOURCES, shapes_clip

    return cached_model("immich-shapes-clip", lambda d: write_immich_layout(shapes_clip(), d),
                        SHAPES_SOURCES + [HERE / "immich_layout.py"])
