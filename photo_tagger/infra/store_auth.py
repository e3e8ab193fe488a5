"""Access to a library server behind a token-checking TLS proxy: the token (system keyring or environment), the CA
to trust, and the one place that tells a refused token, an untrusted certificate and an absent server apart."""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from photo_tagger.core.errors import PhotoTaggerError
from photo_tagger.infra.store_retry import (
    AWAY,
    CONNECTION_ERRORS,
    ServerAway,
    StoreRefused,
    StoreUnavailable,
    StoreUnreachable,
    StoreUntrusted,
    certificate_problem,
)

log = logging.getLogger(__name__)

TOKEN_ENV = "PHOTO_TAGGER_STORE_TOKEN"
KEYRING_SERVICE = "photo-tagger library server"
PROBE_TIMEOUT_S = 3.0
# The words the window and the command line use for each failure (tests and the README quote them).
REFUSED = "the server refused the token"
UNTRUSTED = "the server's certificate is not trusted"
AWAY_STATUSES = (502, 503, 504)  # a proxy whose Chroma is down, restarting or too slow: waited for like no server


class TokenStoreError(PhotoTaggerError):
    """The system keyring cannot keep or give the token."""


def server_key(url: str) -> str:
    """The keyring entry for a server: host:port, so http:// and https:// spellings of one server share it."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError:
        port = 0
    return f"{(parts.hostname or '').lower()}:{port}"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_keyring(exc: BaseException) -> str:
    return (f"no system keyring is available here ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
            f"give the token in the environment variable {TOKEN_ENV} instead")


def read_token(url: str, env: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    """(token, where it came from, why the keyring could not be asked): the environment first (headless use),
    then the system keyring."""
    env = os.environ if env is None else env
    if env.get(TOKEN_ENV, "").strip():
        return env[TOKEN_ENV].strip(), "environment", ""
    import keyring

    try:
        token = keyring.get_password(KEYRING_SERVICE, server_key(url))
    except Exception as exc:  # NoKeyringError, a locked or broken D-Bus secret service: the app still runs
        return "", "", _no_keyring(exc)
    return (token or ""), ("keyring" if token else ""), ""


def save_token(url: str, token: str) -> None:
    import keyring

    token = token.strip()
    if not token:
        raise TokenStoreError("the token is empty")
    try:
        keyring.set_password(KEYRING_SERVICE, server_key(url), token)
    except Exception as exc:
        raise TokenStoreError(f"cannot save the token: {_no_keyring(exc)}") from None


def forget_token(url: str) -> bool:
    """Remove the saved token; False when there was none (or no keyring)."""
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(KEYRING_SERVICE, server_key(url))
    except keyring.errors.PasswordDeleteError:
        return False
    except Exception as exc:
        raise TokenStoreError(f"cannot remove the token: {_no_keyring(exc)}") from None
    return True


def has_saved_token(url: str) -> bool:
    token, source, _ = read_token(url, env={})
    return source == "keyring" and bool(token)


class StoreRefusedLocally(StoreUnavailable):
    """The app itself refuses to connect (a token over plain http)."""


@dataclass(frozen=True)
class StoreAccess:
    """How to reach one server: its URL, the token to send (never shown: repr=False) and a CA file to trust."""

    url: str
    token: str = field(default="", repr=False)
    ca_file: str = ""
    token_source: str = ""  # "environment", "keyring" or "" (none)
    keyring_problem: str = ""

    @classmethod
    def for_server(cls, url: str, ca_file: str = "", env: Mapping[str, str] | None = None) -> StoreAccess:
        token, source, problem = read_token(url, env)
        return cls(url, token, ca_file, source, problem)

    def headers(self) -> dict[str, str]:
        """Chroma's clients send `Authorization: Bearer <token>` (chromadb.auth.token_authn); so do we."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def check(self) -> None:
        """Refuse, in one line, to send the token in clear text, or to use a CA file that is not there."""
        if self.token and urlsplit(self.url).scheme == "http" and not is_loopback(self.url):
            where = "the environment" if self.token_source == "environment" else "the keyring"
            raise StoreRefusedLocally(f"refusing to send the library token over plain http to {self.url}: use "
                                      f"https:// (a TLS proxy in front of Chroma, see README), or remove the token "
                                      f"from {where} for an unprotected server")
        if self.ca_file and not Path(self.ca_file).expanduser().is_file():
            raise StoreUnavailable(f"store_ca_file {self.ca_file!r} is not a file (the certificate, PEM, of the "
                                   f"authority that signed the server's certificate)")

    def chroma_verify(self) -> bool | str:
        """For chromadb's chroma_server_ssl_verify: verify always, against the CA file when one is named."""
        return str(Path(self.ca_file).expanduser()) if self.ca_file else True

    def ssl_context(self) -> ssl.SSLContext:
        try:
            if self.ca_file:
                return ssl.create_default_context(cafile=str(Path(self.ca_file).expanduser()))
            import certifi  # httpx's own default, so a probe trusts what chromadb's session trusts

            return ssl.create_default_context(cafile=certifi.where())
        except (OSError, ssl.SSLError) as exc:
            raise StoreUnavailable(f"store_ca_file {self.ca_file!r} is not a certificate (PEM): {exc}") from None


def check_answer(response: httpx.Response, where: str, access: StoreAccess | None = None) -> None:
    """Raise for an answer that is the proxy's, not Chroma's: 401/403 (StoreRefused, never retried) and
    502/503/504 (ServerAway, waited for as an unreachable server)."""
    status = response.status_code
    if status in (401, 403):
        raise StoreRefused(refused_line(where, status, access))
    if status in AWAY_STATUSES:
        raise ServerAway(f"the proxy at {where} answered HTTP {status} (is `chroma run` running behind it?)")


def refused_line(where: str, status: int, access: StoreAccess | None) -> str:
    if access is None or access.token:
        source = f" (from {access.token_source})" if access and access.token_source else ""
        hint = f"the token{source} is wrong: save the right one in Settings or with `photo-tagger store token set`"
    else:
        hint = ("no token was sent: save one in Settings or with `photo-tagger store token set`, or set "
                f"{TOKEN_ENV}")
        if access.keyring_problem:
            hint += f" ({access.keyring_problem})"
    return f"{REFUSED} ({where} answered HTTP {status}): {hint}"


def response_hook(where: str, access: StoreAccess):
    """An httpx response hook for chromadb's session: proxy answers become the errors above."""
    return lambda response: check_answer(response, where, access)


def explain(exc: BaseException, where: str = "") -> str:
    """One line in words for a failure to reach a library server (CLI and window alike)."""
    at = f" ({where})" if where else ""
    if isinstance(exc, (StoreRefused, StoreUntrusted, StoreRefusedLocally, StoreUnreachable)):
        return str(exc)  # StoreUnreachable already says AWAY
    problem = certificate_problem(exc)
    if problem:
        return untrusted_line(where, problem)
    if isinstance(exc, CONNECTION_ERRORS):  # ServerAway included
        return f"{AWAY}{at}: {str(exc) or type(exc).__name__}"
    return str(exc) or type(exc).__name__


def untrusted_line(where: str, problem: str) -> str:
    return (f"{UNTRUSTED} ({where}: {problem}): set store_ca_file to the certificate of the authority that signed "
            f"it (with Caddy's `tls internal`: its root.crt)")


def probe(access: StoreAccess, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the server answers like Chroma with this token and CA; otherwise what is wrong, in words."""
    try:
        access.check()
        response = httpx.get(access.url.rstrip("/") + "/api/v2/heartbeat", headers=access.headers(),
                             verify=access.ssl_context() if access.url.startswith("https") else True, timeout=timeout)
        check_answer(response, access.url, access)
    except (PhotoTaggerError, *CONNECTION_ERRORS) as exc:
        return explain(exc, access.url)
    except httpx.HTTPError as exc:  # an invalid URL and the like
        return f"{access.url}: {exc}"
    if response.status_code != 200 or "heartbeat" not in response.text:
        return f"{access.url} does not answer like a Chroma server (HTTP {response.status_code})"
    return None
