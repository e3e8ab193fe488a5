"""A multilingual ready model in Immich's M-CLIP layout (XLM-R text tower taking the attention mask): installed
without torch, its tokens match the transformers tokenizer exactly in English, German and Japanese, and its text
embeddings match the torch tower it was exported from (random weights, tokenizer trained here)."""

import json
import subprocess
import sys

import numpy as np

from tests.e2e.test_ready_models import NO_TORCH
from tests.fixture_models.mclip import CONTEXT_LENGTH, encode, mclip_immich

TEXTS = ["a photo of a red cat", "ein Foto von einem blauen Hund", "赤い猫の写真", " ".join(["ein grünen Auto"] * 20)]


def test_a_multilingual_model_installs_without_torch(home):
    result = subprocess.run([sys.executable, "-c", NO_TORCH, "--home", str(home), "model", "install", mclip_immich(),
                             "--name", "mclip", "--no-agreement-check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((home / "data/models/mclip/manifest.json").read_text())
    assert (manifest["text_input"], manifest["text_mask_input"], manifest["text_dtype"]) == (
        "input_ids", "attention_mask", "int32")
    assert (manifest["pad_token"], manifest["pad_token_id"], manifest["context_length"]) == ("<pad>", 1, 77)


def test_tokens_and_embeddings_match_transformers_in_three_languages(tmp_path):
    import torch
    from transformers import AutoTokenizer, XLMRobertaModel

    from photo_tagger.infra.model_store import ModelStore
    from photo_tagger.infra.onnx_clip import OnnxTextEncoder

    model = ModelStore(tmp_path / "models").install(str(mclip_immich()), agreement_check=False)
    encoder = OnnxTextEncoder(model, device="cpu")
    ids, mask = encoder.tokenizer.encode_with_mask(TEXTS)
    reference = mclip_immich() / "reference"
    expected = AutoTokenizer.from_pretrained(reference)(TEXTS, padding="max_length", max_length=CONTEXT_LENGTH,
                                                       truncation=True)
    assert ids.tolist() == expected["input_ids"] and mask.tolist() == expected["attention_mask"]
    assert 3 not in ids[:3], "a caption word fell back to <unk>"  # Japanese and German are in the vocabulary

    transformer = XLMRobertaModel.from_pretrained(reference).eval()
    linear = torch.nn.Linear(32, 16)
    linear.load_state_dict(torch.load(reference / "linear.pt"))
    with torch.inference_mode():
        ref = encode(transformer, linear, torch.tensor(expected["input_ids"]),
                     torch.tensor(expected["attention_mask"])).numpy()
    assert np.abs(encoder.encode_texts(TEXTS) - ref).max() <= 1e-4
