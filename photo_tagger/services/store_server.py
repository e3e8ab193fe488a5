"""A library server: its token in the keyring, a check of the connection, a TLS proxy's config for it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from photo_tagger.config import Settings
from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra import store_auth
from photo_tagger.infra.caddy_config import DEBIAN_INTERNAL_CA, ProxyPlan, caddyfile, new_token

__all__ = ["DEBIAN_INTERNAL_CA", "ProxyConfig", "ProxyPlan", "check_server", "forget_token", "save_token",
           "server_url", "write_proxy_config"]


def server_url(url: str) -> str:
    """The library server's URL (a --url, else the store_url setting); one line when there is none or it is not
    an http(s) URL."""
    url = url.strip()
    if not url:
        raise PhotoTaggerError("no library server: give --url https://host:port, or set store_url first")
    Settings(store_url=url)
    return url


def save_token(url: str, token: str) -> None:
    store_auth.save_token(url, token)


def forget_token(url: str) -> bool:
    """Whether a token was saved (and is now gone)."""
    return store_auth.forget_token(url)


def check_server(url: str, ca_file: str) -> str:
    """How this computer reaches the server ("token from the keyring", "no token"); raises the one-line problem
    when it does not answer like a Chroma server."""
    access = store_auth.StoreAccess.for_server(url, ca_file)
    problem = store_auth.probe(access)
    if problem:
        raise PhotoTaggerError(problem)
    return f"token from the {access.token_source}" if access.token else "no token"


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
