"""The labels group's services built from their parts (fakes, a catalog on disk): no App, no ONNX model."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from photo_tagger.core.errors import ConfigError
from photo_tagger.core.indexer import Indexer
from photo_tagger.core.labels import Label, LabelSet
from photo_tagger.core.library import add_roots
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.labels_file import LabelsFile
from photo_tagger.services.example_labels import ExampleLabelService
from photo_tagger.services.label_report import LabelReportService
from photo_tagger.services.labels import LabelModels, LabelService
from photo_tagger.services.retagging import RetagService
from photo_tagger.services.tag_edits import TagEditService
from tests.fakes import FakeImageEncoder, FakeTextEncoder, InMemoryStore
from tests.photos import make_photos

KEY = "fake"
LABELS = LabelSet(labels=(Label("reddish", ("a red photo",)), Label("greenish", ("a green photo",))))


@pytest.fixture
def parts(tmp_path):
    """Five indexed photos and every labels service wired as app.py wires them, around fakes."""
    catalog = Catalog(tmp_path / "library" / "catalog.sqlite3")
    store, text = InMemoryStore(), FakeTextEncoder()
    make_photos(tmp_path / "photos", 5)
    roots, _ = add_roots(catalog, [str(tmp_path / "photos")])
    Indexer(catalog, store, FakeImageEncoder(), KEY, batch_size=4).index(roots)
    labels_file = LabelsFile(tmp_path / "config" / "labels.toml")
    labels_file.save(LABELS)
    opened, events = [], []
    models = LabelModels(labels=labels_file.load, text_encoder=lambda: text,
                         active_model=lambda: SimpleNamespace(sigmoid=None), model_key=lambda: KEY,
                         catalog=lambda: opened.append(True) or catalog)
    retags = RetagService(catalog=catalog, vector_store=lambda: store, prepared_labels=models.prepared,
                          model_key=lambda: KEY, clear_retag_pending=lambda: events.append("cleared"))
    reports = LabelReportService(catalog=catalog, labels=labels_file.load, model_key=lambda: KEY, label_models=models)
    labels = LabelService(labels_file=labels_file, catalog=catalog, library_dir=tmp_path / "library",
                          vector_store=lambda: store, model_key=lambda: KEY, label_models=models, reports=reports,
                          retag=retags, mark_retag_pending=lambda why: events.append(f"marked: {why}"))
    tags = TagEditService(catalog=catalog, vector_store=lambda: store, model_key=lambda: KEY)
    examples = ExampleLabelService(labels_file=labels_file, catalog=catalog, vector_store=lambda: store,
                                   model_key=lambda: KEY, label_service=labels)
    ids = sorted(catalog.filter_ids(KEY))
    yield SimpleNamespace(catalog=catalog, store=store, text=text, labels_file=labels_file, models=models,
                          retags=retags, reports=reports, labels=labels, tags=tags, examples=examples, ids=ids,
                          opened=opened, events=events)
    catalog.close()


def test_label_models_prepare_once_per_label_set_without_the_catalog_and_refit_after_a_choice(parts):
    prepared = parts.models.prepared()
    encoded = parts.text.encoded
    assert parts.models.prepared() is prepared and parts.text.encoded == encoded  # cached: no text encoded again
    assert not parts.opened  # the labels and the model alone: the library is not opened for them
    trained = parts.models.trained()
    assert parts.models.trained() is trained
    parts.tags.edit_tags(parts.ids[0], add=["reddish"])  # the user's choice changes what the library teaches
    assert parts.models.trained() is not trained and parts.models.prepared() is prepared
    parts.labels_file.save(LABELS.with_label(Label("bluish", ("a blue photo",))))
    assert parts.models.prepared() is not prepared and parts.text.encoded > encoded


def test_tag_edits_are_the_users_and_a_blank_tag_is_refused(parts):
    photo = parts.ids[1]
    assert "holiday" in parts.tags.edit_tags(photo, add=["holiday"]).tags
    assert parts.catalog.choices([photo])[photo].added == frozenset({"holiday"})
    with pytest.raises(ConfigError):
        parts.tags.edit_tags(photo, add=["  "])
    assert "holiday" not in parts.tags.edit_tags(photo, remove=["holiday"]).tags
    assert "holiday" in parts.tags.put_back_tags(photo, ["holiday"]).tags  # a tag only the user gave: given again
    assert parts.tags.mark_not_sensitive(photo) is not None and parts.catalog.choices([photo])[photo].not_sensitive


def test_a_label_edit_is_marked_saved_renamed_and_retagged_and_only_a_whole_retag_pays_off_the_mark(parts):
    parts.tags.edit_tags(parts.ids[0], add=["reddish"])
    parts.tags.edit_tags(parts.ids[1], add=["greenish"])
    done = parts.labels.rename_label("reddish", "rosy")
    assert (done.old, done.new, done.photos, done.report.photos) == ("reddish", "rosy", 1, 5)
    assert parts.events == ["marked: renaming the label 'reddish'", "cleared"]
    assert [label.name for label in parts.labels_file.load().labels] == ["rosy", "greenish"]
    assert parts.catalog.choices([parts.ids[0]])[parts.ids[0]].added == frozenset({"rosy"})
    # names that trade places go through temporary names
    tagged = {i for tag in ("rosy", "greenish") for i in parts.catalog.filter_ids(KEY, tag=tag)}
    assert {parts.ids[0], parts.ids[1]} <= tagged
    assert parts.labels.rename_labels({"rosy": "greenish", "greenish": "rosy"}) == tagged
    assert parts.catalog.choices([parts.ids[0]])[parts.ids[0]].added == frozenset({"greenish"})
    parts.events.clear()
    assert parts.retags.retag_library(ids=parts.ids[:2]).photos == 2 and parts.events == []
    with pytest.raises(ConfigError, match="exists already"):
        parts.labels.rename_label("rosy", "greenish")


def test_a_save_says_what_it_did_to_the_labels_it_was_not_about(parts):
    edited = LABELS.with_label(Label("everything", threshold=0.0))
    change = parts.labels.dry_run(edited, "everything")
    assert change.total == 5 and parts.labels_file.load() == LABELS  # a dry run saves nothing
    before = parts.reports.tags_now()
    report, others = parts.labels.save_labels_and_compare(edited)
    assert report.photos == 5 and parts.events[-1] == "cleared"
    assert parts.catalog.tag_counts().get("everything") == 5
    assert "everything" not in others.tags_gained  # the edited label is not a side effect
    assert others == parts.reports.changes_since(before, {"everything"})
    states, indexed = parts.reports.label_report()
    assert indexed == 5 and [s.name for s in states] == ["reddish", "greenish", "everything"]
    assert next(s for s in states if s.name == "everything").photos == 5


def test_a_label_from_photos_refuses_a_blank_or_taken_name_with_nothing_changed(parts):
    for name in ("  ", "reddish"):
        with pytest.raises(ConfigError):
            parts.examples.label_from_photos(name, parts.ids[:2])
    assert parts.labels_file.load() == LABELS and parts.events == []
    made = parts.examples.label_from_photos(" mine ", parts.ids[:2])
    assert (made.name, made.examples) == ("mine", 2) and made.photos >= 2
    assert parts.labels_file.load().label("mine").examples_only
    assert parts.labels.has_examples("mine") and not parts.labels.has_examples("reddish")
