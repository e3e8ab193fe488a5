"""The core layer stays pure: importing it loads no Qt, onnxruntime, chromadb, watchdog, torch or pyexiv2."""

import pkgutil
import subprocess
import sys

import photo_tagger.core

FORBIDDEN = ("PySide6", "onnxruntime", "chromadb", "watchdog", "torch", "transformers", "pyexiv2")


def test_core_imports_no_adapters():
    modules = [f"photo_tagger.core.{m.name}" for m in pkgutil.iter_modules(photo_tagger.core.__path__)]
    assert len(modules) >= 4
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_running_a_model_needs_no_torch():
    """The runtime engine and the model store must not pull in the export-only dependencies."""
    code = (
        "import sys\nimport photo_tagger.infra.onnx_clip, photo_tagger.infra.model_store, photo_tagger.app\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
