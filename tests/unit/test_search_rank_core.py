"""The search's statistics and ranking rules in core: the minus-term test (core/grading.py shows_clearly) and the
ranking of gathered candidates (core/search_rank.py rank, left_out), without a library or a model."""

from types import SimpleNamespace

import numpy as np

from photo_tagger.core import search_rank
from photo_tagger.core.calibration import Background
from photo_tagger.core.grading import NEG_RANK, shows_clearly
from photo_tagger.core.query import parse
from photo_tagger.core.search_rank import Gathered, Minus

DIM = 16
TERM = np.eye(DIM, dtype=np.float32)[0]  # the minus term's direction
WORDS = Background(tuple(f"word{k}" for k in range(12)), np.eye(DIM, dtype=np.float32)[2:14])  # 12 everyday words


def _unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def _sample(n=40, seed=0):
    """A library about something else (axis 1), with a little noise towards everything."""
    rng = np.random.default_rng(seed)
    return np.stack([_unit(np.eye(DIM)[1] + 0.05 * rng.standard_normal(DIM)) for _ in range(n)])


SHOWS = _unit(np.eye(DIM)[0])  # the term and nothing else
TYPICAL = _unit(np.eye(DIM)[1])
# Leans to the term far above the library's level, but all 12 everyday words are stronger on it.
CROWDED = _unit(0.25 * np.eye(DIM)[0] + 0.28 * np.eye(DIM)[2:14].sum(axis=0))


def test_a_photo_clearly_shows_a_term_only_past_both_bars():
    judge = SimpleNamespace(background=WORDS)
    clear, z = shows_clearly(judge, _sample(), np.stack([SHOWS, TYPICAL, CROWDED]), "people", TERM)
    assert list(clear) == [True, False, False]
    assert z[0] > z[2] > 2.0 > z[1]  # the crowded photo passes the first bar and fails the everyday-word rank
    assert NEG_RANK <= 12
    stricter, _ = shows_clearly(judge, _sample(), np.stack([CROWDED]), "people", TERM, weight=2.0)
    assert list(stricter) == [True]  # -2:people: the rank bar doubles, the z bar halves


def _hit(path, tags=(), score=0.0):
    return SimpleNamespace(record=SimpleNamespace(path=path), tags=tuple(tags), score=score)


class _Judge:
    """Confidence by row: a fixed answer for the query (grading is tested in test_judgement.py)."""

    background = WORDS

    def __init__(self, confidence):
        self._confidence = np.asarray(confidence, float)

    def confidence(self, query, query_vector, rows):
        return self._confidence[:len(rows)]


def _gathered(ids, scores, **kw):
    matrix = np.stack([TYPICAL] * len(ids)).astype(np.float32)
    return Gathered(list(ids), dict(zip(ids, scores)), list(ids), matrix, **kw)


def test_rank_orders_text_first_then_strong_then_by_evidence_and_score():
    query = parse("red boat")
    ids = ["weak", "strong", "text", "named"]
    gathered = _gathered(ids, [0.9, 0.3, 0.1, 0.2], text_rank={"text": -3.0}, names={"named"})
    hits = {i: _hit(f"/p/{i}.jpg") for i in ids}
    ranked = search_rank.rank(query, gathered, hits, TYPICAL, _Judge([0.1, 0.9, 0.1, 0.1]), _sample(),
                              Minus(), limit=10, graded=True)
    assert ranked.ids == ["text", "strong", "named", "weak"]
    assert ranked.grades == {"text": "strong", "strong": "strong", "named": "strong", "weak": "weak"}
    assert ranked.evidence["text"].reasons == ("text",) and ranked.evidence["weak"].reasons == ("meaning",)
    assert ranked.shown["weak"] == 0.9 and ranked.left_out == 0
    assert search_rank.rank(query, gathered, hits, TYPICAL, _Judge([0.1] * 4), _sample(), Minus(),
                            limit=2, graded=True).ids == ["text", "named"]


def test_a_tag_counts_as_strong_only_when_the_tags_say_all_the_query_says():
    ids = ["both", "one"]
    gathered = _gathered(ids, [0.1, 0.5], named_tags=["circle"], tags_of={"both": {"circle"}, "one": {"circle"}})
    hits = {i: _hit(f"/p/{i}.jpg") for i in ids}
    partial = search_rank.rank(parse("red circle"), gathered, hits, TYPICAL, _Judge([0, 0]), _sample(), Minus(),
                               10, graded=True)
    assert partial.grades == {"one": "weak", "both": "weak"} and partial.ids == ["one", "both"]
    whole = search_rank.rank(parse("circle"), gathered, hits, TYPICAL, _Judge([0, 0]), _sample(), Minus(),
                             10, graded=True)
    assert whole.grades == {"one": "strong", "both": "strong"}


def test_minus_terms_leave_out_by_tag_name_text_and_meaning_and_push_the_rest_down():
    query = parse("boat -people")
    ids = ["tagged", "named", "said", "shows", "near", "far"]
    hits = {"tagged": _hit("/a.jpg", ["People"]), "named": _hit("/people-at-sea.jpg"), "said": _hit("/b.jpg"),
            "shows": _hit("/c.jpg"), "near": _hit("/d.jpg"), "far": _hit("/e.jpg")}
    near = _unit(TYPICAL + 0.3 * TERM + 0.4 * WORDS.matrix.sum(axis=0))  # leans to it; everyday words stronger
    rows = [TYPICAL, TYPICAL, TYPICAL, SHOWS, near, _unit(TYPICAL - 0.3 * TERM)]
    gathered = Gathered(ids, dict.fromkeys(ids, 0.5), ids, np.stack(rows).astype(np.float32))
    minus = Minus([TERM], frozenset({"said", "elsewhere"}))
    out, push = search_rank.left_out(query.negatives, hits, ids, gathered.matrix, minus,
                                     SimpleNamespace(background=WORDS), _sample())
    assert out == {"tagged", "named", "said", "shows"}
    assert push["near"] > 0 and "far" not in push
    liked = search_rank.rank(query, gathered, hits, TYPICAL, _Judge([0] * 6), _sample(), minus, 10, graded=False)
    assert liked.ids == ["far", "near"] and liked.left_out == 4  # "like this, but": ordered by score less push
    assert liked.shown["near"] < liked.shown["far"] == 0.5 and liked.grades == {"far": "", "near": ""}


def test_a_library_too_small_to_know_a_term_leaves_out_by_words_alone():
    query = parse("boat -people")
    hits = {"shows": _hit("/c.jpg")}
    out, push = search_rank.left_out(query.negatives, hits, ["shows"], np.stack([SHOWS]), Minus([TERM]),
                                     SimpleNamespace(background=WORDS), _sample(n=5))
    assert out == set() and push == {}
    assert not search_rank.minus_by_meaning(_sample(n=5)) and search_rank.minus_by_meaning(_sample())
