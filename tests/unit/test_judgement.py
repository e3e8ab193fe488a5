"""Calibration, learning and grading on synthetic embeddings (no model): the arithmetic of issue 13's rules."""

import numpy as np
import pytest

from photo_tagger.core import calibration, learning
from photo_tagger.core.calibration import Background, Reference
from photo_tagger.core.grading import Grader
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.tagging import TagDecision, decide, prepare

DIM = 32


def unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


class AxisText:
    """Text -> one axis: "axisK" -> K, "dog" -> 2 (an everyday word the background has too), any other word
    -> one of axes 4.. by a stable hash (the background words)."""

    embedding_dim = DIM

    def encode_texts(self, texts):
        import zlib

        out = []
        for t in texts:
            word = t.split(" a ", 1)[-1].split(" the ", 1)[-1].rstrip(".")
            axis = int(word[4:]) if word.startswith("axis") else 2 if word == "dog" else \
                4 + zlib.crc32(word.encode()) % (DIM - 4)
            v = np.zeros(DIM, np.float32)
            v[axis] = 1.0
            out.append(v)
        return np.stack(out)


def test_reference_needs_enough_photos_and_is_robust():
    bg = Background(("a", "b"), unit(np.eye(DIM)[:2]))
    assert calibration.reference(unit(np.random.default_rng(0).normal(size=(5, DIM))), bg) == Reference()
    photos = unit(np.random.default_rng(1).normal(size=(400, DIM)))
    ref = calibration.reference(photos, bg)
    assert ref.photos == 400 and ref.spread > 0
    outliers = photos.copy()
    outliers[:20] = unit(np.eye(DIM)[0] + 0.01)  # 5% of photos right on a background word
    assert abs(calibration.reference(outliers, bg).level - ref.level) < 0.05  # the median does not follow


def test_confidence_is_half_where_both_margins_are_just_met():
    ref = Reference(0.5, 0.1, 100)
    level = ref.level + calibration.LEVEL_K * ref.spread
    conf = calibration.confidence(np.array([level, level + 0.1, level + 0.1, level - 0.1]),
                                  np.array([0.0, 0.0, level + 0.2, 0.0]), ref)
    assert conf[0] == pytest.approx(0.5) and conf[1] > 0.9 and conf[2] < 0.1 and conf[3] < 0.1


def test_a_label_tags_what_stands_out_and_a_library_full_of_it_does_not_raise_its_bar():
    from photo_tagger.core.tagging import calibrated

    labels = LabelSet(labels=(Label("axis1", prompts=("a photo of a axis1.",)), Label("dog")))
    prepared = prepare(labels, AxisText())
    dog = prepared.names.index("dog")
    assert [w for w, x in zip(prepared.background.words, prepared.labels.excluded[dog]) if x] == ["dog"]
    rng = np.random.default_rng(2)
    noise = unit(rng.normal(size=(200, DIM)))
    ones, dogs = unit(noise[:40] * 0.3 + np.eye(DIM)[1]), unit(noise[40:200] * 0.3 + np.eye(DIM)[2])
    library = np.concatenate([ones, dogs, noise])  # 80% dogs
    trained = calibrated(prepared, library)
    decisions = decide(library, trained)
    tags = [{name for name, _ in d.tags} for d in decisions]
    assert np.mean(["axis1" in t for t in tags[:40]]) >= 0.9 and np.mean(["dog" in t for t in tags[40:200]]) >= 0.9
    assert np.mean([bool(t) for t in tags[200:]]) <= 0.05  # photos of nothing in particular
    assert not any("dog" in t for t in tags[:40]) and not any("axis1" in t for t in tags[40:200])


def test_learning_separates_what_the_prompt_cannot_and_keeps_a_good_prompt():
    rng = np.random.default_rng(4)
    cloud = lambda n, axis: unit(rng.normal(size=(n, DIM)) * 0.1 + np.eye(DIM)[axis])  # noqa: E731
    pos, neg, test_pos, test_neg = cloud(10, 3), cloud(10, 5), cloud(50, 3), cloud(50, 5)
    garbage_prior = (40 * unit(np.eye(DIM)[9]), -40 * 0.6)  # a prompt pointing elsewhere
    assert learning.agreement(np.zeros(10), np.zeros(10)) == 0.0  # it tags nothing: no better than chance
    model = learning.fit(learning.Examples(pos, neg), np.zeros((0, DIM), np.float32), garbage_prior, 40.0, 0.0)
    score = lambda x: x @ model.weights + model.bias  # noqa: E731
    assert (score(test_pos) > 0).mean() >= 0.95 and (score(test_neg) < 0).mean() >= 0.95
    good_prior = (40 * unit(np.eye(DIM)[3]), -40 * 0.6)
    kept = learning.fit(learning.Examples(pos[:3], neg[:3]), np.zeros((0, DIM), np.float32), good_prior, 40.0, 1.0)
    cosine = kept.weights @ good_prior[0] / np.linalg.norm(kept.weights) / np.linalg.norm(good_prior[0])
    assert cosine > 0.8  # three examples that agree with a good prompt barely move it


def test_enough_examples():
    one = np.zeros((1, DIM), np.float32)
    ex = lambda p, n: learning.Examples(np.repeat(one, p, 0), np.repeat(one, n, 0))  # noqa: E731
    assert not ex(2, 2).enough(True) and ex(3, 3).enough(True) and ex(6, 0).enough(True)
    assert ex(3, 0).enough(False) and not ex(2, 5).enough(False)


def test_grading_a_hit_is_strong_only_when_the_query_stands_out():
    bg = Background(("x", "y"), unit(np.eye(DIM)[[10, 11]]))
    grader = Grader(bg, Reference(0.3, 0.1, 100))
    query = unit(np.eye(DIM)[2])
    hits = unit(np.stack([np.eye(DIM)[2] + 0.1 * np.eye(DIM)[10], np.eye(DIM)[10] + 0.3 * np.eye(DIM)[2]]))
    assert grader.grade("axis2", query, hits) == ["strong", "weak"]
    assert grader.grade("axis2", query, np.zeros((0, DIM), np.float32)) == []


def test_a_retag_that_fails_halfway_leaves_the_previous_tags(tmp_path, monkeypatch):
    import photo_tagger.core.retagging as retagging
    from photo_tagger.core.retagging import retag
    from photo_tagger.core.types import PhotoRecord
    from photo_tagger.infra.catalog import Catalog
    from tests.fakes import InMemoryStore

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    ids = [f"{i:040x}" for i in range(12)]
    catalog.add_root("/p", 0.0)
    with catalog.transaction() as db:
        catalog.write(db, [PhotoRecord(id=i, root="/p", relpath=f"{k}.jpg", size=1, mtime_ns=1, content_hash=i,
                                       status="indexed", embedded_model="m") for k, i in enumerate(ids)])
        catalog.write_vectors(db, "m", ids, unit(np.random.default_rng(5).normal(size=(12, DIM))))
        catalog.write_decisions(db, {i: TagDecision((("old", 0.9),)) for i in ids})
    prepared = prepare(LabelSet(labels=(Label("axis1", prompts=("a photo of a axis1.",)),)), AxisText())
    monkeypatch.setattr(retagging, "CHUNK", 5)
    calls = []
    real = retagging.decide

    def failing(embeddings, prepared):
        calls.append(len(embeddings))
        if len(calls) == 2:
            raise RuntimeError("disk unplugged")
        return real(embeddings, prepared)

    monkeypatch.setattr(retagging, "decide", failing)
    with pytest.raises(RuntimeError):
        retag(catalog, InMemoryStore(), prepared, "m")
    assert all(d.tags == (("old", 0.9),) for d in catalog.decisions(ids).values()) and len(catalog.decisions(ids)) == 12


def _two_categories():
    """Categories axis1 and axis3 over a library of 40 axis1 photos, 40 axis3 photos and 200 of neither: (prepared
    labels, photo ids, embeddings, each photo's flags by the prompts alone)."""
    from photo_tagger.core.labels import ModerationCategory
    from photo_tagger.core.tagging import calibrated

    labels = LabelSet(moderation=tuple(ModerationCategory(f"axis{k}", (f"a photo of a axis{k}.",),
                                                          ("a photo of a axis20.",), threshold=0.5) for k in (1, 3)))
    prepared = prepare(labels, AxisText())
    rng = np.random.default_rng(6)
    noise = unit(rng.normal(size=(280, DIM)))
    library = np.concatenate([unit(noise[:40] * 0.3 + np.eye(DIM)[1]), unit(noise[40:80] * 0.3 + np.eye(DIM)[3]),
                              noise[80:]])
    ids = [f"{i:040x}" for i in range(len(library))]
    flags = [{name for name, _ in d.flags} for d in decide(library, calibrated(prepared, library))]
    return prepared, ids, library, flags


def test_not_sensitive_is_a_negative_only_for_the_categories_that_fire_on_that_photo():
    """Issue 13: "Not sensitive" says the flags on that photo were wrong. The categories flagged when the user
    chose are not stored, so it counts for those whose prompt flags the photo now (learning left out): a false
    alarm of one category teaches that one, and leaves the others to their prompts."""
    from photo_tagger.core.training import train

    prepared, ids, library, flags = _two_categories()
    ones = [i for k, i in enumerate(ids[:40]) if flags[k] == {"axis1"}][:6]
    nothing = [i for k, i in enumerate(ids[80:], 80) if not flags[k]][:6]
    assert len(ones) == len(nothing) == 6

    class Choices:  # the catalog as training reads it: six axis1 false alarms and six photos nothing flags
        def all_choices(self):
            return [], ones + nothing

        def confirmed_flags(self):
            return []

    trained, _ = train(prepared, Choices(), "m", ids, (ids, library))
    assert set(trained.categories.learned) == {"axis1"}  # axis3 never fired on them: nothing to learn
    after = [{name for name, _ in d.flags} for d in decide(library, trained)]
    assert [("axis3" in f) for f in after] == [("axis3" in f) for f in flags]
    assert sum("axis1" in after[ids.index(i)] for i in ones) == 0


def test_a_near_miss_rejected_in_review_teaches_its_category():
    """Review lists borderline photos, near misses its prompt does not flag included; rejecting one records the
    category, so it is a negative example for that category (a plain "not sensitive" names none)."""
    from photo_tagger.core.training import train

    prepared, ids, library, flags = _two_categories()
    near = [i for k, i in enumerate(ids[80:], 80) if not flags[k]][:6]  # not flagged: near misses at most

    class Choices:  # six review rejects for axis1 (each also marks the photo not sensitive)
        def all_choices(self):
            return [], near

        def confirmed_flags(self):
            return []

        def rejected_flags(self):
            return [(i, "axis1") for i in near]

    trained, _ = train(prepared, Choices(), "m", ids, (ids, library))
    assert set(trained.categories.learned) == {"axis1"}  # axis3 was not named: it learns nothing from them


def test_the_last_review_answer_for_a_photo_and_category_wins(tmp_path):
    from photo_tagger.infra.catalog import Catalog

    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction() as db:
        catalog.reject_flag(db, "p1", "nudity")
        catalog.confirm_flag(db, "p1", "nudity")
    assert catalog.rejected_flags() == [] and catalog.confirmed_flags() == [("p1", "nudity")]
    with catalog.transaction() as db:
        catalog.reject_flag(db, "p1", "nudity")
    assert catalog.rejected_flags() == [("p1", "nudity")] and catalog.confirmed_flags() == []


def test_own_split_cuts_between_two_bumps():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0.2, 0.02, 300), rng.normal(0.4, 0.02, 60)])
    split = calibration.split_of(values, len(values))
    assert 0.25 < split.level < 0.35 and 0.01 < split.spread < 0.04
    assert calibration.split_of(values[:5], 5).level > values.max()  # too few photos: nothing stands out


def test_the_reference_photos_stay_the_same_until_the_library_grows_by_about_a_tenth():
    from photo_tagger.core.retagging import reference_count, reference_ids

    ids = [f"p{i}" for i in range(1000)]
    assert reference_ids(ids[:10]) == ids[:10]
    base = reference_ids(ids[:800])
    assert base == ids[:len(base)] and 0.9 * 800 <= len(base) <= 800
    assert all(reference_ids(ids[:800 + k]) == base for k in range(0, 8))  # a few photos added: the same
    assert len(reference_ids(ids[:900])) > len(base)  # an eighth more: measured again
    counts = [reference_count(n) for n in range(16, 5000)]
    assert all(b >= a for a, b in zip(counts, counts[1:])) and len(set(counts)) < 70


def test_a_label_that_stands_out_from_its_own_scores_is_tagged_though_the_photo_main_thing_outranks_it():
    """Issue 19: a photo of a red car is "red" and "car" at once; "red" loses to "car" (an everyday word) on it.
    The label still tags the photos where it stands out from its own scores, and a label the library lacks
    stays quiet."""
    from photo_tagger.core.tagging import calibrated

    labels = LabelSet(labels=(Label("axis1", prompts=("a photo of a axis1.",)),
                              Label("axis9", prompts=("a photo of a axis9.",))))
    prepared = prepare(labels, AxisText())
    rng = np.random.default_rng(8)
    noise = unit(rng.normal(size=(300, DIM)))
    both = unit(0.68 * np.eye(DIM)[1] + 0.72 * np.eye(DIM)[2] + 0.1 * noise[:60])  # axis1 and a dog, dog first
    dogs = unit(np.eye(DIM)[2] + 0.3 * noise[60:120])
    library = np.concatenate([both, dogs, noise[120:]])
    assert ((both @ np.eye(DIM)[2]) > (both @ np.eye(DIM)[1])).all()  # the everyday word outranks the label
    tags = [{name for name, _ in d.tags} for d in decide(library, calibrated(prepared, library))]
    assert np.mean(["axis1" in t for t in tags[:60]]) >= 0.9
    assert np.mean(["axis1" in t for t in tags[60:]]) <= 0.03 and np.mean(["axis9" in t for t in tags]) <= 0.03
