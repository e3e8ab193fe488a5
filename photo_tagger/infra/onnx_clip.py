"""CLIP encoders on onnxruntime: provider choice, lazily created sessions, the tokenizer."""

from __future__ import annotations

import logging
import os
import string
import threading
from collections.abc import Sequence

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from photo_tagger.core.errors import ModelError
from photo_tagger.infra.model_store import InstalledModel

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def choose_providers(device: str) -> list[str]:
    """auto: CUDA when this onnxruntime build has it, else CPU; gpu: CUDA (CPU stays as fallback)."""
    available = ort.get_available_providers()
    if device == "cpu":
        return [CPU]
    if CUDA in available:
        return [CUDA, CPU]
    if device == "gpu":
        log.warning("GPU requested but this onnxruntime has no CUDA provider (has: %s); using CPU",
                    ", ".join(available))
    return [CPU]


def default_threads() -> int:
    """One intra-op thread per core this process may use; oversubscribing slows CPU inference down."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class _LazySession:
    """An InferenceSession made on first use (thread-safe), so start-up never waits for a model."""

    def __init__(self, model: InstalledModel, path, device: str, threads: int):
        self.model = model
        self.path = path
        self.device = device
        self.threads = threads or default_threads()
        self._session: ort.InferenceSession | None = None
        self._lock = threading.Lock()

    @property
    def session(self) -> ort.InferenceSession:
        with self._lock:
            if self._session is None:
                self._session = self._create()
            return self._session

    @property
    def providers(self) -> list[str]:
        return self.session.get_providers()

    @property
    def loaded_providers(self) -> list[str] | None:
        """The session's providers once it is loaded, else None: asking never loads a model (Help > About)."""
        session = self._session
        return session.get_providers() if session is not None else None

    def _create(self) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle inference threads yield instead of spinning: indexing decodes photos on the same cores
        # (measured on a busy 2-core machine: int8 25.7 -> 35.4 images/s; benchmarks/RESULTS.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = choose_providers(self.device)
        # Hashed once per process before it is loaded: a damaged file (even one flipped in place with its size
        # and mtime kept) is refused before it encodes anything; its ctime tells if it changed while loading.
        # ViT-B/32's 350 MB image encoder: 0.85 -> 1.4 s per start (benchmarks/RESULTS.md). Loading from the
        # hashed bytes instead would cost 2.8 s (onnxruntime copies them twice).
        identity = self.model.check_file(self.path.name)
        try:
            session = self._open(options, providers)
        except ModelError:
            if providers == [CPU]:
                raise
            log.warning("GPU provider failed for %s; falling back to CPU", self.path.name, exc_info=True)
            session = self._open(options, [CPU])
        self.model.unchanged_since(self.path.name, identity)
        if providers[0] != CPU and session.get_providers()[0] == CPU:
            log.warning("onnxruntime could not start %s (CUDA/cuDNN libraries missing?); running on CPU",
                        providers[0])
        log.info("loaded %s on %s with %d threads", self.path.name, session.get_providers()[0], self.threads)
        return session

    def _open(self, options, providers) -> ort.InferenceSession:
        try:
            return ort.InferenceSession(str(self.path), sess_options=options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf/... types
            first_line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise ModelError(
                f"cannot load {self.path.name} from {self.path.parent}: {first_line}; "
                "the model folder is damaged: run `photo-tagger model verify` or reinstall the model"
            ) from exc


class OnnxImageEncoder:
    """ImageEncoder port: preprocessed pixels in, L2-normalized embeddings out."""

    def __init__(self, model: InstalledModel, *, device: str = "auto", precision: str = "fp32", threads: int = 0):
        model.check_files()
        self.model_name = model.name
        self.precision = precision
        self.preprocess_spec = model.preprocess_spec
        self.embedding_dim = model.embedding_dim
        self.model_key = model.key
        self._input = model.manifest.get("image_input", "pixel_values")
        self._session = _LazySession(model, model.image_encoder_file(precision), device, threads)

    @property
    def providers(self) -> list[str]:
        return self._session.providers

    @property
    def loaded_providers(self) -> list[str] | None:
        return self._session.loaded_providers

    def encode_images(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) == 0:
            return np.zeros((0, self.embedding_dim), np.float32)
        return _l2_normalize(_run(self._session.session, {self._input: np.ascontiguousarray(pixels, np.float32)}))


class ClipTokenizer:
    """CLIP's BPE tokenizer from tokenizer.json (the `tokenizers` library only; no transformers)."""

    def __init__(self, model: InstalledModel):
        text = model.read_verified(model.tokenizer_file.name).decode("utf-8", "replace")  # tokens change vectors
        try:
            self._tokenizer = Tokenizer.from_str(text)
        except Exception as exc:
            raise ModelError(f"cannot read the tokenizer of model {model.name}: {exc}") from exc
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=model.context_length)
        self.pad_token_id = model.pad_token_id
        # Ready-made exports (infra/ready_models.py) have a fixed sequence axis: every text is padded to the
        # context length, with the ids in the type their graph takes (int32 for Immich's).
        self.pad_to = model.context_length if model.manifest.get("text_padding") == "max_length" else 0
        self.dtype = np.dtype(model.manifest.get("text_dtype", "int64"))
        self.clean = model.manifest.get("text_clean")  # ready models: how open_clip cleaned its training texts
        # A tokenizer that pads on the left (SigLIP2's Gemma) is followed: SigLIP's tower pools the last position.
        self.pad_left = model.manifest.get("text_padding_side") == "left"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Token ids (N, longest or the context length), padded with the pad token (CLIP's end token) after the end
        (before the start where the tokenizer pads on the left)."""
        return self.encode_with_mask(texts)[0]

    def encode_with_mask(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The ids and their attention mask (1 for a text's tokens, 0 for the padding), of the same type."""
        texts = [clean_text(t, self.clean) for t in texts] if self.clean else list(texts)
        encodings = self._tokenizer.encode_batch(texts)
        longest = max(self.pad_to, max(len(e.ids) for e in encodings))
        ids = np.full((len(encodings), longest), self.pad_token_id, dtype=self.dtype)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            span = slice(longest - len(encoding.ids), longest) if self.pad_left else slice(0, len(encoding.ids))
            ids[row, span] = encoding.ids
            mask[row, span] = 1
        return ids, mask


class OnnxTextEncoder:
    """TextEncoder port. Padding only to the longest text of a batch (the tower is causal)."""

    def __init__(self, model: InstalledModel, *, device: str = "auto", threads: int = 0):
        model.check_files()
        self.model_name = model.name
        self.embedding_dim = model.embedding_dim
        self.tokenizer = ClipTokenizer(model)
        self.model_key = model.key
        self._input = model.manifest.get("text_input", "input_ids")
        self._mask_input = model.manifest.get("text_mask_input")  # multilingual (XLM-R) towers also take the mask
        self._session = _LazySession(model, model.text_encoder_file, device, threads)

    @property
    def loaded_providers(self) -> list[str] | None:
        return self._session.loaded_providers

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.embedding_dim), np.float32)
        ids, mask = self.tokenizer.encode_with_mask(texts)
        feeds = {self._input: ids, **({self._mask_input: mask} if self._mask_input else {})}
        return _l2_normalize(_run(self._session.session, feeds))


def clean_text(text: str, mode: str) -> str:
    """open_clip's text cleaning: "whitespace" collapses runs of it; "canonicalize" (SigLIP's configs ask for it)
    also turns underscores into spaces, drops punctuation and lowercases (open_clip tokenizer.canonicalize_text)."""
    if mode == "canonicalize":
        text = text.replace("_", " ").translate(_PUNCTUATION).lower()
    return " ".join(text.split())


_PUNCTUATION = str.maketrans("", "", string.punctuation)


def _run(session: ort.InferenceSession, feeds: dict[str, np.ndarray]) -> np.ndarray:
    """Graphs exported with a fixed batch of 1 (Immich's) run row by row; the others take the batch at once."""
    rows = len(next(iter(feeds.values())))
    if session.get_inputs()[0].shape[0] == 1 and rows > 1:
        return np.concatenate([session.run(None, {k: v[i:i + 1] for k, v in feeds.items()})[0] for i in range(rows)])
    return session.run(None, feeds)[0]


def _l2_normalize(array: np.ndarray) -> np.ndarray:
    array = array.astype(np.float32, copy=False)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)
