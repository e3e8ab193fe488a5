"""A search typed in German or Japanese finds what the English one finds (issue 14 §3), through the command line, on
a multilingual model made as M-CLIP is (tests/fixture_models/mclip_shapes.py: a student text tower taught the shapes
CLIP's English embeddings from captions in three languages) and installed from Immich's M-CLIP layout."""

import json

import numpy as np
import pytest

from tests.fixture_models.mclip_shapes import caption, mclip_shapes_immich

PER_CLASS = 2
QUERIES = [("red", "circle"), ("blue", "square"), ("yellow", "star"), ("green", "triangle"), ("blue", "star")]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """A home with the multilingual model installed and held-out shapes photos indexed, and the photos' truth."""
    from photo_tagger.cli.main import run
    from tests.fixture_models.checkpoints import heldout_shapes
    from tests.fixture_models.shapes import CLASSES

    root = tmp_path_factory.mktemp("multilingual")
    home, photos = root / "home", root / "photos"
    photos.mkdir()
    truth = {}
    for i, (image, color, shape) in enumerate(heldout_shapes(PER_CLASS * len(CLASSES), seed=4242)):
        path = photos / f"{i:03d}.jpg"
        image.save(path, quality=95)
        truth[str(path)] = (color, shape)
    assert run(["--home", str(home), "model", "install", str(mclip_shapes_immich()), "--name", "mclip"]) == 0
    assert run(["--home", str(home), "index", str(photos)]) == 0
    return home, truth


def _search(cli, home, query):
    result = cli("--home", home, "search", query, "--limit", "100", "--json")
    assert result.returncode == 0, result.err
    return {hit["path"]: hit["score"] for hit in json.loads(result.out)}


@pytest.mark.parametrize("color,shape", QUERIES)
def test_a_german_or_japanese_query_ranks_the_photos_like_the_english_one(indexed, cli, color, shape):
    home, truth = indexed
    english = _search(cli, home, caption("en", color, shape))
    assert len(english) == len(truth)
    top_english = sorted(english, key=english.get, reverse=True)[:PER_CLASS]
    assert {truth[p] for p in top_english} == {(color, shape)}  # the model knows its shapes in English
    paths = sorted(english)
    for language in ("de", "ja"):
        other = _search(cli, home, caption(language, color, shape))
        top = sorted(other, key=other.get, reverse=True)[:PER_CLASS]
        assert set(top) == set(top_english), (language, [truth[p] for p in top])
        ranks = [np.argsort(np.argsort([-scores[p] for p in paths])) for scores in (english, other)]
        assert np.corrcoef(*ranks)[0, 1] >= 0.9, language  # the whole ranking, not only the top


def test_queries_in_other_languages_for_other_things_rank_differently(indexed, cli):
    """The control: a German query finds its own shape, not whatever the English query found."""
    home, truth = indexed
    red_circles = _search(cli, home, caption("en", "red", "circle"))
    blue_squares = _search(cli, home, caption("de", "blue", "square"))
    top = sorted(blue_squares, key=blue_squares.get, reverse=True)[:PER_CLASS]
    assert {truth[p] for p in top} == {("blue", "square")}
    assert not set(top) & set(sorted(red_circles, key=red_circles.get, reverse=True)[:PER_CLASS])
