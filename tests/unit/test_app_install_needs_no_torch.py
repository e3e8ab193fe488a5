"""The README's app command installs what runs and installs ready models, and nothing that exports them."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPORT_ONLY = {"torch", "transformers", "onnx", "onnxscript"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_app_command_installs_no_export_tooling():
    app_command = next(line for line in (REPO / "README.md").read_text().splitlines()[:12]
                       if line.startswith("python3 -m venv"))
    assert "torch" not in app_command and "[export]" not in app_command and "pip install -e ." in app_command
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    base = _names(project["dependencies"])
    assert not base & EXPORT_ONLY
    assert {"huggingface-hub", "tokenizers", "onnxruntime"} <= base  # ready models: download, tokenize, run
    assert EXPORT_ONLY <= _names(project["optional-dependencies"]["export"])  # what `model install CHECKPOINT` needs
