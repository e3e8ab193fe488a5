"""A model installed from a folder is named after the model, not after a folder called "model" (issue 21 §6)."""

from __future__ import annotations

import json

import pytest

from photo_tagger.config import Settings
from photo_tagger.core.errors import ModelError
from photo_tagger.infra.model_store import model_name_for
from photo_tagger.services.models import ModelService, suggested_name
from tests.fakes import FakeModelStore


def test_a_generic_folder_name_gives_way_to_the_model_s_own_name(tmp_path):
    plain = tmp_path / "clip-vit-b32-multilingual" / "model"
    plain.mkdir(parents=True)
    assert model_name_for(str(plain)) == "clip-vit-b32-multilingual"  # "model" says nothing: its parent's name
    configured = tmp_path / "exports" / "onnx"
    configured.mkdir(parents=True)
    (configured / "config.json").write_text(json.dumps({"_name_or_path": "openai/clip-vit-base-patch32"}))
    assert model_name_for(str(configured)) == "clip-vit-base-patch32"
    cached = tmp_path / "hub" / "models--laion--CLIP-ViT-B-32-laion2B" / "snapshots" / ("ab12" * 10)
    cached.mkdir(parents=True)
    assert model_name_for(str(cached)) == "CLIP-ViT-B-32-laion2B"
    named = tmp_path / "My Holiday Model"
    named.mkdir()
    assert model_name_for(str(named)) == "My-Holiday-Model"
    assert model_name_for("immich-app/ViT-B-32__openai") == "ViT-B-32__openai"
    assert suggested_name(str(plain)) == "clip-vit-b32-multilingual"


def test_a_name_with_a_slash_is_refused_in_one_line(tmp_path):
    class Progress:
        def started(self, *args): raise AssertionError("nothing starts")

    def unused(*args):
        raise AssertionError("nothing is read")

    service = ModelService(models=FakeModelStore(), settings=Settings, update_settings=unused, active_model=unused,
                           model_key=unused, catalog=unused, trials=unused, retag_pending=unused)
    with pytest.raises(ModelError, match="cannot name a model"):
        service.install_model(str(tmp_path), Progress(), None, name="a/b")
