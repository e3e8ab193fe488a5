"""The kind contest (issue 19) on synthetic embeddings: a label competes with the everyday words of its own kind,
so one photo can be "red", "circle" and "beach" at once, and a word the model never learned stays quiet."""

import numpy as np

from photo_tagger.core import calibration
from photo_tagger.core.background import BACKGROUND_WORDS
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.tagging import calibrated, decide, prepare

DIM = 512
AXIS = {w: i for i, w in enumerate(BACKGROUND_WORDS)}


class WordAxes:
    """"a photo of a {word}." -> one axis per everyday word; any other word -> one of the spare axes."""

    embedding_dim = DIM

    def encode_texts(self, texts):
        import zlib

        out = np.zeros((len(texts), DIM), np.float32)
        for row, text in enumerate(texts):
            word = text.removeprefix("a photo of a ").rstrip(".")
            out[row, AXIS.get(word, len(AXIS) + zlib.crc32(word.encode()) % (DIM - len(AXIS)))] = 1.0
        return out


def photos(n, seed=0):
    """Photos of a coloured shape, on a beach, in the snow or on a plain backdrop; their facts."""
    rng = np.random.default_rng(seed)
    vectors, facts = [], []
    for _ in range(n):
        fact = {str(rng.choice(["red", "blue", "yellow"])), str(rng.choice(["circle", "triangle", "cross"]))}
        fact |= {s for s in [rng.choice(["beach", "snow", ""])] if s}
        v = rng.normal(0, 0.08, DIM)
        for word in fact:
            v[AXIS[word]] += 1.0 + rng.uniform(-0.1, 0.1)
        vectors.append(v / np.linalg.norm(v))
        facts.append(fact)
    return np.asarray(vectors, np.float32), facts


def test_a_label_has_the_kinds_of_the_everyday_words_it_is_or_is_made_of():
    text = WordAxes()
    bg = calibration.background(text)
    def vector(name):
        return text.encode_texts([f"a photo of a {name}."])
    assert calibration.kinds_of(bg, "red", vector("red")) == ("colour",)
    assert calibration.kinds_of(bg, "Red Car", vector("red car")) == ("colour", "vehicle")
    assert set(calibration.kinds_of(bg, "star", vector("star"))) == {"scene", "shape"}
    assert calibration.kinds_of(calibration.Background(("a",), np.eye(1, DIM)), "red", vector("red")) == ()


def test_one_photo_carries_labels_of_several_kinds():
    library, facts = photos(200)
    names = ["red", "circle", "beach", "blorp"]
    labels = LabelSet(labels=tuple(Label(n) for n in names), templates=("a photo of a {}.",))
    prepared = calibrated(prepare(labels, WordAxes()), library)
    decisions = decide(library, prepared)
    given = np.array([[n in dict(d.tags) for n in names] for d in decisions])
    truth = np.array([[n in f for n in names] for f in facts])
    assert not (given & ~truth)[:, :3].any()  # never a wrong tag
    assert (given & truth)[:, :3].sum() >= 0.9 * truth[:, :3].sum()
    both = truth[:, 0] & truth[:, 1] & truth[:, 2]
    assert both.any() and given[both, :3].all()  # a red circle on a beach is all three at once
    assert given[:, 3].mean() <= 0.02  # "blorp" is in no photo: at most noise


def test_the_kind_contest_alone_finds_the_facts_that_never_top_a_photo(monkeypatch):
    """Colours whose cosines sit below every photo's object and scene (as attributes do on real models): with the
    old ways off, the kind contest alone still tags them."""
    monkeypatch.setattr(calibration, "USE_OWN", False)
    monkeypatch.setattr(calibration, "USE_SPLIT", False)
    library, facts = photos(200)
    red = np.array(["red" in f for f in facts])
    library = library.copy()
    library[:, [AXIS[c] for c in ("red", "blue", "yellow")]] *= 0.5
    library /= np.linalg.norm(library, axis=1, keepdims=True)
    labels = LabelSet(labels=(Label("red"),), templates=("a photo of a {}.",))
    prepared = calibrated(prepare(labels, WordAxes()), library)
    tagged = np.array(["red" in dict(d.tags) for d in decide(library, prepared)])
    assert tagged[red].mean() >= 0.9 and not tagged[~red].any()
    monkeypatch.setattr(calibration, "USE_KIND", False)
    tagged = np.array(["red" in dict(d.tags) for d in decide(library, prepared)])
    assert tagged[red].mean() <= 0.1  # beating every everyday word: the photo's shape wins


def test_a_label_whose_split_agrees_with_its_kind_contest_is_decided_by_the_split(monkeypatch):
    """Colours that lose their kind contest on many of their own photos (a rival colour word close behind, as on
    real models) but split the library cleanly: the split decides, and a made-up word's split does not agree."""
    library, facts = photos(300, seed=3)
    red = np.array(["red" in f for f in facts])
    library = library.copy()
    library[:, AXIS["pink"]] += np.where(red, 0.9 * library[:, AXIS["red"]], 0.0)  # close behind "red" on red photos
    library /= np.linalg.norm(library, axis=1, keepdims=True)
    labels = LabelSet(labels=(Label("red"), Label("blorp")), templates=("a photo of a {}.",))
    prepared = calibrated(prepare(labels, WordAxes()), library)
    assert prepared.labels.agreed == [True, False]
    tagged = np.array([[n in dict(d.tags) for n in ("red", "blorp")] for d in decide(library, prepared)])
    assert tagged[red, 0].mean() >= 0.95 and not tagged[~red, 0].any() and tagged[:, 1].mean() <= 0.02
    monkeypatch.setattr(calibration, "USE_OWN", False)  # the other ways off: the split alone still tags them
    monkeypatch.setattr(calibration, "USE_KIND", False)
    tagged = np.array(["red" in dict(d.tags) for d in decide(library, prepared)])
    assert tagged[red].mean() >= 0.95 and not tagged[~red].any()
    monkeypatch.setattr(calibration, "USE_SPLIT", False)  # and without it: the photo's shape and scene outrank red
    tagged = np.array(["red" in dict(d.tags) for d in decide(library, prepared)])
    assert tagged[red].mean() <= 0.1


def test_the_split_agrees_only_with_a_clear_gap_and_enough_photos():
    rng = np.random.default_rng(0)
    two = np.r_[rng.normal(0.2, 0.01, 150), rng.normal(0.3, 0.01, 50)]  # 10 spreads apart
    own = calibration.split_of(two, len(two))
    kind = calibration.Reference(0.2, 0.01, len(two))
    wins = np.where(two > 0.25, 0.0, 1.0)  # the rival: beaten exactly on the upper group
    assert calibration.agrees(two, own, wins, kind)
    assert not calibration.agrees(two, own, np.ones_like(two), kind)  # never wins its kind: not known
    one = rng.normal(0.2, 0.01, 200)  # one bump: Otsu still cuts it, with no gap
    assert not calibration.agrees(one, calibration.split_of(one, 200), np.zeros(200), kind)
    few = two[120:168]  # 30 + 18 photos, as clearly split: too few for the split to decide (SPLIT_PHOTOS)
    assert calibration.agrees(two[100:200], calibration.split_of(two[100:200], 100), wins[100:200], kind)
    assert not calibration.agrees(few, calibration.split_of(few, len(few)), wins[120:168], kind)


def test_a_label_the_model_puts_among_many_everyday_words_is_not_known_to_it():
    assert calibration.distinct(np.zeros(420, bool))
    many = np.zeros(420, bool)
    many[: calibration.MAX_NEAR + 1] = True
    assert not calibration.distinct(many)


def test_the_kind_rivals_are_written_in_the_labels_templates():
    text = WordAxes()
    bg = calibration.background(text)
    assert calibration.templated(bg, text, ("a photo of a {}.",)) is bg.matrix
    other = calibration.templated(bg, text, ("a photo of a {}.", "a drawing of a {}."))
    assert other.shape == bg.matrix.shape and np.allclose(np.linalg.norm(other, axis=1), 1.0)
