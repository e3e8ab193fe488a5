"""Where a photo's tags come from (core/tag_sources): each source on its own, the fold, and a new source."""

import random

from photo_tagger.core.tag_sources import (
    SOURCES,
    Contribution,
    ImportedKeywords,
    LearnedLabels,
    PromptLabels,
    TagInputs,
    YourChoices,
    effective_one,
    effective_tags,
    photo_tags,
)
from photo_tagger.core.tagging import EffectiveTags, TagDecision, UserChoices, effective

MIXED = TagDecision((("dog", 0.9), ("beach", 0.7), ("cat", 0.6)), (("violence", 0.8),),
                    ("prompt", "learned", "prompt"), ("learned",))


def test_prompt_and_learned_labels_split_one_decision_by_its_sources():
    inputs = TagInputs({"p": MIXED})
    assert PromptLabels().contributions(inputs, ["p"])["p"] == Contribution(("dog", "cat"), ())
    assert LearnedLabels().contributions(inputs, ["p"])["p"] == Contribution(("beach",), ("violence",))


def test_a_decision_without_recorded_sources_is_the_prompts_alone():
    old = TagDecision((("dog", 0.9),), (("nsfw", 0.9),))
    inputs = TagInputs({"p": old})
    assert list(PromptLabels().contributions(inputs, ["p"])["p"])[:2] == [["dog"], ["nsfw"]]
    assert LearnedLabels().contributions(inputs, ["p"]) == {}


def test_photos_a_source_says_nothing_about_are_left_out_of_its_answer():
    inputs = TagInputs({"p": MIXED}, {"q": UserChoices()})
    assert set(PromptLabels().contributions(inputs, ["p", "q", "r"])) == {"p"}
    assert YourChoices().contributions(inputs, ["p", "q", "r"]) == {}  # an empty choice says nothing
    assert ImportedKeywords().contributions(inputs, ["p", "q"]) == {}


def test_the_users_choices_come_last_and_win_over_every_other_source():
    choice = UserChoices(added=frozenset({"holiday"}), removed=frozenset({"beach", "paris"}), not_sensitive=True)
    inputs = TagInputs({"p": MIXED}, {"p": choice}, keywords={"p": ("Paris", "Dog")}, labels=("dog",))
    # "Paris" was removed by the user (ignoring case: not imported again); "Dog" takes the label's spelling.
    assert ImportedKeywords().contributions(inputs, ["p"]) == {"p": Contribution(("dog",))}
    assert effective_tags(inputs, ["p"]) == {"p": EffectiveTags(("cat", "dog", "holiday"), ())}
    assert SOURCES[-1].name == "you"


def test_imported_keywords_add_tags_in_the_labels_spelling():
    inputs = TagInputs({}, {}, keywords={"p": ("DOG", "Places|Paris", "Paris")}, labels=("dog",))
    assert effective_tags(inputs, ["p"])["p"].tags == ("Paris", "Places|Paris", "dog")


def _rule(decision: TagDecision, choice: UserChoices | None) -> EffectiveTags:
    """The rule the app had before sources: automatic tags plus added, less removed; no flags if not sensitive."""
    choice = choice or UserChoices()
    tags = ({n for n, _ in decision.tags} | choice.added) - choice.removed
    flags = () if choice.not_sensitive else tuple(sorted(n for n, _ in decision.flags))
    return EffectiveTags(tuple(sorted(tags)), flags)


def test_the_fold_gives_what_the_single_rule_gave_for_any_decision_and_choice():
    rng = random.Random(7)
    names = list("abcdef")
    decisions, choices = {}, {}
    for k in range(3000):
        tags, flags = rng.sample(names, rng.randint(0, 4)), rng.sample(names, rng.randint(0, 2))
        pick = lambda n: tuple(rng.choice(("prompt", "learned")) for _ in range(rng.randint(0, n)))  # noqa: E731
        decisions[str(k)] = TagDecision(tuple((t, 0.5) for t in tags), tuple((f, 0.5) for f in flags),
                                        pick(len(tags)), pick(len(flags)))
        if rng.random() < 0.6:
            choices[str(k)] = UserChoices(frozenset(rng.sample(names, rng.randint(0, 2))),
                                          frozenset(rng.sample(names, rng.randint(0, 2))), rng.random() < 0.3)
    ids = [*decisions, "unknown"]
    got = effective_tags(TagInputs(decisions, choices), ids)
    for i in ids:
        want = _rule(decisions.get(i, TagDecision()), choices.get(i))
        assert got[i] == want == effective_one(decisions.get(i, TagDecision()), choices.get(i)) == \
            effective(decisions.get(i, TagDecision()), choices.get(i))


class _Catalog:
    def __init__(self, decisions, choices, people=None):
        self._decisions, self._choices, self.people = decisions, choices, people or {}
        self.reads = []

    def decisions(self, ids):
        self.reads.append("decisions")
        return {i: self._decisions[i] for i in ids if i in self._decisions}

    def choices(self, ids):
        self.reads.append("choices")
        return {i: self._choices[i] for i in ids if i in self._choices}


def test_photo_tags_reads_the_catalog_once_and_fresh_decisions_replace_the_stored_ones():
    catalog = _Catalog({"p": MIXED}, {"p": UserChoices(removed=frozenset({"cat"}))})
    assert photo_tags(catalog, ["p", "q"]) == {"p": EffectiveTags(("beach", "dog"), ("violence",)),
                                               "q": EffectiveTags((), ())}
    assert catalog.reads == ["decisions", "choices"]
    fresh = {"p": TagDecision((("cat", 0.9), ("sea", 0.8)))}
    assert photo_tags(catalog, ["p"], decisions=fresh)["p"] == EffectiveTags(("sea",), ())


class _People:
    """A source kept in its own table (as a people or events source would be): read through inputs.catalog."""

    name = "people"

    def contributions(self, inputs, ids):
        return {i: Contribution(tuple(inputs.catalog.people[i])) for i in ids if i in inputs.catalog.people}


def test_a_new_source_is_one_class_and_its_place_among_the_sources():
    catalog = _Catalog({"p": MIXED}, {"p": UserChoices(removed=frozenset({"Bob"}))},
                       {"p": ["Ann", "Bob"], "q": ["Ann"]})
    sources = (*SOURCES[:-1], _People(), SOURCES[-1])
    inputs = TagInputs(catalog.decisions(["p", "q"]), catalog.choices(["p", "q"]), catalog=catalog)
    got = effective_tags(inputs, ["p", "q"], sources)
    assert got["p"].tags == ("Ann", "beach", "cat", "dog")  # the user's removal of Bob wins: choices come last
    assert got["q"] == EffectiveTags(("Ann",), ())
