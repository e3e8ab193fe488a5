"""Fetch only the named files of a Hugging Face hub repo: with progress, resumed after an interruption, each verified.

huggingface_hub keeps a partial download as a `.incomplete` blob in its cache and continues it with a Range request
on the next call, so a killed install resumes where it stopped. Every file is then hashed against the hub's own
record of it (sha256 for LFS files, the git blob id for small ones) at the commit resolved once at the start.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from photo_tagger.core.errors import ModelError
from photo_tagger.infra.model_export import HubDownloadError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteFile:
    """One file of the repo as the hub records it at a commit."""

    path: str
    size: int | None
    sha256: str | None  # LFS files
    blob_id: str | None  # git blob sha1: what a small (non-LFS) file is checked against


@dataclass(frozen=True)
class Listing:
    """A repo's files at one commit, as the hub lists them."""

    repo_id: str
    commit: str
    remote: dict[str, RemoteFile]


def listing(repo_id: str, *, revision: str | None = None, endpoint: str | None = None) -> Listing:
    """The files of `repo_id` at `revision` (default: its main branch), resolved to a commit hash."""
    from huggingface_hub import HfApi

    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "15")
    try:
        info = HfApi(endpoint=endpoint).model_info(repo_id, revision=revision, files_metadata=True)
    except Exception as exc:
        raise _hub_error(repo_id, exc) from exc
    remote = {s.rfilename: RemoteFile(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None, s.blob_id)
              for s in info.siblings or ()}
    return Listing(repo_id, info.sha, remote)


def fetch(repo: Listing, filenames: list[str], cache_dir: Path, *, progress=None,
          endpoint: str | None = None) -> dict[str, Path]:
    """Download `filenames` of the listed repo at its commit into the hub cache under `cache_dir`, each checked
    against the listing; `progress` (core Progress) hears the bytes of all files together."""
    missing = [f for f in filenames if f not in repo.remote]
    if missing:
        raise ModelError(f"{repo.repo_id} is not a ready ONNX model in the layout Photo Tagger reads: it lacks "
                         f"{', '.join(missing)}")
    bar = _ByteProgress(progress, sum(repo.remote[f].size or 0 for f in filenames), f"downloading {repo.repo_id}")
    try:
        return {name: _fetch_one(repo.repo_id, repo.remote[name], repo.commit, cache_dir, endpoint, bar)
                for name in filenames}
    finally:
        bar.finished()


def _fetch_one(repo_id: str, remote: RemoteFile, commit: str, cache_dir: Path, endpoint: str | None,
               bar: "_ByteProgress") -> Path:
    from huggingface_hub import hf_hub_download

    for attempt in (1, 2):
        try:
            # At the commit resolved above: files of one install never mix two revisions.
            path = Path(hf_hub_download(repo_id, remote.path, revision=commit, cache_dir=cache_dir,
                                        endpoint=endpoint, force_download=attempt > 1,
                                        tqdm_class=bar.tqdm_class()))
        except Exception as exc:
            raise _hub_error(repo_id, exc) from exc
        problem = file_problem(path, remote)
        if not problem:
            bar.file_done(remote.size or path.stat().st_size)
            return path
        log.warning("%s of %s: %s (attempt %d)", remote.path, repo_id, problem, attempt)
    raise ModelError(f"{remote.path} of {repo_id} does not match the hub's record of it ({problem}) after two "
                     "downloads; nothing was installed")


def file_problem(path: Path, remote: RemoteFile) -> str:
    """Why a local copy is not the hub's file ("" when it is): size, then sha256 or the git blob id."""
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        return f"{size} bytes, the hub says {remote.size}"
    if remote.sha256:
        return "" if _sha256(path) == remote.sha256 else "sha256 differs"
    if remote.blob_id:
        return "" if git_blob_id(path) == remote.blob_id else "git blob id differs"
    return ""


def git_blob_id(path: Path) -> str:
    """The id git gives a file's content (what the hub lists for files not stored in LFS)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hub_error(repo_id: str, exc: Exception) -> ModelError:
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, RepositoryNotFoundError):
        return ModelError(f"no model {repo_id} on the Hugging Face hub (or it is private); check the id, e.g. "
                          "immich-app/ViT-B-32__openai")
    if isinstance(exc, RevisionNotFoundError):
        return ModelError(f"{repo_id} has no such revision on the Hugging Face hub")
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    return HubDownloadError(
        f"cannot download {repo_id} from the Hugging Face hub ({reason}). Without network: fetch the model "
        "folder on another machine and run `photo-tagger model install FOLDER`; a download started resumes "
        "where it stopped", repo_id, reason)


class _ByteProgress:
    """Bytes of all files as one count for a core Progress; huggingface_hub's own bars stay on the terminal."""

    def __init__(self, progress, total: int, what: str):
        self.progress = progress
        self.done = 0  # bytes of the files completed
        if progress is not None:
            progress.started(total or None, what)

    def tqdm_class(self):
        outer = self

        class Bar(tqdm):
            # Counted here, not read from tqdm's `n`: a disabled bar (HF_HUB_DISABLE_PROGRESS_BARS) keeps no count.
            def __init__(self, *args, **kwargs):
                self._bytes = int(kwargs.get("initial") or 0)  # a resumed file starts at the bytes already there
                super().__init__(*args, **kwargs)
                outer._report(self._bytes)

            def update(self, n=1):
                self._bytes += int(n or 0)
                outer._report(self._bytes)
                return super().update(n)

        return Bar

    def _report(self, current_file_bytes: int) -> None:
        if self.progress is not None:
            self.progress.advanced(self.done + current_file_bytes)

    def file_done(self, size: int) -> None:
        self.done += size
        self._report(0)

    def finished(self) -> None:
        if self.progress is not None:
            self.progress.finished()
