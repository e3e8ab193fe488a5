"""Moderation categories (issue 19) on synthetic embeddings: the user's contrast lets a category in when the photo
also beats the everyday words of its kind, written as its prompts are; a category the model does not know flags
nothing; the kind rivals stay exact when fewer of them are kept."""

import numpy as np

from photo_tagger.core import calibration
from photo_tagger.core.background import BACKGROUND_TEMPLATE, BACKGROUND_WORDS
from photo_tagger.core.labels import DEFAULT_MODERATION, LabelSet, ModerationCategory
from photo_tagger.core.tagging import calibrated, decide, prepare
from tests.unit.test_judgement_kinds import AXIS, DIM, WordAxes, photos

TRIANGLES = ModerationCategory("triangles", ("a photo of a triangle",), ("a photo of a circle", "a photo of a cross"))


def flagged(category, library, text=None):
    prepared = calibrated(prepare(LabelSet(labels=(), moderation=(category,)), text or WordAxes()), library)
    return np.array([category.name in dict(d.flags) for d in decide(library, prepared)]), prepared


def test_a_category_is_of_the_kinds_of_what_its_prompts_name_and_its_rivals_are_written_as_they_are():
    bg = calibration.background(WordAxes())
    assert calibration.named_words(bg, ("a photo of a knife attack", "a photo of a gun")) == "knife"
    assert calibration.named_words(bg, ("An explicit nude photo",)) == ""
    assert calibration.form_of(("a photo of a triangle", "a photo of violence.", "a photo of gore")) == \
        (BACKGROUND_TEMPLATE.rstrip("."),)
    assert calibration.form_of(("a photo of a triangle.",)) == (BACKGROUND_TEMPLATE,)
    _, prepared = flagged(TRIANGLES, photos(40)[0])
    categories = prepared.categories
    assert categories.kinds == [("shape",)]
    assert categories.excluded[0, AXIS["triangle"]] and not categories.excluded[0, AXIS["circle"]]


def test_a_custom_category_flags_by_its_contrast_though_the_photo_main_thing_outranks_it(monkeypatch):
    library, facts = photos(300)
    gold = np.array(["triangle" in f for f in facts])
    hit, _ = flagged(TRIANGLES, library)
    precision, recall = (hit & gold).sum() / max(hit.sum(), 1), (hit & gold).sum() / gold.sum()
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    monkeypatch.setattr(calibration, "CONTRAST_DECIDES", False)  # the everyday-word rule alone: the colour or scene
    alone, _ = flagged(TRIANGLES, library)  # outranks the triangle on many photos
    assert (alone & gold).sum() < 0.8 * (hit & gold).sum()


class NextToTheUnknown(WordAxes):
    """A model that never learned the category's words nor the food words: all of them land next to one point
    (cosine 0.94 with each other), each a little off it along its own axis."""

    UNKNOWN = frozenset(BACKGROUND_WORDS[AXIS["apple"]:AXIS["apple"] + 45])

    def encode_texts(self, texts):
        out = super().encode_texts(texts)
        for row, text in enumerate(texts):
            if text.removeprefix("a photo of a ").rstrip(".") in self.UNKNOWN or "violence" in text:
                out[row, DIM - 1] = 4.0
                out[row] /= np.linalg.norm(out[row])
        return out


def test_a_category_the_model_does_not_know_flags_nothing():
    text = NextToTheUnknown()
    violence = ModerationCategory("violence", ("a photo of violence",), ("a photo of a circle",))
    library, _ = photos(200)
    library[::2] += 0.5 * text.encode_texts(["a photo of violence"])[0]  # half the photos: a whole visual class
    library /= np.linalg.norm(library, axis=1, keepdims=True)
    hit, prepared = flagged(violence, library, text)
    assert not calibration.distinct(prepared.categories.excluded[0])
    assert not hit.any()


def test_the_kind_rivals_are_exact_with_only_as_many_kept_as_the_rows_exclude():
    text = WordAxes()
    bg = calibration.background(text)
    rng = np.random.default_rng(3)
    embeddings = rng.normal(size=(500, DIM)).astype(np.float32)
    excluded = rng.random((20, len(bg.words))) < 0.01
    excluded[0, :200] = True  # a row the model does not know
    kinds = {"colour", "shape", "scene", "thing", calibration.GENERIC}
    fewer = calibration.kind_top(embeddings, bg, kinds, excluded=excluded)
    full = calibration.kind_top(embeddings, bg, kinds)
    assert max(len(v[0][0]) for v in fewer.values()) < calibration.KIND_TOP
    for row in range(1, len(excluded)):
        for own in (("colour",), ("shape",), ("scene", "thing")):
            assert np.array_equal(calibration.kind_rival(fewer, own, excluded[row]),
                                  calibration.kind_rival(full, own, excluded[row]))


def test_the_user_contrast_decides_where_the_unsafe_side_wins_and_the_photo_stands_out(monkeypatch):
    """Issue 19 §2, the seed article's flow: unsafe "a photo of a triangle" against the other shapes. With the kind
    way shut (the shapes CLIP's triangles lose to words it never learned), the user's contrast alone flags the
    triangles, and no circle or cross; a library without triangles gets no flag."""
    monkeypatch.setattr(calibration, "CATEGORY_KIND_MARGIN", 50.0)
    library, facts = photos(300)
    gold = np.array(["triangle" in f for f in facts])
    hit, prepared = flagged(TRIANGLES, library)
    assert prepared.categories.one_kind == [True] and prepared.categories.contrast_splits[0] is not None
    precision, recall = (hit & gold).sum() / max(hit.sum(), 1), (hit & gold).sum() / gold.sum()
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    monkeypatch.setattr(calibration, "USE_USER_CONTRAST", False)
    alone, _ = flagged(TRIANGLES, library)
    assert (alone & gold).sum() < 0.8 * (hit & gold).sum()
    monkeypatch.setattr(calibration, "USE_USER_CONTRAST", True)
    none, _ = flagged(TRIANGLES, library[~gold])
    assert not none.any()
    small, prepared = flagged(TRIANGLES, library[: calibration.SPLIT_PHOTOS - 1])  # too few photos to split
    assert prepared.categories.contrast_splits is None


def test_only_a_contrast_between_named_things_of_one_kind_is_the_users():
    bg = calibration.background(WordAxes())
    assert calibration.one_kind(bg, TRIANGLES.unsafe, TRIANGLES.safe)
    assert not calibration.one_kind(bg, TRIANGLES.unsafe, ())
    assert not calibration.one_kind(bg, TRIANGLES.unsafe, ("a photo of a beach",))  # a shape against a scene
    for name in ("nudity", "violence", "drugs", "self-harm"):
        unsafe, safe = DEFAULT_MODERATION[name]
        assert not calibration.one_kind(bg, tuple(unsafe), tuple(safe)), name


def test_the_user_contrast_needs_the_model_to_read_it_as_written(monkeypatch):
    """The default "weapons" names a knife against a kitchen and a toy (one kind), but here its prompts land on
    axes of their own: half the library lies along "a photo of a knife attack", a whole visual class with no knife
    in it. The everyday words the prompts name do not pick the same photos, so the contrast does not decide (the
    kind way is shut, as in the test above)."""
    monkeypatch.setattr(calibration, "CATEGORY_KIND_MARGIN", 50.0)
    text = WordAxes()
    unsafe, safe = DEFAULT_MODERATION["weapons"]
    weapons = ModerationCategory("weapons", tuple(unsafe), tuple(safe))
    library, _ = photos(200)
    library[::2] += 0.5 * text.encode_texts(["a photo of a knife attack"])[0]
    library /= np.linalg.norm(library, axis=1, keepdims=True)
    hit, prepared = flagged(weapons, library, text)
    assert prepared.categories.one_kind == [True] and prepared.categories.contrast_splits == [None]
    monkeypatch.setattr(calibration, "USE_USER_CONTRAST", False)
    before, _ = flagged(weapons, library, text)
    assert np.array_equal(hit, before)  # the everyday-word rule alone, as before
    monkeypatch.setattr(calibration, "USE_USER_CONTRAST", True)
    monkeypatch.setattr(calibration, "CONTRAST_AGREEMENT", 0.0)  # without the check: most of the class
    hit, _ = flagged(weapons, library, text)
    assert hit[::2].mean() >= before[::2].mean() + 0.4
