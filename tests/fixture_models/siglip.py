"""A tiny random SigLIP: a transformers checkpoint with a tokenizer trained here, and its export in Immich's layout.

SigLIP differs from CLIP where a ready model must get it right: the image is resized to a square without a crop
("squash"), mean and std are 0.5, and the text tower pools the last position, so texts are padded to the full
context length (64) exactly as the processor pads them. Its tokenizer is a T5-style Unigram (what open_clip's
SigLIP configs name), trained with the tokenizers library on a small corpus: no sentencepiece, no download.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from .checkpoints import HERE, cached_model

SOURCES = [HERE / "siglip.py", HERE / "immich_layout.py", HERE / "checkpoints.py"]
CONTEXT_LENGTH = 64
SIZE = 32
MEAN = STD = (0.5, 0.5, 0.5)
# The fixture's sigmoid: p = sigmoid(10 * cos - 1), over 0.5 from a cosine of 0.1, so random pairs land either side.
LOGIT_SCALE, LOGIT_BIAS = 10.0, -1.0

_COLOURS = ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"]
_THINGS = ["circle", "square", "triangle", "cat", "dog", "car", "beach", "mountain", "city", "street"]
_TEMPLATES = ["a photo of a {} {}", "a {} {} at sunset", "kids near a {} {}", "the {} {} on a sunny day"]


def _corpus() -> list[str]:
    return [t.format(c, s) for t, c, s in itertools.product(_TEMPLATES, _COLOURS, _THINGS)]


def train_tokenizer():
    """A T5Tokenizer (tokenizers-backed in transformers 5) on a Unigram vocabulary trained here."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import T5Tokenizer

    raw = Tokenizer(models.Unigram())
    raw.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    raw.train_from_iterator(_corpus(), trainer)
    vocab = [tuple(piece) for piece in json.loads(raw.to_str())["model"]["vocab"]]
    return T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=CONTEXT_LENGTH)


def image_processor():
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    return SiglipImageProcessorPil(size={"height": SIZE, "width": SIZE}, image_mean=list(MEAN), image_std=list(STD))


def _build_checkpoint(dest: Path) -> None:
    import torch
    from transformers import SiglipConfig, SiglipModel

    tokenizer = train_tokenizer()
    torch.manual_seed(0)
    config = SiglipConfig(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=CONTEXT_LENGTH, pad_token_id=0,
                         bos_token_id=None, eos_token_id=1),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                           image_size=SIZE, patch_size=8))
    model = SiglipModel(config).eval()
    with torch.no_grad():  # transformers initializes them to 1 and 0; values a pair can pass or fail
        model.logit_scale.fill_(math.log(LOGIT_SCALE))
        model.logit_bias.fill_(LOGIT_BIAS)
    model.save_pretrained(str(dest), safe_serialization=True)
    tokenizer.save_pretrained(str(dest))
    image_processor().save_pretrained(str(dest))


def train_siglip2_tokenizer():
    """SigLIP2's tokenizer class (Gemma's byte-fallback BPE, lowercased, padded on the left) on a BPE vocabulary
    trained here on the same corpus, with Gemma's special tokens and byte pieces."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import Siglip2Tokenizer

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.normalizer = normalizers.Sequence([normalizers.Lowercase(), normalizers.Replace(" ", "▁")])
    # Merges learned within words (Gemma's own tokenizer applies them to the whole text).
    raw.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=True)
    raw.train_from_iterator(_corpus(), trainers.BpeTrainer(vocab_size=300, special_tokens=specials))
    trained = json.loads(raw.to_str())["model"]
    vocab = {t: i for i, t in enumerate(specials + [f"<0x{b:02X}>" for b in range(256)])}
    for token in sorted(trained["vocab"], key=trained["vocab"].get):
        vocab.setdefault(token, len(vocab))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    return Siglip2Tokenizer(vocab=vocab, merges=merges, model_max_length=CONTEXT_LENGTH)


def _build_siglip2(dest: Path) -> None:
    """The tiny SigLIP's weights with SigLIP2's tokenizer: a fixed-resolution SigLIP2 is a SiglipModel too."""
    import shutil

    import torch
    from transformers import SiglipModel

    tokenizer = train_siglip2_tokenizer()
    model = SiglipModel.from_pretrained(siglip_checkpoint()).eval()
    model.config.text_config.vocab_size = len(tokenizer)
    torch.manual_seed(1)
    width = model.config.text_config.hidden_size
    model.text_model.embeddings.token_embedding = torch.nn.Embedding(len(tokenizer), width)
    model.save_pretrained(str(dest), safe_serialization=True)
    tokenizer.save_pretrained(str(dest))
    shutil.copyfile(siglip_checkpoint() / "preprocessor_config.json", dest / "preprocessor_config.json")


def siglip2_checkpoint() -> Path:
    """tiny SigLIP with SigLIP2's tokenizer (lowercase, left padding, attention mask)."""
    return cached_model("tiny-siglip2", _build_siglip2, SOURCES)


def siglip_checkpoint() -> Path:
    """Random tiny SiglipModel (image 32, patch 8, width 32, text 64 tokens) with its tokenizer and processor."""
    return cached_model("tiny-siglip", _build_checkpoint, SOURCES)


def _build_immich(dest: Path) -> None:
    import shutil

    import torch
    from transformers import SiglipModel

    from .immich_layout import _export

    checkpoint = siglip_checkpoint()
    model = SiglipModel.from_pretrained(checkpoint).eval()
    dim = model.config.vision_config.hidden_size

    def unit(features):
        features = getattr(features, "pooler_output", features)
        return features / features.norm(dim=-1, keepdim=True)

    class Visual(torch.nn.Module):
        def forward(self, image):
            return unit(model.get_image_features(pixel_values=image))

    class Textual(torch.nn.Module):
        def forward(self, text):
            return unit(model.get_text_features(input_ids=text.long()))

    (dest / "visual").mkdir(parents=True)
    (dest / "textual").mkdir()
    _export(Visual(), (torch.zeros(1, 3, SIZE, SIZE),), dest / "visual" / "model.onnx", "image")
    _export(Textual(), (torch.zeros((1, CONTEXT_LENGTH), dtype=torch.int32),), dest / "textual" / "model.onnx", "text")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(checkpoint / name, dest / "textual" / name)
    # open_clip's SigLIP config: init_logit_bias marks the family, texts are canonicalized before tokenizing.
    config = {"embed_dim": dim, "init_logit_bias": -10,
              "vision_cfg": {"image_size": SIZE, "patch_size": 8, "width": 32, "layers": 2},
              "text_cfg": {"context_length": CONTEXT_LENGTH, "vocab_size": model.config.text_config.vocab_size,
                           "tokenizer_kwargs": {"clean": "canonicalize"}, "width": 32, "layers": 2}}
    (dest / "config.json").write_text(json.dumps(config, indent=2))
    preprocess = {"size": SIZE, "mode": "RGB", "mean": list(MEAN), "std": list(STD), "interpolation": "bicubic",
                  "resize_mode": "squash", "fill_color": 0}
    (dest / "visual" / "preprocess_cfg.json").write_text(json.dumps(preprocess, indent=2))


def siglip_immich() -> Path:
    """siglip_checkpoint as a ready model in Immich's layout (as Immich's SigLIP exports: squash, 0.5, 64 tokens)."""
    return cached_model("immich-tiny-siglip", _build_immich, SOURCES)
