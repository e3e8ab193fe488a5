"""The core layer stays pure: importing it loads no Qt, onnxruntime, chromadb, watchdog, torch or the XML parser."""

import pkgutil
import subprocess
import sys

import photo_tagger.core

FORBIDDEN = ("PySide6", "onnxruntime", "chromadb", "watchdog", "torch", "transformers", "defusedxml")


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


def test_core_depends_on_the_catalog_port_not_the_sqlite_class():
    """core/ takes a `Catalog` (core/ports.py); only app.py and infra/ know photo_tagger.infra.catalog."""
    import ast
    from pathlib import Path

    for path in Path(photo_tagger.core.__path__[0]).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("photo_tagger.infra"), f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("photo_tagger.infra") for a in node.names), path.name


def test_services_hold_no_qt_and_no_argparse():
    """services/ is what the CLI and the window both call: it imports neither of them, nor Qt, nor argparse."""
    import ast
    from pathlib import Path

    import photo_tagger.services

    banned = ("PySide6", "argparse", "photo_tagger.gui", "photo_tagger.cli")
    for path in Path(photo_tagger.services.__path__[0]).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n.startswith(banned) for n in names), f"{path.name} imports {names}"
