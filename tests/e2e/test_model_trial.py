"""Trying a second model on the library: the tiny random CLIP in use, the trained shapes CLIP tried on a sample;
its tags and searches mean what they say, the trial resumes, and a switch keeps what it encoded."""

import json
from pathlib import Path

import numpy as np
import pytest

from photo_tagger.app import App
from photo_tagger.core.jobs import Cancelled, JobControl
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.services import model_trial
from tests.fixture_models.shapes import COLORS, SHAPES, caption

PER_CLASS = 4
PHOTOS = PER_CLASS * len(COLORS) * len(SHAPES)
SAMPLE = 24


@pytest.fixture(scope="module")
def shapes_photos(tmp_path_factory):
    from tests.fixture_models.checkpoints import heldout_shapes

    folder = tmp_path_factory.mktemp("trial") / "photos"
    folder.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(PHOTOS)):
        path = folder / f"{i:03d}.jpg"
        image.save(path, quality=95)
        truth[str(path)] = (color, shape)
    return folder, truth


@pytest.fixture
def library(cli, tiny_home, model_depot, shapes_photos):
    """tiny in use, shapes installed beside it; the photos indexed with tiny; two searches made."""
    folder, truth = shapes_photos
    app = App.from_home(tiny_home)
    app.models.import_folder(model_depot.folder("shapes"))
    app.save_labels(LabelSet(labels=tuple(Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES),
                             max_tags=1))
    result = cli("--home", tiny_home, "index", folder, "--json")
    assert result.returncode == 0, result.err
    for query in ("a photo of a blue square", "a photo of a red circle"):
        assert cli("--home", tiny_home, "search", query, "--json").returncode == 0
    return tiny_home, folder, truth


def test_try_compares_tags_and_searches_on_a_sample(cli, library):
    home, folder, truth = library
    result = cli("--home", home, "model", "try", "shapes", "--sample", SAMPLE, "--json")
    assert result.returncode == 0, result.err
    report = json.loads(result.out)
    assert (report["current_model"], report["trial_model"], report["photos"]) == ("tiny", "shapes", SAMPLE)
    assert report["agreed"] + len(report["disagreements"]) == SAMPLE
    # The trained model tags most photos with their own shape; the tiny random one, next to nothing: they
    # disagree, and each disagreement lists what each model said.
    shape_of = {d["photo"]["path"]: truth[d["photo"]["path"]][1] for d in report["disagreements"]}
    right = sum(d["trial"] == [shape_of[d["photo"]["path"]]] for d in report["disagreements"])
    assert len(report["disagreements"]) >= SAMPLE // 2 and right >= 0.75 * len(report["disagreements"]), report
    for label in report["labels"]:  # the per-label counts add up to the photos' tags
        assert label["only_trial"] + label["both"] == sum(
            label["label"] in d["trial"] for d in report["disagreements"]) + label["both"]
    by_label = {label["label"]: label for label in report["labels"]}
    assert sum(by_label[s]["both"] + by_label[s]["only_trial"] for s in SHAPES) >= SAMPLE // 2
    # The recent searches, newest first, with each model's top photos among the sample.
    assert [s["query"] for s in report["searches"]] == ["a photo of a red circle", "a photo of a blue square"]
    red = report["searches"][0]
    assert len(red["trial"]) == len(red["current"]) == model_trial.TOP
    sample_reds = sum(truth[p] == ("red", "circle") for p in _sample_paths(home))
    assert sample_reds >= 1
    top = [truth[h["path"]] for h in red["trial"][:sample_reds]]
    assert top.count(("red", "circle")) >= max(1, sample_reds - 1), (top, sample_reds)
    assert red["shared"] == len({h["id"] for h in red["trial"]} & {h["id"] for h in red["current"]})


def _sample_paths(home: Path) -> list[str]:
    app = App.from_home(home)
    try:
        key = app.models.get("shapes").key
        ids = [i for i in app.catalog.filter_ids(app.model_key()) if app.catalog.vectors(key, [i])]
        return [r.path for r in app.catalog.get(ids).values()]
    finally:
        app.close()


def test_a_trial_stops_and_resumes_without_encoding_twice(library):
    home, _, _ = library
    app = App.from_home(home)
    try:
        trials = app.model_trial_service
        state = trials.encode_trial("shapes", SAMPLE, limit=5)
        assert (state.photos, state.encoded, state.complete) == (SAMPLE, 5, False)
        control = JobControl()
        control.cancel()
        with pytest.raises(Cancelled):
            trials.encode_trial("shapes", SAMPLE, control=control)
        assert trials.trial_state("shapes", SAMPLE).encoded == 5
        image_encoder, _ = app.encoders_for("shapes")
        calls = []
        original = image_encoder.encode_images
        image_encoder.encode_images = lambda pixels: calls.append(len(pixels)) or original(pixels)
        state = trials.encode_trial("shapes", SAMPLE)
        assert state.complete and sum(calls) == SAMPLE - 5
        # The photos in use keep the tiny model's embeddings: searches and tags are unchanged by a trial.
        assert app.catalog.count_embedded(app.model_key()) == PHOTOS
    finally:
        app.close()


def test_switch_keeps_the_trial_vectors_and_the_index_encodes_the_rest(cli, library):
    home, folder, _ = library
    assert cli("--home", home, "model", "try", "shapes", "--sample", SAMPLE, "--json").returncode == 0
    used = cli("--home", home, "model", "use", "shapes", "--now")
    assert used.returncode == 0 and f"{SAMPLE} photos keep the vectors" in used.out, used.out + used.err
    app = App.from_home(home)
    try:
        key = app.model_key()
        assert key.startswith("shapes@") and app.catalog.count_embedded(key) == SAMPLE
        kept = dict(app.catalog.vectors(key, app.catalog.filter_ids(key)))
    finally:
        app.close()
    report = json.loads(cli("--home", home, "index", folder, "--json").out)
    assert report["reencoded"] == PHOTOS - SAMPLE  # the trial's photos are not encoded again
    app = App.from_home(home)
    try:
        after = app.catalog.vectors(app.model_key(), list(kept))
        assert all(np.array_equal(after[i], v) for i, v in kept.items())
        assert app.catalog.count_embedded(app.model_key()) == PHOTOS
    finally:
        app.close()
    # The model left behind kept every vector: switching back encodes nothing, and search works at once.
    back = cli("--home", home, "model", "use", "tiny")
    assert f"{PHOTOS} photos keep the vectors" in back.out and "the other 0" in back.out, back.out + back.err
    hits = cli("--home", home, "search", "a photo of a red circle", "--json")
    assert hits.returncode == 0 and len(json.loads(hits.out)) > 0, hits.err
    assert json.loads(cli("--home", home, "index", folder, "--json").out)["reencoded"] == 0


def test_remove_drops_the_trial_vectors(cli, library):
    home, _, _ = library
    assert cli("--home", home, "model", "try", "shapes", "--sample", 6, "--json").returncode == 0
    app = App.from_home(home)
    key = app.models.get("shapes").key
    app.close()
    removed = cli("--home", home, "model", "remove", "shapes")
    assert removed.returncode == 0 and "vectors its trial made" in removed.out
    app = App.from_home(home)
    try:
        assert "shapes" not in app.models.names()
        assert not app.catalog.vectors(key, app.catalog.filter_ids(app.model_key()))
    finally:
        app.close()


def test_bad_requests_get_one_line(cli, library):
    home, _, _ = library
    same = cli("--home", home, "model", "try", "tiny")
    assert same.returncode == 1 and "is the model in use already" in same.err and "Traceback" not in same.err
    missing = cli("--home", home, "model", "try", "nope")
    assert missing.returncode == 1 and "nope" in missing.err
    bad = cli("--home", home, "model", "try", "shapes", "--sample", "0")
    assert bad.returncode == 2 and "1 or more" in bad.err


def test_try_all_then_use_encodes_nothing_again(cli, library):
    home, folder, _ = library
    tried = cli("--home", home, "model", "try", "shapes", "--all", "--json")
    assert tried.returncode == 0, tried.err
    assert json.loads(tried.out)["encoded"] == PHOTOS
    app = App.from_home(home)
    try:  # the model in use still has every photo: it searches them all until the switch
        assert app.catalog.count_embedded(app.model_key()) == PHOTOS
    finally:
        app.close()
    used = cli("--home", home, "model", "use", "shapes")
    assert f"{PHOTOS} photos keep the vectors" in used.out and "the other 0" in used.out
    report = json.loads(cli("--home", home, "index", folder, "--json").out)
    assert report["reencoded"] == 0 and report["unchanged"] == PHOTOS


def test_use_encodes_every_photo_first_and_the_index_after_it_encodes_nothing(cli, library):
    home, folder, _ = library
    used = cli("--home", home, "model", "use", "shapes")
    assert used.returncode == 0, used.err
    assert f"Encoding your {PHOTOS} photos with shapes before switching" in used.out
    assert f"{PHOTOS} photos keep the vectors" in used.out and "the other 0" in used.out, used.out
    hits = cli("--home", home, "search", "a photo of a red circle", "--json")
    assert hits.returncode == 0 and len(json.loads(hits.out)) > 0, hits.err
    report = json.loads(cli("--home", home, "index", folder, "--json").out)
    assert report["reencoded"] == 0 and report["unchanged"] == PHOTOS
