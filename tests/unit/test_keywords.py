"""Tags and flags as XMP keywords and back, and the sidecar merge rule (pure, no files)."""

from photo_tagger.core.keywords import KeywordSet, SidecarKeywords, foreign_keywords, imported_tags, keywords_for, merge
from photo_tagger.core.tagging import EffectiveTags, UserChoices


def test_auto_tags_go_under_ai_the_users_own_are_plain_and_flags_are_sensitive():
    tags = EffectiveTags(("beach", "dog", "holiday"), ("violence",))
    got = keywords_for(tags, UserChoices(added=frozenset({"holiday"}), removed=frozenset({"cat"})))
    assert got.subject == ("beach", "dog", "holiday")
    assert got.hierarchical == ("AI|beach", "AI|dog", "holiday", "AI|Sensitive|violence")
    assert got.tags_list == ("AI/beach", "AI/dog", "holiday", "AI/Sensitive/violence")


def test_no_tags_no_keywords_and_separators_inside_names_do_not_make_levels():
    assert not keywords_for(EffectiveTags((), ()), None)
    got = keywords_for(EffectiveTags(("a/b", "c|d"), ()), None)
    assert got.subject == ("a/b", "c|d")
    assert got.hierarchical == ("AI|a/b", "AI|c-d") and got.tags_list == ("AI/a-b", "AI/c|d")


def test_foreign_keywords_are_leaves_without_the_apps_own():
    got = foreign_keywords(subject=["dog", "Places", "Paris", "Sensitive", "violence", "Alps", "AI"],
                           hierarchical=["AI|dog", "AI|Sensitive|violence", "Places|Paris", "People|Ann"],
                           tags_list=["Trips/2023/Rome", "AI/cat"], iptc=["hiking", "Alps"])
    assert got == ["Paris", "Ann", "Rome", "Alps", "hiking"]


def test_a_flat_keyword_someone_else_also_uses_as_a_leaf_is_kept():
    assert foreign_keywords(subject=["dog"], hierarchical=["AI|dog", "Animals|dog"]) == ["dog"]
    assert foreign_keywords(subject=["dog"], hierarchical=["AI|dog"]) == []


def test_darktables_own_bookkeeping_keywords_are_not_imported():
    got = foreign_keywords(subject=["Nature", "lake"], hierarchical=["Nature|lake", "darktable|format|jpg",
                                                                      "darktable|changed", "darktable|exported"])
    assert got == ["lake"]


def test_recorded_automatic_keywords_are_not_imported_even_if_the_hierarchy_was_removed():
    ours = KeywordSet(subject=("dog", "holiday"), hierarchical=("AI|dog", "holiday"))
    # "holiday" was the user's own tag when written: a fresh library gets it back.
    assert foreign_keywords(subject=["dog", "holiday", "Alps"], ours=ours) == ["holiday", "Alps"]


def test_imported_tags_take_label_spelling_and_never_override_the_users_decision():
    choices = UserChoices(added=frozenset({"beach"}), removed=frozenset({"sunset"}))
    got = imported_tags(["DOG", "Sunset", "beach", "Alps", "alps ", "dog"], choices, labels=["dog", "sunset", "beach"])
    assert got == ["dog", "Alps"]
    assert imported_tags(["Alps"], None) == ["Alps"]


WANTED = KeywordSet(("dog", "holiday"), ("AI|dog", "holiday"), ("AI/dog", "holiday"))


def test_a_new_sidecar_holds_exactly_our_keywords_and_none_is_made_for_nothing():
    result = merge(None, WANTED)
    assert (result.status, result.present, result.ours) == ("write", WANTED, WANTED)
    assert merge(None, KeywordSet()).status == "unchanged"


def test_merge_keeps_foreign_keywords_and_replaces_only_ours():
    first = merge(SidecarKeywords(KeywordSet(("foreign",), ("Places|Paris",), ())), WANTED)
    assert first.present == KeywordSet(("foreign", "dog", "holiday"), ("Places|Paris", "AI|dog", "holiday"),
                                       ("AI/dog", "holiday"))
    assert first.ours == WANTED
    again = merge(SidecarKeywords(first.present, first.ours), WANTED)
    assert again.status == "unchanged"
    changed = KeywordSet(("beach",), ("AI|beach",), ("AI/beach",))
    second = merge(SidecarKeywords(first.present, first.ours), changed)
    assert second.status == "write"
    assert second.present == KeywordSet(("foreign", "beach"), ("Places|Paris", "AI|beach"), ("AI/beach",))
    assert second.ours == changed


def test_a_keyword_that_was_already_there_stays_someone_elses():
    result = merge(SidecarKeywords(KeywordSet(("dog",), (), ())), WANTED)
    assert result.present.subject == ("dog", "holiday") and result.ours.subject == ("holiday",)
    gone = merge(SidecarKeywords(result.present, result.ours), KeywordSet())
    assert gone.present == KeywordSet(("dog",), (), ()) and gone.ours == KeywordSet()


def test_keywords_of_ours_changed_elsewhere_leave_the_sidecar_alone_unless_overwrite():
    edited = SidecarKeywords(KeywordSet(("dog", "holiday"), ("AI|puppy", "holiday"), ("AI/dog", "holiday")), WANTED)
    assert merge(edited, WANTED).status == "edited"
    forced = merge(edited, WANTED, overwrite_ours=True)
    assert forced.status == "write"
    assert forced.ours == WANTED and forced.present.subject == WANTED.subject
    assert set(forced.present.hierarchical) == {"AI|dog", "holiday"}  # AI|puppy was under the app's root: gone
    added_elsewhere = SidecarKeywords(KeywordSet(("dog", "holiday", "cat"), WANTED.hierarchical, WANTED.tags_list),
                                      WANTED)
    assert merge(added_elsewhere, WANTED).status == "unchanged"  # an addition is not an edit of ours
