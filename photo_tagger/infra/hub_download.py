"""Fetch only the named files of a Hugging Face hub repo: with progress, resumed after an interruption, each verified.

huggingface_hub resolves the repo (its commit and each file's size and hashes) and gives the file URLs, session and
headers; the bytes are fetched here, because its own hf_hub_download (2.x) deletes a partial file when its process
dies (a unique temp file per process). Here a partial download stays as `<file>.part` under
<models>/.downloads/<repo>/<commit>/ and the next try asks only for the rest (HTTP Range). Every file is then hashed
against the hub's own record (sha256 for LFS files, the git blob id for small ones) at the commit resolved once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from photo_tagger.core.errors import ModelError
from photo_tagger.core.jobs import Cancelled
from photo_tagger.infra.model_export import HubDownloadError
from photo_tagger.infra.model_store import sha256_of

log = logging.getLogger(__name__)

_TIMEOUT = 30.0  # seconds without a byte before a download counts as stalled (it resumes on the next try)


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


def listing(repo_id: str, *, revision: str | None = None, endpoint: str | None = None,
            timeout: float = _TIMEOUT) -> Listing:
    """The files of `repo_id` at `revision` (default: its main branch), resolved to a commit hash."""
    from huggingface_hub import HfApi

    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "15")
    try:
        info = HfApi(endpoint=endpoint).model_info(repo_id, revision=revision, files_metadata=True, timeout=timeout)
    except Exception as exc:
        raise _hub_error(repo_id, exc) from exc
    remote = {s.rfilename: RemoteFile(s.rfilename, s.size, s.lfs.sha256 if s.lfs else None, s.blob_id)
              for s in info.siblings or ()}
    return Listing(repo_id, info.sha, remote)


def fetch(repo: Listing, filenames: list[str], downloads_dir: Path, *, progress=None, control=None,
          endpoint: str | None = None) -> dict[str, Path]:
    """Download `filenames` of the listed repo at its commit under `downloads_dir`, each checked against the
    listing; `progress` (core Progress) hears the bytes of all files together; `control` (core JobControl) can
    pause or cancel between chunks (Cancelled; what was fetched stays for the next try)."""
    missing = [f for f in filenames if f not in repo.remote]
    if missing:
        raise ModelError(f"{repo.repo_id} is not a ready ONNX model in the layout Photo Tagger reads: it lacks "
                         f"{', '.join(missing)}")
    folder = download_folder(downloads_dir, repo)
    total = sum(repo.remote[f].size or 0 for f in filenames)
    if progress is not None:
        progress.started(total or None, f"downloading {repo.repo_id}")
    done = 0
    try:
        files = {}
        for name in filenames:
            if control is not None:  # between files too: a file fetched before is only checked, with no chunk
                control.checkpoint()
            files[name] = _fetch_one(repo, repo.remote[name], folder / name, endpoint,
                                     lambda n, base=done: progress and progress.advanced(base + n), control)
            done += files[name].stat().st_size
        return files
    finally:
        if progress is not None:
            progress.finished()


def download_folder(downloads_dir: Path, repo: Listing) -> Path:
    return downloads_dir / repo.repo_id.replace("/", "--") / repo.commit


def _fetch_one(repo: Listing, remote: RemoteFile, dest: Path, endpoint: str | None, report, control) -> Path:
    from filelock import FileLock

    dest.parent.mkdir(parents=True, exist_ok=True)
    # Two installs of one repo at once (the window and a terminal) would append to the same .part: one waits, then
    # finds the file there and only checks it. The OS drops the lock of a process that dies.
    with FileLock(str(dest) + ".lock"):
        return _fetch_locked(repo, remote, dest, endpoint, report, control)


def _fetch_locked(repo: Listing, remote: RemoteFile, dest: Path, endpoint: str | None, report, control) -> Path:
    problem = ""
    for attempt in (1, 2):
        if not dest.is_file():
            try:
                _download(repo, remote, dest, endpoint, report, control)
            except (ModelError, Cancelled):
                raise
            except Exception as exc:  # httpx, OSError ...: the partial file stays for the next try
                raise _hub_error(repo.repo_id, exc) from exc
        problem = file_problem(dest, remote)
        if not problem:
            return dest
        log.info("%s of %s: %s (attempt %d)", remote.path, repo.repo_id, problem, attempt)
        dest.unlink()  # start that file over once
    raise ModelError(f"{remote.path} of {repo.repo_id} does not match the hub's record of it ({problem}) after two "
                     "downloads; nothing was installed")


def _download(repo: Listing, remote: RemoteFile, dest: Path, endpoint: str | None, report, control) -> None:
    import httpx
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    part = dest.with_name(dest.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.is_file() else 0
    if remote.size is not None and have > remote.size:
        have = 0
    # At the commit resolved by `listing`: the files of one install never mix two revisions.
    url = hf_hub_url(repo.repo_id, remote.path, revision=repo.commit, endpoint=endpoint)
    headers = {**build_hf_headers(), "Accept-Encoding": "identity"}  # sizes must be the file's own
    if have:
        headers["Range"] = f"bytes={have}-"
    # httpx itself (a dependency of the app): the hub client's session type changed between its major versions.
    with httpx.stream("GET", url, headers=headers, follow_redirects=True, timeout=_TIMEOUT) as response:
        if response.status_code >= 400:
            raise ModelError(f"cannot download {remote.path} of {repo.repo_id}: the hub answered HTTP "
                             f"{response.status_code}; run the install again later (it resumes)")
        if have and response.status_code != 206:  # the server ignored the Range: take the whole file
            have = 0
        with part.open("ab" if have else "wb") as f, tqdm(
                total=remote.size, initial=have, unit="B", unit_scale=True, desc=remote.path, leave=False,
                disable=not sys.stderr.isatty()) as bar:
            f.truncate(have)
            report(have)
            for chunk in response.iter_bytes():
                if control is not None:
                    control.checkpoint()
                f.write(chunk)
                f.flush()  # what a killed process leaves on disk is what the next try resumes from
                have += len(chunk)
                bar.update(len(chunk))
                report(have)
    os.replace(part, dest)


def file_problem(path: Path, remote: RemoteFile) -> str:
    """Why a local copy is not the hub's file ("" when it is): size, then sha256 or the git blob id."""
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        return f"{size} bytes, the hub says {remote.size}"
    if remote.sha256:
        return "" if sha256_of(path) == remote.sha256 else "sha256 differs"
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


def _hub_error(repo_id: str, exc: Exception) -> ModelError:
    from huggingface_hub.errors import RepositoryNotFoundError, RevisionNotFoundError

    if isinstance(exc, ModelError):
        return exc
    if isinstance(exc, RepositoryNotFoundError):
        return ModelError(f"no model {repo_id} on the Hugging Face hub (or it is private); check the id, e.g. "
                          "immich-app/ViT-B-32__openai")
    if isinstance(exc, RevisionNotFoundError):
        return ModelError(f"{repo_id} has no such revision on the Hugging Face hub")
    reason = network_reason(exc) or (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
    return HubDownloadError(
        f"cannot download {repo_id} from the Hugging Face hub ({reason}). Without network: fetch the model "
        "folder on another machine and run `photo-tagger model install FOLDER`; a download started resumes "
        "where it stopped", repo_id, reason)


# What a failed connection means, in words ("[Errno -2] Name or service not known" says nothing to most people).
_DNS = ("name or service not known", "temporary failure in name resolution", "nodename nor servname",
        "no address associated", "getaddrinfo failed", "name resolution")
_UNREACHABLE = ("network is unreachable", "no route to host", "connection refused", "failed to establish a new "
                "connection", "connecterror", "connection reset", "connection aborted")


def network_reason(exc: BaseException) -> str:
    """A failed download's cause in plain words where it is the network ("no network: ..."), "" for anything
    else. Looks through the whole chain of causes: httpx and requests wrap the socket's error several deep."""
    import socket

    seen, chain = set(), [exc]
    texts = []
    while chain:
        current = chain.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            texts.append("name or service not known")
        elif isinstance(current, (TimeoutError, socket.timeout)):
            texts.append("timed out")
        texts.append(f"{type(current).__name__} {current}".lower())
        chain += [current.__cause__, current.__context__, *(a for a in current.args if isinstance(a, BaseException))]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            chain.append(reason)
    text = " ".join(texts)
    if "offline mode is enabled" in text or "offlinemodeisenabled" in text:
        return "no network: downloads are off (HF_HUB_OFFLINE is set)"
    if any(words in text for words in _DNS):
        return "no network: the Hugging Face hub's address could not be looked up (offline, or no DNS)"
    if any(words in text for words in _UNREACHABLE):
        return "no network: the Hugging Face hub could not be reached"
    if "timed out" in text or "timeout" in text:
        return "no answer from the Hugging Face hub in time: a slow network, or none"
    if "certificate" in text or "ssl" in text:
        return "a secure connection to the Hugging Face hub failed (a proxy, or the computer's certificates)"
    return ""
