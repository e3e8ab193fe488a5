"""Commands that never touch vectors start without chromadb or onnxruntime (each costs about a second to import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.photos import make_photos

HEAVY = ("chromadb", "onnxruntime", "torch", "transformers", "PySide6")
PROBE = (
    "import json, sys\n"
    "from photo_tagger.cli.main import run\n"
    "try:\n"
    "    code = run(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "print(json.dumps({'code': code, 'heavy': heavy}), file=sys.stderr)\n"
)


@pytest.fixture
def indexed_home(tiny_home, tmp_path, cli):
    photos = tmp_path / "photos"
    make_photos(photos, 3)
    assert cli("--home", tiny_home, "index", photos).returncode == 0
    return tiny_home, photos


@pytest.mark.parametrize("command", [["status"], ["status", "--json"], ["labels", "list"], ["tags", "PHOTO"],
                                     ["--help"], ["search", "--help"]], ids=" ".join)
def test_commands_without_vectors_import_neither_chromadb_nor_onnxruntime(indexed_home, command):
    home, photos = indexed_home
    args = [str(next(photos.iterdir())) if a == "PHOTO" else a for a in command]
    done = subprocess.run([sys.executable, "-c", PROBE, "--home", str(home), *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    assert result["heavy"] == [], f"{' '.join(command)} imported {result['heavy']}"


def test_the_probe_sees_a_command_that_does_search(indexed_home):
    home, _ = indexed_home
    done = subprocess.run([sys.executable, "-c", PROBE, "--home", str(home), "search", "a red photo"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    assert "onnxruntime" in result["heavy"]
