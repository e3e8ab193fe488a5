"""`photo-tagger model ...` and `doctor` from the command line, on checkpoints the tests build."""

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import run_entry_point


def test_install_from_a_local_checkpoint_then_doctor(home, tiny_checkpoint):
    result = run_entry_point("--home", home, "model", "install", tiny_checkpoint, "--int8", "--name", "tiny")
    assert result.returncode == 0, result.stderr
    assert "Installed tiny (in use)" in result.stdout and "fp32+int8" in result.stdout
    assert result.stderr == ""  # exporter chatter and warnings stay out of the user's terminal

    listing = run_entry_point("--home", home, "model", "list")
    assert listing.stdout.splitlines()[1].startswith("* tiny ")  # under the columns' names

    doctor = run_entry_point("--home", home, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "Usable: yes" in doctor.stdout and "CPUExecutionProvider" in doctor.stdout
    report = json.loads(run_entry_point("--home", home, "doctor", "--json").stdout)
    assert report["usable"] and report["active_model"]["name"] == "tiny"
    assert report["onnxruntime"]["native_library_from"] in report["onnxruntime"]["distributions"]


def test_doctor_without_a_model_says_what_to_do(cli, home):
    result = cli("--home", home, "doctor")
    assert result.returncode == 1
    assert "no model is installed: run `photo-tagger model install`" in result.out


def test_hub_id_without_network_fails_in_one_clear_line(home):
    result = run_entry_point("--home", home, "model", "install", "openai/clip-vit-base-patch32",
                             env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "cannot download openai/clip-vit-base-patch32" in result.stderr
    assert "model install FOLDER" in result.stderr and "Traceback" not in result.stderr


def test_a_folder_that_is_no_checkpoint(cli, home, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("--home", home, "model", "install", tmp_path / "empty")
    assert result.returncode == 1 and "not a usable transformers CLIP checkpoint" in result.err
    assert cli("--home", home, "model", "install", "no such thing").err.count("neither a folder") == 1


def test_import_works_without_torch(home, model_depot):
    """A model exported once can be copied to a machine that has no torch or transformers."""
    code = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
            "from photo_tagger.__main__ import main\n"
            f"sys.exit(main(['--home', {str(home)!r}, 'model', 'import', {str(model_depot.folder('tiny'))!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Installed tiny (in use)" in result.stdout


def test_use_verify_remove(cli, home, model_depot):
    assert cli("--home", home, "model", "import", model_depot.folder("tiny")).returncode == 0
    assert cli("--home", home, "model", "import", model_depot.folder("shapes")).returncode == 0
    assert cli("--home", home, "model", "use", "shapes").out == "Now using shapes\n"
    assert "* shapes" in cli("--home", home, "model", "list").out
    verify = cli("--home", home, "model", "verify")
    assert verify.returncode == 0 and verify.out == "shapes: ok\ntiny: ok\n"

    tokenizer = home / "data" / "models" / "tiny" / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text().replace("photo", "phato"))
    verify = cli("--home", home, "model", "verify", "tiny")
    assert verify.returncode == 1 and "tokenizer.json: sha256 mismatch" in verify.out

    assert cli("--home", home, "model", "remove", "shapes").returncode == 0
    assert cli("--home", home, "model", "use", "shapes").err.startswith("photo-tagger: error: no model named")
    listed = json.loads(cli("--home", home, "model", "list", "--json").out)
    assert [m["name"] for m in listed] == ["tiny"]


def test_damaged_model_gives_a_clear_error_not_an_onnxruntime_crash(cli, home, model_depot):
    cli("--home", home, "model", "import", model_depot.folder("tiny"))
    image_file = home / "data" / "models" / "tiny" / "image_fp32.onnx"
    size = image_file.stat().st_size
    image_file.write_bytes(b"\0" * size)  # same size: only loading can tell

    result = cli("--home", home, "doctor")
    assert result.returncode == 1
    assert "PROBLEM: cannot load image_fp32.onnx" in result.out and "model verify" in result.out

    image_file.write_bytes(b"\0" * (size // 2))
    result = cli("--home", home, "doctor")
    assert "model tiny is corrupted: image_fp32.onnx has" in result.out


def test_killed_install_leaves_no_model_that_looks_usable(home, tiny_checkpoint):
    models_dir = home / "data" / "models"
    child = subprocess.Popen([sys.executable, "-m", "photo_tagger", "--home", str(home), "model", "install",
                              str(tiny_checkpoint)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(models_dir.glob(".staging-*/*.onnx")):
        assert child.poll() is None and time.monotonic() < deadline, "install ended before it could be killed"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()

    listing = run_entry_point("--home", home, "model", "list")
    assert listing.stdout.startswith("No models installed"), listing.stdout
    again = run_entry_point("--home", home, "model", "install", tiny_checkpoint)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in models_dir.iterdir()] == [tiny_checkpoint.name]  # leftover cleaned
