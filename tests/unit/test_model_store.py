"""Model folders: manifests, hashes, atomic installs, broken folders (no torch, no real models)."""

import json
import os
import subprocess
import sys

import pytest

from photo_tagger.core.errors import ModelError
from photo_tagger.infra.model_store import MANIFEST, ModelStore, model_name_for, sha256_of

FILES = {"image_fp32.onnx": b"image" * 100, "text_fp32.onnx": b"text" * 50, "tokenizer.json": b"{}"}


def make_model_folder(folder, name="m", files=FILES):
    folder.mkdir(parents=True)
    for filename, data in files.items():
        (folder / filename).write_bytes(data)
    manifest = {
        "format": 1, "name": name, "embedding_dim": 8, "image_size": 32, "mean": [0.5] * 3, "std": [0.5] * 3,
        "logit_scale": 100.0, "context_length": 77,
        "files": {f: {"sha256": sha256_of(folder / f), "size": len(d)} for f, d in files.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "models")


def test_import_verifies_and_installs(store, tmp_path):
    source = make_model_folder(tmp_path / "exported", name="clip-x")
    model = store.import_folder(source)
    assert model.name == "clip-x" and store.names() == ["clip-x"]
    assert model.verify() == [] and model.precisions == ("fp32",)
    assert model.preprocess_spec.image_size == 32


def test_import_refuses_a_folder_that_does_not_match_its_manifest(store, tmp_path):
    source = make_model_folder(tmp_path / "exported")
    (source / "text_fp32.onnx").write_bytes(b"TEXT" * 50)  # same size, other bytes
    with pytest.raises(ModelError, match="text_fp32.onnx: sha256 mismatch"):
        store.import_folder(source)
    assert store.names() == []


def test_import_refuses_a_folder_without_manifest(store, tmp_path):
    (tmp_path / "junk").mkdir()
    with pytest.raises(ModelError, match="manifest.json is missing"):
        store.import_folder(tmp_path / "junk")


def test_name_clash_needs_replace(store, tmp_path):
    source = make_model_folder(tmp_path / "exported")
    store.import_folder(source)
    with pytest.raises(ModelError, match="already installed"):
        store.import_folder(source)
    store.import_folder(source, replace=True)
    store.import_folder(source, name="other")
    assert store.names() == ["m", "other"]


def test_truncated_file_is_caught_at_load_and_listed_as_broken(store, tmp_path):
    model = store.import_folder(make_model_folder(tmp_path / "exported"))
    (model.path / "image_fp32.onnx").write_bytes(b"imag")
    with pytest.raises(ModelError, match="corrupted: image_fp32.onnx"):
        store.get("m").check_files()
    [(name, loaded, problem)] = store.list()
    assert loaded is None and "corrupted" in problem


def test_missing_file_and_bad_manifest(store, tmp_path):
    model = store.import_folder(make_model_folder(tmp_path / "exported"))
    (model.path / "tokenizer.json").unlink()
    assert store.get("m").verify() == ["tokenizer.json: missing"]
    (model.path / MANIFEST).write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        store.get("m")


def test_unknown_model_names_the_installed_ones(store, tmp_path):
    store.import_folder(make_model_folder(tmp_path / "exported"))
    with pytest.raises(ModelError, match=r"no model named 'x' is installed \(installed: m\)"):
        store.get("x")


def test_remove(store, tmp_path):
    store.import_folder(make_model_folder(tmp_path / "exported"))
    store.remove("m")
    assert store.names() == [] and not any(store.models_dir.iterdir())


def test_leftovers_of_a_killed_install_are_invisible_and_cleaned(store, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    leftover = store.models_dir / f".staging-{dead}-m-1234abcd"
    leftover.mkdir(parents=True)
    (leftover / "image_fp32.onnx").write_bytes(b"half")
    alive = store.models_dir / f".staging-{os.getpid()}-n-1234abcd"
    alive.mkdir()
    assert store.names() == [] and store.list() == []
    store.import_folder(make_model_folder(tmp_path / "exported"))
    assert not leftover.exists() and alive.exists()


@pytest.mark.parametrize("source, name", [
    ("openai/clip-vit-base-patch32", "clip-vit-base-patch32"),
    ("/models/My CLIP/", "My-CLIP"),
    ("C:\\models\\clip", "clip"),
])
def test_model_names(source, name):
    assert model_name_for(source) == name
