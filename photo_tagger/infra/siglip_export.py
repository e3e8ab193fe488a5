"""Turn a transformers SigLIP checkpoint (SiglipModel: SigLIP, and SigLIP2 at a fixed resolution) into ONNX encoders.

What differs from CLIP, each taken from the checkpoint so the app reproduces transformers' processor exactly:
- pixels: resized to a square without a crop, with the processor's interpolation, mean and std (0.5 for SigLIP);
- texts: always padded to the model's length (padding="max_length"; the tower pools the last position), on the side
  the tokenizer pads, with the attention mask when the tokenizer gives one (the processor passes it to the model);
- scores: a per-pair sigmoid with the model's own scale and bias, recorded in the manifest (core/tagging.py uses them).
SigLIP2's NaFlex checkpoints (model_type "siglip2": any aspect ratio, a variable number of patches) are refused.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
from PIL import Image

from photo_tagger.core.errors import ModelError
from photo_tagger.infra import model_export as export

log = logging.getLogger(__name__)

FAMILIES = ("siglip", "siglip2")
# Beside CLIP's parity texts: a long one (truncated), non-ASCII ones and empty-ish ones.
PARITY_TEXTS = export.PARITY_TEXTS + (
    " ".join(["a purple mountain near the city"] * 20), "Straße im Schnee", "東京の夜景", "", "  ", "!!!")


def model_type(checkpoint: Path) -> str | None:
    """config.json's model_type, or None when it has none or cannot be read (export_checkpoint then says why)."""
    try:
        value = json.loads((checkpoint / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def preprocessing(checkpoint: Path, image_size: int) -> dict:
    """The manifest's preprocessing from preprocessor_config.json (SiglipImageProcessor's defaults without one)."""
    config_file = checkpoint / "preprocessor_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    size = config.get("size", {"height": image_size, "width": image_size})
    resample = config.get("resample", Image.Resampling.BICUBIC)
    rescale = float(config.get("rescale_factor", 1 / 255))
    if not (isinstance(size, dict) and size.get("height") == size.get("width") == image_size) or not all(
            config.get(step, True) for step in ("do_resize", "do_rescale", "do_normalize")) or abs(
            rescale - 1 / 255) > 1e-9 or resample not in {r.value for r in Image.Resampling}:
        raise ModelError(f"unsupported preprocessing in {config_file}: size {size}, resample {resample}, rescale "
                         f"{rescale}; SigLIP resizes to the model's square input ({image_size}) and scales by 1/255")
    return {"image_size": image_size, "resize_mode": "squash",
            "interpolation": Image.Resampling(resample).name.lower(),
            "mean": [float(v) for v in config.get("image_mean", (0.5, 0.5, 0.5))],
            "std": [float(v) for v in config.get("image_std", (0.5, 0.5, 0.5))]}


def export_siglip(checkpoint: Path, out_dir: Path, *, int8: bool) -> export.ExportResult:
    """Export both towers to out_dir and check them against SiglipModel on the processor's own inputs."""
    kind = model_type(checkpoint)
    if kind == "siglip2":
        raise ModelError(f"{checkpoint} is a SigLIP2 NaFlex checkpoint (variable resolution), which Photo Tagger "
                         "cannot run; install a fixed-resolution SigLIP2 (e.g. google/siglip2-base-patch16-224) or "
                         "a ready export (e.g. immich-app/ViT-B-16-SigLIP2__webli)")
    export.require_export_deps()
    import torch
    from transformers import AutoTokenizer, SiglipModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # SiglipTextConfig's defaults name CLIP's start and end token ids, which a SigLIP vocabulary need not hold and
    # SigLIP never uses: transformers warns about them on every load of such a config.
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        model = SiglipModel.from_pretrained(checkpoint).eval()
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    except (*export.unreadable_checkpoint_errors(), ImportError, AttributeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ModelError(f"{checkpoint} is not a usable transformers SigLIP checkpoint: {first}") from exc
    finally:
        hf_logging.set_verbosity(verbosity)
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{checkpoint} has only a sentencepiece tokenizer (no tokenizer.json), which the app cannot "
                         "run without transformers; install a ready export instead (e.g. "
                         "immich-app/ViT-B-16-SigLIP__webli)")
    if getattr(tokenizer, "truncation_side", "right") != "right" or tokenizer.pad_token_id is None:
        raise ModelError(f"{checkpoint}: the tokenizer truncates on the left or has no pad token; not supported")

    vision, text = model.config.vision_config, model.config.text_config
    context_length = int(text.max_position_embeddings)
    masked = "attention_mask" in tokenizer.model_input_names
    info = {
        "family": "siglip",
        "embedding_dim": int(getattr(text, "projection_size", None) or text.hidden_size),
        "context_length": context_length,
        # As transformers computes logits_per_text: cos * exp(logit_scale) + logit_bias, then a sigmoid per pair.
        "logit_scale": float(model.logit_scale.exp().item()),
        "logit_bias": float(model.logit_bias.item()),
        **preprocessing(checkpoint, int(vision.image_size)),
        "pad_token_id": int(tokenizer.pad_token_id),
        "image_input": "pixel_values", "text_input": "input_ids", "text_dtype": "int64",
        "text_padding": "max_length", "text_padding_side": tokenizer.padding_side,
        **({"text_mask_input": "attention_mask"} if masked else {}),
        "torch": torch.__version__, "onnx_opset": export.ONNX_OPSET,
    }
    if info["embedding_dim"] != int(vision.hidden_size):
        raise ModelError(f"{checkpoint}: image ({vision.hidden_size}) and text ({info['embedding_dim']}) embeddings "
                         "differ in size")
    tokenizer_file = export.save_tokenizer(tokenizer, out_dir)
    pixels = export.parity_pixels(info["image_size"])
    feeds = parity_tokens(tokenizer, context_length, masked)
    with torch.inference_mode():
        ref_image = export.normalize(export.features(model.get_image_features(
            pixel_values=torch.from_numpy(pixels))))
        ref_text = export.normalize(export.features(model.get_text_features(
            **{k: torch.from_numpy(v) for k, v in feeds.items()})))

    image_tower, text_tower = _towers(model, masked)
    batch = torch.export.Dim("batch")
    export.export_to_onnx(image_tower, (torch.zeros(2, 3, info["image_size"], info["image_size"]),),
                   out_dir / "image_fp32.onnx", "pixel_values", "image_embeds", {0: batch})
    example = tuple(torch.from_numpy(v[:2]) for v in feeds.values())
    export.export_to_onnx(text_tower, example, out_dir / "text_fp32.onnx", tuple(feeds), "text_embeds",
                   tuple({0: batch} for _ in feeds))
    files = ["image_fp32.onnx", "text_fp32.onnx", tokenizer_file]

    image_diff = export.max_diff(export.run_onnx(out_dir / "image_fp32.onnx", {"pixel_values": pixels}), ref_image)
    # A text with no token at all (SigLIP2's tokenizer adds none to "") is masked entirely: attention over nothing,
    # which torch and onnxruntime fill differently; the model never saw one, and an empty search is refused before
    # it is encoded.
    seen = feeds["attention_mask"].any(axis=1) if masked else slice(None)
    text_diff = export.max_diff(export.run_onnx(out_dir / "text_fp32.onnx", feeds)[seen], ref_text[seen])
    info["parity_max_abs_diff"] = {"image": image_diff, "text": text_diff}
    log.info("SigLIP ONNX vs torch max abs diff: image %.2e, text %.2e", image_diff, text_diff)
    if not max(image_diff, text_diff) <= export.PARITY_TOLERANCE:  # NaN fails too
        raise ModelError(f"exported ONNX encoders disagree with torch (max abs diff image {image_diff:.2e}, text "
                         f"{text_diff:.2e} > {export.PARITY_TOLERANCE:g}); the model was not installed")
    if int8:
        info["int8_min_cosine"] = export.quantize_image(out_dir, pixels, ref_image)
        files.append("image_int8.onnx")
    return export.ExportResult(tuple(files), info)


def parity_tokens(tokenizer, context_length: int, masked: bool) -> dict[str, np.ndarray]:
    """PARITY_TEXTS as SigLIP's processor tokenizes them: padded to the model's length, truncated."""
    batch = tokenizer(list(PARITY_TEXTS), padding="max_length", max_length=context_length, truncation=True)
    feeds = {"input_ids": np.asarray(batch["input_ids"], np.int64)}
    if masked:
        feeds["attention_mask"] = np.asarray(batch["attention_mask"], np.int64)
    return feeds


def _towers(model, masked: bool):
    import torch

    class ImageTower(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            return export.features(self.model.get_image_features(pixel_values=pixel_values))

    class TextTower(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask=None):
            return export.features(self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask))

    class UnmaskedTextTower(TextTower):
        def forward(self, input_ids):
            return super().forward(input_ids)

    return ImageTower().eval(), (TextTower() if masked else UnmaskedTextTower()).eval()
