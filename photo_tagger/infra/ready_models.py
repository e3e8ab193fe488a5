"""Ready ONNX CLIP models in Immich's published layout (hub repo or folder): read, check, install; no torch.

The layout, as immich-app/immich machine-learning/immich_ml/models/clip/{visual,textual}.py reads it:
  config.json                    open_clip model config: embed_dim, text_cfg.context_length (default 77)
  visual/model.onnx              input `image`: float32 NCHW, normalized
  visual/preprocess_cfg.json     size, mean, std, interpolation (PIL filter name), resize_mode shortest|squash
  textual/model.onnx             input `text`: int32 ids padded to the context length with the pad token
  textual/tokenizer.json, textual/tokenizer_config.json (its pad_token)
Immich exports both graphs with a fixed batch of 1; the runtime (onnx_clip.py) feeds them row by row.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from photo_tagger.core.errors import ModelError
from photo_tagger.core.preprocess import RESAMPLING, RESIZE_MODES
from photo_tagger.infra.model_store import (
    MANIFEST,
    MANIFEST_FORMAT,
    InstalledModel,
    ModelStore,
    _file_entry,
    model_name_for,
    sha256_of,
)

log = logging.getLogger(__name__)

# Repo path -> file name in the installed model folder (the names every installed model uses).
LAYOUT = {
    "config.json": "open_clip_config.json",
    "visual/model.onnx": "image_fp32.onnx",
    "visual/preprocess_cfg.json": "preprocess_cfg.json",
    "textual/model.onnx": "text_fp32.onnx",
    "textual/tokenizer.json": "tokenizer.json",
    "textual/tokenizer_config.json": "tokenizer_config.json",
}
DEFAULT_READY = "immich-app/ViT-B-32__openai"
# CLIP's learned temperature ends at its clamp, 100, in OpenAI's and open_clip's CLIPs; the layout does not carry it.
CLIP_LOGIT_SCALE = 100.0
AGREEMENT_TEXTS = ("a red photo", "a blue photo")
_COLOURS = ((220, 30, 30), (30, 30, 220))  # red, blue: the images the texts above must pick out
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def looks_ready(folder: Path) -> bool:
    """A folder in the layout (maybe incomplete: the install then names what is missing)."""
    return (folder / "config.json").is_file() and ((folder / "visual").is_dir() or (folder / "textual").is_dir())


def install_any(store: ModelStore, source: str, *, name: str | None = None, int8: bool = False,
                replace: bool = False, revision: str | None = None, agreement_check: bool = True,
                progress=None, control=None, endpoint: str | None = None) -> InstalledModel:
    """What `model install SOURCE` does with any source: a ready model (folder or hub id) is installed as is; a
    folder with a manifest is imported; a transformers checkpoint is exported (the only case that needs torch).
    `progress` and `control` (core Progress, JobControl) follow and can cancel a hub download."""
    path = Path(source).expanduser()
    ready = dict(name=name, replace=replace, agreement_check=agreement_check)
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return store.import_folder(path, name=name, replace=replace)
        if looks_ready(path):
            _no_int8(int8)
            return install_ready(store, {p: path / p for p in LAYOUT}, source=str(path.resolve()),
                                 source_kind="folder", revision="sha256:" + _hash_if_file(path / "visual/model.onnx"),
                                 **ready)
        _require_export(source)
        return store.install_from_checkpoint(source, name=name, int8=int8, replace=replace)
    if not _HUB_ID.match(source):
        raise ModelError(f"{source!r} is neither a folder nor a Hugging Face model id like {DEFAULT_READY}")
    from photo_tagger.infra import hub_download

    repo = hub_download.listing(source, revision=revision, endpoint=endpoint)
    if "visual/model.onnx" not in repo.remote and "textual/model.onnx" not in repo.remote:
        _require_export(source)  # before a download that could not be used
        return store.install_from_checkpoint(source, name=name, int8=int8, replace=replace)
    _no_int8(int8)
    store.check_free(name or model_name_for(source), replace)  # before a download it would refuse
    files = hub_download.fetch(repo, list(LAYOUT), store.models_dir / ".downloads", progress=progress,
                               control=control, endpoint=endpoint)
    model = install_ready(store, files, source=source, source_kind="hub", revision=repo.commit,
                          remote=repo.remote, **ready)
    # Installed copies are hashed in the manifest: the download is no longer needed (a failed install keeps it).
    downloaded = hub_download.download_folder(store.models_dir / ".downloads", repo)
    shutil.rmtree(downloaded, ignore_errors=True)
    with contextlib.suppress(OSError):  # the repo's folder, unless another revision is being fetched there
        downloaded.parent.rmdir()
    return model


def download_size(repo_id: str, *, revision: str | None = None, endpoint: str | None = None,
                  timeout: float = 30.0) -> int:
    """Bytes `model install repo_id` would download (the layout's files only), from the hub's listing."""
    from photo_tagger.infra import hub_download

    repo = hub_download.listing(repo_id, revision=revision, endpoint=endpoint, timeout=timeout)
    return sum(repo.remote[p].size or 0 for p in LAYOUT if p in repo.remote)


def install_ready(store: ModelStore, files: dict[str, Path], *, source: str, source_kind: str, revision: str,
                  name: str | None = None, replace: bool = False, agreement_check: bool = True,
                  remote: dict | None = None) -> InstalledModel:
    """Check the layout's files, copy them into a staging folder under the app's names, load and self-check them
    there with the app's own encoders; only a model that passes becomes installed (ModelStore's atomic commit)."""
    missing = [p for p, f in files.items() if not f.is_file()]
    if missing:
        raise ModelError(f"{source} is not a complete ready model: {', '.join(missing)} missing (the layout: "
                         f"{', '.join(LAYOUT)})")
    info = read_layout(files, source)
    name = name or model_name_for(source)
    store.check_free(name, replace)
    with store.staging(name) as staging:
        for repo_path, installed in LAYOUT.items():
            shutil.copyfile(files[repo_path], staging / installed)
        entries = {installed: _file_entry(staging / installed) for installed in LAYOUT.values()}
        if remote:  # the copies, hashed for the manifest, must still be the hub's files
            _check_against_hub(staging, entries, remote, source)
        manifest = {
            "format": MANIFEST_FORMAT, "name": name, "source": source, "source_kind": source_kind,
            "revision": revision, "layout": "immich",
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            **info, "files": entries,
        }
        staged = InstalledModel(name, staging, manifest)
        check_graphs(staged)
        manifest["self_check"] = self_check(staged, agreement=agreement_check)
        return store.commit(staging, name, manifest, replace)


def read_layout(files: dict[str, Path], source: str) -> dict:
    """The manifest fields the loader needs, from the layout's JSON files and tokenizer; one line on bad input."""
    from tokenizers import Tokenizer

    config = _json(files["config.json"], "config.json", source)
    pre = _json(files["visual/preprocess_cfg.json"], "visual/preprocess_cfg.json", source)
    tok_config = _json(files["textual/tokenizer_config.json"], "textual/tokenizer_config.json", source)
    text_cfg = config.get("text_cfg") if isinstance(config.get("text_cfg"), dict) else {}
    tokenizer_kwargs = text_cfg.get("tokenizer_kwargs") if isinstance(text_cfg.get("tokenizer_kwargs"), dict) else {}
    try:
        embed_dim = int(config["embed_dim"])
        context_length = int(text_cfg.get("context_length", 77))
        size = pre["size"]
        size = int(size[0] if isinstance(size, list) and len(set(size)) == 1 else size)
        mean, std = [float(v) for v in pre["mean"]], [float(v) for v in pre["std"]]
        interpolation = str(pre.get("interpolation", "bicubic")).lower()
        resize_mode = pre.get("resize_mode", "shortest")  # open_clip's default for configs without it (Immich)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{source}: config.json or visual/preprocess_cfg.json lacks or garbles {exc}") from None
    if len(mean) != 3 or len(std) != 3 or not all(s > 0 for s in std):
        raise ModelError(f"{source}: visual/preprocess_cfg.json needs 3 means and 3 positive stds")
    if interpolation not in RESAMPLING:
        raise ModelError(f"{source}: unknown interpolation {interpolation!r} (known: {', '.join(RESAMPLING)})")
    if resize_mode not in RESIZE_MODES:
        raise ModelError(f"{source}: unknown resize_mode {resize_mode!r} (known: {', '.join(RESIZE_MODES)})")
    pad_token = tok_config.get("pad_token")
    pad_token = pad_token.get("content") if isinstance(pad_token, dict) else pad_token  # older transformers
    try:
        tokenizer = Tokenizer.from_file(str(files["textual/tokenizer.json"]))
    except Exception as exc:
        raise ModelError(f"{source}: textual/tokenizer.json is not a tokenizers file ({str(exc)[:120]})") from None
    pad_id = tokenizer.token_to_id(pad_token) if isinstance(pad_token, str) else None
    if pad_id is None:
        raise ModelError(f"{source}: the tokenizer has no id for the pad token {pad_token!r} of tokenizer_config.json")
    vocab = text_cfg.get("vocab_size")
    if vocab is not None and tokenizer.get_vocab_size(with_added_tokens=True) > int(vocab):
        raise ModelError(f"{source}: the tokenizer has {tokenizer.get_vocab_size(with_added_tokens=True)} tokens but "
                         f"the text model {vocab}: they do not belong together")
    family = "siglip" if "init_logit_bias" in config else "clip"
    return {
        "family": family, **_sigmoid_fields(family, config),
        "embedding_dim": embed_dim, "context_length": context_length,
        "image_size": size, "mean": mean, "std": std, "resize_mode": resize_mode, "interpolation": interpolation,
        "pad_token": pad_token, "pad_token_id": int(pad_id),
        "image_input": "image", "text_input": "text", "text_padding": "max_length",
        # As Immich: whitespace collapsed always; punctuation and case dropped where open_clip's config asks.
        "text_clean": "canonicalize" if tokenizer_kwargs.get("clean") == "canonicalize" else "whitespace",
        "text_dtype": "int32",  # check_graphs takes the graph's own type when it is int64
    }


def _sigmoid_fields(family: str, config: dict) -> dict:
    """The logit scale (and SigLIP's bias). open_clip's config holds SigLIP's init_logit_bias (-10) and no scale:
    the values training started from, not the trained ones, which live in weights Immich's graphs leave out. So a
    SigLIP export records none (its tags use the relative rule alone, as CLIP's); a checkpoint export records both."""
    if family != "siglip":
        return {"logit_scale": CLIP_LOGIT_SCALE}
    return {"logit_scale": None, "logit_bias": None, "init_logit_bias": config.get("init_logit_bias"),
            "logit_note": "not in the layout (config.json gives only the bias training started from)"}


def check_graphs(model: InstalledModel) -> None:
    """Both graphs load and take and give what the layout says (names, types, shapes); sets text_dtype."""
    import onnxruntime as ort

    m = model.manifest
    graphs = {}
    for repo_path, installed in (("visual/model.onnx", "image_fp32.onnx"), ("textual/model.onnx", "text_fp32.onnx")):
        try:
            graphs[repo_path] = ort.InferenceSession(str(model.path / installed), providers=["CPUExecutionProvider"])
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            raise ModelError(f"{m['source']}: {repo_path} does not load in onnxruntime ({first})") from None
    size, dim, ctx = m["image_size"], m["embedding_dim"], m["context_length"]
    _expect(graphs["visual/model.onnx"], "visual/model.onnx", ("image",), ("tensor(float)",), [None, 3, size, size],
            dim, m["source"])
    # Immich's multilingual M-CLIP towers (XLM-R) take the attention mask too (its MClipTextualEncoder).
    names = ("input_ids", "attention_mask") if [i.name for i in graphs["textual/model.onnx"].get_inputs()] == [
        "input_ids", "attention_mask"] else ("text",)
    text_type = _expect(graphs["textual/model.onnx"], "textual/model.onnx", names,
                        ("tensor(int32)", "tensor(int64)"), [None, ctx], dim, m["source"])
    m["text_dtype"] = "int64" if text_type == "tensor(int64)" else "int32"
    if len(names) == 2:
        m["text_input"], m["text_mask_input"] = names


def _expect(session, label: str, names: tuple, types: tuple, shape: list, dim: int, source: str) -> str:
    inputs, outputs = session.get_inputs(), session.get_outputs()
    got = ", ".join(f"{i.name} {i.type} {i.shape}" for i in inputs)
    if tuple(i.name for i in inputs) != names or inputs[0].type not in types or len({i.type for i in inputs}) > 1:
        wanted = " and ".join(f"`{n}`" for n in names)
        raise ModelError(f"{source}: {label} takes {got}; the layout says {wanted} ({' or '.join(types)})")
    for i in inputs:
        if len(i.shape) != len(shape) or any(
                want is not None and isinstance(have, int) and have != want for have, want in zip(i.shape, shape)):
            raise ModelError(f"{source}: {label} takes {i.name} shaped {i.shape}, the config says {shape}")
    out = outputs[0].shape if outputs else []
    if len(out) != 2 or (isinstance(out[-1], int) and out[-1] != dim):
        raise ModelError(f"{source}: {label} gives {out}, the config says (batch, {dim})")
    return inputs[0].type


def self_check(model: InstalledModel, *, agreement: bool = True) -> dict:
    """Encode a red and a blue image and two texts with the app's own encoders: shapes, unit norms, finite values,
    and (agreement) that each image is closer to the text naming its colour; random-weight models cannot pass that
    and are installed with agreement=False (recorded in the manifest as skipped)."""
    from PIL import Image

    from photo_tagger.core.preprocess import clip_pixels
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

    spec = model.preprocess_spec
    images = [Image.new("RGB", (spec.image_size * 3 // 2, spec.image_size), c) for c in _COLOURS]
    pixels = np.stack([clip_pixels(im, spec) for im in images])
    try:
        image_emb = OnnxImageEncoder(model, device="cpu", threads=1).encode_images(pixels)
        text_emb = OnnxTextEncoder(model, device="cpu", threads=1).encode_texts(list(AGREEMENT_TEXTS))
    except ModelError:
        raise
    except Exception as exc:  # onnxruntime's own error types: a graph that loads but cannot run these inputs
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise ModelError(f"{model.manifest['source']}: the model fails on a test image or text ({first}); "
                         "not installed") from None
    return check_embeddings(image_emb, text_emb, model.embedding_dim, agreement=agreement,
                            source=model.manifest["source"])


def check_embeddings(image_emb: np.ndarray, text_emb: np.ndarray, dim: int, *, agreement: bool, source: str) -> dict:
    """The self-check's verdict on two red/blue image and text embeddings; raises ModelError in one line."""
    for what, emb in (("image", image_emb), ("text", text_emb)):
        if emb.shape != (2, dim):
            raise ModelError(f"{source}: the {what} encoder gives {emb.shape}, expected (2, {dim}); not installed")
        norms = np.linalg.norm(emb, axis=1)
        if not np.all(np.isfinite(emb)) or not np.allclose(norms, 1.0, atol=1e-3):
            raise ModelError(f"{source}: the {what} encoder gives zero or non-finite embeddings; not installed")
    sims = image_emb @ text_emb.T
    agrees = bool(sims[0, 0] > sims[0, 1] and sims[1, 1] > sims[1, 0])
    result = {"shapes_and_norms": "passed", "similarities": np.round(sims.astype(float), 4).tolist(),
              "agreement": "passed" if agrees else ("skipped" if not agreement else "failed")}
    if agreement and not agrees:
        raise ModelError(f"{source}: failed the self-check: a red image is not closer to {AGREEMENT_TEXTS[0]!r} and a "
                         f"blue one to {AGREEMENT_TEXTS[1]!r} (similarities {result['similarities']}); not installed "
                         "(a model with random weights: --no-agreement-check)")
    return result


def _check_against_hub(staging: Path, entries: dict, remote: dict, source: str) -> None:
    from photo_tagger.infra.hub_download import file_problem

    for repo_path, installed in LAYOUT.items():
        hub = remote[repo_path]
        if hub.sha256:  # LFS (the big graphs): the manifest's hash of the copy is the hub's, no second read
            same = entries[installed]["sha256"] == hub.sha256 and entries[installed]["size"] == hub.size
            problem = "" if same else "sha256 differs"
        else:
            problem = file_problem(staging / installed, hub)
        if problem:
            raise ModelError(f"{source}: the copy of {repo_path} is not the hub's file ({problem}); not installed")


def _json(path: Path, label: str, source: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{source}: {label} is unreadable ({str(exc)[:120]})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{source}: {label} is not a JSON object")
    return data


def _hash_if_file(path: Path) -> str:
    return sha256_of(path) if path.is_file() else ""


def _no_int8(int8: bool) -> None:
    if int8:
        raise ModelError("--int8 applies to exported checkpoints; a ready model is installed as published")


def _require_export(source: str) -> None:
    """A transformers checkpoint needs torch to be exported: say so in one line before anything is fetched."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ModelError(
            f"{source} is a transformers checkpoint: exporting it needs torch and transformers ({exc.name} is "
            f"missing): pip install 'photo-tagger[export]'. Or install a ready ONNX model without them, e.g. "
            f"photo-tagger model install {DEFAULT_READY}") from None
