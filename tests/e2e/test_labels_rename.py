"""Renaming a label (`labels rename OLD NEW`, Catalog.rename_label): tags and the user's choices follow the name."""

import json

from photo_tagger.app import App
from photo_tagger.core.tagging import TagDecision
from photo_tagger.infra.catalog import Catalog
from tests.photos import make_photos


def test_catalog_rename_moves_choices_and_automatic_tags_in_one_go(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    with catalog.transaction() as db:
        catalog.write_decisions(db, {"a": TagDecision((("cat", 0.7), ("sky", 0.2))), "b": TagDecision((("sky", 0.9),))})
        catalog.set_user_tags(db, "a", remove=["cat"])
        catalog.set_user_tags(db, "b", add=["cat"])
        catalog.set_user_tags(db, "c", add=["kitty"], remove=["sky"])  # a choice under the new name gives way

    assert sorted(catalog.rename_label("cat", "kitty")) == ["a", "b"]

    decisions = catalog.decisions(["a", "b"])
    assert decisions["a"].tags == (("kitty", 0.7), ("sky", 0.2)) and decisions["b"].tags == (("sky", 0.9),)
    choices = catalog.choices(["a", "b", "c"])
    assert choices["a"].removed == {"kitty"} and choices["b"].added == {"kitty"}
    assert choices["c"].added == {"kitty"} and choices["c"].removed == {"sky"}
    assert "cat" not in catalog.tag_counts()
    assert catalog.rename_label("cat", "kitty") == [] and catalog.rename_label("sky", "sky") == []
    catalog.close()


def test_labels_rename_command(cli, tiny_home, tmp_path):
    photos = make_photos(tmp_path / "photos", 4)
    assert cli("--home", tiny_home, "index", tmp_path / "photos").returncode == 0
    assert cli("--home", tiny_home, "tag", photos[0], "--add", "cat", "--remove", "dog").returncode == 0

    result = cli("--home", tiny_home, "labels", "rename", "cat", "kitty")
    assert result.returncode == 0, result.err
    assert "Renamed 'cat' to 'kitty'" in result.out and "Retagged 4 photos" in result.out

    tags = json.loads(cli("--home", tiny_home, "tags", photos[0], "--json").out)
    assert "kitty" in json.dumps(tags) and '"cat"' not in json.dumps(tags)
    app = App.from_home(tiny_home)
    try:
        names = [label.name for label in app.labels().labels]
        assert "kitty" in names and "cat" not in names
        record = next(r for r in app.catalog.records() if r.path == str(photos[0]))
        choices = app.catalog.choices([record.id])[record.id]
        assert choices.added == {"kitty"} and choices.removed == {"dog"}
    finally:
        app.close()

    for args, message in ((("nope", "x"), "no label named 'nope'"), (("kitty", "dog"), "'dog' exists already"),
                          (("kitty", " "), "")):
        result = cli("--home", tiny_home, "labels", "rename", *args)
        assert result.returncode != 0 and message in result.err, (args, result.err)


def test_the_windows_label_save_goes_through_the_same_guard_as_the_cli(cli, tiny_home, tmp_path):
    """LabelService.save_labels_and_retag (the window's save) refuses what `labels add` refuses, with nothing
    changed; a broken labels.toml the dialog showed may be saved over (the broken file is kept aside)."""
    import pytest

    from photo_tagger.core.errors import ConfigError
    from photo_tagger.core.labels import Label

    make_photos(tmp_path / "photos", 3)
    assert cli("--home", tiny_home, "index", tmp_path / "photos").returncode == 0
    app = App.from_home(tiny_home)
    labels = app.labels().with_label(Label("kitten"))
    app.labels_file.path.write_text("threshold = 7\n", encoding="utf-8")  # a hand edit that does not parse
    refused = cli("--home", tiny_home, "labels", "add", "kitten")  # before the app takes the library
    assert refused.returncode == 1 and "nothing was changed" in refused.err
    try:
        with pytest.raises(ConfigError, match="nothing was changed"):
            app.label_service.save_labels_and_retag(labels)
        assert app.labels_file.path.read_text(encoding="utf-8") == "threshold = 7\n"
        assert not app.pending_retag_service.retag_pending()

        report = app.label_service.save_labels_and_retag(labels, broken_file_seen=True)
        assert report.photos == 3 and not app.pending_retag_service.retag_pending()
        assert "kitten" in [label.name for label in app.labels().labels]
        assert list(app.labels_file.path.parent.glob("labels.toml.broken-*"))
    finally:
        app.close()
