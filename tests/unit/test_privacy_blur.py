"""The blur of flagged photos (core/privacy_blur.py) hides the subject: the trained shapes model tells a photo's
shape and colour, and no longer tells the shape once the photo is blurred; blurs of different shapes in the same
colours are near-identical; nothing blocky is left; sizes are kept."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from photo_tagger.core.preprocess import clip_pixels
from photo_tagger.core.privacy_blur import obscure
from tests.fixture_models import shapes


def _similarity(a: Image.Image, b: Image.Image) -> float:
    """SSIM of the two images' grey levels (scikit-image's)."""
    from skimage.metrics import structural_similarity

    grey = [np.asarray(i.convert("L"), np.float64) for i in (a, b)]
    return float(structural_similarity(*grey, data_range=255))


@pytest.fixture(scope="module")
def shapes_model(model_depot):
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder

    model = model_depot.installed("shapes")
    images, texts = OnnxImageEncoder(model, threads=1), OnnxTextEncoder(model, threads=1)
    captions = texts.encode_texts([shapes.caption(c, s) for c, s in shapes.CLASSES])
    return images, captions


def _predicted(shapes_model, photos: list[Image.Image]) -> list[tuple[str, str]]:
    images, captions = shapes_model
    vectors = images.encode_images(np.stack([clip_pixels(p, images.preprocess_spec) for p in photos]))
    return [shapes.CLASSES[i] for i in (vectors @ captions.T).argmax(axis=1)]


def test_the_shapes_model_no_longer_tells_the_shape_of_a_blurred_photo(shapes_model):
    data = shapes.sample_dataset(64, seed=21)
    photos = [image.resize((800, 600), Image.Resampling.BICUBIC) for image, _, _ in data]
    truth = [(c, s) for _, c, s in data]
    sharp = _predicted(shapes_model, photos)
    blurred = _predicted(shapes_model, [obscure(p) for p in photos])
    sharp_shape = np.mean([p[1] == t[1] for p, t in zip(sharp, truth)])
    blurred_shape = np.mean([p[1] == t[1] for p, t in zip(blurred, truth)])
    blurred_class = np.mean([p == t for p, t in zip(blurred, truth)])
    assert sharp_shape >= 0.9  # the model sees the subject...
    assert blurred_shape <= 0.45  # ...and after the blur guesses it about as often as chance does (1 in 4)
    assert blurred_class <= 0.25


def _scene(shape: str, size=(800, 600)) -> Image.Image:
    """A red subject of one area (70,700 pixels) on a pale sky: a disc, a square, or a figure (head and body)."""
    image = Image.new("RGB", size, (210, 225, 240))
    draw = ImageDraw.Draw(image)
    if shape == "circle":
        draw.ellipse((250, 150, 550, 450), fill=(200, 30, 30))
    elif shape == "square":
        draw.rectangle((267, 167, 532, 432), fill=(200, 30, 30))
    else:
        draw.ellipse((350, 110, 450, 210), fill=(200, 30, 30))
        draw.rectangle((320, 220, 479, 617), fill=(200, 30, 30))
    return image


def _difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


def test_different_subjects_in_the_same_colours_blur_to_near_the_same_image():
    sharp = {s: _scene(s) for s in ("circle", "square", "figure")}
    blurred = {s: obscure(image) for s, image in sharp.items()}
    # The photos differ plainly; a disc and a square of one size blur to within a few grey levels of each other.
    # A tall figure keeps only where its colour lies (a tall blob), not its shape: under half the difference left.
    for a, b, share in (("circle", "square", 0.15), ("circle", "figure", 0.45), ("square", "figure", 0.45)):
        assert _difference(blurred[a], blurred[b]) < share * _difference(sharp[a], sharp[b])
        assert _similarity(blurred[a], blurred[b]) > 0.99
    for s, image in sharp.items():  # the blur has none of the photo's edges left
        edges = [np.abs(np.diff(np.asarray(i.convert("L"), np.float64), axis=1)).max() for i in (image, blurred[s])]
        assert edges[1] < 0.05 * edges[0]


@pytest.mark.parametrize("size", [(64, 48), (160, 120), (360, 270), (1600, 1200), (37, 300)])
def test_every_size_is_kept_and_is_smooth_without_block_edges(size):
    rng = np.random.default_rng(4)
    photo = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    photo.paste((255, 255, 255), (0, 0, size[0] // 2, size[1] // 2))
    blurred = obscure(photo)
    assert blurred.size == size and blurred.mode == "RGB"
    pixels = np.asarray(blurred, np.float64)
    # No edge: neighbouring pixels differ by a small share of the range anywhere (a block edge is a jump).
    step = max(np.abs(np.diff(pixels, axis=0)).max(), np.abs(np.diff(pixels, axis=1)).max())
    assert step <= max(3, 255 * 6 / min(size))  # 3: rounding to whole grey levels
    assert obscure(photo, (20, 10)).size == (20, 10)
