"""The layers hold: core/ stays pure (no Qt, onnxruntime, chromadb, watchdog, torch or the XML parser), services/ hold
no Qt or argparse, cli/ and gui/ reach infra/ only through services/ or the composition root."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import photo_tagger
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


def _infra_imports(source: str, package: list[str]) -> list[str]:
    """Every import of photo_tagger.infra in one module's source (absolute or relative, at the top or inside a
    function); `package`: the module's package, e.g. ["photo_tagger", "gui", "dialogs"]."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [f"line {node.lineno}: {n}" for n in names if n.startswith("photo_tagger.infra")][:1]
    return found


def test_cli_and_gui_reach_infra_only_through_services_or_the_composition_root():
    """cli/ and gui/ parse, call a service and show: an adapter they need comes through services/ or app.py."""
    root = Path(photo_tagger.__path__[0])
    found = []
    for layer in ("cli", "gui"):
        for path in sorted((root / layer).rglob("*.py")):
            package = ["photo_tagger", *path.parent.relative_to(root).parts]
            found += [f"{path.relative_to(root)} {hit}"
                      for hit in _infra_imports(path.read_text(encoding="utf-8"), package)]
    assert found == []


def test_the_layer_check_sees_every_form_of_import():
    """The check above cannot pass by missing an import: each way of writing one is caught, and none is invented."""
    dialogs = ["photo_tagger", "gui", "dialogs"]
    forms = ["from photo_tagger.infra import store_auth", "from photo_tagger.infra.fs_watch import FolderWatcher",
             "import photo_tagger.infra.onnx_clip", "from ...infra import catalog", "from photo_tagger import infra",
             "def f():\n    from ...infra.catalog import Catalog\n"]
    for form in forms:
        assert _infra_imports(form, dialogs), form
    assert _infra_imports("from photo_tagger.services import models\nimport photo_tagger.app\n"
                          "from ..models import grid\nfrom . import about_dialog\n", dialogs) == []
