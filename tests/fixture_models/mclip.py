"""A tiny random multilingual CLIP in Immich's M-CLIP layout: an XLM-R text tower (mean-pooled over the attention
mask, then a linear map into the image space, as M-CLIP's exporter in Immich writes it: inputs `input_ids` and
`attention_mask`, int32, 77 long) beside the tiny CLIP's image tower. Its XLM-R tokenizer (Unigram) is trained here
on English, German and Japanese captions with the tokenizers library: no sentencepiece, no download.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import shutil
import warnings
from pathlib import Path

from .checkpoints import HERE, cached_model

SOURCES = [HERE / "mclip.py", HERE / "immich_layout.py", HERE / "checkpoints.py", HERE / "tokenizer_files.py"]
CONTEXT_LENGTH = 77

_CAPTIONS = {
    "en": ("a photo of a {} {}", {"red": "red", "blue": "blue", "green": "green"},
           {"cat": "cat", "dog": "dog", "car": "car", "beach": "beach"}),
    "de": ("ein Foto von einem {} {}", {"red": "roten", "blue": "blauen", "green": "grünen"},
           {"cat": "Katze", "dog": "Hund", "car": "Auto", "beach": "Strand"}),
    "ja": ("{}{}の写真", {"red": "赤い", "blue": "青い", "green": "緑の"},
           {"cat": "猫", "dog": "犬", "car": "車", "beach": "浜辺"}),
}


def captions() -> list[str]:
    return [template.format(colours[c], things[t]) for template, colours, things in _CAPTIONS.values()
            for c, t in itertools.product(colours, things)]


def train_tokenizer():
    """XLMRobertaTokenizer (tokenizers-backed in transformers 5) on a Unigram vocabulary trained here."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import XLMRobertaTokenizer

    raw = Tokenizer(models.Unigram())
    raw.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                      unk_token="<unk>")
    raw.train_from_iterator(captions() * 3, trainer)
    vocab = [tuple(piece) for piece in json.loads(raw.to_str())["model"]["vocab"]]
    return XLMRobertaTokenizer(vocab=vocab, model_max_length=CONTEXT_LENGTH)


def _build(dest: Path) -> None:
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from .immich_layout import tiny_immich

    tokenizer = train_tokenizer()
    torch.manual_seed(0)
    # Positions start after the pad id in RoBERTa: 77 tokens need 77 + 2 position embeddings.
    transformer = XLMRobertaModel(XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=CONTEXT_LENGTH + 2, pad_token_id=tokenizer.pad_token_id,
        attn_implementation="eager")).eval()
    linear = torch.nn.Linear(32, 16)  # the tiny CLIP's image embedding is 16-d
    reference = dest / "reference"  # what the test compares with: the torch modules themselves
    transformer.save_pretrained(str(reference), safe_serialization=True)
    tokenizer.save_pretrained(str(reference))
    torch.save(linear.state_dict(), reference / "linear.pt")

    class Textual(torch.nn.Module):
        def forward(self, input_ids, attention_mask):
            return encode(transformer, linear, input_ids, attention_mask)

    shutil.copytree(tiny_immich() / "visual", dest / "visual")
    shutil.copyfile(tiny_immich() / "config.json", dest / "config.json")
    (dest / "textual").mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(reference / name, dest / "textual" / name)
    # A padded example: traced with a mask of ones, the exporter keeps the path that ignores the mask.
    mask = (torch.arange(CONTEXT_LENGTH) < 9).to(torch.int32)[None]
    ids = torch.where(mask.bool(), 5, tokenizer.pad_token_id).to(torch.int32)
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)  # torchvision ops
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(Textual().eval(), (ids, mask), str(dest / "textual" / "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["embedding_out"],
                          opset_version=18, dynamo=True, external_data=False, verbose=False)


def encode(transformer, linear, input_ids, attention_mask):
    """M-CLIP's text embedding, as Immich's exporter writes it: mean over the mask, linear map, unit length."""
    import torch

    states = transformer(input_ids.long(), attention_mask.long())[0]
    mask = attention_mask.unsqueeze(2).to(states.dtype)
    pooled = (states * mask).sum(dim=1) / mask.sum(dim=1)
    return torch.nn.functional.normalize(linear(pooled), dim=-1)


def mclip_immich() -> Path:
    """The ready model folder (visual/, textual/, config.json) and, under reference/, its torch text tower."""
    return cached_model("immich-tiny-mclip", _build, SOURCES)
