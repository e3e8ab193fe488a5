"""A SigLIP export in Immich's layout: installed without torch, preprocessed and tokenized exactly as transformers'
SigLIP processor does, and encoded like transformers' SiglipModel (random weights, tokenizer trained here)."""

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from tests.e2e.test_ready_models import NO_TORCH
from tests.fixture_models.siglip import CONTEXT_LENGTH, image_processor, siglip_checkpoint, siglip_immich


def test_siglip_installs_without_torch_with_its_own_preprocessing(home):
    result = subprocess.run([sys.executable, "-c", NO_TORCH, "--home", str(home), "model", "install",
                             siglip_immich(), "--name", "siglip", "--no-agreement-check"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((home / "data/models/siglip/manifest.json").read_text())
    assert manifest["family"] == "siglip"
    assert (manifest["resize_mode"], manifest["interpolation"]) == ("squash", "bicubic")
    assert manifest["mean"] == manifest["std"] == [0.5, 0.5, 0.5]
    assert (manifest["context_length"], manifest["pad_token"], manifest["pad_token_id"]) == (64, "<pad>", 0)
    assert manifest["text_clean"] == "canonicalize"


def test_siglip_matches_transformers_pixels_tokens_and_embeddings(tmp_path):
    import torch
    from transformers import AutoTokenizer, SiglipModel

    from photo_tagger.core.preprocess import clip_pixels
    from photo_tagger.infra.model_store import ModelStore
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

    model = ModelStore(tmp_path / "models").install(str(siglip_immich()), agreement_check=False)
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (40 + 9 * i, 70 - 11 * i, 3), dtype=np.uint8)) for i in range(3)]

    # Pixels: resized to a square without a crop, 0.5/0.5, as SiglipImageProcessor.
    ours = np.stack([clip_pixels(im, model.preprocess_spec) for im in images])
    reference = image_processor()(images, return_tensors="np")["pixel_values"]
    assert ours.shape == reference.shape == (3, 3, 32, 32)
    assert np.abs(ours - reference).max() <= 1e-5

    # Tokens: padded to 64 with the pad token, truncated keeping the end token, as the tokenizer's
    # padding="max_length" (how SigLIP was trained); texts already in the canonical form open_clip's config asks for.
    texts = ["a photo of a red cat", "kids near a blue car at sunset", "x", " ".join(["a purple mountain"] * 30)]
    tokenizer = AutoTokenizer.from_pretrained(siglip_checkpoint())
    expected = tokenizer(texts, padding="max_length", max_length=CONTEXT_LENGTH, truncation=True)["input_ids"]
    text_encoder = OnnxTextEncoder(model, device="cpu")
    ids = text_encoder.tokenizer.encode(texts)
    assert ids.dtype == np.int32 and ids.tolist() == expected
    assert expected[3][-1] == tokenizer.eos_token_id and expected[0][-1] == tokenizer.pad_token_id

    # Embeddings: the ONNX export run by the app's encoders against SiglipModel itself.
    siglip = SiglipModel.from_pretrained(siglip_checkpoint()).eval()
    with torch.inference_mode():
        ref_image = siglip.get_image_features(pixel_values=torch.from_numpy(reference)).pooler_output.numpy()
        ref_text = siglip.get_text_features(input_ids=torch.tensor(expected)).pooler_output.numpy()
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    assert np.abs(OnnxImageEncoder(model, device="cpu").encode_images(ours) - unit(ref_image)).max() <= 1e-4
    assert np.abs(text_encoder.encode_texts(texts) - unit(ref_text)).max() <= 1e-4
