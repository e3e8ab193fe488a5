"""The code's health counts (issue 23): functions that take a whole `app`, reads of another object's private state,
imports from cli/ and gui/ into infra/. Usage: python benchmarks/house_counts.py [CHECKOUT] [-v]"""

import ast
import sys
from pathlib import Path

args = [a for a in sys.argv[1:] if a != "-v"]
root = Path(args[0] if args else ".") / "photo_tagger"
takes_app = {}
typed_app = []
private_reads = []
app_probes = []
infra_imports = []
for path in sorted(root.rglob("*.py")):
    rel = path.relative_to(root.parent)
    layer = path.relative_to(root).parts[0]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [a.arg for a in node.args.args + node.args.kwonlyargs]
            if "app" in names:
                takes_app.setdefault(layer, []).append(f"{rel}:{node.lineno} {node.name}")
                arg = next(a for a in node.args.args + node.args.kwonlyargs if a.arg == "app")
                if arg.annotation is not None:
                    typed_app.append(f"{rel}:{node.lineno} {node.name}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                private_reads.append(f"{rel}:{node.lineno} .{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr == "__dict__":
            private_reads.append(f"{rel}:{node.lineno} .__dict__")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "hasattr":
            private_reads.append(f"{rel}:{node.lineno} hasattr")
            if node.args and getattr(node.args[0], "id", "") == "app":
                app_probes.append(f"{rel}:{node.lineno} hasattr(app)")
        if layer in ("cli", "gui") and isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.module == "photo_tagger":
                mods = [f"photo_tagger.{a.name}" for a in node.names]
            if any(m.startswith("photo_tagger.infra") for m in mods):
                infra_imports.append(f"{rel}:{node.lineno}")
print("functions taking app:", sum(map(len, takes_app.values())), {k: len(v) for k, v in sorted(takes_app.items())})
front = [r for r in private_reads if r.split("/")[1] in ("cli", "gui", "services") and "_Environ" not in r]
print("  of them with a typed `app` parameter:", len(typed_app))
# Reads that are really another object's private state: outside the composition root (app.py reads its own
# __dict__ for its caches), not namedtuple's public `_replace`/`_asdict`, not the type `os._Environ`, and hasattr
# only where it probes `app` (elsewhere it checks a library's feature: numpy 2, pi_heif).
PUBLIC_UNDERSCORE = (" ._replace", " ._asdict", " ._fields", " ._Environ")
real = [r for r in private_reads if not r.startswith("photo_tagger/app.py") and not r.endswith(PUBLIC_UNDERSCORE)
        and not r.endswith("hasattr")] + app_probes
print("reads of another object's private state outside app.py (the composition root):", len(real))
print("reads of private state / __dict__ / hasattr outside self:", len(private_reads),
      "(in cli/, gui/ and services/:", len(front), ")")
print("imports from cli/ and gui/ into infra/:", len(infra_imports))
if "-v" in sys.argv:
    print("\n".join(real))
