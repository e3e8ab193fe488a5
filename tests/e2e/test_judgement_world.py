"""Issue 19 with the multi-fact world CLIP (tests/fixture_models/world.py): each photo is an object, its colour,
a scene and a style at once, and each kind of label tags on its own evidence, with the default template only,
measured against what the model itself can tell apart (the hindsight ceiling). Photos held out from training."""

import numpy as np
import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory
from tests.fixture_models.world import COLOURS, OBJECTS, SCENES, STYLES
from tests.judged_library import index, library_home, stored
from tests.judgement_metrics import ceiling, prf

pytestmark = pytest.mark.world_model  # run with `pytest -m world_model` (trains ~4 min)

SEED = 41_001  # not the world model's training, validation or sweep seeds
PHOTOS = 160
KINDS = {"object": OBJECTS, "colour": tuple(COLOURS), "scene": SCENES, "style": STYLES}
UNKNOWN = ("dog", "car", "people", "wedding", "blorp")
STARS = ModerationCategory("stars", ("a photo of a star",), tuple(f"a photo of a {o}" for o in OBJECTS if o != "star"),
                           threshold=0.5)


@pytest.fixture(scope="module")
def world(tmp_path_factory, model_depot):
    """(home, path -> Facts, path -> embedding) of one indexed library of held-out world photos."""
    from tests.fixture_models.world_checkpoints import heldout_world

    home, folder = library_home(tmp_path_factory, model_depot, "world", "world")
    app = App.from_home(home)
    labels = [Label(n) for names in KINDS.values() for n in names] + [Label(n) for n in UNKNOWN]
    app.save_labels(LabelSet(labels=tuple(labels), moderation=(STARS,), templates=("a photo of a {}.",), max_tags=8))
    app.close()
    truth = {}
    for i, (image, facts) in enumerate(heldout_world(PHOTOS, SEED)):
        path = folder / f"{i:03d}.jpg"
        image.save(path, quality=95)
        truth[str(path)] = facts
    index(home, folder)
    app = App.from_home(home)
    try:
        records = {r.id: r.path for r in app.catalog.records()}
        vectors = app.catalog.vectors(app.model_key(), records)
        embeddings = {records[i]: v for i, v in vectors.items()}
        texts = app.cached_text_encoder
        prompts = {n: texts.encode_texts([f"a photo of a {n}."])[0] for names in KINDS.values() for n in names}
    finally:
        app.close()
    return home, truth, embeddings, prompts


# Issue 19 asks 0.9 for every kind. Measured here with the split way in (RESULTS.md, "The split decides"): objects
# 0.39, colours 1.00, scenes 0.89, styles 0.92 of the ceiling (before it: 0.39, 0.71, 0.60, 0.25). Each kind is
# guarded below that, with room; objects, which this model hardly knows (AUC 0.65-0.91), stay short of the goal.
FLOOR = {"object": 0.3, "colour": 0.9, "scene": 0.75, "style": 0.75}


@pytest.mark.parametrize("kind", list(FLOOR))
def test_each_kind_of_label_tags_near_what_the_model_can_tell_apart(world, kind):
    home, truth, embeddings, prompts = world
    tags = stored(home)
    paths = sorted(truth)
    names = KINDS[kind]
    gold = np.array([[n in truth[p].labels() for n in names] for p in paths])
    given = np.array([[n in tags[p].tags for n in names] for p in paths])
    app = prf(int((given & gold).sum()), int((given & ~gold).sum()), int((~given & gold).sum()))
    cosines = np.stack([embeddings[p] for p in paths]) @ np.stack([prompts[n] for n in names]).T
    best = ceiling(cosines, gold)
    print(f"{kind}: app P {app[0]:.3f} R {app[1]:.3f} F1 {app[2]:.3f}; ceiling F1 {best[2]:.3f}")
    assert app[2] >= FLOOR[kind] * best[2]




def test_labels_for_concepts_the_model_does_not_know_stay_quiet(world):
    home, truth, _, _ = world
    tags = stored(home)
    tagged = sum(any(u in tags[p].tags for u in UNKNOWN) for p in truth) / len(truth)
    print(f"unknown concepts: {tagged:.3f} of photos tagged")
    assert tagged <= 0.02
