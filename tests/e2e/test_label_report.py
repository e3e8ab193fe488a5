"""Issue 19 §3-5 through the CLI on the trained shapes CLIP: a made-up word taught by 10 added and 10 removed
photos decides by the examples alone ("your examples decide"), `labels list` says why a label tags nothing or
nearly everything, and a label edit says what it did to the other labels."""

import json
import re

import pytest

from photo_tagger.core.labels import Label, LabelSet
from tests.fixture_models.shapes import COLORS, SHAPES, caption
from tests.judged_library import precision_recall, shapes_library, stored, teach, use_labels

PER_CLASS = 10
SEED = 40_003  # not the training, validation, held-out, sweep or test_judgement seeds


@pytest.fixture(scope="module")
def library(tmp_path_factory, model_depot):
    return shapes_library(tmp_path_factory, model_depot, "label_report", SEED, PER_CLASS)


def test_a_made_up_word_whose_prompt_disagrees_is_decided_by_ten_added_and_ten_removed(cli, library, capsys):
    home, _, truth = library
    group = {"blue", "green"}  # "blorp": the prompt "a photo of a blorp." ranks these below the others
    use_labels(cli, home, LabelSet(labels=(Label("blorp"),)))
    added, removed = teach(cli, home, truth, "blorp", group)
    assert "Learned from your choices: blorp" in cli("--home", home, "retag").out
    listing = cli("--home", home, "labels", "list").out
    assert "[your examples decide: the prompt does not match what you chose]" in listing
    tags = stored(home)
    others = [p for p in truth if p not in added + removed]
    given = {p for p in others if "blorp" in tags[p].tags}
    gold = {p for p in others if truth[p][0] in group}
    precision, recall = len(given & gold) / max(len(given), 1), len(given & gold) / len(gold)
    with capsys.disabled():  # the figure for RESULTS.md (-s shows it)
        print(f"\nlearned 'blorp' (blue or green, prompt overruled): precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.90 and recall >= 0.90
    detail = json.loads(cli("--home", home, "tags", sorted(given & gold)[0], "--json").out)["tag_details"]
    assert {"name": "blorp", "source": "learned"}.items() <= next(d for d in detail if d["name"] == "blorp").items()


def test_labels_list_says_why_a_label_tags_nothing_or_nearly_everything(cli, library):
    home, _, truth = library
    use_labels(cli, home, LabelSet(labels=(Label("red", tuple(caption("red", s) for s in SHAPES)), Label("dog"),
                                           Label("thing", threshold=0.0))))
    tags = stored(home)
    assert not any("dog" in t.tags for t in tags.values()) and all("thing" in t.tags for t in tags.values())
    lines = cli("--home", home, "labels", "list").out.splitlines()
    dog = next(k for k, line in enumerate(lines) if line.strip().startswith("dog "))
    assert " 0 photos" in lines[dog]
    assert re.search(r"note: tags no photo: the model ranks no photo clearly above the rest for 'a photo of a "
                     r"dog\.'(?: \(its best photo reaches 0\.\d\d, it needs 0\.50\))? — add a few photos to it to "
                     r"teach it, or reword the prompt", lines[dog + 1])
    thing = next(k for k, line in enumerate(lines) if line.strip().startswith("thing "))
    assert "note: tags 100% of photos: too general" in lines[thing + 1]
    red = next(k for k, line in enumerate(lines) if line.strip().startswith("red "))
    assert precision_recall(tags, truth, ["red"])[1] > 0.5 and "note:" not in lines[red + 1]  # a label at work


def test_a_label_edit_says_what_it_does_to_the_other_labels(cli, library):
    """With one tag per photo and "red" on every photo (threshold 0), a new label "circle" takes the circles it is
    surer of from "red": the dry run says so before, the edit after, with the counts the catalog then shows."""
    home, _, truth = library
    red = Label("red", tuple(caption("red", s) for s in SHAPES), threshold=0.0)
    use_labels(cli, home, LabelSet(labels=(red,), max_tags=1))
    before = stored(home)
    assert all("red" in before[p].tags for p in truth)
    args = ["labels", "add", "circle", *sum((["--prompt", caption(c, "circle")] for c in COLORS), [])]
    preview = cli("--home", home, *args, "--dry-run").out
    match = re.search(r"Other labels: also changes: (\d+) photos? loses? 'red'$", preview, re.MULTILINE)
    assert match, preview
    result = cli("--home", home, *args)
    assert result.returncode == 0 and f"Other labels: also changes: {match.group(1)} photo" in result.out
    after = stored(home)
    lost = [p for p in truth if "red" in before[p].tags and "red" not in after[p].tags]
    assert len(lost) == int(match.group(1)) > 0 and all(truth[p][1] == "circle" for p in lost)
    unchanged = cli("--home", home, "labels", "set", "circle", "--threshold", "0.5")  # circle's own: no others
    assert unchanged.returncode == 0 and "Other labels" not in unchanged.out
