"""A library server: its token in the keyring, a check of the connection, a TLS proxy's config for it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra.caddy_config import DEBIAN_INTERNAL_CA, ProxyPlan, caddyfile, new_token

__all__ = [
    "DEBIAN_INTERNAL_CA",
    "ProxyConfig",
    "ProxyPlan",
    "ServerAnswer",
    "access_summary",
    "check_server",
    "forget_token",
    "has_saved_token",
    "probe_server",
    "save_token",
    "server_url",
    "token_variable",
    "write_proxy_config",
]

# infra.store_auth is imported where it is used: it brings httpx and chromadb's errors, which commands that never
# reach a server do not load (tests/e2e/test_cli_imports.py).


def token_variable() -> str:
    """The environment variable a token can come from instead of the keyring."""
    from photo_tagger.infra.store_auth import TOKEN_ENV

    return TOKEN_ENV


def server_url(url: str) -> str:
    """The library server's URL (a --url, else the store_url setting); one line when there is none or it is not
    an http(s) URL."""
    url = url.strip()
    if not url:
        raise PhotoTaggerError("no library server: give --url https://host:port, or set store_url first")
    Settings(store_url=url)
    return url


def save_token(url: str, token: str) -> None:
    from photo_tagger.infra import store_auth

    store_auth.save_token(url, token)


def forget_token(url: str) -> bool:
    """Whether a token was saved (and is now gone)."""
    from photo_tagger.infra import store_auth

    return store_auth.forget_token(url)


def has_saved_token(url: str) -> bool:
    from photo_tagger.infra import store_auth

    return store_auth.has_saved_token(url)


@dataclass(frozen=True)
class ServerAnswer:
    problem: str  # what is wrong, in words ("" : it answers like a Chroma server)
    token_from: str  # "environment", "keyring", "typed" or "" (no token)


def probe_server(url: str, ca_file: str, token: str = "") -> ServerAnswer:
    """Connect as the app will (its token, the CA file; `token`: one typed but not saved yet) and say what is
    wrong. Blocks up to a few seconds: never on the GUI thread."""
    from photo_tagger.infra import store_auth

    access = store_auth.StoreAccess.for_server(url, ca_file)
    if token:
        access = store_auth.StoreAccess(url, token, ca_file)
    source = "typed" if token else access.token_source if access.token else ""
    return ServerAnswer(store_auth.probe(access) or "", source)


def check_server(url: str, ca_file: str) -> str:
    """`store check`: how this computer reaches the server ("token from the keyring", "no token"); raises the
    one-line problem when it does not answer like a Chroma server."""
    answer = probe_server(url, ca_file)
    if answer.problem:
        raise PhotoTaggerError(answer.problem)
    return f"token from the {answer.token_from}" if answer.token_from else "no token"


def access_summary(url: str, ca_file: str) -> dict:
    """Where the library's vectors live and where a server's token would come from: never the token itself."""
    from photo_tagger.infra import store_auth

    if not url:
        return {"url": "", "token": "", "ca_file": ""}
    access = store_auth.StoreAccess.for_server(url, ca_file)
    token = (
        f"from the {access.token_source}"
        if access.token
        else "none" + (f" ({access.keyring_problem})" if access.keyring_problem else "")
    )
    return {"url": url, "token": token, "ca_file": access.ca_file}


@dataclass(frozen=True)
class ProxyConfig:
    plan: ProxyPlan
    caddyfile: Path
    token_file: Path


def write_proxy_config(plan: ProxyPlan, out: Path) -> ProxyConfig:
    """A Caddyfile for a TLS proxy that checks a fresh random token in front of `chroma run`, and the token file,
    in `out` (made private: both files readable by the user only)."""
    token = new_token()
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    for name, text in (("Caddyfile", caddyfile(plan, token)), ("store-token", token + "\n")):
        path = out / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o600)  # an older file keeps its mode through O_CREAT
    return ProxyConfig(plan, out / "Caddyfile", out / "store-token")
