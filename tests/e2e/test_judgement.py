"""Issue 13 with the trained shapes CLIP (it never saw an everyday word): tags, flags and search results know
when nothing fits, and a label learns from the user's choices. Photos held out from training and calibration."""

import json

import pytest

from photo_tagger.app import App
from photo_tagger.core.labels import Label, LabelSet, ModerationCategory, default_label_set
from tests.fixture_models.shapes import CLASSES, COLORS, SHAPES, caption
from tests.judged_library import precision_recall, shapes_library, stored, teach, use_labels

PER_CLASS = 10
SEED = 40_001  # not the training, validation, held-out or sweep seeds


@pytest.fixture(scope="module")
def library(tmp_path_factory, model_depot):
    """One indexed library of 160 photos (10 per colour x shape), shared by the tests below."""
    return shapes_library(tmp_path_factory, model_depot, "judgement", SEED, PER_CLASS)


def test_default_labels_and_categories_tag_and_flag_almost_nothing(cli, library):
    home, _, truth = library
    tags = use_labels(cli, home, default_label_set())
    tagged = sum(bool(t.tags) for t in tags.values()) / len(tags)
    flagged = sum(bool(t.flags) for t in tags.values()) / len(tags)
    print(f"default labels on shapes: {tagged:.3f} tagged, {flagged:.3f} flagged")
    assert tagged <= 0.05 and flagged <= 0.02


def test_one_true_label_per_photo(cli, library):
    home, _, truth = library
    names = [f"{c} {s}" for c, s in CLASSES]
    tags = use_labels(cli, home, LabelSet(labels=tuple(Label(f"{c} {s}", (caption(c, s),)) for c, s in CLASSES)))
    precision, recall = precision_recall(tags, truth, names)
    print(f"joint labels: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.90


def test_two_true_labels_per_photo_and_labels_never_move_each_other(cli, library):
    home, _, truth = library
    colours = [Label(c, tuple(caption(c, s) for s in SHAPES)) for c in COLORS]
    shapes = [Label(s, tuple(caption(c, s) for c in COLORS)) for s in SHAPES]
    tags = use_labels(cli, home, LabelSet(labels=tuple(colours + shapes)))
    precision, recall = precision_recall(tags, truth, list(COLORS) + list(SHAPES))
    print(f"colour + shape labels: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.90
    only_shapes = use_labels(cli, home, LabelSet(labels=tuple(shapes)))  # the colours removed
    assert all({t for t in tags[p].tags if t in SHAPES} == set(only_shapes[p].tags) for p in truth)


def test_a_label_the_prompt_cannot_express_learns_from_ten_added_and_ten_removed(cli, library):
    home, _, truth = library
    group = {"red", "yellow"}  # "blorp": a made-up word for warm colours
    tags = use_labels(cli, home, LabelSet(labels=(Label("blorp"),)))
    assert sum("blorp" in t.tags for t in tags.values()) <= 0.05 * len(tags)  # the prompt means nothing
    added, removed = teach(cli, home, truth, "blorp", group)
    result = cli("--home", home, "retag")
    assert result.returncode == 0 and "Learned from your choices: blorp" in result.out
    tags = stored(home)
    others = [p for p in truth if p not in added + removed]
    given = {p for p in others if "blorp" in tags[p].tags}
    gold = {p for p in others if truth[p][0] in group}
    precision, recall = len(given & gold) / max(len(given), 1), len(given & gold) / len(gold)
    print(f"learned 'blorp': precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.90 and recall >= 0.90
    info = json.loads(cli("--home", home, "tags", sorted(given & gold)[0], "--json").out)
    detail = next(d for d in info["tag_details"] if d["name"] == "blorp")
    assert detail["source"] == "learned" and 0.5 <= detail["confidence"] <= 1.0
    text = cli("--home", home, "tags", sorted(given & gold)[0]).out
    assert f"blorp ({detail['confidence']:.2f} learned)" in text
    mine = json.loads(cli("--home", home, "tags", added[0], "--json").out)
    assert {"name": "blorp", "confidence": 1.0, "source": "you"} in mine["tag_details"]


def test_a_custom_moderation_category(cli, library):
    home, _, truth = library
    triangles = ModerationCategory("triangles", tuple(caption(c, "triangle") for c in COLORS),
                                   tuple(caption(c, s) for c in COLORS for s in SHAPES if s != "triangle"),
                                   threshold=0.5)
    tags = use_labels(cli, home, LabelSet(moderation=(triangles,)))
    flagged = {p for p, t in tags.items() if "triangles" in t.flags}
    gold = {p for p, (_, s) in truth.items() if s == "triangle"}
    precision, recall = len(flagged & gold) / max(len(flagged), 1), len(flagged & gold) / len(gold)
    print(f"'triangles' category: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.90 and recall >= 0.90



def test_a_category_written_the_seed_article_way_flags_its_class_and_not_the_safe_ones(cli, library):
    """Issue 19 §2: unsafe "a photo of a triangle", safe the other shapes, the default threshold: the user's
    contrast decides (core/calibration.py `one_kind`, `contrast_decides`), so the triangles are flagged, though on
    this CLIP words it never learned outrank them, and the circles, squares and crosses are not."""
    home, _, truth = library
    seed = ModerationCategory("triangles", ("a photo of a triangle",),
                              tuple(f"a photo of a {s}" for s in SHAPES if s != "triangle"))
    tags = use_labels(cli, home, LabelSet(moderation=(seed,)))
    flagged = {p for p, t in tags.items() if "triangles" in t.flags}
    gold = {p for p, (_, s) in truth.items() if s == "triangle"}
    precision, recall = len(flagged & gold) / max(len(flagged), 1), len(flagged & gold) / len(gold)
    print(f"seed-article 'triangles': precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.9 and recall >= 0.6
    for shape in SHAPES:
        if shape != "triangle":  # each safe class: at most one photo in ten flagged
            photos = [p for p in truth if truth[p][1] == shape]
            assert sum(p in flagged for p in photos) <= 0.1 * len(photos), shape


def test_bad_input_gets_one_line(cli, library):
    home, _, truth = library
    photo = sorted(truth)[0]
    result = cli("--home", home, "tag", photo, "--add", "x", "--remove", "x")
    assert result.returncode != 0 and "cannot both add and remove x" in result.err
    assert len(result.err.strip().splitlines()) == 1, result
    result = cli("--home", home, "labels", "set", "circle", "--threshold", "1.5")  # argparse: usage + one line
    assert result.returncode != 0 and "between 0 and 1, not '1.5'" in result.err.strip().splitlines()[-1]
    use_labels(cli, home, LabelSet(labels=(Label("garden", examples_only=True),)))
    result = cli("--home", home, "retag")
    assert result.returncode == 0 and "note: label 'garden' has no prompt and 0 example photo(s)" in result.out


def test_search_hits_are_graded_against_the_library(cli, library):
    home, _, truth = library
    hits = json.loads(cli("--home", home, "search", "a photo of a red circle", "--limit", "10", "--json").out)
    strong_right = [h for h in hits if h["match"] == "strong" and truth[h["path"]] == ("red", "circle")]
    print(f"'a photo of a red circle': {len(strong_right)} strong and right in the top 10")
    assert len(strong_right) >= 8
    for query in ("a dog on a beach", "a photo of a birthday cake"):
        hits = json.loads(cli("--home", home, "search", query, "--limit", "20", "--json").out)
        assert len(hits) == 20 and all(h["match"] == "weak" for h in hits), query
    text = cli("--home", home, "search", "a dog on a beach", "--limit", "3").out
    assert text.splitlines()[0] == "no photo matches well; closest:"
    best = hits[0]["score"]
    kept = json.loads(cli("--home", home, "search", "a photo of a birthday cake", "--min-score", str(best),
                          "--json").out)
    assert kept and all(h["score"] >= best for h in kept)


def test_dry_run_says_what_an_edit_would_do_and_saves_nothing(cli, library):
    home, _, truth = library
    colours = [Label(c, tuple(caption(c, s) for s in SHAPES)) for c in COLORS]
    before = use_labels(cli, home, LabelSet(labels=tuple(colours)))
    labels_file = App.from_home(home).labels_file.path
    text = labels_file.read_text()
    result = cli("--home", home, "labels", "add", "blue square", "--prompt", caption("blue", "square"), "--dry-run")
    assert result.returncode == 0, result.err
    gain = int(result.out.split(": ")[1].split()[0])
    assert abs(gain - PER_CLASS) <= 2 and "would lose it" in result.out and "nothing saved" in result.out
    assert labels_file.read_text() == text and stored(home) == before
    result = cli("--home", home, "labels", "set", "red", "--threshold", "0.999", "--dry-run")
    lose = int(result.out.split(", ")[1].split()[0])
    assert result.returncode == 0 and " 0 photos would gain" in result.out and lose > 0
    assert cli("--home", home, "labels", "set", "red", "--threshold", "0.999").returncode == 0
    after = stored(home)
    assert sum("red" in before[p].tags and "red" not in after[p].tags for p in truth) == lose


def test_a_label_defined_by_examples_alone(cli, library):
    home, _, truth = library
    use_labels(cli, home, LabelSet(labels=(Label("circle", tuple(caption(c, "circle") for c in COLORS)),)))
    result = cli("--home", home, "labels", "add", "garden", "--no-prompt")
    assert result.returncode == 0 and "has no prompt" in result.out
    assert "no prompt: needs examples (0 so far)" in cli("--home", home, "labels", "list").out
    greens = [p for p in sorted(truth) if truth[p][0] == "green"][:6]
    for p in greens:
        assert cli("--home", home, "tag", p, "--add", "garden").returncode == 0
    assert "Learned from your choices: garden" in cli("--home", home, "retag").out
    listing = cli("--home", home, "labels", "list").out
    assert "[your 6 examples]" in listing and "[prompt]" in listing
    tags = stored(home)
    given = {p for p in truth if "garden" in tags[p].tags and p not in greens}
    assert given and sum(truth[p][0] == "green" for p in given) / len(given) >= 0.9
    result = cli("--home", home, "labels", "add", "x", "--no-prompt", "--prompt", "a photo of x")
    assert result.returncode != 0 and "not both" in result.err and len(result.err.strip().splitlines()) == 1


def test_not_sensitive_teaches_a_category_its_exceptions(cli, library):
    home, _, truth = library
    triangles = ModerationCategory("triangles", tuple(caption(c, "triangle") for c in COLORS),
                                   tuple(caption(c, s) for c in COLORS for s in SHAPES if s != "triangle"),
                                   threshold=0.5)
    tags = use_labels(cli, home, LabelSet(moderation=(triangles,)))
    green = sorted(p for p in truth if truth[p] == ("green", "triangle") and "triangles" in tags[p].flags)
    assert len(green) >= 8
    for p in green[:6]:  # "green triangles are fine": 6 examples are enough (core/learning.py)
        assert cli("--home", home, "unflag", p).returncode == 0
    result = cli("--home", home, "retag")
    assert "Learned from your choices: triangles" in result.out, result.out
    after = stored(home)
    others = [p for p in truth if truth[p][1] == "triangle" and truth[p][0] != "green"]
    print(f"after 6 x not sensitive: {sum('triangles' in after[p].flags for p in green[6:])} of "
          f"{len(green[6:])} other green triangles flagged, {sum('triangles' in after[p].flags for p in others)} "
          f"of {len(others)} other triangles")
    assert sum("triangles" in after[p].flags for p in green[6:]) <= 1
    assert sum("triangles" in after[p].flags for p in others) >= 0.9 * sum("triangles" in tags[p].flags for p in others)
    assert not any(after[p].flags for p in truth if truth[p][1] != "triangle")
