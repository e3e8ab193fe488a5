"""`model list` says what each installed model costs here (family, languages, precisions, download and disk size,
images/s measured at install); `model measure` measures again; `model list --available` shows the ready list with
download sizes from the hub, or "size unknown: offline"."""

import json
import subprocess
import sys

from photo_tagger.infra.model_catalogue import CATALOGUE, human_bytes
from photo_tagger.infra.ready_models import DEFAULT_READY, LAYOUT
from tests.e2e.test_ready_models import NO_TORCH, hub_env
from tests.fixture_models.immich_layout import tiny_immich
from tests.fixture_models.local_hub import LocalHub
from tests.fixture_models.mclip import mclip_immich


def listed(cli, home) -> dict:
    return {m["name"]: m for m in json.loads(cli("--home", home, "model", "list", "--json").out)}


def test_the_install_measures_images_per_second_and_the_list_shows_the_costs(cli, home):
    installed = cli("--home", home, "model", "install", tiny_immich(), "--name", "clip", "--no-agreement-check")
    assert installed.returncode == 0, installed.err
    assert "Speed here: " in installed.out and " images/s fp32 (CPU, " in installed.out
    assert "languages: English" in installed.out
    assert cli("--home", home, "model", "install", mclip_immich(), "--name", "multi",
               "--no-agreement-check").returncode == 0

    manifest = json.loads((home / "data/models/clip/manifest.json").read_text())
    assert manifest["measured"]["images_per_s"]["fp32"] > 0 and manifest["measured"]["on"].startswith("CPU, ")
    models = listed(cli, home)
    disk = sum((tiny_immich() / p).stat().st_size for p in LAYOUT)
    assert models["clip"]["disk_bytes"] == disk and models["clip"]["download_bytes"] is None  # from a folder
    assert models["clip"]["languages"] == "English" and models["multi"]["languages"] == "many languages"
    assert models["clip"]["family"] == "CLIP" and models["clip"]["precisions"] == ["fp32"]
    assert models["clip"]["images_per_s"]["fp32"] == manifest["measured"]["images_per_s"]["fp32"]

    out = cli("--home", home, "model", "list").out.splitlines()
    header = out[0].split()
    assert header == ["NAME", "FAMILY", "LANGUAGES", "PRECISIONS", "DOWNLOAD", "DISK", "IMAGES/S", "HERE", "SOURCE"]
    row = next(line for line in out if line.startswith("* clip "))  # in use: the first installed
    for cell in ("CLIP", "English", " fp32 ", human_bytes(disk), str(tiny_immich())):
        assert cell in row, row
    assert "many languages" in next(line for line in out if " multi " in line)


def test_measuring_again_keeps_the_fingerprint(cli, home):
    assert cli("--home", home, "model", "install", tiny_immich(), "--name", "clip",
               "--no-agreement-check").returncode == 0
    before = listed(cli, home)["clip"]
    manifest = home / "data/models/clip/manifest.json"
    first = json.loads(manifest.read_text())["measured"]
    measured = cli("--home", home, "model", "measure", "clip")
    assert measured.returncode == 0 and "Speed here: " in measured.out
    after = listed(cli, home)["clip"]
    assert after["fingerprint"] == before["fingerprint"]  # the library does not take it for another model
    assert json.loads(manifest.read_text())["measured"]["at"] >= first["at"]
    assert cli("--home", home, "model", "verify").out == "clip: ok\n"
    missing = cli("--home", home, "model", "measure", "nothing")
    assert missing.returncode == 1 and "no model named 'nothing'" in missing.err


def test_the_ready_list_shows_sizes_from_the_hub_or_says_offline(home, tmp_path):
    offline = subprocess.run([sys.executable, "-c", NO_TORCH, "--home", str(home), "model", "list", "--available"],
                             capture_output=True, text=True, timeout=120)  # HF_HUB_OFFLINE from tests/conftest.py
    assert offline.returncode == 0, offline.stderr
    for ready in CATALOGUE:
        assert any(line.startswith(ready.repo_id) and "size unknown: offline" in line
                   for line in offline.stdout.splitlines()), offline.stdout
        assert any(ready.repo_id in line and ready.licence_line in line for line in offline.stdout.splitlines())
    with LocalHub({DEFAULT_READY: tiny_immich()}) as hub:
        online = subprocess.run([sys.executable, "-c", NO_TORCH, "--home", str(home), "model", "list", "--available",
                                 "--json"], capture_output=True, text=True, timeout=120, env=hub_env(hub, tmp_path))
    assert online.returncode == 0, online.stderr
    rows = {r["id"]: r for r in json.loads(online.stdout)}
    assert rows[DEFAULT_READY]["download_bytes"] == sum((tiny_immich() / p).stat().st_size for p in LAYOUT)
    assert rows[CATALOGUE[1].repo_id]["download"] == "size unknown: not on the hub"
    assert [r["languages"] for r in rows.values()] == [m.languages for m in CATALOGUE]
    assert [(r["licence"], r["model_card"]) for r in rows.values()] == [(m.licence, m.model_card) for m in CATALOGUE]
