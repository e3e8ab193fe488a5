"""Turn a transformers CLIP checkpoint (hub id or folder) into ONNX encoders, checked against torch.

The only module that imports torch and transformers; they are needed to install a model, never to run one.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photo_tagger.core.errors import ModelError
from photo_tagger.core.types import CLIP_MEAN, CLIP_STD

log = logging.getLogger(__name__)

DEFAULT_SOURCE = "openai/clip-vit-base-patch32"
PARITY_TOLERANCE = 1e-4  # max abs diff of normalized embeddings, ONNX vs torch
INT8_MIN_COSINE = 0.98  # below this the int8 encoder is not a faithful copy; refuse it
ONNX_OPSET = 18
PARITY_TEXTS = (
    "a photo of a cat",
    "kids on a beach at sunset",
    "A close-up photo of a RED circle, taken at night!",
    "x",
)
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class HubDownloadError(ModelError):
    """The hub could not be reached or refused: `reason` is its first line (the window words its own advice)."""

    def __init__(self, message: str, repo_id: str, reason: str):
        super().__init__(message)
        self.repo_id, self.reason = repo_id, reason


@dataclass(frozen=True)
class ExportResult:
    """What export_checkpoint wrote into the output folder, for the manifest."""

    files: tuple[str, ...]
    info: dict


def require_export_deps():
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"installing from a checkpoint needs torch and transformers ({exc.name} is missing): "
            "pip install 'photo-tagger[export]', or `photo-tagger model import FOLDER` with a model "
            "folder exported on another machine"
        ) from exc


def unreadable_checkpoint_errors() -> tuple[type[BaseException], ...]:
    """What loading a damaged or foreign checkpoint raises: files missing or of the wrong shape, and a weights file
    safetensors cannot read (a cut-off download, bytes overwritten), which is not an OSError."""
    from safetensors import SafetensorError

    # RuntimeError: torch's words for weights whose sizes do not fit the config (a truncated tensor).
    return (OSError, ValueError, KeyError, SafetensorError, RuntimeError)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def resolve_source(source: str, download_dir: Path) -> tuple[Path, str, str]:
    """Return (checkpoint folder, source kind, revision) for a local folder or a hub id."""
    path = Path(source).expanduser()
    if path.is_dir():
        return path.resolve(), "folder", ""
    if not _HUB_ID.match(source):
        raise ModelError(f"{source!r} is neither a folder nor a Hugging Face model id like {DEFAULT_SOURCE}")
    return _download(source, download_dir)


def _download(repo_id: str, download_dir: Path) -> tuple[Path, str, str]:
    from huggingface_hub import snapshot_download

    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "15")
    try:
        folder = Path(
            snapshot_download(
                repo_id,
                cache_dir=download_dir,
                allow_patterns=["*.json", "*.txt", "*.safetensors"],
            )
        )
    except Exception as exc:  # the hub client raises many types; all mean "could not fetch it"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HubDownloadError(
            f"cannot download {repo_id} from the Hugging Face hub ({reason[:160]}). "
            f"Without network: fetch the model folder on another machine and run "
            f"`photo-tagger model install FOLDER`", repo_id, reason[:160]
        ) from exc
    if not any(folder.glob("*.safetensors")):
        raise ModelError(f"{repo_id} has no safetensors weights; convert it and install the folder")
    return folder, "hub", folder.name  # snapshot folders are named by commit hash


def _preprocess_config(folder: Path, image_size: int) -> dict:
    """Mean, std and size from preprocessor_config.json; CLIP's defaults when the file is absent."""
    spec = {"image_size": image_size, "mean": list(CLIP_MEAN), "std": list(CLIP_STD)}
    config_file = folder / "preprocessor_config.json"
    if not config_file.exists():
        return spec
    config = json.loads(config_file.read_text(encoding="utf-8"))
    crop = config.get("crop_size", image_size)
    crop = crop.get("height", image_size) if isinstance(crop, dict) else crop
    size = config.get("size", image_size)
    size = size.get("shortest_edge", crop) if isinstance(size, dict) else size
    if size != crop or crop != image_size:
        raise ModelError(
            f"unsupported preprocessing in {config_file}: resize {size}, crop {crop}, model input {image_size}"
        )
    spec["mean"] = [float(v) for v in config.get("image_mean", CLIP_MEAN)]
    spec["std"] = [float(v) for v in config.get("image_std", CLIP_STD)]
    return spec


def export_checkpoint(checkpoint: Path, out_dir: Path, *, int8: bool) -> ExportResult:
    """Export both towers to out_dir, verify parity with torch, optionally add an int8 image encoder."""
    from photo_tagger.infra import siglip_export

    if siglip_export.model_type(checkpoint) in siglip_export.FAMILIES:
        return siglip_export.export_siglip(checkpoint, out_dir, int8=int8)
    require_export_deps()
    import torch
    from transformers import AutoTokenizer, CLIPModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        model = CLIPModel.from_pretrained(checkpoint).eval()
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    except unreadable_checkpoint_errors() as exc:
        raise ModelError(f"{checkpoint} is not a usable transformers CLIP checkpoint: {_first_line(exc)}") from exc

    vision, text = model.config.vision_config, model.config.text_config
    info = {
        "embedding_dim": int(model.config.projection_dim),
        "context_length": int(text.max_position_embeddings),
        "logit_scale": float(model.logit_scale.exp().item()),
        **_preprocess_config(checkpoint, int(vision.image_size)),
        "pad_token_id": int(tokenizer.pad_token_id),
        "torch": torch.__version__,
        "onnx_opset": ONNX_OPSET,
    }
    tokenizer_file = save_tokenizer(tokenizer, out_dir)
    pixels = parity_pixels(info["image_size"])
    ids = _parity_ids(tokenizer, info["context_length"])
    with torch.inference_mode():
        ref_image = normalize(features(model.get_image_features(pixel_values=torch.from_numpy(pixels))))
        ref_text = normalize(features(model.get_text_features(input_ids=torch.from_numpy(ids))))

    _export_image(model, out_dir / "image_fp32.onnx", info["image_size"])
    _export_text(model, out_dir / "text_fp32.onnx", info["context_length"])
    files = ["image_fp32.onnx", "text_fp32.onnx", tokenizer_file]

    image_diff = max_diff(run_onnx(out_dir / "image_fp32.onnx", {"pixel_values": pixels}), ref_image)
    text_diff = max_diff(run_onnx(out_dir / "text_fp32.onnx", {"input_ids": ids}), ref_text)
    info["parity_max_abs_diff"] = {"image": image_diff, "text": text_diff}
    log.info("ONNX vs torch max abs diff: image %.2e, text %.2e", image_diff, text_diff)
    if max(image_diff, text_diff) > PARITY_TOLERANCE:
        raise ModelError(
            f"exported ONNX encoders disagree with torch (max abs diff image {image_diff:.2e}, "
            f"text {text_diff:.2e} > {PARITY_TOLERANCE:g}); the model was not installed"
        )
    if int8:
        info["int8_min_cosine"] = quantize_image(out_dir, pixels, ref_image)
        files.append("image_int8.onnx")
    return ExportResult(tuple(files), info)


def features(output):
    # transformers 5 returns a model output whose pooler_output is the projected embedding.
    return getattr(output, "pooler_output", output)


def normalize(t) -> np.ndarray:
    array = t.detach().numpy().astype(np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def max_diff(onnx_out: np.ndarray, reference: np.ndarray) -> float:
    onnx_out = onnx_out / np.linalg.norm(onnx_out, axis=1, keepdims=True)
    return float(np.abs(onnx_out - reference).max())


def parity_pixels(size: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((3, 3, size, size)).astype(np.float32)
    ramp = np.linspace(-1.8, 2.1, size * size, dtype=np.float32).reshape(1, 1, size, size)
    return np.concatenate([noise, np.broadcast_to(ramp, (1, 3, size, size))]).astype(np.float32)


def _parity_ids(tokenizer, context_length: int) -> np.ndarray:
    batch = tokenizer(list(PARITY_TEXTS), padding=True, truncation=True, max_length=context_length)
    return np.asarray(batch["input_ids"], dtype=np.int64)


def save_tokenizer(tokenizer, out_dir: Path) -> str:
    """Keep only tokenizer.json: the runtime reads it with the `tokenizers` library alone."""
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError("the checkpoint's tokenizer has no fast (tokenizers) version; cannot export it")
    tmp = out_dir / "tokenizer_export"
    tokenizer.save_pretrained(tmp)
    shutil.move(tmp / "tokenizer.json", out_dir / "tokenizer.json")
    shutil.rmtree(tmp)
    return "tokenizer.json"


def _towers(model):
    """Wrap the two towers as modules with one tensor in and the projected embedding out."""
    import torch

    class ImageTower(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, pixel_values):
            return features(self.model.get_image_features(pixel_values=pixel_values))

    class TextTower(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            return features(self.model.get_text_features(input_ids=input_ids))

    return ImageTower().eval(), TextTower().eval()


def export_to_onnx(module, example: tuple, path: Path, input_name: str | tuple[str, ...], output_name: str,
            dynamic: dict | tuple[dict, ...]) -> None:
    """One input (`input_name`, `dynamic`), or several as parallel tuples."""
    import torch

    input_names = [input_name] if isinstance(input_name, str) else list(input_name)
    dynamic = (dynamic,) if isinstance(dynamic, dict) else tuple(dynamic)

    # The exporter reports every step on stdout and warns about traced Python conditions that the
    # parity check covers; neither helps a user installing a model.
    # Without torchvision the exporter warns that it skips torchvision's operators, which CLIP never uses.
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    # The graph optimizer notes each Split it leaves unfolded (SigLIP's attention has some): no effect on results.
    logging.getLogger("onnxscript.optimizer._constant_folding").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                example,
                str(path),
                input_names=input_names,
                output_names=[output_name],
                dynamic_shapes=dynamic,
                opset_version=ONNX_OPSET,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
    except Exception as exc:
        raise ModelError(f"ONNX export of {path.stem} failed: {exc}") from exc


def _export_image(model, path: Path, size: int) -> None:
    import torch

    image_tower, _ = _towers(model)
    example = (torch.zeros(2, 3, size, size),)
    export_to_onnx(image_tower, example, path, "pixel_values", "image_embeds", {0: torch.export.Dim("batch")})


def _export_text(model, path: Path, context_length: int) -> None:
    import torch

    _, text_tower = _towers(model)
    # A dynamic sequence axis: CLIP's text tower is causal and pools at the end token, so a short
    # query can run unpadded, several times cheaper than padding every query to the context length.
    example = (torch.tensor([[49406, 320, 1125, 539, 320, 2368, 49407]] * 2, dtype=torch.long),)
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("sequence", min=2, max=context_length)}
    export_to_onnx(text_tower, example, path, "input_ids", "text_embeds", dims)


def run_onnx(path: Path, feeds: dict) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def quantize_image(out_dir: Path, pixels: np.ndarray, ref_image: np.ndarray) -> float:
    """Dynamic int8 quantization of the image encoder's matrix multiplications."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = out_dir / "image_int8.onnx"
    # MatMul/Gemm only: ConvInteger with int8 weights has no CPU kernel, and the patch conv is cheap.
    root = logging.getLogger()
    was_disabled, root.disabled = root.disabled, True
    try:  # quantize_dynamic logs a pre-processing hint on the root logger at every call
        quantize_dynamic(
            out_dir / "image_fp32.onnx", target, weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gemm"], per_channel=True,  # per channel: closer to fp32, same speed
        )
    finally:
        root.disabled = was_disabled
    quantized = run_onnx(target, {"pixel_values": pixels})
    quantized = quantized / np.linalg.norm(quantized, axis=1, keepdims=True)
    min_cosine = float((quantized * ref_image).sum(axis=1).min())
    log.info("int8 image encoder: min cosine to torch fp32 %.5f", min_cosine)
    if min_cosine < INT8_MIN_COSINE:
        raise ModelError(
            f"the int8 image encoder deviates too much (cosine {min_cosine:.4f} < {INT8_MIN_COSINE}); "
            "install without --int8"
        )
    return min_cosine
