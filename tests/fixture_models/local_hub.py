"""A Hugging Face hub on 127.0.0.1 serving local folders as model repos, for huggingface_hub pointed at it.

Serves what hf_hub_download and HfApi.model_info(files_metadata=True) ask for: the repo listing with each file's
size, git blob id and (for *.onnx, as LFS) sha256; HEAD/GET of /{repo}/resolve/{revision}/{path} with the commit
and etag headers, and Range requests (resume). Test knobs: `stall` sends the first N bytes of a file once and then
hangs (a download to kill midway); `rate` slows every file down to so many bytes/s (a download to cancel midway);
`corrupt` serves a file with one byte changed from what the listing says.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class LocalHub:
    def __init__(self, repos: dict[str, Path]):
        self.repos = {repo: Path(folder) for repo, folder in repos.items()}
        self.stall: dict[str, int] = {}  # repo path -> bytes sent before hanging (first GET only)
        self.corrupt: set[str] = set()
        self.rate: float | None = None  # bytes per second for every file body; None: as fast as it goes
        self.requests: list[tuple[str, str, str, str | None]] = []  # (method, repo, repo path, Range header)
        self.listings: list[str] = []  # the repos whose file list was asked for, in order
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "LocalHub":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def files(self, repo: str) -> dict[str, Path]:
        root = self.repos[repo]
        return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}

    def content(self, path: Path, repo_path: str) -> bytes:
        data = path.read_bytes()
        if repo_path in self.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    def sibling(self, repo_path: str, path: Path) -> dict:
        data = path.read_bytes()
        entry = {"rfilename": repo_path, "size": len(data),
                 "blobId": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
        if repo_path.endswith(".onnx"):
            entry["lfs"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "pointerSize": 134}
        return entry


def _handler(hub: LocalHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest's output clean
            pass

        def do_GET(self):
            self._serve(body=True)

        def do_HEAD(self):
            self._serve(body=False)

        def _serve(self, body: bool):
            path = unquote(urlsplit(self.path).path)
            parts = path.strip("/").split("/")
            if parts[:2] == ["api", "models"]:
                return self._listing("/".join(parts[2:4]))
            repo = "/".join(parts[:2])
            if repo not in hub.repos or len(parts) < 5 or parts[2] != "resolve":
                return self._error(404, "RepoNotFound" if repo not in hub.repos else "EntryNotFound")
            repo_path = "/".join(parts[4:])
            file = hub.files(repo).get(repo_path)
            if file is None:
                return self._error(404, "EntryNotFound")
            hub.requests.append((self.command, repo, repo_path, self.headers.get("Range")))
            self._file(repo_path, file, body)

        def _listing(self, repo: str):
            if repo not in hub.repos:
                return self._error(404, "RepoNotFound")
            hub.listings.append(repo)
            data = json.dumps({"id": repo, "sha": COMMIT, "siblings": [
                hub.sibling(p, f) for p, f in hub.files(repo).items()]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _file(self, repo_path: str, file: Path, body: bool):
            data = hub.content(file, repo_path)
            entry = hub.sibling(repo_path, file)
            etag = entry["lfs"]["sha256"] if "lfs" in entry else entry["blobId"]
            start = 0
            ranged = self.headers.get("Range")
            if body and ranged and ranged.startswith("bytes=") and ranged.endswith("-"):
                start = int(ranged[6:-1])
            self.send_response(206 if start else 200)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{etag}"')
            self.send_header("Content-Length", str(len(data) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            if not body:
                return
            stall_at = hub.stall.pop(repo_path, None)
            if stall_at is not None:
                self.wfile.write(data[start:stall_at])
                self.wfile.flush()
                hub.stalled.set()
                hub._release.wait(120)  # the client is killed meanwhile
                return
            if hub.rate is None:
                self.wfile.write(data[start:])
                return
            chunk = 64 * 1024
            for offset in range(start, len(data), chunk):  # a slow network: a download to cancel midway
                self.wfile.write(data[offset:offset + chunk])
                self.wfile.flush()
                time.sleep(chunk / hub.rate)

        def _error(self, code: int, error_code: str):
            self.send_response(code)
            self.send_header("X-Error-Code", error_code)
            self.send_header("X-Error-Message", error_code)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
