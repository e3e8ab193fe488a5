"""What an installed model costs here: download and disk size, images/s measured on this machine, languages, precisions.

The speed is measured by a short run of the model's own image encoder(s) on made-up pixels (speed does not depend
on the pixels), on the device and threads the app uses, and kept in the model's manifest under `measured`; fields
outside the model's fingerprint, so measuring again never changes what the library takes the model for.
"""

from __future__ import annotations

import json
import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from photo_tagger.infra.model_catalogue import find
from photo_tagger.infra.model_store import MANIFEST, InstalledModel

log = logging.getLogger(__name__)

SPEED_SECONDS = 1.5  # a timed run lasts at least this long (after a warm-up)...
SPEED_MAX_IMAGES = 96  # ...unless this many images were encoded first
SPEED_BATCH = 8
# Scripts beyond Latin that a vocabulary built for several languages holds many tokens of (CLIP's English BPE: none).
_OTHER_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "ARABIC", "DEVANAGARI", "HEBREW", "THAI",
                  "GREEK")


@dataclass(frozen=True)
class ModelCosts:
    """One installed model's costs, as the model lists show them."""

    name: str
    family: str
    languages: str
    precisions: tuple[str, ...]
    download_bytes: int | None  # None: not known (a checkpoint exported here)
    disk_bytes: int
    images_per_s: dict[str, float]  # per precision, measured here; empty: not measured yet
    measured_on: str  # the execution provider and threads ("CPU, 2 threads"); "" when not measured


def costs_of(model: InstalledModel) -> ModelCosts:
    m = model.manifest
    disk = sum(int(entry["size"]) for entry in m["files"].values())
    # A ready model is installed as published: what was downloaded is its files. An exported checkpoint's
    # download (safetensors, tokenizer) was another set of files, not recorded.
    download = disk if m.get("layout") == "immich" and m.get("source_kind") == "hub" else None
    measured = m.get("measured") or {}
    return ModelCosts(model.name, family_of(model), m.get("languages") or languages_of(model), model.precisions,
                      download, disk, {p: float(v) for p, v in (measured.get("images_per_s") or {}).items()},
                      measured.get("on", ""))


def rate_text(rate: float) -> str:
    """Images/s as the lists show them: 3 significant figures at most (the run is short)."""
    return f"{rate:.0f}" if rate >= 100 else f"{rate:.1f}" if rate >= 10 else f"{rate:.2g}"


def family_of(model: InstalledModel) -> str:
    family = model.manifest.get("family", "clip")
    return {"clip": "CLIP", "siglip": "SigLIP"}.get(family, family)


def languages_of(model: InstalledModel) -> str:
    """The list's words for a model installed from it; else read from its vocabulary: one that holds many tokens in
    other scripts was built for many languages (a model trained here on such captions counts too)."""
    entry = find(model.manifest.get("source"))
    if entry is not None:
        return entry.languages
    try:
        vocab = _vocabulary(model.tokenizer_file.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
    other = sum(1 for token in vocab if any(_script(ch) in _OTHER_SCRIPTS for ch in token[:4]))
    return "many languages" if other >= max(5, len(vocab) // 100) else "English"


def _vocabulary(tokenizer_json: str) -> list[str]:
    vocab = json.loads(tokenizer_json)["model"]["vocab"]
    return list(vocab) if isinstance(vocab, dict) else [piece[0] for piece in vocab]  # BPE/WordPiece or Unigram


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]


def measure_speed(model: InstalledModel, *, device: str = "auto", threads: int = 0, batch: int = SPEED_BATCH,
                  seconds: float = SPEED_SECONDS, max_images: int = SPEED_MAX_IMAGES) -> dict:
    """Images/s of each image-encoder precision here (model only, no decoding), what `measured` keeps."""
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, default_threads

    size = model.preprocess_spec.image_size
    pixels = np.random.default_rng(0).standard_normal((batch, 3, size, size)).astype(np.float32)
    rates, provider = {}, ""
    for precision in model.precisions:
        encoder = OnnxImageEncoder(model, device=device, precision=precision, threads=threads)
        encoder.encode_images(pixels[:1])  # loads the session (hashing the file) and warms it up: not timed
        provider = encoder.providers[0].replace("ExecutionProvider", "")
        done, start = 0, time.perf_counter()
        while True:
            encoder.encode_images(pixels)
            done += batch
            elapsed = time.perf_counter() - start
            if elapsed >= seconds or done >= max_images:
                break
        rates[precision] = round(done / elapsed, 1)
    on = f"{provider}, {threads or default_threads()} threads" if provider == "CPU" else provider
    return {"images_per_s": rates, "on": on, "batch": batch,
            "at": datetime.now(UTC).isoformat(timespec="seconds")}


def record(model: InstalledModel, **fields) -> InstalledModel:
    """Add fields to the installed model's manifest (an atomic rewrite; none of them is part of its fingerprint)."""
    updated = InstalledModel(model.name, model.path, {**model.manifest, **fields})
    if updated.fingerprint != model.fingerprint:  # a bug, not bad input: the library would re-encode everything
        raise AssertionError(f"recording {sorted(fields)} would change the fingerprint of {model.name}")
    path = model.path / MANIFEST
    tmp = path.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(updated.manifest, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return updated
