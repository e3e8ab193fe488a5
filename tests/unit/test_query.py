"""The search language (core/query.py) and the pure parts of ranking (core/search_rank.py)."""

import numpy as np
import pytest

from photo_tagger.core import search_rank
from photo_tagger.core.query import Query, Term, fts_phrase, fts_words, parse
from photo_tagger.core.search import SearchError
from photo_tagger.core.search_rank import Evidence


@pytest.mark.parametrize("text, terms, negatives, phrases, excluded", [
    ("kids on a  beach at sunset", [("kids on a beach at sunset", 1)], [], [], []),
    ("beach -people", [("beach", 1)], [("people", 1)], [], []),
    ("2:dog beach", [("beach", 1), ("dog", 2)], [], [], []),
    ("0.5:dog cat", [("cat", 1), ("dog", 0.5)], [], [], []),
    ("beach -2:people", [("beach", 1)], [("people", 2)], [], []),
    ("beach 2:-people", [("beach", 1)], [("people", 2)], [], []),
    ('"total 42.50"', [], [], ["total 42.50"], []),
    ('receipt "total  42.50" -"draft"', [("receipt", 1)], [], ["total 42.50"], ["draft"]),
    ("lunch 12:30", [("lunch 12:30", 1)], [], [], []),  # a time, not a weight
    ("note: milk", [("note milk", 1)], [], [], []),  # a trailing colon is punctuation
    ("t-shirt", [("t-shirt", 1)], [], [], []),  # a minus inside a word is the word's
])
def test_parses(text, terms, negatives, phrases, excluded):
    query = parse(text)
    assert [(t.text, t.weight) for t in query.terms] == terms
    assert [(t.text, t.weight) for t in query.negatives] == negatives
    assert list(query.phrases) == phrases and list(query.excluded_phrases) == excluded
    assert query.text == " ".join(text.split())


@pytest.mark.parametrize("text, fragment", [
    ("", "the search query is empty"),
    ("   ", "the search query is empty"),
    ("-", "a lone '-'"),
    ("beach -", "a lone '-'"),
    ("--people beach", "one minus is enough"),
    ("-2:-people beach", "one minus is enough"),
    ("x2:dog", "the weight 'x2' is not a number"),
    ("http://example.org", "the weight 'http' is not a number"),
    (":dog", "the weight '' is not a number"),
    ("2:", "needs a term after the colon"),
    ("0:dog", "must be above 0"),
    ("2:a:b", "a number, a colon and one word"),
    ('"total 42.50', "unclosed quote"),
    ('beach "', "unclosed quote"),
    ('""', "empty quotes"),
    ('"  "', "empty quotes"),
    ('"..."', "no letter or digit"),
    ('2:"total"', "quoted text takes no weight"),
    ('say"hi"', "quoted text takes no weight"),
    ('"total"42', "put a space after the closing quote"),
    ("-people", "only says what to leave out"),
    ('-people -"draft"', "only says what to leave out"),
])
def test_malformed_queries_say_what_is_wrong_in_one_line(text, fragment):
    with pytest.raises(SearchError) as caught:
        parse(text)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_meaning_terms_and_highlights():
    assert parse('"total 42.50"').meaning_terms == (Term("total 42.50"),)  # quoted only: ranked by that text
    query = parse('receipt 2:shop "total 42.50" -draft')
    assert query.words == ("receipt", "shop")
    assert query.highlights() == ("total 42.50", "receipt", "shop")
    assert Query("x").highlights() == ()


def test_fts_expressions_quote_everything():
    assert fts_words(["total", "42.50"]) == '"total" "42.50"'
    assert fts_words(["tot"], prefix=True) == '"tot"*'
    assert fts_words(['say"hi', "---"]) == '"say""hi"'  # quotes doubled; punctuation alone dropped
    assert fts_phrase("AND OR NOT") == '"AND OR NOT"'  # never FTS5 syntax


def test_name_words_and_tags_named():
    assert search_rank.name_words("/photos/Beach 2023/IMG_2024-grandmaBirthday.JPG") == \
        {"img", "2024", "grandma", "birthday"}  # the folder and the extension are not the name
    assert search_rank.name_matches("/p/grandma_birthday.jpg", ["Grandma", "birthday"])
    assert not search_rank.name_matches("/p/grandma_birthday.jpg", ["grandma", "wedding"])
    assert not search_rank.name_matches("/p/jpg.jpg", ["---"])
    assert search_rank.tags_named("kids on a Beach at sunset", ["beach", "sunset", "sun", "red car"]) == \
        ["beach", "sunset"]
    assert search_rank.tags_named("a red car", ["red car", "car", "red carpet"]) == ["red car", "car"]


def test_spans_and_snippet():
    text = "Corner Shop\nTOTAL 42.50  thank you; total paid 42.50"
    assert [text[a:b] for a, b in search_rank.spans(text, ["total 42.50"])] == ["TOTAL 42.50"]  # a phrase, in order
    assert [text[a:b] for a, b in search_rank.spans(text, ["tot", "you"])] == ["TOT", "you", "tot"]
    assert search_rank.spans("subtotal", ["total"]) == []  # starts of words only
    assert search_rank.spans("x", ["..."]) == []
    long = "lorem ipsum " * 20 + "Total 42.50" + " dolor" * 20
    cut = search_rank.snippet(long, ["42.50"], width=30)
    assert "42.50" in cut and cut.startswith("...") and cut.endswith("...") and len(cut) <= 36


def test_order_puts_text_first_then_strong_then_evidence():
    evidence = {
        "closest": Evidence(0.9),
        "meaning": Evidence(0.5, meaning_strong=True),
        "meaning_and_tag": Evidence(0.4, meaning_strong=True, tags=("beach",), all_tags=True),
        "text": Evidence(0.1, text_rank=-2.0),
        "better_text": Evidence(0.0, text_rank=-3.0),
        "prefix": Evidence(0.2, text_prefix=True),
        "partial_tag": Evidence(0.3, tags=("beach",)),
        "pushed": Evidence(0.55, meaning_strong=True, push=0.2),
    }
    assert search_rank.order(evidence) == ["better_text", "text", "meaning_and_tag", "meaning", "pushed", "prefix",
                                           "closest", "partial_tag"]
    assert evidence["closest"].reasons == ("meaning",) and not evidence["closest"].strong
    assert evidence["text"].reasons == ("text",) and evidence["text"].strong
    assert evidence["partial_tag"].reasons == ("tag",) and not evidence["partial_tag"].strong


def test_combine_counts_each_term_in_its_own_spread():
    rng = np.random.default_rng(0)
    library = rng.normal(size=(200, 8)).astype(np.float32)
    library /= np.linalg.norm(library, axis=1, keepdims=True)
    a, b = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]
    spreads = search_rank.spreads(np.stack([a, b]), library)
    assert spreads.shape == (2,) and (spreads > 0).all()
    combined = search_rank.combine(np.stack([a, b]), [2.0, 1.0], np.array([1.0, 1.0]))
    assert np.isclose(np.linalg.norm(combined), 1) and combined[0] == pytest.approx(2 * combined[1])
    # a term whose cosines spread twice as wide counts half as much per unit of cosine
    assert search_rank.combine(np.stack([a, b]), [1, 1], np.array([2.0, 1.0]))[0] == pytest.approx(
        0.5 * search_rank.combine(np.stack([a, b]), [1, 1], np.array([2.0, 1.0]))[1])
    assert (search_rank.spreads(np.stack([a]), library[:3]) == 1).all()  # too few photos to tell
