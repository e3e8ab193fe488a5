"""The models group's services built from fakes (no App, no ONNX model): a trial encodes in slices and resumes,
the model in use is not removed from under its photos, the first screen and About read what they are given."""

import pytest

from photo_tagger.config import AppPaths, Settings
from photo_tagger.core.errors import ModelError
from photo_tagger.core.indexer import Indexer
from photo_tagger.infra.catalog import Catalog
from photo_tagger.infra.model_trials import TrialRecords
from photo_tagger.services.diagnostics import DiagnosticsService
from photo_tagger.services.model_trial import ModelTrialService
from photo_tagger.services.models import ModelService
from tests.fakes import FakeImageEncoder, FakeModel, FakeModelStore, InMemoryStore
from tests.photos import make_photos

PHOTOS = 10


class Library:
    """A catalog of PHOTOS photos indexed with the fake encoder as model "fake"; "other" installed beside it."""

    def __init__(self, tmp_path):
        self.catalog = Catalog(tmp_path / "catalog.sqlite3")
        make_photos(tmp_path / "photos", PHOTOS)
        Indexer(self.catalog, InMemoryStore(), FakeImageEncoder(), "fake", batch_size=4).index([str(tmp_path / "photos")])
        self.current, self.other = FakeModel("fake", key="fake"), FakeModel("other")
        self.models = FakeModelStore(self.current, self.other)
        self.settings = Settings(model="fake", batch_size=3)
        self.encoder = FakeImageEncoder()
        self.trials = ModelTrialService(
            models=self.models, records=TrialRecords(tmp_path / "model_trials"), catalog=lambda: self.catalog,
            active_model=lambda: self.current, model_key=lambda: self.current.key, settings=lambda: self.settings,
            update_settings=self.update_settings, override_settings=self.update_settings,
            encoders_for=lambda name: (self.encoder, None), close_encoders_for=lambda key: None,
            text_encoder=_unused, vector_store=_unused, labels=_unused, trained_labels=_unused,
            recent_searches=lambda n: [])
        self.service = ModelService(
            models=self.models, settings=lambda: self.settings, update_settings=self.update_settings,
            active_model=lambda: self.current, model_key=lambda: self.current.key, catalog=lambda: self.catalog,
            trials=lambda: self.trials, retag_pending=lambda: "")

    def update_settings(self, **changes) -> None:
        self.settings = self.settings.with_changes(**changes)


def _unused(*args):
    raise AssertionError("not needed here")


@pytest.fixture
def library(tmp_path):
    made = Library(tmp_path)
    yield made
    made.catalog.close()


def test_a_trial_encodes_in_slices_resumes_and_is_discarded(library):
    trials = library.trials
    assert trials.candidates() == ["other"] and not trials.has_trial("other")
    state = trials.encode_trial("other", None, limit=4)
    assert (state.photos, state.encoded, state.complete, state.library) == (PHOTOS, 4, False, PHOTOS)
    assert trials.has_trial("other") and library.encoder.encoded == 4
    state = trials.encode_trial("other", None)
    assert state.complete and library.encoder.encoded == PHOTOS  # the first four are not encoded again
    assert trials.trial_state("other", None).encoded == PHOTOS
    ids = library.catalog.filter_ids("fake")
    assert len(library.catalog.vectors("other@1", ids)) == PHOTOS
    assert library.catalog.count_embedded("fake") == PHOTOS  # the photos stay with the model in use
    trials.discard_trial("other")
    assert not trials.has_trial("other") and library.catalog.vectors("other@1", ids) == {}
    with pytest.raises(ModelError, match="is the model in use already"):
        trials.trial_state("fake")


def test_the_model_in_use_is_not_removed_from_under_its_photos_unless_forced(library):
    service = library.service
    with pytest.raises(ModelError, match=f"leave {PHOTOS} photos to re-encode; `photo-tagger model use other`"):
        service.remove_model("fake")
    assert service.names() == ["fake", "other"]
    done = service.remove_model("fake", force=True)
    assert done == f"Removed fake; its {PHOTOS} photos wait to be re-encoded by the next model used"
    assert service.names() == ["other"] and library.settings.model == ""


def test_removing_a_tried_model_takes_its_trial_along(library):
    library.trials.encode_trial("other", None, limit=2)
    assert library.service.remove_model("other") == "Removed other and the vectors its trial made"
    assert library.service.names() == ["fake"]
    assert library.catalog.vectors("other@1", library.catalog.filter_ids("fake")) == {}


def test_use_now_switches_the_setting_and_the_rows_say_which_is_in_use(library):
    assert [(r.name, r.active) for r in library.service.installed_models()] == [("fake", True), ("other", False)]
    switched = library.service.use_model("other", now=True)
    assert (switched.model, switched.adopted, library.settings.model) == ("other", None, "other")


def test_settings_checks_and_the_first_screen(library):
    service = library.service
    service.check_setting("precision", "fp32")
    with pytest.raises(ModelError, match="no int8 image encoder"):
        service.check_setting("precision", "int8")
    with pytest.raises(ModelError, match="not installed"):
        service.check_setting("model", "missing")
    assert service.model_precisions() == ("fp32",)
    startup = service.check_startup()
    assert (startup.model, startup.model_problem, startup.retag_pending) == ("fake", None, False)


def test_with_no_model_the_first_screen_asks_for_one():
    def no_model():
        raise ModelError("no model is installed")

    service = ModelService(models=FakeModelStore(), settings=Settings, update_settings=_unused, active_model=no_model,
                           model_key=_unused, catalog=_unused, trials=_unused, retag_pending=_unused)
    startup = service.check_startup()
    assert (startup.model, startup.model_problem, startup.roots) == (None, None, ())  # the panel's own words say it
    assert service.model_precisions() == ("fp32",)


def test_about_reads_what_it_is_given_and_loads_no_model(tmp_path):
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "cache", tmp_path / "logs")

    def no_model():
        raise ModelError("no model is installed")

    diagnostics = DiagnosticsService(paths=paths, settings=Settings, models=FakeModelStore(), active_model=no_model,
                                     image_encoder=_unused, text_encoder=_unused,
                                     loaded_providers=lambda: ["CPUExecutionProvider"])
    facts = diagnostics.runtime_facts()
    assert facts.model == "none in use (no model is installed)"
    assert facts.providers == "CPUExecutionProvider (in use)"
    assert dict(diagnostics.about_paths())["Library"] == str(tmp_path / "data" / "library")
