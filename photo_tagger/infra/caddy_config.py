"""A Caddyfile for a Chroma server on a NAS: TLS on the home network, a bearer token checked on every request, and
`chroma run` reachable on loopback only behind it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from photo_tagger.core.errors import PhotoTaggerError

TOKEN_BYTES = 32  # secrets.token_urlsafe: 43 characters of [A-Za-z0-9_-], safe inside a quoted Caddyfile string
# Where Debian's caddy service (user caddy, HOME /var/lib/caddy) keeps the root of its `tls internal` CA.
DEBIAN_INTERNAL_CA = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True)
class ProxyPlan:
    """`listen`: the address the household's computers use (host:port); `chroma`: where `chroma run` listens
    (loopback); `cert`/`key`: certificate files, or neither for Caddy's own CA (`tls internal`)."""

    listen: str
    chroma: str = "127.0.0.1:8000"
    cert: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        host, _, port = self.listen.rpartition(":")
        if not host or not port.isdigit():
            raise PhotoTaggerError(f"--listen must be HOST:PORT (the name or address the other computers use, e.g. "
                                   f"nas.local:8443), not {self.listen!r}")
        if bool(self.cert) != bool(self.key):
            raise PhotoTaggerError("give both --cert and --key, or neither (Caddy then makes its own certificate "
                                   "authority: `tls internal`)")
        for value in (self.listen, self.chroma, self.cert, self.key):
            if any(c in value for c in '"{}\n\r\t ') or value.startswith("#"):
                raise PhotoTaggerError(f"{value!r} cannot go into a Caddyfile (quotes, braces or spaces)")

    @property
    def url(self) -> str:
        return f"https://{self.listen}"


GLOBAL_OPTIONS = """{
\tadmin off
\tskip_install_trust
\tauto_https disable_redirects
}
"""


def site_block(plan: ProxyPlan, token: str) -> str:
    """One site: requests without `Authorization: Bearer <token>` get 401 and never reach Chroma; with Chroma
    down, Caddy answers 502 (the app waits for it as for an absent server)."""
    if not token or any(not (c.isalnum() or c in "-_.~") for c in token):
        raise PhotoTaggerError("the token must be URL-safe text (photo-tagger makes one with secrets.token_urlsafe)")
    tls = f"tls {plan.cert} {plan.key}" if plan.cert else "tls internal"
    return f"""
{plan.url} {{
\t{tls}
\t@token header Authorization "Bearer {token}"
\thandle @token {{
\t\treverse_proxy {plan.chroma}
\t}}
\thandle {{
\t\trespond "library token missing or wrong" 401
\t}}
}}
"""


def caddyfile(plan: ProxyPlan, token: str) -> str:
    """The whole Caddyfile: no admin endpoint, no trust-store changes, HTTPS only."""
    return ("# Made by `photo-tagger store serve-config`. Keep this file private (it holds the library token).\n"
            + GLOBAL_OPTIONS + site_block(plan, token))
