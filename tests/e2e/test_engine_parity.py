"""The ONNX engine reproduces the reference (transformers + torch) on the models the tests build."""

import numpy as np
import pytest

from photo_tagger.core.preprocess import clip_pixels, load_pixels
from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

TEXTS = ["a photo of a red circle", "a photo of a cat", "Kids on a beach at SUNSET, 2019!", "x",
         "ünïcödé café 東京", "word " * 100]


def torch_model(checkpoint):
    from transformers import CLIPModel

    return CLIPModel.from_pretrained(checkpoint).eval()


def torch_embed(output):
    vectors = getattr(output, "pooler_output", output).detach().numpy()
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=["tiny", "shapes"])
def model_pair(request, model_depot):
    return model_depot.installed(request.param), model_depot.checkpoint(request.param)


def test_tokenizer_ids_equal_transformers(model_pair):
    from transformers import CLIPTokenizer

    model, checkpoint = model_pair
    reference = CLIPTokenizer.from_pretrained(checkpoint)(TEXTS, padding=True, truncation=True, max_length=77)
    ours = OnnxTextEncoder(model).tokenizer.encode(TEXTS)
    assert ours.shape[1] == 77  # the 100-word text is cut to the context length, end token kept
    np.testing.assert_array_equal(ours, np.asarray(reference["input_ids"]))
    assert OnnxTextEncoder(model).tokenizer.encode(["a photo of a cat"]).tolist() == [
        [49406, 320, 1125, 539, 320, 2368, 49407]]


def test_text_tower_matches_torch_unpadded(model_pair):
    """Engine batches pad only to the longest text; torch pads every text to 77: same embeddings."""
    import torch
    from transformers import CLIPTokenizer

    model, checkpoint = model_pair
    ids = CLIPTokenizer.from_pretrained(checkpoint)(TEXTS, padding="max_length", max_length=77, truncation=True)
    with torch.inference_mode():
        expected = torch_embed(torch_model(checkpoint).get_text_features(input_ids=torch.tensor(ids["input_ids"])))
    got = OnnxTextEncoder(model).encode_texts(TEXTS)
    assert got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert np.abs(got - expected).max() <= 1e-4


def test_image_tower_matches_torch_on_real_photos(model_pair, real_photos):
    import torch

    model, checkpoint = model_pair
    pixels = np.stack([clip_pixels(img, model.preprocess_spec) for img in real_photos])
    with torch.inference_mode():
        expected = torch_embed(torch_model(checkpoint).get_image_features(pixel_values=torch.from_numpy(pixels)))
    got = OnnxImageEncoder(model).encode_images(pixels)
    assert np.abs(got - expected).max() <= 1e-4
    int8 = OnnxImageEncoder(model, precision="int8").encode_images(pixels)
    assert (int8 * got).sum(axis=1).min() >= 0.99


def test_trained_model_classifies_as_well_as_in_torch(model_depot, shapes_checkpoint, tmp_path):
    """Held-out generated photos, read from files by the app's decoder, through the ONNX engine."""
    import json

    import torch
    from transformers import CLIPTokenizer

    from tests.fixture_models.checkpoints import heldout_shapes, image_processor
    from tests.fixture_models.shapes import CLASSES, caption

    model = model_depot.installed("shapes")
    samples = heldout_shapes()
    truth = np.array([CLASSES.index((color, shape)) for _, color, shape in samples])
    captions = [caption(color, shape) for color, shape in CLASSES]

    paths = []
    for i, (image, _, _) in enumerate(samples):
        paths.append(tmp_path / f"{i}.png")
        image.save(paths[-1])
    pixels = np.stack([load_pixels(p, model.preprocess_spec) for p in paths])
    ours = (OnnxImageEncoder(model).encode_images(pixels) @ OnnxTextEncoder(model).encode_texts(captions).T)

    reference = torch_model(shapes_checkpoint)
    processor = image_processor(model.preprocess_spec.image_size)
    with torch.inference_mode():
        ref_pixels = processor([image for image, _, _ in samples], return_tensors="pt")["pixel_values"]
        ref_text = torch.tensor(CLIPTokenizer.from_pretrained(shapes_checkpoint)(captions, padding=True)["input_ids"])
        theirs = torch_embed(reference.get_image_features(pixel_values=ref_pixels)) @ torch_embed(
            reference.get_text_features(input_ids=ref_text)).T

    our_accuracy = float((ours.argmax(1) == truth).mean())
    torch_accuracy = float((theirs.argmax(1) == truth).mean())
    report = json.loads((shapes_checkpoint / "training_report.json").read_text())
    print(f"held-out accuracy: engine {our_accuracy:.3f}, torch {torch_accuracy:.3f}, "
          f"training report {report}")
    assert our_accuracy >= 0.9
    assert abs(our_accuracy - torch_accuracy) <= 0.01
    assert (ours.argmax(1) == theirs.argmax(1)).mean() >= 0.99
