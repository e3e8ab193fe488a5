"""Installed models: one folder each, with a manifest that names and hashes every file.

A folder becomes an installed model only by an atomic rename after it is complete and verified,
so an interrupted install never leaves a model that looks usable.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from photo_tagger.core.errors import ModelError
from photo_tagger.core.types import PreprocessSpec

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
_STAGING_PREFIX = ".staging-"
_REQUIRED_KEYS = ("name", "embedding_dim", "image_size", "mean", "std", "logit_scale", "context_length", "files")
# Manifest fields besides the files that change what the model outputs for a photo or a text.
_OUTPUT_KEYS = ("embedding_dim", "image_size", "mean", "std", "context_length", "pad_token_id")
# Ones only ready-made models (infra/ready_models.py) declare: counted only when present, so the fingerprints of
# models installed before them stay the same.
_LAYOUT_KEYS = ("resize_mode", "interpolation", "image_input", "text_input", "text_dtype", "text_padding",
                "text_clean", "text_mask_input", "text_padding_side")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Folder names that say nothing of the model in them: a name is looked for in its config, then further up.
_GENERIC_FOLDERS = {"model", "models", "onnx", "export", "exported", "checkpoint", "checkpoints", "weights", "files",
                    "snapshots", "main", "download", "downloads", "clip", "textual", "visual", "latest", "final"}


def model_name_for(source: str) -> str:
    """A folder-safe model name: the last part of a hub id; for a folder, the model's own name where its files say
    it (a Photo Tagger manifest, a transformers config's _name_or_path, a Hugging Face cache's models--org--name),
    else the first folder name on the way up that is not a generic one ("model", "onnx", a snapshot hash)."""
    path = Path(source).expanduser()
    if path.is_dir():
        for found in _names_in_folder(path.resolve()):
            name = _safe_name(found)
            if name:
                return name
    name = _safe_name(source)
    if not name:
        raise ModelError(f"cannot derive a model name from {source!r}; pass --name")
    return name


def _safe_name(text: str) -> str:
    base = text.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")


def _names_in_folder(folder: Path):
    """Names for the model in `folder`, best first (see model_name_for)."""
    for config, keys in ((folder / MANIFEST, ("name",)), (folder / "config.json", ("_name_or_path", "name"))):
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key in keys:
            value = data.get(key) if isinstance(data, dict) else None
            if isinstance(value, str) and value.strip() and not Path(value).is_absolute():
                yield value.strip()
    for part in (folder, *folder.parents):
        if part.name.startswith("models--"):  # the Hugging Face cache: models--org--name/snapshots/<revision>
            yield part.name.split("--")[-1]
            return
    for part in (folder, *folder.parents):
        name = part.name
        if name and name.lower() not in _GENERIC_FOLDERS and not re.fullmatch(r"[0-9a-f]{20,}", name):
            yield name
            return


@dataclass(frozen=True)
class InstalledModel:
    """A model folder whose manifest was read; `check_files` confirms its files before loading."""

    name: str
    path: Path
    manifest: dict

    @property
    def embedding_dim(self) -> int:
        return int(self.manifest["embedding_dim"])

    @property
    def logit_scale(self) -> float | None:
        """CLIP's softmax temperature; for SigLIP the sigmoid's scale (None where the layout does not carry it)."""
        value = self.manifest["logit_scale"]
        return None if value is None else float(value)

    @property
    def sigmoid(self) -> tuple[float, float] | None:
        """SigLIP's own (scale, bias): p = sigmoid(scale * cos + bias) per image-text pair; None for CLIP, and for
        a SigLIP export that lacks its trained values (Immich's layout)."""
        m = self.manifest
        if m.get("family") != "siglip" or m.get("logit_scale") is None or m.get("logit_bias") is None:
            return None
        return float(m["logit_scale"]), float(m["logit_bias"])

    @property
    def context_length(self) -> int:
        return int(self.manifest["context_length"])

    @property
    def pad_token_id(self) -> int:
        return int(self.manifest.get("pad_token_id", 49407))

    @property
    def preprocess_spec(self) -> PreprocessSpec:
        m = self.manifest
        return PreprocessSpec(int(m["image_size"]), tuple(m["mean"]), tuple(m["std"]),
                              m.get("resize_mode", "shortest"), m.get("interpolation", "bicubic"))

    @property
    def fingerprint(self) -> str:
        """The model's content identity: a digest of every file's sha256 and of the preprocessing it declares.

        A model replaced under the same name gets a new fingerprint, so nothing it did not encode is taken for
        its work (catalog, vectors, Chroma collection, text cache all key on `key`)."""
        m = self.manifest
        content = {"files": {f: e["sha256"] for f, e in sorted(m["files"].items())},
                   **{k: m.get(k) for k in _OUTPUT_KEYS}, **{k: m[k] for k in _LAYOUT_KEYS if k in m}}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def key(self) -> str:
        """What the library records as "encoded by": name@fingerprint (readable, and changes with the content)."""
        return f"{self.name}@{self.fingerprint}"

    @property
    def installed_at(self) -> float:
        """When these files were installed here (the manifest is written last, at install)."""
        return float(self.manifest.get("installed_at") or (self.path / MANIFEST).stat().st_mtime)

    def check_file(self, filename: str) -> tuple:
        """Hash one file against the manifest; returns its stat identity, for the caller to see after loading
        that it did not change meanwhile (the ctime moves with any write, even one that restores the mtime)."""
        path = self.path / filename
        try:
            before = _identity(path)
            intact = sha256_of(path) == self.manifest["files"][filename]["sha256"]
        except OSError as exc:
            raise ModelError(f"cannot read {filename} of model {self.name}: {exc.strerror or exc}; "
                             "reinstall the model") from None
        if not intact:
            raise self._damaged(filename)
        return before

    def unchanged_since(self, filename: str, identity: tuple) -> None:
        try:
            same = _identity(self.path / filename) == identity
        except OSError:
            same = False
        if not same:
            raise ModelError(f"{filename} of model {self.name} changed while it was loaded; run the command again")

    def _damaged(self, filename: str) -> ModelError:
        return ModelError(
            f"cannot load {filename} of model {self.name}: it does not match its manifest (damaged or changed: "
            f"{self.path / filename}); nothing was encoded with it. Run `photo-tagger model verify {self.name}`, "
            "then reinstall the model")

    def read_verified(self, filename: str) -> bytes:
        """A model file's bytes, checked against the manifest's sha256 before anything uses them.

        The caller loads these very bytes, so a file changed after the check cannot slip in (no second read)."""
        path = self.path / filename
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read {filename} of model {self.name}: {exc.strerror or exc}; "
                             "reinstall the model") from None
        if hashlib.sha256(data).hexdigest() != self.manifest["files"][filename]["sha256"]:
            raise self._damaged(filename)
        return data

    @property
    def precisions(self) -> tuple[str, ...]:
        return tuple(p for p in ("fp32", "int8") if f"image_{p}.onnx" in self.manifest["files"])

    def image_encoder_file(self, precision: str) -> Path:
        if precision not in self.precisions:
            raise ModelError(
                f"model {self.name} has no {precision} image encoder "
                f"(has: {', '.join(self.precisions)}); reinstall it with --int8 or choose fp32"
            )
        return self.path / f"image_{precision}.onnx"

    @property
    def text_encoder_file(self) -> Path:
        return self.path / "text_fp32.onnx"

    @property
    def tokenizer_file(self) -> Path:
        return self.path / "tokenizer.json"

    def check_files(self) -> None:
        """Cheap load-time check (presence and size); `verify` re-hashes everything."""
        for filename, entry in self.manifest["files"].items():
            path = self.path / filename
            if not path.is_file():
                raise ModelError(f"model {self.name} is incomplete: {filename} is missing; reinstall it")
            if path.stat().st_size != entry["size"]:
                raise ModelError(
                    f"model {self.name} is corrupted: {filename} has {path.stat().st_size} bytes, "
                    f"expected {entry['size']}; run `photo-tagger model verify` or reinstall it"
                )

    def verify(self) -> list[str]:
        """Re-hash every file against the manifest; returns the problems found (empty = intact)."""
        problems = []
        for filename, entry in self.manifest["files"].items():
            path = self.path / filename
            if not path.is_file():
                problems.append(f"{filename}: missing")
            elif sha256_of(path) != entry["sha256"]:
                problems.append(f"{filename}: sha256 mismatch (file changed or corrupted)")
        return problems


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder} is not a model folder: {MANIFEST} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is unreadable: {exc}") from exc
    missing = [k for k in _REQUIRED_KEYS if k not in manifest] if isinstance(manifest, dict) else ["all"]
    if missing:
        raise ModelError(f"{path} is not a valid model manifest (missing: {', '.join(missing)})")
    if manifest.get("format", MANIFEST_FORMAT) > MANIFEST_FORMAT:
        raise ModelError(f"{path} was written by a newer Photo Tagger (format {manifest['format']})")
    return manifest


class ModelStore:
    """The models folder: install, import, list, verify, remove."""

    def __init__(self, models_dir: Path):
        self.models_dir = models_dir

    def names(self) -> list[str]:
        if not self.models_dir.is_dir():
            return []
        return sorted(
            p.name for p in self.models_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def get(self, name: str) -> InstalledModel:
        folder = self.models_dir / name
        if not folder.is_dir() or name.startswith("."):
            installed = ", ".join(self.names()) or "none"
            raise ModelError(f"no model named {name!r} is installed (installed: {installed})")
        return InstalledModel(name, folder, read_manifest(folder))

    def list(self) -> list[tuple[str, InstalledModel | None, str]]:
        """Every model folder as (name, model or None, problem); broken folders are listed, not hidden."""
        rows = []
        for name in self.names():
            try:
                model = self.get(name)
                model.check_files()
                rows.append((name, model, ""))
            except ModelError as exc:
                rows.append((name, None, str(exc)))
        return rows

    def install_from_checkpoint(self, source: str, *, name: str | None = None, int8: bool = False,
                                replace: bool = False) -> InstalledModel:
        """Download (hub id) or read (folder) a transformers checkpoint, export, verify, install."""
        from photo_tagger.infra import model_export

        name = name or model_name_for(source)
        self.check_free(name, replace)
        with self.staging(name) as staging:
            checkpoint, kind, revision = model_export.resolve_source(source, self.models_dir / ".downloads")
            result = model_export.export_checkpoint(checkpoint, staging, int8=int8)
            if kind == "folder":
                revision = _folder_revision(checkpoint)
            manifest = {
                "format": MANIFEST_FORMAT,
                "name": name,
                "source": source if kind == "hub" else str(checkpoint),
                "source_kind": kind,
                "revision": revision,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                **result.info,
                "files": {f: _file_entry(staging / f) for f in result.files},
            }
            return self.commit(staging, name, manifest, replace)

    def install(self, source: str, **options) -> InstalledModel:
        """Any source: a ready ONNX model (Immich's layout; hub id or folder, no torch), a folder Photo Tagger
        exported (imported), else a transformers checkpoint (exported; needs torch). See infra/ready_models.py."""
        from photo_tagger.infra import ready_models

        return ready_models.install_any(self, source, **options)

    def install_folder(self, folder: Path, name: str | None = None) -> InstalledModel:
        """A model folder Photo Tagger exported (has a manifest) is imported, a ready ONNX model installed;
        anything else is taken for a transformers checkpoint and exported (needs torch). `name`: the user's, else
        model_name_for(folder)."""
        from photo_tagger.infra.ready_models import looks_ready

        name = name or model_name_for(str(folder))
        if (folder / MANIFEST).is_file():
            return self.import_folder(folder, name=name)
        if looks_ready(folder):
            return self.install(str(folder), name=name)
        return self.install_from_checkpoint(str(folder), name=name)

    def import_folder(self, folder: Path, *, name: str | None = None, replace: bool = False) -> InstalledModel:
        """Install a model folder exported elsewhere; needs no torch, checks every hash."""
        folder = folder.expanduser().resolve()
        manifest = read_manifest(folder)
        problems = InstalledModel(manifest["name"], folder, manifest).verify()
        if problems:
            raise ModelError(f"{folder} does not match its manifest: " + "; ".join(problems))
        name = name or manifest["name"]
        self.check_free(name, replace)
        with self.staging(name) as staging:
            for filename in manifest["files"]:
                shutil.copy2(folder / filename, staging / filename)
            # Hash the copies too: a flaky disk or a file changed meanwhile must not slip through.
            copied = InstalledModel(name, staging, manifest).verify()
            if copied:
                raise ModelError("copy failed verification: " + "; ".join(copied))
            return self.commit(staging, name, {**manifest, "name": name}, replace)

    def remove(self, name: str) -> None:
        folder = self.models_dir / name
        if not folder.is_dir() or name.startswith("."):
            raise ModelError(f"no model named {name!r} is installed")
        trash = self.models_dir / f"{_STAGING_PREFIX}removed-{name}-{uuid.uuid4().hex[:8]}"
        os.replace(folder, trash)  # atomic: the name disappears at once, deletion can fail later
        shutil.rmtree(trash, ignore_errors=True)

    def check_free(self, name: str, replace: bool) -> None:
        if (self.models_dir / name).exists() and not replace:
            raise ModelError(f"a model named {name!r} is already installed; use --replace or --name OTHER")

    def staging(self, name: str):
        return _StagingFolder(self.models_dir, name)

    def commit(self, staging: Path, name: str, manifest: dict, replace: bool) -> InstalledModel:
        # The manifest is written last: a folder without one is never taken for a model.
        manifest = {**manifest, "installed_at": time.time()}
        tmp = staging / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, staging / MANIFEST)
        target = self.models_dir / name
        if target.exists() and replace:
            self.remove(name)
        os.replace(staging, target)
        log.info("installed model %s in %s", name, target)
        return InstalledModel(name, target, manifest)


class _StagingFolder:
    """A hidden folder beside the models that is deleted unless it was committed (renamed away)."""

    def __init__(self, models_dir: Path, name: str):
        self.models_dir = models_dir
        self.path = models_dir / f"{_STAGING_PREFIX}{os.getpid()}-{name}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Path:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        _remove_stalestaging(self.models_dir)
        self.path.mkdir()
        return self.path

    def __exit__(self, *exc_info) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)


def _remove_stalestaging(models_dir: Path) -> None:
    """Delete leftovers of installs that were killed midway (their process is gone)."""
    for leftover in models_dir.glob(_STAGING_PREFIX + "*"):
        pid = leftover.name[len(_STAGING_PREFIX):].split("-", 1)[0]
        if not (pid.isdigit() and _process_alive(int(pid))):
            shutil.rmtree(leftover, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _identity(path: Path) -> tuple:
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _file_entry(path: Path) -> dict:
    return {"sha256": sha256_of(path), "size": path.stat().st_size}


def _folder_revision(checkpoint: Path) -> str:
    """For a local checkpoint, the hash of its weights identifies what was exported."""
    weights = sorted(checkpoint.glob("*.safetensors")) or sorted(checkpoint.glob("*.bin"))
    return "sha256:" + sha256_of(weights[0]) if weights else ""
