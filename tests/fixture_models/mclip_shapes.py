"""A small multilingual CLIP that knows its shapes in English, German and Japanese, in Immich's M-CLIP layout.

Made as M-CLIP was: a student text tower (tiny XLM-R, mean over the mask, linear map) is trained to give, for a
caption in any of the three languages, the English caption's embedding from the teacher, the shapes CLIP (trained on
coloured shapes, checkpoints.shapes_clip). The image tower is the teacher's own (shapes_immich). So a German or
Japanese query lands where the English one does, and finds the same photos. Tokenizer: Unigram trained here.
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

from .checkpoints import HERE, SHAPES_SOURCES, cached_model

SOURCES = SHAPES_SOURCES + [HERE / "mclip_shapes.py", HERE / "mclip.py", HERE / "immich_layout.py"]
CONTEXT_LENGTH = 77
STEPS = 300

# (template, colour words, shape words) per language; English is the shapes CLIP's own caption.
LANGUAGES = {
    "en": ("a photo of a {} {}", {"red": "red", "green": "green", "blue": "blue", "yellow": "yellow"},
           {"circle": "circle", "square": "square", "triangle": "triangle", "star": "star"}),
    "de": ("ein Foto von einem {} {}", {"red": "roten", "green": "grünen", "blue": "blauen", "yellow": "gelben"},
           {"circle": "Kreis", "square": "Quadrat", "triangle": "Dreieck", "star": "Stern"}),
    "ja": ("{}{}の写真", {"red": "赤い", "green": "緑の", "blue": "青い", "yellow": "黄色い"},
           {"circle": "円", "square": "四角", "triangle": "三角", "star": "星"}),
}


def caption(language: str, color: str, shape: str) -> str:
    template, colours, shapes = LANGUAGES[language]
    return template.format(colours[color], shapes[shape])


def _pairs() -> list[tuple[str, str, str]]:
    """(language, colour, shape) for every class in every language."""
    from .shapes import CLASSES

    return [(lang, c, s) for lang, (c, s) in itertools.product(LANGUAGES, CLASSES)]


def train_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import XLMRobertaTokenizer

    raw = Tokenizer(models.Unigram())
    raw.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=200, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                      unk_token="<unk>")
    raw.train_from_iterator([caption(*p) for p in _pairs()] * 3, trainer)
    vocab = [tuple(piece) for piece in json.loads(raw.to_str())["model"]["vocab"]]
    return XLMRobertaTokenizer(vocab=vocab, model_max_length=CONTEXT_LENGTH)


def _build(dest: Path) -> None:
    import torch
    from transformers import CLIPModel, CLIPTokenizer, XLMRobertaConfig, XLMRobertaModel

    from .checkpoints import shapes_clip
    from .immich_layout import shapes_immich
    from .mclip import encode

    teacher_dir = shapes_clip()
    teacher = CLIPModel.from_pretrained(teacher_dir).eval()
    teacher_tok = CLIPTokenizer.from_pretrained(teacher_dir)
    pairs = _pairs()
    with torch.inference_mode():
        english = teacher_tok([caption("en", c, s) for _, c, s in pairs], padding=True, return_tensors="pt")
        targets = torch.nn.functional.normalize(teacher.get_text_features(**english).pooler_output, dim=-1)

    tokenizer = train_tokenizer()
    torch.manual_seed(0)
    transformer = XLMRobertaModel(XLMRobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=CONTEXT_LENGTH + 2, pad_token_id=tokenizer.pad_token_id,
        attn_implementation="eager"))
    linear = torch.nn.Linear(32, targets.shape[1])
    batch = tokenizer([caption(*p) for p in pairs], padding=True, return_tensors="pt")
    optimizer = torch.optim.AdamW([*transformer.parameters(), *linear.parameters()], lr=3e-3)
    transformer.train()
    for _ in range(STEPS):  # M-CLIP's objective: the teacher's English embedding, from any language
        loss = ((encode(transformer, linear, batch["input_ids"], batch["attention_mask"]) - targets) ** 2).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    transformer.eval()
    with torch.inference_mode():
        cosine = (encode(transformer, linear, batch["input_ids"], batch["attention_mask"]) * targets).sum(1)

    reference = dest / "reference"
    transformer.save_pretrained(str(reference), safe_serialization=True)
    tokenizer.save_pretrained(str(reference))
    torch.save(linear.state_dict(), reference / "linear.pt")
    (dest / "training_report.json").write_text(json.dumps(
        {"steps": STEPS, "final_loss": loss.item(), "min_cosine_to_teacher": float(cosine.min())}, indent=2))

    class Textual(torch.nn.Module):
        def forward(self, input_ids, attention_mask):
            return encode(transformer, linear, input_ids, attention_mask)

    shutil.copytree(shapes_immich() / "visual", dest / "visual")
    shutil.copyfile(shapes_immich() / "config.json", dest / "config.json")
    (dest / "textual").mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(reference / name, dest / "textual" / name)
    mask = (torch.arange(CONTEXT_LENGTH) < 9).to(torch.int32)[None]  # padded: the exporter keeps the mask's path
    ids = torch.where(mask.bool(), 5, tokenizer.pad_token_id).to(torch.int32)
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(Textual().eval(), (ids, mask), str(dest / "textual" / "model.onnx"),
                          input_names=["input_ids", "attention_mask"], output_names=["embedding_out"],
                          opset_version=18, dynamo=True, external_data=False, verbose=False)


def mclip_shapes_immich() -> Path:
    """The ready model folder (visual/ from the shapes CLIP, textual/ the trained student), reference/ (the torch
    student) and training_report.json (how close the student came to the teacher)."""
    return cached_model("immich-mclip-shapes", _build, SOURCES)
