"""With the trained shapes CLIP: search, tags, moderation and user choices mean what they say."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

import photo_tagger.core.indexer as indexer_module
from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from photo_tagger.core.tagging import TagDecision, effective
from tests.fixture_models.shapes import CLASSES, COLORS, SHAPES, caption
from tests.photos import file_hashes

PER_CLASS = 10
# EXIF orientation -> how the camera stored the pixels, so that a viewer applying the tag shows them upright.
STORED_AS = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
TRIANGLES = ModerationCategory("triangles", tuple(caption(c, "triangle") for c in COLORS),
                               tuple(caption(c, s) for c in COLORS for s in SHAPES if s != "triangle"),
                               threshold=0.5)


@pytest.fixture(scope="module")
def shapes_library(tmp_path_factory):
    """JPEGs of every class, some stored rotated with an EXIF orientation tag."""
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path_factory.mktemp("shapes") / "photos"
    folder.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(PER_CLASS * len(CLASSES))):
        path = folder / f"{i:03d}.jpg"
        exif = Image.Exif()
        orientation = (6, 8, 3)[i % 3] if i % 4 == 0 else None
        if orientation:
            exif[0x0112] = orientation
            image = image.transpose(STORED_AS[orientation])
        image.save(path, quality=95, exif=exif)
        truth[str(path)] = (color, shape)
    return folder, truth


def shape_label_set(threshold: float = 0.5) -> LabelSet:
    """Labels named after the shapes, each a prompt ensemble over the colours' captions."""
    return LabelSet(labels=tuple(Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES),
                    moderation=(TRIANGLES,), threshold=threshold, max_tags=1)


@pytest.fixture
def indexed(cli, shapes_home, shapes_library):
    folder, truth = shapes_library
    App.from_home(shapes_home).save_labels(shape_label_set())
    result = cli("--home", shapes_home, "index", folder, "--json")
    assert result.returncode == 0 and json.loads(result.out)["new"] == len(truth), result.err
    return shapes_home, folder, truth


def stored(home):
    """path -> (effective tags, effective flags, unsafe score) from a fresh App."""
    app = App.from_home(home)
    try:
        records = {r.id: r.path for r in app.catalog.records()}
        decisions = app.catalog.decisions(records)
        choices = app.catalog.choices(records)
        out = {}
        for photo_id, path in records.items():
            decision = decisions.get(photo_id, TagDecision())
            result = effective(decision, choices.get(photo_id))
            out[path] = (result.tags, result.flags, dict(decision.flags).get("triangles"))
        return out
    finally:
        app.close()


def test_search_finds_red_circles_first(cli, indexed):
    home, folder, truth = indexed
    hits = json.loads(cli("--home", home, "search", "a photo of a red circle", "--limit", "10", "--json").out)
    precision = sum(truth[h["path"]] == ("red", "circle") for h in hits) / 10
    print(f"precision@10 for 'a photo of a red circle': {precision:.2f}")
    assert precision >= 0.9
    rotated = [p for p in truth if int(p[-7:-4]) % 4 == 0 and truth[p] == ("red", "circle")]
    assert rotated and set(rotated) <= {h["path"] for h in hits}  # EXIF-rotated photos are found too


def test_shape_labels_tag_as_accurately_as_the_model_in_torch(indexed, model_depot):
    import torch
    from transformers import CLIPModel, CLIPTokenizer

    from tests.fixture_models.checkpoints import image_processor

    home, folder, truth = indexed
    tags = stored(home)
    tagged = [p for p in truth if tags[p][0]]
    # The absolute rule (issue 13) leaves a photo untagged when its label does not stand out: precision is what
    # must match the model's own zero-shot accuracy; recall is what the rule gives up for knowing "none".
    ours = np.mean([tags[p][0] == (truth[p][1],) for p in tagged])
    recall = len(tagged) and np.mean([tags[p][0] == (shape,) for p, (_, shape) in truth.items()])

    checkpoint = model_depot.checkpoint("shapes")
    model = CLIPModel.from_pretrained(checkpoint).eval()
    tokenizer = CLIPTokenizer.from_pretrained(checkpoint)
    normalize = torch.nn.functional.normalize
    with torch.inference_mode():
        prompts = tokenizer([caption(c, s) for s in SHAPES for c in COLORS], padding=True, return_tensors="pt")
        text = normalize(model.get_text_features(**prompts).pooler_output, dim=-1)
        text = normalize(text.reshape(len(SHAPES), len(COLORS), -1).mean(1), dim=-1)
        images = [ImageOps.exif_transpose(Image.open(p)).convert("RGB") for p in truth]
        pixels = image_processor(model.config.vision_config.image_size)(images, return_tensors="pt")["pixel_values"]
        image = normalize(model.get_image_features(pixel_values=pixels).pooler_output, dim=-1)
        predicted = (image @ text.T).argmax(1).tolist()
    theirs = np.mean([SHAPES[k] == shape for k, (_, shape) in zip(predicted, truth.values())])
    print(f"shape tags: app precision {ours:.3f}, recall {recall:.3f}; torch zero-shot accuracy {theirs:.3f}")
    assert ours >= 0.95 and ours >= theirs - 0.02 and recall >= 0.85


def test_moderation_flags_the_photos_above_the_threshold(cli, indexed):
    home, folder, truth = indexed
    tags = stored(home)
    flagged = {p for p, (_, flags, _) in tags.items() if flags}
    assert flagged == {p for p, (_, _, score) in tags.items() if score is not None and score >= 0.5}
    triangles = {p for p, (_, shape) in truth.items() if shape == "triangle"}
    precision = len(flagged & triangles) / len(flagged)
    recall = len(flagged & triangles) / len(triangles)
    print(f"'triangles' moderation: precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.9 and recall >= 0.9
    listed = {row["path"] for row in json.loads(cli("--home", home, "flagged", "--json").out)}
    assert listed == flagged
    safe = {h["path"] for h in json.loads(cli("--home", home, "search", "a photo of a red triangle", "--no-flagged",
                                               "--limit", "50", "--json").out)}
    assert not safe & flagged


def test_user_choices_survive_retag_reindex_and_renames(cli, indexed, monkeypatch):
    home, folder, truth = indexed
    circle = next(p for p, t in truth.items() if t == ("blue", "circle"))
    triangle = next(p for p, t in truth.items() if t == ("green", "triangle") and stored(home)[p][1])
    assert cli("--home", home, "tag", circle, "--add", "holiday", "--remove", "circle").returncode == 0
    assert cli("--home", home, "unflag", triangle).returncode == 0
    hits = json.loads(cli("--home", home, "search", "a photo of a blue circle", "--tag", "holiday", "--json").out)
    assert [h["path"] for h in hits] == [circle]

    def no_decoding(*args, **kwargs):
        raise AssertionError("retag must not decode images")

    monkeypatch.setattr(indexer_module, "load_pixels_and_info", no_decoding)
    before = file_hashes(folder)
    app = App.from_home(home)
    app.save_labels(shape_label_set(threshold=0.3))  # a label edit; `labels ...` commands retag the same way
    app.close()
    assert cli("--home", home, "retag").returncode == 0
    assert cli("--home", home, "retag", folder).returncode == 0
    assert file_hashes(folder) == before
    monkeypatch.undo()

    renamed = circle.replace(".jpg", "-renamed.jpg")
    Path(circle).rename(renamed)
    try:
        assert json.loads(cli("--home", home, "index", folder, "--json").out)["moved"] == 1
        after = stored(home)
        assert after[renamed][0] == ("holiday",)  # added kept, auto "circle" still removed
        assert after[triangle][1] == () and after[triangle][2] >= 0.5  # still scored, still unflagged
    finally:
        Path(renamed).rename(circle)


def test_bad_input_gets_one_line(cli, indexed):
    home, folder, truth = indexed
    for args, fragment in [
        (("search", "   "), "the search query is empty"),
        (("search", "x", "--tag", "unicorn"), "no label or tag named 'unicorn'"),
        (("tags", folder / "missing.jpg"), "no such file"),
        (("search", "x", "--since", "2020-02-01", "--until", "2020-01-01"), "is after --until"),
        (("labels", "remove", "unicorn"), "no label named 'unicorn'"),
    ]:
        result = cli("--home", home, *args)
        assert result.returncode != 0 and fragment in result.err and len(result.err.strip().splitlines()) == 1, result
