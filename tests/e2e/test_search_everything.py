"""One search box, with the trained shapes CLIP: meaning, text read in photos, tags and file names ranked together;
minus terms, weights and quoted text; reasons in --json; similar --plus."""

from __future__ import annotations

import json

import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet
from tests.fixture_models.shapes import COLORS, SHAPES, caption

PER_CLASS = 5
# Text "read" in a few photos (written to the catalog as OCR would): (colour, shape, which of that class) -> text
TEXTS = {("blue", "star", 0): "SALE a red circle sticker, 2 for 1",
         ("green", "triangle", 0): "Corner Shop\nTotal 42.50\nThank you",
         ("yellow", "square", 0): "Totally free parking",
         ("green", "triangle", 1): "Draft receipt\nTotal 42.50"}
NAMED = ("blue", "square", 0)  # saved as grandma_birthday.jpg
TAGGED = ("yellow", "star", 1)  # the user adds the tag "holiday" (no label of that name)


@pytest.fixture(scope="module")
def library(model_depot, tmp_path_factory):
    """A shapes library of 80 photos, some with text, one with a telling file name, one with a user tag."""
    from photo_tagger.cli.main import run
    from tests.fixture_models.checkpoints import heldout_shapes

    root = tmp_path_factory.mktemp("search_everything")
    home, photos = root / "home", root / "photos"
    photos.mkdir()
    app = App.from_home(home)
    app.models.import_folder(model_depot.folder("shapes"))
    app.update_settings(model="shapes")
    app.save_labels(LabelSet(labels=tuple(Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES)))
    app.close()
    truth, seen, special = {}, {}, {}
    for i, (image, color, shape) in enumerate(heldout_shapes(PER_CLASS * len(COLORS) * len(SHAPES))):
        k = seen[color, shape] = seen.get((color, shape), -1) + 1
        name = "grandma_birthday.jpg" if (color, shape, k) == NAMED else f"{i:03d}.jpg"
        image.save(photos / name, quality=92)
        truth[str(photos / name)] = (color, shape)
        special[color, shape, k] = str(photos / name)
    assert run(["--home", str(home), "index", str(photos)]) == 0
    app = App.from_home(home)
    ids = {r.path: r.id for r in app.catalog.records()}
    with app.catalog.transaction() as db:
        for key, text in TEXTS.items():
            record = app.catalog.get([ids[special[key]]])[ids[special[key]]]
            app.catalog.set_photo_text(db, record.id, record.content_hash, "text", text)
        app.catalog.set_user_tags(db, ids[special[TAGGED]], add=["holiday"])
    app.close()
    return home, truth, special


def search(cli, home, *args) -> list[dict]:
    result = cli("--home", home, "search", *args, "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def classes(hits, truth) -> list[tuple[str, str]]:
    return [truth[h["path"]] for h in hits]


def test_a_photo_whose_text_holds_the_words_comes_first(cli, library):
    home, truth, special = library
    hits = search(cli, home, "a red circle", "--limit", "8")
    assert hits[0]["path"] == special["blue", "star", 0]  # its text says "a red circle"
    assert hits[0]["reasons"][0] == "text" and "red circle" in hits[0]["text"] and hits[0]["match"] == "strong"
    assert classes(hits[1:6], truth) == [("red", "circle")] * 5  # then what the photos show
    assert all("meaning" in h["reasons"] and h["match"] == "strong" for h in hits[1:6])
    assert all("text" not in h for h in hits[1:])  # no text snippet where no text matched


def test_numbers_prefixes_and_quoted_text(cli, library):
    home, truth, special = library
    receipts = {special["green", "triangle", 0], special["green", "triangle", 1]}
    hits = search(cli, home, '"total 42.50"')
    assert {h["path"] for h in hits} == receipts  # a must-match filter: nothing else
    assert all(h["reasons"] == ["text"] or "text" in h["reasons"] for h in hits)
    assert all("42.50" in h["text"] for h in hits)
    assert search(cli, home, '"total 42.5"') == []  # 42.5 is not 42.50
    assert search(cli, home, '"42.50 total"') == []  # quoted words in that order
    # quoted with a minus: the draft receipt is left out
    assert [h["path"] for h in search(cli, home, '"total 42.50" -"draft"')] == [special["green", "triangle", 0]]

    words = search(cli, home, "total", "--limit", "10")
    assert {h["path"] for h in words[:2]} == receipts and all(h["match"] == "strong" for h in words[:2])
    parking = next(h for h in words if h["path"] == special["yellow", "square", 0])  # "Totally" by prefix
    assert "text" in parking["reasons"] and words.index(parking) >= 2
    typed = search(cli, home, "tot", "--limit", "10")  # a prefix as the user types
    assert set(special[k] for k in TEXTS if "otal" in TEXTS[k]) <= {h["path"] for h in typed if "text" in h["reasons"]}


def test_file_names_and_tags_match(cli, library):
    home, truth, special = library
    by_name = search(cli, home, "grandma birthday", "--limit", "5")
    assert by_name[0]["path"] == special[NAMED] and by_name[0]["reasons"] == ["name"]
    assert by_name[0]["match"] == "strong"
    assert not any("name" in h["reasons"] for h in search(cli, home, "grandma wedding", "--limit", "80"))

    holiday = search(cli, home, "holiday", "--limit", "5")
    assert holiday[0]["path"] == special[TAGGED] and "tag" in holiday[0]["reasons"]
    assert holiday[0]["match"] == "strong" and "holiday" in holiday[0]["tags"]
    # a tag that says only part of the query gives a reason, not a strong match: a blue circle is no red circle
    partial = [h for h in search(cli, home, "a red circle", "--limit", "20") if truth[h["path"]] != ("red", "circle")]
    assert any(h["reasons"] == ["tag"] for h in partial) and all(h["match"] == "weak" for h in partial[1:])


def test_minus_terms_leave_out_what_clearly_matches_and_nothing_for_an_unknown_word(cli, library):
    home, truth, _ = library
    plain = search(cli, home, "a photo of a circle", "--limit", "12")
    assert sum(c == ("red", "circle") for c in classes(plain, truth)) >= 3
    minus = search(cli, home, "a photo of a circle -red", "--limit", "12")
    assert ("red", "circle") not in classes(minus, truth)
    assert sum(c[1] == "circle" for c in classes(minus, truth)) >= 9
    # the model knows no dogs: "-dog" leaves out nothing and moves nothing
    assert search(cli, home, "a photo of a circle -dog", "--limit", "12") == plain
    result = cli("--home", home, "search", "a photo of a circle -red", "--limit", "12")
    assert "left out by -red" in result.out
    stricter = cli("--home", home, "search", "a photo of a circle -2:red", "--limit", "12")
    assert left_out(stricter.out) >= left_out(result.out) > 0


def left_out(out: str) -> int:
    return int(out.rsplit("(", 1)[1].split(" photo")[0])


def test_weights_weight_the_terms(cli, library):
    home, truth, _ = library
    assert {c[0] for c in classes(search(cli, home, "3:red star", "--limit", "5"), truth)} == {"red"}
    assert {c[1] for c in classes(search(cli, home, "red 3:star", "--limit", "5"), truth)} == {"star"}


def test_malformed_queries_get_one_line(cli, library):
    home, _, _ = library
    for query, fragment in [("-", "a lone '-'"), ("beach -", "a lone '-'"), ("x2:dog", "'x2' is not a number"),
                            ('"total 42.50', "unclosed quote"), ("", "the search query is empty"),
                            ("-people", "only says what to leave out"), ("0:dog", "above 0"),
                            ('""', "empty quotes"), ("2:", "needs a term")]:
        result = cli("--home", home, "search", "--", query)  # "--": a query may start with a minus
        assert result.returncode != 0 and fragment in result.err, (query, result)
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_help_documents_the_query_language(cli):
    out = cli("search", "--help").out
    for example in ("beach -people", "2:dog beach", '"total 42.50"', "12:30"):
        assert example in out
    assert "--plus" in cli("similar", "--help").out


def test_similar_plus_words(cli, library):
    home, truth, special = library
    red_circle = special["red", "circle", 0]
    alone = search_similar(cli, home, red_circle)
    assert classes(alone[:4], truth) == [("red", "circle")] * 4
    plus = search_similar(cli, home, red_circle, "--plus", "blue")
    assert classes(plus[:4], truth) == [("blue", "circle")] * 4  # like it (a circle), but blue
    assert all(h["reasons"] == ["meaning"] for h in plus)
    assert red_circle not in {h["path"] for h in plus}
    result = cli("--home", home, "similar", red_circle, "--plus", "x2:dog")
    assert result.returncode != 0 and "'x2' is not a number" in result.err


def search_similar(cli, home, photo, *args) -> list[dict]:
    result = cli("--home", home, "similar", photo, *args, "--limit", "8", "--json")
    assert result.returncode == 0, result.err
    return json.loads(result.out)


def test_searches_are_remembered(cli, library):
    home, _, _ = library
    search(cli, home, "a  photo of a green star")
    cli("--home", home, "search", "x2:dog")  # malformed: not remembered
    app = App.from_home(home)
    try:
        assert app.search_service.recent_searches(1) == ["a photo of a green star"]
    finally:
        app.close()
