"""transformers SigLIP checkpoints (SiglipModel, tokenizer trained here): exported and installed, then run by the app
exactly as transformers' SiglipProcessor + SiglipModel run them: pixels, tokens, masks, embeddings, and the per-pair
sigmoid probability from the model's own scale and bias. One with SigLIP2's tokenizer (lowercased, padded left)."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.fixture_models.siglip import CONTEXT_LENGTH, LOGIT_BIAS, LOGIT_SCALE, siglip2_checkpoint, siglip_checkpoint

TEXTS = ["a photo of a red cat", "kids near a BLUE car at sunset!", " ".join(["a purple mountain"] * 30),
         "Straße im Schnee", "東京の夜景", "x", "!!!", "  "]
CHECKPOINTS = {"siglip": siglip_checkpoint, "siglip2-tokenizer": siglip2_checkpoint}


@pytest.fixture(scope="module", params=list(CHECKPOINTS))
def installed(request, tmp_path_factory):
    from photo_tagger.infra.model_store import ModelStore

    checkpoint = CHECKPOINTS[request.param]()
    model = ModelStore(tmp_path_factory.mktemp("models")).install(str(checkpoint), agreement_check=False, int8=True)
    return request.param, checkpoint, model


def _images():
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (40 + 9 * i, 70 - 11 * i, 3), dtype=np.uint8)) for i in range(3)]


def test_the_manifest_carries_the_processor_settings_and_the_model_scale_and_bias(installed):
    from transformers import SiglipModel

    name, checkpoint, model = installed
    m = model.manifest
    assert m["family"] == "siglip" and (m["resize_mode"], m["interpolation"]) == ("squash", "bicubic")
    assert m["mean"] == m["std"] == [0.5, 0.5, 0.5] and (m["image_size"], m["context_length"]) == (32, 64)
    assert m["text_padding"] == "max_length" and m["text_mask_input"] == "attention_mask"
    assert m["text_padding_side"] == ("left" if name == "siglip2-tokenizer" else "right")
    reference = SiglipModel.from_pretrained(checkpoint)
    trained = (float(reference.logit_scale.detach().exp()), float(reference.logit_bias.detach()))
    assert model.sigmoid == pytest.approx(trained, abs=1e-6)
    assert model.sigmoid == pytest.approx((LOGIT_SCALE, LOGIT_BIAS), abs=1e-5)
    assert max(m["parity_max_abs_diff"].values()) <= 1e-4
    assert model.precisions == ("fp32", "int8") and m["int8_min_cosine"] >= 0.98
    assert json.loads((model.path / "manifest.json").read_text())["logit_bias"] == m["logit_bias"]


def test_pixels_tokens_embeddings_and_probabilities_match_transformers(installed):
    import torch
    from transformers import AutoProcessor, SiglipModel

    from photo_tagger.core import calibration
    from photo_tagger.core.preprocess import clip_pixels
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

    name, checkpoint, model = installed
    images = _images()
    processor = AutoProcessor.from_pretrained(checkpoint)
    expected = processor(text=TEXTS, images=images, padding="max_length", max_length=CONTEXT_LENGTH,
                         truncation=True, return_tensors="np")

    pixels = np.stack([clip_pixels(im, model.preprocess_spec) for im in images])
    assert np.abs(pixels - expected["pixel_values"]).max() <= 1e-5

    text_encoder = OnnxTextEncoder(model, device="cpu")
    ids, mask = text_encoder.tokenizer.encode_with_mask(TEXTS)
    assert ids.tolist() == expected["input_ids"].tolist() and mask.tolist() == expected["attention_mask"].tolist()
    assert ids.shape == (len(TEXTS), CONTEXT_LENGTH)
    if name == "siglip2-tokenizer":  # lowercased by the tokenizer itself, padded on the left
        assert ids[1].tolist() == text_encoder.tokenizer.encode([TEXTS[1].lower()])[0].tolist()
        assert ids[0, 0] == 0 and ids[0, -1] != 0
    else:  # truncated keeping the end token, padded on the right
        assert ids[2, -1] == processor.tokenizer.eos_token_id and ids[0, -1] == processor.tokenizer.pad_token_id

    siglip = SiglipModel.from_pretrained(checkpoint).eval()
    torch_inputs = {k: torch.from_numpy(v) for k, v in expected.items()}
    with torch.inference_mode():
        out = siglip(**torch_inputs)
    unit = lambda t: (t / t.norm(dim=-1, keepdim=True)).numpy()  # noqa: E731
    image_emb = OnnxImageEncoder(model, device="cpu").encode_images(pixels)
    text_emb = text_encoder.encode_texts(TEXTS)
    assert np.abs(image_emb - unit(out.image_embeds)).max() <= 1e-4
    assert np.abs(text_emb - unit(out.text_embeds)).max() <= 1e-4
    # The probability the tag rule uses is transformers' own: sigmoid(logits_per_image).
    ours = calibration.model_probability(image_emb @ text_emb.T, *model.sigmoid)
    assert np.abs(ours - torch.sigmoid(out.logits_per_image).numpy()).max() <= 1e-4


def test_on_the_installed_model_a_label_is_let_in_exactly_where_the_model_probability_passes(installed):
    """What SigLIP changes in tagging, on the fixture: the calibrated rule's tags, plus the (photo, label) pairs whose
    own probability reaches the threshold; a CLIP-style scoring of the same embeddings gives the first part alone."""
    from photo_tagger.core.labels import Label, LabelSet
    from photo_tagger.core.preprocess import clip_pixels
    from photo_tagger.core.tagging import calibrated, decide, prepare
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

    _, _, model = installed
    rng = np.random.default_rng(1)
    photos = [Image.fromarray(rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)) for _ in range(20)] + [
        Image.new("RGB", (40, 30), colour) for colour in ((200, 0, 0), (0, 0, 200), (0, 200, 0), (255, 255, 255))]
    library = OnnxImageEncoder(model, device="cpu").encode_images(
        np.stack([clip_pixels(photo, model.preprocess_spec) for photo in photos]))
    text = OnnxTextEncoder(model, device="cpu")
    labels = LabelSet(labels=tuple(Label(n, prompts=(f"a photo of a {n}",)) for n in ("cat", "car", "mountain")))
    relative = calibrated(prepare(labels, text), library)
    own = calibrated(prepare(labels, text, sigmoid=model.sigmoid), library)
    before = [{n for n, _ in d.tags} for d in decide(library, relative)]
    after = [{n for n, _ in d.tags} for d in decide(library, own)]
    cosines = np.asarray(library @ own.labels.groups.T, np.float64)
    passes = 1 / (1 + np.exp(-(model.sigmoid[0] * cosines + model.sigmoid[1]))) >= labels.threshold
    for photo, (b, a) in enumerate(zip(before, after)):
        assert a == b | {n for n, p in zip(own.names, passes[photo]) if p}
    assert any(a != b for a, b in zip(before, after)) and 0 < passes.mean() < 1


def test_a_naflex_siglip2_checkpoint_is_refused_in_one_line(cli, home, tmp_path):
    folder = tmp_path / "siglip2-naflex"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "siglip2", "architectures": ["Siglip2Model"]}))
    result = cli("--home", home, "model", "install", folder)
    assert result.returncode == 1 and len(result.err.strip().splitlines()) == 1, result.err
    assert "NaFlex" in result.err and "Traceback" not in result.err
    assert not [p for p in (home / "data/models").glob("*") if not p.name.startswith(".")]  # nothing installed


def test_an_immich_siglip_export_records_no_scale_or_bias_it_does_not_have(tmp_path):
    """Immich's config.json is open_clip's model config: init_logit_bias is where training started (-10), not the
    trained value, and its graphs end at the normalized embeddings; so no sigmoid, and tags use the relative rule."""
    from photo_tagger.infra.model_store import ModelStore
    from tests.fixture_models.siglip import siglip_immich

    model = ModelStore(tmp_path / "models").install(str(siglip_immich()), agreement_check=False)
    m = model.manifest
    assert m["family"] == "siglip" and m["logit_scale"] is m["logit_bias"] is None and m["init_logit_bias"] == -10
    assert model.sigmoid is None and model.logit_scale is None


def test_the_app_tags_with_the_active_model_s_sigmoid(cli, home):
    """The composition root hands the installed model's scale and bias to the tag rule (and the dry run)."""
    from photo_tagger.app import App

    assert cli("--home", home, "model", "install", siglip_checkpoint(), "--name", "s", "--no-agreement-check") \
        .returncode == 0
    app = App.from_home(home)
    try:
        prepared = app.label_models.prepared()
        assert prepared.labels.sigmoid == app.active_model().sigmoid == pytest.approx((LOGIT_SCALE, LOGIT_BIAS))
        assert prepared.categories.sigmoid is None
    finally:
        app.close()
