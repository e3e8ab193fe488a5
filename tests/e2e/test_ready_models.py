"""Ready ONNX models in Immich's layout: installed from a folder or a local hub with no torch in the process,
then used like any model; their embeddings match transformers'; bad input gets one line; a killed download resumes."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from tests.fakes import RecordedProgress
from tests.fixture_models.immich_layout import immich_copy, shapes_immich, tiny_immich
from tests.fixture_models.local_hub import COMMIT, LocalHub
from tests.photos import make_photos
from tests.waiting import wait_for

# torch and transformers made unimportable: any import of them on this path fails the command.
NO_TORCH = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
            "from photo_tagger.__main__ import main\n"
            "sys.exit(main(sys.argv[1:]))")
REPO = "immich-app/ViT-tiny__test"


def no_torch(*args, env=None, timeout=300, **kwargs):
    return subprocess.run([sys.executable, "-c", NO_TORCH, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)


def hub_env(hub, tmp_path) -> dict:
    return {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home"),
            "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0"}


def one_line_error(result, *needles):
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def nothing_installed(home):
    models = home / "data" / "models"
    return not models.exists() or [p.name for p in models.iterdir() if p.name != ".downloads"] == []


def test_folder_installs_without_torch_then_index_and_search(home, tmp_path):
    result = no_torch("--home", home, "model", "install", tiny_immich(), "--name", "ready", "--no-agreement-check")
    assert result.returncode == 0, result.stderr
    assert "Installed ready (in use): 16-d embeddings, 32 px, fp32" in result.stdout
    assert "shapes and norms passed, red/blue agreement skipped" in result.stdout

    manifest = json.loads((home / "data/models/ready/manifest.json").read_text())
    assert manifest["source_kind"] == "folder" and manifest["layout"] == "immich"
    assert manifest["revision"] == "sha256:" + manifest["files"]["image_fp32.onnx"]["sha256"]
    assert (manifest["image_input"], manifest["text_input"], manifest["text_dtype"]) == ("image", "text", "int32")
    assert (manifest["pad_token"], manifest["pad_token_id"], manifest["context_length"]) == ("<|endoftext|>", 49407, 77)
    assert manifest["self_check"]["agreement"] == "skipped"

    photos = tmp_path / "photos"
    make_photos(photos, 5)
    index = no_torch("--home", home, "index", photos, "--json")
    assert index.returncode == 0, index.stderr
    hits = json.loads(no_torch("--home", home, "search", "a red photo", "--json").stdout)
    assert len(hits) == 5 and all(np.isfinite(h["score"]) for h in hits)
    assert no_torch("--home", home, "model", "verify").stdout == "ready: ok\n"


def test_embeddings_match_the_transformers_model(tmp_path):
    import torch
    from transformers import CLIPModel, CLIPTokenizer

    from photo_tagger.core.preprocess import clip_pixels
    from photo_tagger.infra.model_store import ModelStore
    from photo_tagger.infra.onnx_clip import OnnxImageEncoder, OnnxTextEncoder
    from tests.fixture_models.checkpoints import tiny_clip

    model = ModelStore(tmp_path / "models").install(str(tiny_immich()), agreement_check=False)
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (48 + 7 * i, 40, 3), dtype=np.uint8)) for i in range(3)]
    pixels = np.stack([clip_pixels(im, model.preprocess_spec) for im in images])
    texts = ["a photo of a cat", "kids on a beach at sunset", "x"]
    ours_image = OnnxImageEncoder(model, device="cpu").encode_images(pixels)  # a batch of 3 on a batch-1 graph
    text_encoder = OnnxTextEncoder(model, device="cpu")
    ours_text = text_encoder.encode_texts(texts)

    reference = CLIPModel.from_pretrained(tiny_clip()).eval()
    tokenizer = CLIPTokenizer.from_pretrained(tiny_clip())
    ids = text_encoder.tokenizer.encode(texts)
    assert ids.dtype == np.int32 and ids.shape == (3, 77)
    with torch.inference_mode():
        ref_image = reference.get_image_features(pixel_values=torch.from_numpy(pixels)).pooler_output.numpy()
        ref_text = []
        for row, text in enumerate(texts):  # unpadded, as transformers' own tokenizer gives them
            unpadded = tokenizer(text)["input_ids"]
            assert ids[row, :len(unpadded)].tolist() == unpadded and set(ids[row, len(unpadded):]) == {49407}
            ref_text.append(reference.get_text_features(input_ids=torch.tensor([unpadded])).pooler_output.numpy()[0])
    unit = lambda a: a / np.linalg.norm(a, axis=1, keepdims=True)  # noqa: E731
    assert np.abs(ours_image - unit(ref_image)).max() <= 1e-4
    assert np.abs(ours_text - unit(np.stack(ref_text))).max() <= 1e-4


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "textual/tokenizer_config.json").unlink(), "textual/tokenizer_config.json missing"),
    (lambda d: (d / "visual/model.onnx").write_bytes(b"not onnx" * 100), "visual/model.onnx does not load"),
    (lambda d: (d / "visual/model.onnx").write_bytes((d / "textual/model.onnx").read_bytes()),
     "visual/model.onnx takes text tensor(int32) [1, 77]; the layout says `image`"),
    (lambda d: (d / "config.json").write_text("{not json"), "config.json is unreadable"),
    (lambda d: (d / "config.json").write_text(json.dumps({"embed_dim": 16, "text_cfg": {"vocab_size": 1000}})),
     "the tokenizer has 49408 tokens but the text model 1000"),
    (lambda d: (d / "config.json").write_text(json.dumps({"embed_dim": 24})), "gives [1, 16], the config says"),
    (lambda d: (d / "textual/tokenizer_config.json").write_text('{"pad_token": "<pad>"}'),
     "no id for the pad token '<pad>'"),
    (lambda d: (d / "visual/preprocess_cfg.json").write_text(json.dumps(
        {**json.loads((d / "visual/preprocess_cfg.json").read_text()), "resize_mode": "letterbox"})),
     "unknown resize_mode 'letterbox'"),
], ids=["missing file", "not onnx", "wrong input", "bad json", "other vocabulary", "other width", "pad token",
        "resize mode"])
def test_a_bad_folder_is_refused_in_one_line_and_leaves_nothing(cli, home, tmp_path, damage, message):
    folder = immich_copy(tmp_path / "model")
    damage(folder)
    result = cli("--home", home, "model", "install", folder, "--no-agreement-check")
    assert result.returncode == 1 and result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert message in result.err
    assert nothing_installed(home)


def test_a_checkpoint_without_torch_says_what_to_install(home, tiny_checkpoint):
    result = no_torch("--home", home, "model", "install", tiny_checkpoint)
    one_line_error(result, "is a transformers checkpoint", "pip install 'photo-tagger[export]'",
                   "model install immich-app/ViT-B-32__openai")


def test_hub_install_without_torch_resumes_a_killed_download(home, tmp_path):
    with LocalHub({REPO: tiny_immich()}) as hub:
        env = hub_env(hub, tmp_path)
        hub.stall["textual/model.onnx"] = 1_000_000  # of 6.5 MB: the first try hangs there and is killed
        first = subprocess.Popen([sys.executable, "-c", NO_TORCH, "--home", str(home), "model", "install", REPO,
                                  "--no-agreement-check"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert hub.stalled.wait(120), "the first download never reached the stall"
            part = home / "data/models/.downloads" / REPO.replace("/", "--") / COMMIT / "textual/model.onnx.part"
            deadline = time.monotonic() + 60
            while not (part.is_file() and part.stat().st_size >= 1_000_000) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            first.kill()
            first.communicate()
        assert part.stat().st_size == 1_000_000
        assert nothing_installed(home)

        second = no_torch("--home", home, "model", "install", REPO, "--no-agreement-check", env=env)
        assert second.returncode == 0, second.stderr
        assert f"From {REPO} at {COMMIT[:19]}" in second.stdout
        gets = [(path, ranged) for method, _, path, ranged in hub.requests if method == "GET"]
        assert ("textual/model.onnx", "bytes=1000000-") in gets  # resumed, not started over
        assert {path for path, _ in gets} == {"config.json", "visual/model.onnx", "visual/preprocess_cfg.json",
                                             "textual/model.onnx", "textual/tokenizer.json",
                                             "textual/tokenizer_config.json"}  # only what the layout needs
        served = len(hub.requests)
        again = no_torch("--home", home, "model", "install", REPO, env=env)
        one_line_error(again, "a model named 'ViT-tiny__test' is already installed; use --replace")
        assert len(hub.requests) == served  # refused before downloading anything
    manifest = json.loads((home / "data/models/ViT-tiny__test/manifest.json").read_text())
    assert not (home / "data/models/.downloads" / REPO.replace("/", "--")).exists()  # copied into the model
    assert (manifest["source"], manifest["source_kind"], manifest["revision"]) == (REPO, "hub", COMMIT)
    assert no_torch("--home", home, "model", "verify").stdout == "ViT-tiny__test: ok\n"


def test_hub_problems_are_one_line(home, tmp_path, tiny_checkpoint):
    with LocalHub({REPO: tiny_immich(), "openai/tiny-clip": tiny_checkpoint}) as hub:
        env = hub_env(hub, tmp_path)
        one_line_error(no_torch("--home", home, "model", "install", "nobody/no-such-model", env=env),
                       "no model nobody/no-such-model on the Hugging Face hub")
        hub.corrupt.add("visual/model.onnx")
        one_line_error(no_torch("--home", home, "model", "install", REPO, "--no-agreement-check", env=env),
                       "visual/model.onnx of immich-app/ViT-tiny__test does not match the hub's record of it")
        assert nothing_installed(home)
        # A transformers checkpoint on the hub: refused before anything is downloaded.
        one_line_error(no_torch("--home", home, "model", "install", "openai/tiny-clip", env=env),
                       "pip install 'photo-tagger[export]'")
        assert not [r for r in hub.requests if r[1] == "openai/tiny-clip"]
    # No network: nothing listens at the hub's address any more.
    one_line_error(no_torch("--home", home, "model", "install", REPO, env=env),
                   f"cannot download {REPO} from the Hugging Face hub", "model install FOLDER")


def test_the_agreement_check_passes_a_trained_model_and_refuses_a_random_one(cli, home):
    """shapes_immich is trained on coloured shapes: a red image is nearer 'a red photo'; random weights are not."""
    trained = cli("--home", home, "model", "install", shapes_immich(), "--name", "shapes")
    assert trained.returncode == 0, trained.err
    assert "red/blue agreement passed" in trained.out
    refused = cli("--home", home, "model", "install", tiny_immich(), "--name", "random")
    assert refused.returncode == 1 and refused.err.count("\n") == 1
    assert "failed the self-check: a red image is not closer to 'a red photo'" in refused.err
    assert sorted(p.name for p in (home / "data/models").iterdir() if not p.name.startswith(".")) == ["shapes"]


FIRST_RUN = """import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None
from photo_tagger.app import App

class Progress:
    def __init__(self): self.calls = []
    def started(self, total, what): self.calls.append(('started', total))
    def advanced(self, done, detail=''): self.calls.append(('advanced', done))
    def finished(self): self.calls.append(('finished',))

app = App.from_home(sys.argv[1])
model = app.model_service.install_from_hub(sys.argv[2], Progress(), None)
print(model.name, app.settings.model, model.manifest['self_check']['agreement'])
"""


def test_the_first_run_screen_installs_a_ready_model_from_the_hub_without_torch(home, tmp_path):
    """What the first-run screen's hub button runs (services/models.install_from_hub), with no torch."""
    with LocalHub({"immich-app/shapes__test": shapes_immich()}) as hub:
        result = subprocess.run([sys.executable, "-c", FIRST_RUN, str(home), "immich-app/shapes__test"],
                                capture_output=True, text=True, timeout=300, env=hub_env(hub, tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["shapes__test", "shapes__test", "passed"]


def test_download_progress_counts_the_bytes_of_all_files(tmp_path, monkeypatch):
    from huggingface_hub import constants

    from photo_tagger.infra import hub_download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # the tests' conftest sets it: the hub here is local
    from photo_tagger.infra.ready_models import LAYOUT

    progress = RecordedProgress()
    with LocalHub({REPO: tiny_immich()}) as hub:
        repo = hub_download.listing(REPO, endpoint=hub.url)
        files = hub_download.fetch(repo, list(LAYOUT), tmp_path, progress=progress, endpoint=hub.url)
    total = sum(f.stat().st_size for f in files.values())
    assert progress.calls[0] == ("started", total) and progress.calls[-1] == ("finished",)
    done = [call[1] for call in progress.calls if call[0] == "advanced"]
    assert done == sorted(done) and done[-1] == total and len(done) > len(LAYOUT)


def test_texts_are_cleaned_as_the_config_asks(tmp_path):
    """open_clip's SigLIP configs say tokenizer_kwargs.clean = canonicalize: punctuation and case are dropped."""
    from photo_tagger.infra.model_store import ModelStore
    from photo_tagger.infra.onnx_clip import OnnxTextEncoder

    store = ModelStore(tmp_path / "models")
    plain = OnnxTextEncoder(store.install(str(tiny_immich()), name="plain", agreement_check=False)).tokenizer
    folder = immich_copy(tmp_path / "canon")
    config = json.loads((folder / "config.json").read_text())
    config["text_cfg"]["tokenizer_kwargs"] = {"clean": "canonicalize"}
    (folder / "config.json").write_text(json.dumps(config))
    model = store.install(str(folder), name="canon", agreement_check=False)
    assert model.manifest["text_clean"] == "canonicalize"
    canon = OnnxTextEncoder(model).tokenizer
    messy, clean = "A  RED_car, photo!", "a red car photo"
    assert canon.encode([messy]).tolist() == canon.encode([clean]).tolist() == plain.encode([clean]).tolist()
    assert plain.encode([messy]).tolist() != plain.encode([clean]).tolist()


def test_a_cancelled_download_keeps_its_bytes_and_the_next_install_resumes(tmp_path, monkeypatch):
    """What the first-run screen's Cancel does (core JobControl): the download stops, nothing is installed, and the
    next install asks only for the rest. download_size is what the screen can show before."""
    from huggingface_hub import constants

    from photo_tagger.core.jobs import Cancelled, JobControl
    from photo_tagger.infra.model_store import ModelStore
    from photo_tagger.infra.ready_models import LAYOUT, download_size

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # the tests' conftest sets it: the hub here is local
    store, control = ModelStore(tmp_path / "models"), JobControl()

    class CancelAfter2MB:
        def started(self, total, what):
            pass

        def advanced(self, done, detail=""):
            if done > 2_000_000:
                control.cancel()

        def finished(self):
            pass

    with LocalHub({REPO: tiny_immich()}) as hub:
        assert download_size(REPO, endpoint=hub.url) == sum((tiny_immich() / p).stat().st_size for p in LAYOUT)
        with pytest.raises(Cancelled):
            store.install(REPO, agreement_check=False, progress=CancelAfter2MB(), control=control, endpoint=hub.url)
        assert store.names() == []
        part = next((store.models_dir / ".downloads").rglob("textual/model.onnx.part"))
        kept = part.stat().st_size
        assert 0 < kept < (tiny_immich() / "textual/model.onnx").stat().st_size
        model = store.install(REPO, agreement_check=False, endpoint=hub.url)
        ranges = [r for method, _, path, r in hub.requests if method == "GET" and path == "textual/model.onnx"]
        assert ranges == [None, f"bytes={kept}-"]
    assert model.verify() == []


def test_an_installed_ready_model_is_imported_elsewhere_like_any_model(cli, home, tmp_path):
    assert cli("--home", home, "model", "install", tiny_immich(), "--name", "ready", "--no-agreement-check").returncode == 0
    other = tmp_path / "other-home"
    imported = cli("--home", other, "model", "import", home / "data/models/ready")
    assert imported.returncode == 0, imported.err
    listed = json.loads(cli("--home", other, "model", "list", "--json").out)
    assert [(m["name"], m["ok"], m["source"]) for m in listed] == [("ready", True, str(tiny_immich()))]
    mine, theirs = (json.loads((h / "data/models/ready/manifest.json").read_text()) for h in (home, other))
    here = ("installed_at", "measured")  # when, and how fast, on the machine that installed it: measured anew
    assert {k: v for k, v in theirs.items() if k not in here} == {k: v for k, v in mine.items() if k not in here}
    assert theirs["measured"]["images_per_s"]["fp32"] > 0


def test_a_copy_that_differs_from_the_hub_is_not_installed(tmp_path, monkeypatch):
    """The hashes written to the manifest are those of the copies, checked against the hub's (a flaky disk)."""
    import shutil

    from huggingface_hub import constants

    from photo_tagger.core.errors import ModelError
    from photo_tagger.infra import ready_models
    from photo_tagger.infra.model_store import ModelStore

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)

    real_copy = shutil.copyfile

    def flaky_copy(src, dst):
        real_copy(src, dst)
        if str(dst).endswith("text_fp32.onnx"):
            with open(dst, "r+b") as f:
                f.seek(1000)
                f.write(b"\0\1\2")

    monkeypatch.setattr(ready_models.shutil, "copyfile", flaky_copy)
    store = ModelStore(tmp_path / "models")
    with LocalHub({REPO: tiny_immich()}) as hub, pytest.raises(ModelError) as error:
        store.install(REPO, agreement_check=False, endpoint=hub.url)
    assert "the copy of textual/model.onnx is not the hub's file (sha256 differs); not installed" in str(error.value)
    assert store.names() == []


def test_two_installs_at_once_share_the_download(home, tmp_path):
    """A second install of the same repo waits for the first's file lock; once the first dies, it resumes its part."""
    args = ["--home", str(home), "model", "install", REPO, "--no-agreement-check"]
    with LocalHub({REPO: tiny_immich()}) as hub:
        env = hub_env(hub, tmp_path)
        hub.stall["textual/model.onnx"] = 1_000_000
        first = subprocess.Popen([sys.executable, "-c", NO_TORCH, *args], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        second = None
        try:
            assert hub.stalled.wait(120)
            listed = len(hub.listings)
            second = subprocess.Popen([sys.executable, "-c", NO_TORCH, *args], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            wait_for(lambda: len(hub.listings) > listed or second.poll() is not None, 120, "the second's listing")
            assert second.poll() is None
        finally:
            first.kill()
            first.communicate()
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
        textual = [ranged for method, _, path, ranged in hub.requests if method == "GET" and path == "textual/model.onnx"]
        assert textual == [None, "bytes=1000000-"]
    assert "Installed ViT-tiny__test" in out
