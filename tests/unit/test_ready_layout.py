"""Ready-model pieces without a model: preprocessing by resize_mode and interpolation, the self-check's verdict,
and fingerprints of models installed before ready models existed."""

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from photo_tagger.core.errors import ModelError
from photo_tagger.core.preprocess import clip_pixels
from photo_tagger.core.types import PreprocessSpec
from photo_tagger.infra.model_store import InstalledModel
from photo_tagger.infra.ready_models import check_embeddings

MEAN, STD = np.array(PreprocessSpec().mean, np.float32), np.array(PreprocessSpec().std, np.float32)


def normalized(img: Image.Image) -> np.ndarray:
    arr = (np.asarray(img, dtype=np.float64) * (1 / 255)).astype(np.float32)
    return ((arr - MEAN) / STD).transpose(2, 0, 1)


@pytest.fixture
def wide():
    """A 3:2 image whose left and right thirds differ from its centre, so a crop shows."""
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    arr[:, :10] = (255, 0, 0)
    arr[:, 50:] = (0, 0, 255)
    return Image.fromarray(arr)


def test_squash_resizes_the_whole_image_without_crop(wide):
    squash = clip_pixels(wide, PreprocessSpec(image_size=16, resize_mode="squash"))
    np.testing.assert_array_equal(squash, normalized(wide.resize((16, 16), Image.Resampling.BICUBIC)))
    assert squash[0, :, 0].mean() > 1.5  # the red left edge is kept


def test_shortest_resizes_the_shorter_side_then_crops_the_centre(wide):
    shortest = clip_pixels(wide, PreprocessSpec(image_size=16))
    np.testing.assert_array_equal(shortest, normalized(wide.resize((24, 16), Image.Resampling.BICUBIC)
                                                       .crop((4, 0, 20, 16))))
    squash = clip_pixels(wide, PreprocessSpec(image_size=16, resize_mode="squash"))
    assert np.abs(shortest - squash).max() > 1.0
    square = wide.crop((0, 0, 40, 40))  # on a square image the two modes agree
    np.testing.assert_array_equal(clip_pixels(square, PreprocessSpec(image_size=16)),
                                  clip_pixels(square, PreprocessSpec(image_size=16, resize_mode="squash")))


def test_the_named_interpolation_is_used(wide):
    bilinear = clip_pixels(wide, PreprocessSpec(image_size=16, resize_mode="squash", interpolation="bilinear"))
    np.testing.assert_array_equal(bilinear, normalized(wide.resize((16, 16), Image.Resampling.BILINEAR)))
    assert not np.array_equal(bilinear, clip_pixels(wide, PreprocessSpec(image_size=16, resize_mode="squash")))


def test_the_manifest_carries_the_preprocessing_to_the_runtime(tmp_path):
    manifest = {"name": "m", "embedding_dim": 4, "image_size": 16, "mean": [0.5] * 3, "std": [0.5] * 3,
                "logit_scale": 100.0, "context_length": 77, "files": {}}
    assert InstalledModel("m", tmp_path, manifest).preprocess_spec == PreprocessSpec(16, (0.5,) * 3, (0.5,) * 3)
    ready = {**manifest, "resize_mode": "squash", "interpolation": "bilinear"}
    spec = InstalledModel("m", tmp_path, ready).preprocess_spec
    assert (spec.resize_mode, spec.interpolation) == ("squash", "bilinear")
    assert InstalledModel("m", tmp_path, ready).fingerprint != InstalledModel("m", tmp_path, manifest).fingerprint


def test_fingerprints_of_models_installed_before_ready_models_are_unchanged(tmp_path):
    manifest = {"name": "m", "embedding_dim": 4, "image_size": 16, "mean": [0.5] * 3, "std": [0.5] * 3,
                "logit_scale": 100.0, "context_length": 77, "pad_token_id": 49407,
                "files": {"image_fp32.onnx": {"sha256": "ab", "size": 1}}}
    # The formula before ready models: the library's vectors are keyed on it, so it must not move.
    before = {"files": {"image_fp32.onnx": "ab"}, "embedding_dim": 4, "image_size": 16, "mean": [0.5] * 3,
              "std": [0.5] * 3, "context_length": 77, "pad_token_id": 49407}
    expected = hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()[:16]
    assert InstalledModel("m", tmp_path, manifest).fingerprint == expected


def pair(agree: bool):
    image = np.eye(2, 8, dtype=np.float32)
    text = image if agree else image[::-1].copy()
    return image, text


def test_self_check_agreement():
    assert check_embeddings(*pair(True), 8, agreement=True, source="m")["agreement"] == "passed"
    with pytest.raises(ModelError, match="failed the self-check: a red image is not closer to 'a red photo'"):
        check_embeddings(*pair(False), 8, agreement=True, source="m")
    assert check_embeddings(*pair(False), 8, agreement=False, source="m")["agreement"] == "skipped"


def test_self_check_shapes_and_norms():
    image, text = pair(True)
    with pytest.raises(ModelError, match=r"the image encoder gives \(2, 8\), expected \(2, 16\)"):
        check_embeddings(image, text, 16, agreement=False, source="m")
    with pytest.raises(ModelError, match="the text encoder gives zero or non-finite embeddings"):
        check_embeddings(image, np.zeros_like(text), 8, agreement=False, source="m")
    with pytest.raises(ModelError, match="the image encoder gives zero or non-finite"):
        check_embeddings(np.full_like(image, np.nan), text, 8, agreement=False, source="m")
